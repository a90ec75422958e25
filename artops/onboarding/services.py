"""Every change of onboarding, one function per intent: create a train, invite, resend, accept.

The same functions serve the pages, the API and the shell. Mail goes out through
``artops.mail.send_template_after_commit``: only once the change is committed, never for a change
that is refused.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from artops.mail import absolute_url, send_template_after_commit
from artops.models import ART, Membership, Role, Team, User
from artops.onboarding.models import Invitation
from artops.onboarding.tokens import invitation_tokens, uid_of
from artops.parsing import shown
from artops.permissions import forget_memberships, require, require_train_creation
from artops.services import find_or_create_person, save_validated

LINK_INVALID = "This invitation link is not valid: open the whole link from the email, or ask your RTE for a new one."
LINK_USED = (
    "This invitation link has already been used: your password is set. Log in, or use “Forgot your password?” "
    "if you no longer know it."
)


def link_expired_message() -> str:
    days = settings.INVITATION_TIMEOUT_DAYS
    return (
        f"This invitation link has expired: links work for {days} day{'' if days == 1 else 's'}. "
        "Ask your Release Train Engineer to send you a new one."
    )


def normalised_email(email: str) -> str:
    """An email as stored (lower case), or a field error when it is not an email address."""
    email = User.objects.normalize_email((email or "").strip()).lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": f"“{shown(email)}” is not an email address."}) from None
    return email


# --- a new train ----------------------------------------------------------------------------


@transaction.atomic
def create_art(
    *,
    by: User,
    name: str,
    slug: str,
    rte_email: str,
    rte_name: str = "",
    time_zone: str = "UTC",
    iteration_weeks: int = 2,
    development_iterations: int = 4,
) -> ART:
    """Create a train with its key (``slug``), time zone and cadence, and its first RTE.

    The RTE is the person with ``rte_email``: an existing account, or a new one (``rte_name``
    needed) who is sent an invitation to set their password.
    """
    require_train_creation(by)
    name, slug = (name or "").strip(), (slug or "").strip().lower()
    if slug and ART.objects.filter(slug__iexact=slug).exists():
        raise ValidationError({"slug": f"A train with the key “{shown(slug)}” already exists: choose another key."})
    if name and ART.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": f"A train named “{shown(name)}” already exists: choose another name."})
    art = ART(
        name=name,
        slug=slug,
        time_zone=time_zone,
        iteration_weeks=iteration_weeks,
        development_iterations=development_iterations,
    )
    save_validated(art)
    rte = _person(email=rte_email, display_name=rte_name, email_field="rte_email", name_field="rte_name")
    save_validated(Membership(art=art, user=rte, role=Role.RTE), ask_database=False)
    forget_memberships(rte)
    _welcome(art, person=rte, by=by, role=Role.RTE, team=None)
    return art


def _person(*, email: str, display_name: str, email_field: str = "email", name_field: str = "display_name") -> User:
    """The account of ``email``, or a new one with no usable password; errors named after the caller's fields."""
    try:
        email = normalised_email(email)
        return find_or_create_person(email=email, display_name=display_name or "")
    except ValidationError as error:
        renamed = {"email": email_field, "display_name": name_field}
        if hasattr(error, "error_dict"):
            raise ValidationError(
                {renamed.get(field, field): messages for field, messages in error.message_dict.items()}
            ) from None
        raise


# --- invitations ----------------------------------------------------------------------------


@transaction.atomic
def invite_person(
    art: ART, *, by: User, email: str, role: Role | str, display_name: str = "", team: Team | None = None
) -> Membership:
    """Put a person on the train with a role, and email them: an invitation to set their password when they
    have none yet, else a note that they are on the train. A person already on the train is refused."""
    require(by, "art.invite", art=art)
    email = normalised_email(email)
    existing = User.objects.filter(email=email).first()
    if existing is not None and Membership.objects.filter(user=existing, art=art).exists():
        raise ValidationError({"email": f"{email} is already on this train ({existing})."})
    if role not in Role.values:
        raise ValidationError({"role": f"“{shown(role)}” is not a role."})
    if team is not None and team.art_id != art.pk:
        raise ValidationError({"team": "That team belongs to another train."})
    person = existing or _person(email=email, display_name=display_name)
    membership = Membership(art=art, user=person, role=role, team=team)
    save_validated(membership, ask_database=False)
    forget_memberships(person)
    _welcome(art, person=person, by=by, role=Role(role), team=team)
    return membership


@transaction.atomic
def invite_if_new(art: ART, *, person: User, by: User, role: Role | str, team: Team | None = None) -> Invitation | None:
    """Send the invitation of somebody given a role who has no password yet (the people page adds roles
    with ``artops.services.add_membership``); nothing for somebody who signs in already."""
    require(by, "art.invite", art=art)
    if person.has_usable_password():
        return None
    return _welcome(art, person=person, by=by, role=Role(role), team=team)


def _welcome(art: ART, *, person: User, by: User, role: Role, team: Team | None) -> Invitation | None:
    """Tell a person they are on the train: an invitation (and its record) when they have no password yet."""
    context = {"art": art, "person": person, "by": by, "role": role.label, "team": team}
    if person.has_usable_password():
        context["link"] = absolute_url(art.get_absolute_url())
        send_template_after_commit(to=person.email, template="mail/added_to_train.txt", context=context)
        return None
    now = timezone.now()
    invitation, created = Invitation.objects.get_or_create(
        art=art, user=person, defaults={"invited_by": by, "last_sent_at": now}
    )
    if not created:
        Invitation.objects.filter(pk=invitation.pk).update(
            invited_by=by, last_sent_at=now, send_count=F("send_count") + 1, accepted_at=None
        )
    _send_invitation(invitation, context)
    return invitation


def _send_invitation(invitation: Invitation, context: dict) -> None:
    person = invitation.user
    path = reverse(
        "invitation_accept", kwargs={"uidb64": uid_of(person), "token": invitation_tokens.make_token(person)}
    )
    send_template_after_commit(
        to=person.email,
        template="mail/invitation.txt",
        context={**context, "link": absolute_url(path), "days": settings.INVITATION_TIMEOUT_DAYS},
    )


@transaction.atomic
def resend_invitation(invitation: Invitation, *, by: User) -> Invitation:
    """Send a pending invitation again, with a fresh link (the earlier one keeps working until it expires)."""
    require(by, "art.invite", art=invitation.art)
    current = Invitation.objects.select_for_update().select_related("user", "art").get(pk=invitation.pk)
    if current.accepted_at is not None or current.user.has_usable_password():
        raise ValidationError(f"{current.user} has already accepted: they sign in with their own password.")
    current.last_sent_at = timezone.now()
    current.send_count += 1
    current.invited_by = by
    current.save(update_fields=["last_sent_at", "send_count", "invited_by"])
    membership = Membership.objects.filter(art=current.art, user=current.user).select_related("team").first()
    role = Role(membership.role) if membership else Role.TEAM_MEMBER
    context = {
        "art": current.art,
        "person": current.user,
        "by": by,
        "role": role.label,
        "team": membership and membership.team,
    }
    _send_invitation(current, context)
    return current


def refusal_of_link(user: User | None, token: str) -> str:
    """Why an invitation link cannot be used (expired, used, not valid), or "" when it can."""
    if user is None or not user.is_active:
        return LINK_INVALID
    if user.has_usable_password():
        return LINK_USED
    if not invitation_tokens.is_genuine(user, token):
        return LINK_INVALID
    if invitation_tokens.has_expired(token):
        return link_expired_message()
    return ""


@transaction.atomic
def accept_invitation(user: User | None, *, token: str, password: str) -> User:
    """Set the invited person's first password with their link; their invitations are accepted.

    The link is the authority here (no capability): it works once, until it expires.
    """
    refusal = refusal_of_link(user, token)
    if refusal:
        raise ValidationError(refusal)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.has_usable_password():  # the same link used twice at once
        raise ValidationError(LINK_USED)
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    Invitation.objects.filter(user=user, accepted_at__isnull=True).update(accepted_at=timezone.now())
    return user


# --- the person's own preferences -------------------------------------------------------------


@transaction.atomic
def set_assignment_notices(user: User, *, enabled: bool) -> User:
    """Turn on or off the emails a person gets when made owner of something."""
    user.assignment_notices = bool(enabled)
    user.save(update_fields=["assignment_notices"])
    return user
