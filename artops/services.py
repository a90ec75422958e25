"""Every change to the core domain, one function per intent.

The same functions serve the pages, the API, the demo seeder and the shell. Each checks the
capability, validates, writes atomically and returns the object; invalid input raises
``ValidationError`` (field messages where a field is to blame) and nothing is written.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from rest_framework.authtoken.models import Token

from artops import cadence, signals
from artops.models import ART, Iteration, Membership, ProgramIncrement, Role, Team, User
from artops.parsing import shown, validate_sane_date
from artops.permissions import forget_memberships, require
from artops.signals import pi_created


class StaleVersion(Exception):
    """Someone changed the object since the editor read it; ``current`` is what it is now."""

    def __init__(self, current, label: str | None = None):
        self.current = current
        label = label or getattr(current, "key", None) or str(current)
        super().__init__(
            f"Someone changed {label} a moment ago (it is now at version {current.version}). "
            "The page shows the current values: make your change again."
        )

    @property
    def feature(self):
        return self.current


def save_validated(obj, *, ask_database: bool = True, **save_kwargs) -> None:
    """full_clean, then save; every app's services write through this.

    ``ask_database=False`` leaves uniqueness and constraints to the write itself rather than
    asking one query each beforehand (for models whose constraints repeat field validation).
    A concurrent writer can still slip past a check; the database constraint then refuses the
    row and that refusal is reported the same way.
    """
    obj.full_clean(validate_constraints=ask_database, validate_unique=ask_database)
    try:
        with transaction.atomic():
            obj.save(**save_kwargs)
    except IntegrityError as error:
        raise ValidationError("This conflicts with a change made a moment ago; reload and try again.") from error


def lock_version(queryset: QuerySet, pk: int, expected_version: int, label: str | None = None):
    """The current row, locked until the end of the transaction; a version other than the one
    the editor read raises ``StaleVersion`` carrying the current row."""
    current = queryset.select_for_update(of=("self",)).get(pk=pk)
    if current.version != expected_version:
        raise StaleVersion(current, label)
    return current


def require_member(user: User | None, art: ART, field: str = "owner") -> None:
    """Refuse (as a field error) a person who is not a member of ``art``."""
    if user is not None and not Membership.objects.filter(user=user, art=art).exists():
        raise ValidationError({field: f"{user.display_name} is not a member of this train."})


# --- the person's profile and API token ---------------------------------------------------


@transaction.atomic
def update_profile(user: User, *, display_name: str) -> User:
    """Change the name a person is shown by (on boards, in histories, as an owner)."""
    previous, user.display_name = user.display_name, (display_name or "").strip()
    try:
        # Only the name changes: the email's uniqueness needs no query here.
        user.full_clean(exclude=["password", "email"], validate_unique=False, validate_constraints=False)
    except ValidationError:
        user.display_name = previous  # the page still shows the person by the name they have
        raise
    user.save(update_fields=["display_name"])
    return user


@transaction.atomic
def create_api_token(user: User) -> Token:
    """Give a person a new API token, replacing the one they had: it works from now on, the old one no more.

    Atomic, and the person's row is locked first, so that a failure never leaves them without
    their old token and two requests at once never both create one.
    """
    User.objects.select_for_update().get(pk=user.pk)
    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user)


@transaction.atomic
def revoke_api_token(user: User) -> bool:
    """Revoke a person's API token; whether they had one."""
    deleted, _ = Token.objects.filter(user=user).delete()
    return bool(deleted)


# --- the train ----------------------------------------------------------------------------

ART_SETTINGS = ("name", "time_zone", "iteration_weeks", "development_iterations", "wip_limit")


@transaction.atomic
def update_art(art: ART, *, by: User, **changes) -> ART:
    """Change the train's settings. The cadence applies to PIs created afterwards."""
    require(by, "art.manage", art=art)
    unknown = set(changes) - set(ART_SETTINGS)
    if unknown:
        raise ValidationError(f"These settings do not exist: {', '.join(sorted(unknown))}.")
    for field, value in changes.items():
        setattr(art, field, value)
    save_validated(art)
    return art


# --- teams --------------------------------------------------------------------------------


@transaction.atomic
def create_team(art: ART, *, name: str, by: User) -> Team:
    require(by, "art.manage", art=art)
    team = Team(art=art, name=name.strip())
    save_validated(team)
    signals.train_frame_changed.send(sender=Team, art=art, pi=None)
    return team


@transaction.atomic
def update_team(team: Team, *, by: User, name: str | None = None, active: bool | None = None) -> Team:
    require(by, "art.manage", art=team.art)
    if name is not None:
        team.name = name.strip()
    if active is not None:
        team.active = active
    save_validated(team)
    signals.train_frame_changed.send(sender=Team, art=team.art, pi=None)
    return team


# --- people and roles ---------------------------------------------------------------------


def find_or_create_person(*, email: str, display_name: str = "") -> User:
    """The account for ``email``; a new one has no usable password until one is set."""
    email = User.objects.normalize_email(email.strip()).lower()
    user = User.objects.filter(email=email).first()
    if user is not None:
        return user
    if not display_name.strip():
        raise ValidationError({"display_name": "Nobody has this email yet: give the person's name too."})
    user = User(email=email, display_name=display_name.strip())
    user.set_unusable_password()
    save_validated(user)
    return user


@transaction.atomic
def add_membership(art: ART, *, user: User, role: Role | str, by: User, team: Team | None = None) -> Membership:
    """Give ``user`` a role on the train (for ``team`` when the role is team-scoped)."""
    require(by, "art.manage", art=art)
    if team is not None and team.art_id != art.pk:
        raise ValidationError({"team": "That team belongs to another train."})
    if Membership.objects.filter(user=user, art=art, role=role, team=team).exists():
        raise ValidationError(f"{user} already holds this role here.")
    membership = Membership(art=art, user=user, role=role, team=team)
    save_validated(membership)
    forget_memberships(user)
    return membership


@transaction.atomic
def remove_membership(membership: Membership, *, by: User) -> None:
    art = membership.art
    require(by, "art.manage", art=art)
    if membership.role == Role.RTE:
        rtes = Membership.objects.select_for_update().filter(art=art, role=Role.RTE)
        if len(rtes) <= 1:
            raise ValidationError("A train needs a Release Train Engineer: add another before removing this one.")
    membership.delete()
    forget_memberships(membership.user)
    if by.pk == membership.user_id:
        forget_memberships(by)


# --- Planning Intervals -------------------------------------------------------------------


def _refuse_overlap(pi: ProgramIncrement) -> None:
    overlapping = (
        ProgramIncrement.objects.filter(art_id=pi.art_id, start_date__lte=pi.end_date, end_date__gte=pi.start_date)
        .exclude(pk=pi.pk)
        .first()
    )
    if overlapping is not None:
        raise ValidationError(
            {
                "start_date": (
                    f"These dates ({pi.start_date:%d %b %Y} – {pi.end_date:%d %b %Y}) overlap "
                    f"{overlapping.name} ({overlapping.start_date:%d %b %Y} – {overlapping.end_date:%d %b %Y})."
                )
            }
        )


def _validate_cadence(iteration_weeks: int, development_iterations: int) -> None:
    errors = {}
    if not cadence.MIN_ITERATION_WEEKS <= iteration_weeks <= cadence.MAX_ITERATION_WEEKS:
        errors["iteration_weeks"] = (
            f"An iteration lasts {cadence.MIN_ITERATION_WEEKS} to {cadence.MAX_ITERATION_WEEKS} weeks."
        )
    if not cadence.MIN_DEVELOPMENT_ITERATIONS <= development_iterations <= cadence.MAX_DEVELOPMENT_ITERATIONS:
        errors["development_iterations"] = (
            f"A PI has {cadence.MIN_DEVELOPMENT_ITERATIONS} to {cadence.MAX_DEVELOPMENT_ITERATIONS} "
            "development iterations before the IP iteration."
        )
    if errors:
        raise ValidationError(errors)


def _validate_start(start_date: date) -> None:
    """A PI starts from 2000 to 2100: a year such as 146 is a typing mistake, refused before any date is computed."""
    try:
        validate_sane_date(start_date)
    except ValidationError as error:
        raise ValidationError({"start_date": error.messages}) from None


def _end_date(start_date: date, *, iteration_weeks: int, development_iterations: int) -> date:
    try:
        return cadence.pi_end_date(
            start_date, iteration_weeks=iteration_weeks, development_iterations=development_iterations
        )
    except OverflowError:
        raise ValidationError({"start_date": "That date is too far in the future for a PI."}) from None


def _generate_iterations(pi: ProgramIncrement) -> None:
    Iteration.objects.bulk_create(
        Iteration(
            pi=pi,
            number=planned.number,
            name=planned.name,
            start_date=planned.start_date,
            end_date=planned.end_date,
            is_ip=planned.is_ip,
        )
        for planned in pi.planned_iterations()
    )


@transaction.atomic
def create_pi(
    art: ART,
    *,
    name: str,
    start_date: date,
    by: User,
    iteration_weeks: int | None = None,
    development_iterations: int | None = None,
) -> ProgramIncrement:
    """Create a PI and its iterations; the cadence defaults to the train's.

    The apps above the core add what a new PI needs of theirs (planning: its readiness
    checklist) through ``artops.signals.pi_created``, in the same transaction.
    """
    require(by, "art.manage", art=art)
    iteration_weeks = art.iteration_weeks if iteration_weeks is None else iteration_weeks
    development_iterations = art.development_iterations if development_iterations is None else development_iterations
    _validate_start(start_date)
    _validate_cadence(iteration_weeks, development_iterations)
    pi = ProgramIncrement(
        art=art,
        name=name.strip(),
        start_date=start_date,
        iteration_weeks=iteration_weeks,
        development_iterations=development_iterations,
        end_date=_end_date(start_date, iteration_weeks=iteration_weeks, development_iterations=development_iterations),
    )
    _refuse_overlap(pi)
    save_validated(pi)
    _generate_iterations(pi)
    pi_created.send(sender=ProgramIncrement, pi=pi, by=by)
    return pi


@transaction.atomic
def update_pi(
    pi: ProgramIncrement,
    *,
    by: User,
    name: str | None = None,
    start_date: date | None = None,
    iteration_weeks: int | None = None,
    development_iterations: int | None = None,
) -> ProgramIncrement:
    """Rename a PI or change its schedule; the schedule is frozen once work is planned into it."""
    require(by, "art.manage", art=pi.art)
    pi = ProgramIncrement.objects.select_for_update().get(pk=pi.pk)
    if name is not None:
        pi.name = name.strip()
    schedule = {
        "start_date": pi.start_date if start_date is None else start_date,
        "iteration_weeks": pi.iteration_weeks if iteration_weeks is None else iteration_weeks,
        "development_iterations": pi.development_iterations
        if development_iterations is None
        else development_iterations,
    }
    schedule_changed = any(getattr(pi, field) != value for field, value in schedule.items())
    if schedule_changed:
        if pi.state == ProgramIncrement.State.CLOSED:
            raise ValidationError("This PI is closed: its dates can no longer change.")
        if pi.has_planned_work():
            raise ValidationError(
                "Work is already planned into this PI's iterations, so its dates and cadence can no longer "
                "change. Move that work out first."
            )
        _validate_start(schedule["start_date"])
        _validate_cadence(schedule["iteration_weeks"], schedule["development_iterations"])
        for field, value in schedule.items():
            setattr(pi, field, value)
        pi.end_date = _end_date(
            pi.start_date,
            iteration_weeks=pi.iteration_weeks,
            development_iterations=pi.development_iterations,
        )
        _refuse_overlap(pi)
    save_validated(pi)
    if schedule_changed:
        pi.iterations.all().delete()
        _generate_iterations(pi)
    signals.train_frame_changed.send(sender=ProgramIncrement, art=pi.art, pi=pi)
    return pi


@transaction.atomic
def advance_pi(pi: ProgramIncrement, *, to: ProgramIncrement.State | str, by: User) -> ProgramIncrement:
    """Move a PI to its next state: preparing → planning → executing → closed."""
    require(by, "art.manage", art=pi.art)
    pi = ProgramIncrement.objects.select_for_update().get(pk=pi.pk)
    expected = pi.next_state
    if to not in ProgramIncrement.State.values:
        raise ValidationError({"state": f"“{shown(to)}” is not a PI state."})
    if to != expected:
        current = ProgramIncrement.State(pi.state).label
        allowed = f"only to {expected.label}" if expected else "nowhere: it is closed"
        raise ValidationError({"state": f"A PI in state {current} moves {allowed}."})
    pi.state = to
    pi.save(update_fields=["state", "updated_at"])
    return pi
