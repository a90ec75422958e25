"""Who may do what on a train: one capability table, asked by views, the API and services.

Visibility comes first and is separate: a person sees only the trains they are a member of
(``visible_to(user)`` on every queryset), so another train's objects answer 404. Within a
train, a capability decides: lacking it answers 403.

Each capability maps the roles that hold it to a scope: ``ART`` (anywhere on the train) or
``TEAM`` (only for the team the membership names; the caller passes the team concerned).
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from rest_framework import exceptions as drf_exceptions
from rest_framework import permissions as drf_permissions

from artops.models import ART, Membership, Role, Team


class Scope(Enum):
    ART = "art"
    TEAM = "team"


ART_WIDE = Scope.ART
TEAM_ONLY = Scope.TEAM
EVERY_ROLE = dict.fromkeys(Role, ART_WIDE)

CAPABILITIES: dict[str, dict[Role, Scope]] = {
    # Read everything of the train (private coaching notes and who voted what excepted).
    "art.view": EVERY_ROLE,
    # Settings, teams, memberships, PIs and the calendar.
    "art.manage": {Role.RTE: ART_WIDE},
    # Invite people to the train by email (one by one or from a CSV roster), see who has not yet
    # accepted and send an invitation again. Creating a train is not a train's capability: see
    # ``can_create_trains`` below.
    "art.invite": {Role.RTE: ART_WIDE},
    # The ART backlog (features, WSJF), roadmap and milestones; architects edit enablers only.
    "planning.edit_backlog": {Role.RTE: ART_WIDE, Role.PRODUCT_MANAGEMENT: ART_WIDE},
    "planning.edit_enablers": {
        Role.RTE: ART_WIDE,
        Role.PRODUCT_MANAGEMENT: ART_WIDE,
        Role.SYSTEM_ARCHITECT: ART_WIDE,
    },
    # A team's plan: capacity, stories, feature placements, board moves.
    "planning.edit_team_plan": {Role.RTE: ART_WIDE, Role.SCRUM_MASTER: TEAM_ONLY, Role.PRODUCT_OWNER: TEAM_ONLY},
    # Team members update the stories they own; those who edit the team plan edit every story.
    "planning.edit_own_stories": {
        Role.RTE: ART_WIDE,
        Role.SCRUM_MASTER: TEAM_ONLY,
        Role.PRODUCT_OWNER: TEAM_ONLY,
        Role.TEAM_MEMBER: TEAM_ONLY,
    },
    "planning.write_objectives": {Role.RTE: ART_WIDE, Role.SCRUM_MASTER: TEAM_ONLY, Role.PRODUCT_OWNER: TEAM_ONLY},
    # Business value belongs to Business Owners alone, not even the RTE.
    "planning.set_business_value": {Role.BUSINESS_OWNER: ART_WIDE},
    # Open and close confidence votes, commit the plan, keep the readiness checklist.
    "planning.facilitate": {Role.RTE: ART_WIDE},
    "planning.vote": EVERY_ROLE,
    "risks.raise": EVERY_ROLE,
    "risks.roam": {
        Role.RTE: ART_WIDE,
        Role.PRODUCT_MANAGEMENT: ART_WIDE,
        Role.SYSTEM_ARCHITECT: ART_WIDE,
        Role.BUSINESS_OWNER: ART_WIDE,
        Role.SCRUM_MASTER: TEAM_ONLY,
        Role.PRODUCT_OWNER: TEAM_ONLY,
    },
    "risks.update_dependency": {Role.RTE: ART_WIDE, Role.SCRUM_MASTER: TEAM_ONLY, Role.PRODUCT_OWNER: TEAM_ONLY},
    # The weekly dependency review (next action, reviewed on): the RTE, who hunts aging dependencies
    # across the train, and the Scrum Masters and POs of either side, who keep their own dependencies.
    "risks.review_dependencies": {
        Role.RTE: ART_WIDE,
        Role.SCRUM_MASTER: TEAM_ONLY,
        Role.PRODUCT_OWNER: TEAM_ONLY,
    },
    # ART Sync, System Demo, Inspect & Adapt; escalations beyond the train.
    "sync.facilitate": {Role.RTE: ART_WIDE},
    "sync.post_status": {Role.RTE: ART_WIDE, Role.SCRUM_MASTER: TEAM_ONLY, Role.PRODUCT_OWNER: TEAM_ONLY},
    "sync.give_feedback": EVERY_ROLE,
    # Escalate an impediment from its team to the train (the team's Scrum Master or PO, the RTE) ...
    "sync.escalate_to_train": {Role.RTE: ART_WIDE, Role.SCRUM_MASTER: TEAM_ONLY, Role.PRODUCT_OWNER: TEAM_ONLY},
    # ... and beyond the train (to management, another train, a vendor): the RTE alone.
    "sync.escalate_beyond": {Role.RTE: ART_WIDE},
    # Inspect & Adapt: every member adds problems, causes, whys and solutions, and dot-votes.
    # (Facilitating the I&A is "sync.facilitate": DESIGN.md's row "run ART Sync, System Demo, I&A".)
    "metrics.contribute_ia": EVERY_ROLE,
    # Import the backlog from a Jira export: it writes features, enablers, every team's stories
    # and the dependencies between teams at once, so it belongs to those who own the whole ART
    # backlog (the RTE and Product Management), not to the team-scoped roles, who edit their own
    # team's plan on its board. Apart from "planning.edit_backlog" so that it can be granted alone.
    "planning.import_backlog": {Role.RTE: ART_WIDE, Role.PRODUCT_MANAGEMENT: ART_WIDE},
    # Propose a feature to the ART backlog's funnel (its intake): those who own the backlog, System
    # Architects, and Business Owners, who turn what they saw at a System Demo into a backlog item.
    "planning.propose_feature": {
        Role.RTE: ART_WIDE,
        Role.PRODUCT_MANAGEMENT: ART_WIDE,
        Role.SYSTEM_ARCHITECT: ART_WIDE,
        Role.BUSINESS_OWNER: ART_WIDE,
    },
    # Coaching (artops.coaching): the RTE coaches the Scrum Masters and Product Owners: records what
    # they saw at a team event and agrees growth goals. What a coach writes is private to the coach
    # and the person coached (``visible_to``): holding this capability shows nobody else's notes.
    "coaching.coach": {Role.RTE: ART_WIDE},
    # A community of practice session on the calendar: the RTE, and the Scrum Masters who run the
    # Scrum Master / Team Coach community (any of them, for the whole train).
    "coaching.run_cop": {Role.RTE: ART_WIDE, Role.SCRUM_MASTER: ART_WIDE},
    # Write playbooks, and name who else edits one: the RTE. A person on a playbook's editor list
    # edits that playbook too (``coaching.services.can_edit_playbook``), nothing more.
    "coaching.edit_playbooks": {Role.RTE: ART_WIDE},
}


def memberships_of(user, art: ART) -> list[Membership]:
    """The user's memberships on ``art``, read once per user object (one query)."""
    if user is None or not user.is_authenticated:
        return []
    cache: dict[int, list[Membership]] = user.__dict__.setdefault("_artops_memberships", {})
    if art.pk not in cache:
        cache[art.pk] = list(Membership.objects.filter(user=user, art=art))
    return cache[art.pk]


def forget_memberships(user) -> None:
    """Drop the cached memberships after ``user``'s roles changed."""
    if user is not None:
        user.__dict__.pop("_artops_memberships", None)


def roles_of(user, art: ART) -> set[Role]:
    return {Role(membership.role) for membership in memberships_of(user, art)}


def has_capability(user, capability: str, *, art: ART, team: Team | None = None) -> bool:
    """Whether ``user`` holds ``capability`` on ``art`` (for ``team``, where that matters).

    A team-scoped grant (a Scrum Master's, say) applies only when ``team`` is the team its
    membership names; without a team it does not apply.
    """
    grants = CAPABILITIES[capability]  # an unknown capability is a programming error
    if team is not None and team.art_id != art.pk:
        return False
    for membership in memberships_of(user, art):
        scope = grants.get(Role(membership.role))
        if scope is ART_WIDE:
            return True
        if scope is TEAM_ONLY and team is not None and membership.team_id == team.pk:
            return True
    return False


def teams_where(user, capability: str, *, art: ART) -> set[int] | None:
    """Team ids on which ``user`` holds ``capability``; ``None`` means every team of the train."""
    grants = CAPABILITIES[capability]
    team_ids: set[int] = set()
    for membership in memberships_of(user, art):
        scope = grants.get(Role(membership.role))
        if scope is ART_WIDE:
            return None
        if scope is TEAM_ONLY:
            team_ids.add(membership.team_id)
    return team_ids


CAPABILITY_MESSAGES = {
    "art.invite": "Only the Release Train Engineer invites people to the train.",
    "art.manage": "Only the Release Train Engineer manages the train's settings, teams, people and PIs.",
    "planning.set_business_value": "Only Business Owners set business value.",
    "planning.edit_team_plan": "Only the team's Scrum Master and Product Owner (or the RTE) change this team's plan.",
    "planning.edit_own_stories": "You may change only the stories you own, on your own team.",
    "risks.roam": (
        "Only the RTE, Product Management, System Architects and Business Owners ROAM any risk; "
        "a Scrum Master or Product Owner ROAMs the risks of their own team."
    ),
    "risks.update_dependency": (
        "Only the Scrum Masters and Product Owners of the needing or the providing team (or the RTE) "
        "change a dependency."
    ),
    "risks.review_dependencies": (
        "Only the Scrum Masters and Product Owners of the needing or the providing team, or the RTE, review a "
        "dependency."
    ),
    "planning.facilitate": "Only the Release Train Engineer does this.",
    "planning.write_objectives": "Only the team's Scrum Master and Product Owner (or the RTE) write its PI objectives.",
    "coaching.coach": "Only the Release Train Engineer records observations and growth goals.",
    "coaching.run_cop": "Only the RTE and the Scrum Masters schedule community of practice sessions.",
    "coaching.edit_playbooks": "Only the RTE and the people the RTE names as its editors change a playbook.",
    "planning.import_backlog": "Only the Release Train Engineer and Product Management import the backlog from Jira.",
    "planning.propose_feature": (
        "Only the RTE, Product Management, System Architects and Business Owners propose features to the backlog."
    ),
}


# --- creating trains: a site-level permission, outside any train -------------------------

# Django's model permission "Can add ART": the administrator grants it in the admin, to a person or a
# group (Users → the person → User permissions → "artops | ART | Can add ART"); superusers hold it.
TRAIN_CREATION_PERMISSION = "artops.add_art"
TRAIN_CREATION_MESSAGE = (
    "Only administrators, and people an administrator allowed to (the permission “Can add ART”), create trains."
)


def can_create_trains(user) -> bool:
    """Whether ``user`` may create a train: an active superuser, or one granted ``artops.add_art``."""
    return bool(
        user is not None and user.is_authenticated and user.is_active and user.has_perm(TRAIN_CREATION_PERMISSION)
    )


def require_train_creation(user) -> None:
    """Raise PermissionDenied unless ``user`` may create trains."""
    if not can_create_trains(user):
        raise PermissionDenied(TRAIN_CREATION_MESSAGE)


def require(user, capability: str, *, art: ART, team: Team | None = None) -> None:
    """Raise PermissionDenied unless ``user`` holds ``capability``."""
    if not has_capability(user, capability, art=art, team=team):
        raise PermissionDenied(CAPABILITY_MESSAGES.get(capability, "Your role on this train does not allow this."))


def art_capability_required(capability: str) -> Callable:
    """View decorator: resolve ``art_slug`` among the user's trains (else 404), then check.

    The view receives the train as ``request.art``. Anonymous users are sent to log in.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, art_slug: str, **kwargs):
            if not request.user.is_authenticated:
                from django.contrib.auth.views import redirect_to_login

                return redirect_to_login(request.get_full_path())
            request.art = get_object_or_404(ART.objects.visible_to(request.user), slug=art_slug)
            require(request.user, capability, art=request.art)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


class HasCapability(drf_permissions.BasePermission):
    """DRF permission: the view names a capability per action in ``capabilities``.

    Objects are already limited to the user's trains by the view's queryset (so another
    train's objects are 404). For an object, its train and team come from ``get_art()`` and
    ``get_team()`` when defined, else from the ``art`` and ``team`` attributes.
    """

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated)

    def has_object_permission(self, request, view, obj) -> bool:
        capability = view.capabilities.get(view.action, "art.view")
        art = obj.get_art() if hasattr(obj, "get_art") else obj.art
        team = obj.get_team() if hasattr(obj, "get_team") else getattr(obj, "team", None)
        if not has_capability(request.user, capability, art=art, team=team):
            # DRF's own exception: the browsable API asks this to decide whether to offer a form.
            raise drf_exceptions.PermissionDenied(
                CAPABILITY_MESSAGES.get(capability, "Your role on this train does not allow this.")
            )
        return True
