"""The calendar feed links on the person's profile: one per train they are on, and one for all
their trains. "Create a feed link" shows the new link once (its ``https://`` URL, which Google
Calendar needs, and a ``webcal://`` link that opens Outlook or Apple Calendar); "Revoke" makes
it answer 404. Only the SHA-256 of a link is stored, so an existing link cannot be shown again.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from rest_framework.authtoken.models import Token

from artops.calendar import services
from artops.calendar.models import CalendarFeedToken
from artops.calendar.urls import feed_path
from artops.forms import ProfileForm
from artops.models import ART, User
from artops.parsing import is_storable

ALL_TRAINS = "all"
SLUG_MAX = 60


def webcal(https_url: str) -> str:
    """The same feed as a ``webcal://`` link, which calendar apps open as a subscription."""
    return "webcal://" + https_url.split("://", 1)[1]


def feed_links_context(request: HttpRequest, *, new: CalendarFeedToken | None = None) -> dict:
    """What the profile's calendar section shows: a row per train and one for all trains, each
    with its active link (if any); ``new`` is a link just made, shown once with its URLs.
    Two queries whatever the number of trains."""
    user: User = request.user
    active = {token.art_id: token for token in CalendarFeedToken.objects.active().filter(user=user)}
    rows = [
        {"scope": art.slug, "label": art.name, "token": active.get(art.pk), "art": art}
        for art in ART.objects.visible_to(user).order_by("name")
    ]
    rows.append({"scope": ALL_TRAINS, "label": "All my trains", "token": active.get(None), "art": None})
    context: dict = {"feed_links": rows}
    if new is not None:
        https_url = request.build_absolute_uri(feed_path(new.secret))
        context["new_feed"] = {
            "label": new.art.name if new.art_id else "all your trains",
            "https": https_url,
            "webcal": webcal(https_url),
        }
    return context


@login_required
@require_POST
def feed_link_create(request: HttpRequest) -> HttpResponse:
    """Make a feed link for one of the person's trains (``train=<slug>``) or all of them (``train=all``);
    a new link revokes the old one of the same calendar. Answers the profile with the link shown once."""
    scope = request.POST.get("train", "")
    art = None
    if scope != ALL_TRAINS:
        if not scope or len(scope) > SLUG_MAX or not is_storable(scope):
            raise Http404("No such train among yours.")
        art = get_object_or_404(ART.objects.visible_to(request.user), slug=scope)
    token = services.create_feed_token(request.user, art=art)
    context = {
        "form": ProfileForm(initial={"display_name": request.user.display_name}),
        "token": Token.objects.filter(user=request.user).first(),
        **feed_links_context(request, new=token),
    }
    return render(request, "artops/profile.html", context)


@login_required
@require_POST
def feed_link_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    """Revoke one of the person's feed links: subscribed calendars stop updating (404)."""
    token = get_object_or_404(
        CalendarFeedToken.objects.active().filter(user=request.user).select_related("art"), pk=token_id
    )
    services.revoke_feed_token(token, by=request.user)
    scope = token.art.name if token.art_id else "all your trains"
    messages.success(request, f"Feed link of {scope} revoked: calendars subscribed to it no longer update.")
    return redirect("profile")
