"""Template tags shared by the pages of every app."""

from __future__ import annotations

from django import template
from django.urls import reverse

register = template.Library()


@register.inclusion_tag("artops/_pi_switcher.html", takes_context=True)
def pi_switcher(context, pis, current, url_name: str, *, in_query: bool = False, **kwargs) -> dict:
    """Links to the same page for each of the train's PIs, the shown one marked as current.

    The PI goes into the URL as its ``pi_id`` (``{% pi_switcher pis pi "team_board" team_id=team.pk %}``)
    or, with ``in_query=True``, as ``?pi=`` (``{% pi_switcher pis pi "roam_board" in_query=True %}``).
    Other keyword arguments are the URL's own (the team of a team's page). Nothing is shown
    when the train has no PI.
    """
    art_slug = context["art"].slug
    links = []
    for pi in pis:
        if in_query:
            href = f"{reverse(url_name, kwargs={'art_slug': art_slug, **kwargs})}?pi={pi.pk}"
        else:
            href = reverse(url_name, kwargs={"art_slug": art_slug, "pi_id": pi.pk, **kwargs})
        links.append({"pi": pi, "href": href, "current": current is not None and pi.pk == current.pk})
    return {"links": links}
