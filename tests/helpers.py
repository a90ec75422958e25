"""Small helpers shared by the page tests: URLs of a train, the status a persona should get, logging in."""

from django.urls import reverse

HTMX = {"HX-Request": "true"}


def url(name: str, art, **kwargs) -> str:
    """The URL of a page of ``art``."""
    return reverse(name, kwargs={"art_slug": art.slug, **kwargs})


def expected(persona: str, allowed: bool, ok: int = 200) -> int:
    """What a page answers: anonymous people log in first, outsiders find nothing, roles without the right 403."""
    if persona == "anonymous":
        return 302
    if persona == "outsider":
        return 404
    return ok if allowed else 403


def login(client, persona):
    """``client`` logged in as ``persona`` (None: anonymous)."""
    if persona is not None:
        client.force_login(persona)
    return client
