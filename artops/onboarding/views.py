"""Pages of onboarding: create a train, invite people (one by one or from a roster), accept an invitation.

The invitations page answers htmx with its section (invite form, pending invitations, resend) and a
plain request with the whole page; a refused change answers 422 with the reason and saves nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from artops.forms import MembershipForm, add_service_errors
from artops.models import ART, Membership
from artops.onboarding import roster, services
from artops.onboarding.forms import ARTCreateForm, NoticesForm, RosterConfirmForm, RosterUploadForm
from artops.onboarding.models import Invitation
from artops.onboarding.tokens import user_of
from artops.pages import UNPROCESSABLE, UploadError, answer, attempt, partial
from artops.permissions import art_capability_required, can_create_trains, require_train_creation

LOGIN_BACKEND = "django.contrib.auth.backends.ModelBackend"


# --- a new train -----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def art_create(request: HttpRequest) -> HttpResponse:
    """A new train with its key, time zone, cadence and first RTE (superusers and those granted it)."""
    require_train_creation(request.user)
    form = ARTCreateForm(request.POST or None)
    if request.method == "POST":
        outcome = attempt(
            form, lambda: services.create_art(by=request.user, **form.cleaned_data), refusal="The train was not created"
        )
        if outcome.done:
            art: ART = outcome.result
            messages.success(request, f"{art.name} created. Next: invite its people.")
            if Membership.objects.filter(art=art, user=request.user).exists():
                return redirect("invitation_list", art_slug=art.slug)
            return redirect("home")
    status = UNPROCESSABLE if form.errors else 200
    return render(request, "artops/art_create.html", {"form": form}, status=status)


# --- invitations -----------------------------------------------------------------------------


def _invitation_context(art: ART, form: MembershipForm, **extra) -> dict:
    invitations = list(Invitation.objects.for_art(art).with_related().order_by("-last_sent_at", "pk"))
    return {
        "art": art,
        "form": form,
        "pending": [invitation for invitation in invitations if invitation.is_pending],
        "accepted": [invitation for invitation in invitations if not invitation.is_pending],
        "link_days": settings.INVITATION_TIMEOUT_DAYS,
        **extra,
    }


def _show_invitations(request: HttpRequest, form_of):
    def show(status: int, *, error: str = "", notice: str = "") -> HttpResponse:
        art: ART = request.art
        context = _invitation_context(art, form_of(status), error=error, notice=notice)
        template = partial(request, "artops/invitations.html", "invitation-section")
        return render(request, template, context, status=status)

    return show


@art_capability_required("art.invite")
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def invitation_list(request: HttpRequest) -> HttpResponse:
    """Who was invited and has not yet set a password; invite one more person."""
    art: ART = request.art
    if request.method == "GET":
        return _show_invitations(request, lambda status: MembershipForm(art=art))(200)
    form = MembershipForm(request.POST, art=art)

    def invite():
        data = form.cleaned_data
        return services.invite_person(
            art,
            by=request.user,
            email=data["email"],
            display_name=data["display_name"],
            role=data["role"],
            team=data["team"],
        )

    outcome = attempt(form, invite, refusal="Nobody was invited")
    return answer(
        request,
        outcome,
        show=_show_invitations(request, lambda status: MembershipForm(art=art) if status == 200 else form),
        redirect_to=reverse("invitation_list", kwargs={"art_slug": art.slug}),
        notice=lambda membership: (
            f"{membership.user} is on the train as {membership.get_role_display()}; an email is on its way to "
            f"{membership.user.email}."
        ),
    )


@art_capability_required("art.invite")
@require_POST
def invitation_resend(request: HttpRequest, invitation_id: int) -> HttpResponse:
    art: ART = request.art
    invitation = get_object_or_404(Invitation.objects.for_art(art).with_related(), pk=invitation_id)
    outcome = attempt(None, lambda: services.resend_invitation(invitation, by=request.user))
    return answer(
        request,
        outcome,
        show=_show_invitations(request, lambda status: MembershipForm(art=art)),
        redirect_to=reverse("invitation_list", kwargs={"art_slug": art.slug}),
        notice=f"Invitation sent again to {invitation.user.email}.",
    )


# --- the roster ------------------------------------------------------------------------------


def _roster_page(request: HttpRequest, preview: roster.RosterPreview | None = None, upload_form=None) -> HttpResponse:
    status = 200
    if (preview is not None and not preview.is_valid) or (upload_form is not None and upload_form.errors):
        status = UNPROCESSABLE
    confirm_form = None
    if preview is not None and preview.is_valid:
        confirm_form = RosterConfirmForm(initial={"csv_text": preview.text})
    context = {
        "art": request.art,
        "upload_form": upload_form or RosterUploadForm(),
        "preview": preview,
        "confirm_form": confirm_form,
        "columns": roster.COLUMNS,
        "role_help": roster.ROLE_HELP,
    }
    return render(request, "artops/roster_import.html", context, status=status)


@art_capability_required("art.invite")
@require_http_methods(["GET", "POST"])
def roster_import(request: HttpRequest) -> HttpResponse:
    """GET: the upload form. POST a file: the preview. POST csv_text (the previewed file): invite everyone."""
    art: ART = request.art
    if request.method == "GET":
        return _roster_page(request)
    if "csv_text" in request.POST:
        confirm = RosterConfirmForm(request.POST)
        if not confirm.is_valid():
            return _roster_page(
                request, roster.RosterPreview(errors=["The file did not come back with the form; upload it again."])
            )
        preview = roster.preview(confirm.cleaned_data["csv_text"], art=art)
        try:
            saved = roster.save(preview, art=art, by=request.user)
        except roster.RosterRefused:
            return _roster_page(request, preview)
        messages.success(request, f"{len(saved)} {'person' if len(saved) == 1 else 'people'} invited.")
        return redirect("invitation_list", art_slug=art.slug)
    upload_form = RosterUploadForm(request.POST, request.FILES)
    if not upload_form.is_valid():
        return _roster_page(request, upload_form=upload_form)
    try:
        text = roster.read_file(upload_form.cleaned_data["file"])
    except UploadError as error:
        return _roster_page(request, roster.RosterPreview(errors=[str(error)]))
    return _roster_page(request, roster.preview(text, art=art))


# --- accepting an invitation -------------------------------------------------------------------


@never_cache
@sensitive_post_parameters("new_password1", "new_password2")
@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """The link of an invitation: set a first password, and be signed in. A used or expired link is refused."""
    from django.contrib.auth.forms import SetPasswordForm

    person = user_of(uidb64)
    refusal = services.refusal_of_link(person, token)
    if refusal:
        return render(request, "registration/invitation_refused.html", {"reason": refusal}, status=400)
    form = SetPasswordForm(person, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.accept_invitation(person, token=token, password=form.cleaned_data["new_password1"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            login(request, person, backend=LOGIN_BACKEND)
            messages.success(request, f"Welcome to ARTops, {person.get_short_name()}: your password is set.")
            return redirect("home")
    status = UNPROCESSABLE if form.errors else 200
    return render(request, "registration/invitation_accept.html", {"form": form, "person": person}, status=status)


# --- the profile's notices ---------------------------------------------------------------------


@login_required
@require_POST
def notices_update(request: HttpRequest) -> HttpResponse:
    form = NoticesForm(request.POST)
    form.is_valid()  # a checkbox: absent or anything else reads as off
    enabled = form.cleaned_data.get("assignment_notices", False)
    services.set_assignment_notices(request.user, enabled=enabled)
    messages.success(request, "You will be emailed when made owner." if enabled else "No more owner emails.")
    return redirect("profile")


def profile_context(request: HttpRequest) -> dict:
    """What the profile page shows of onboarding: the notices switch, and "create a train" when allowed."""
    return {
        "notices_form": NoticesForm(initial={"assignment_notices": request.user.assignment_notices}),
        "can_create_trains": can_create_trains(request.user),
    }
