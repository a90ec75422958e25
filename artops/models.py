"""The core domain: people, trains, teams, roles, Planning Intervals and iterations.

Every later app (planning, risks, sync, metrics) hangs its data off these models. Nothing
here knows about those apps.
"""

from __future__ import annotations

import zoneinfo
from datetime import date

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, RangeOperators
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Func, Q, Value
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from artops import cadence
from artops.parsing import shown, validate_sane_date, validate_storable_text

# --- free text ------------------------------------------------------------------------------


def bounded_text(verbose_name: str | None = None, *, max_length: int, **kwargs) -> models.TextField:
    """Free text of at most ``max_length`` characters that PostgreSQL can store (no NUL, no lone surrogate).

    A ``TextField`` does not check its ``max_length`` itself (it only sizes the form's box): the
    validator does, with the limit in its message, for every service (``save_validated``), and
    forms and serializers take the same limit from the field (``max_length_of``).
    """
    validators = [MaxLengthValidator(max_length), validate_storable_text, *kwargs.pop("validators", [])]
    return models.TextField(verbose_name, max_length=max_length, validators=validators, **kwargs)


def max_length_of(model: type[models.Model], name: str) -> int:
    """The most characters ``model.name`` takes: forms and serializers use the model's own bound."""
    return model._meta.get_field(name).max_length


# --- people -------------------------------------------------------------------------------


class UserQuerySet(models.QuerySet["User"]):
    def on_train(self, art: ART) -> UserQuerySet:
        """The members of ``art``, each once whatever the number of roles they hold, by name."""
        return self.filter(memberships__art=art).distinct().order_by("display_name", "email")


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):
    use_in_migrations = True

    def get_by_natural_key(self, username: str) -> User:
        """The person whose email this is, whatever its case: emails are stored in lower case."""
        return self.get(email=self.normalize_email(username or "").lower())

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person on one or more trains. Logs in with their email address."""

    email = models.EmailField(unique=True)
    display_name = models.CharField(max_length=120, validators=[validate_storable_text])
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="May log in to the Django admin.")
    date_joined = models.DateTimeField(default=timezone.now)
    assignment_notices = models.BooleanField(
        default=True,
        verbose_name="Email me when I am made owner",
        help_text="An email when someone makes you the owner of a risk or a dependency (not when you do it yourself).",
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        ordering = ["display_name", "email"]
        constraints = [
            models.CheckConstraint(condition=Q(email=Lower("email")), name="user_email_lowercase"),
        ]

    def __str__(self) -> str:
        return self.display_name or self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return self.display_name.split(" ")[0] if self.display_name else self.email


# --- trains and teams ---------------------------------------------------------------------


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"“{shown(value)}” is not a known time zone (for example Europe/Berlin).")


class ARTQuerySet(models.QuerySet["ART"]):
    def visible_to(self, user) -> ARTQuerySet:
        """The trains ``user`` is a member of: the only ones they may see at all."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(pk__in=Membership.objects.filter(user=user).values("art_id"))


class ART(models.Model):
    """An Agile Release Train: 5–12 agile teams that plan, sync and demo together on one cadence."""

    name = models.CharField(max_length=120, unique=True, validators=[validate_storable_text])
    slug = models.SlugField(max_length=60, unique=True)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    iteration_weeks = models.PositiveSmallIntegerField(
        default=2,
        validators=[MinValueValidator(cadence.MIN_ITERATION_WEEKS), MaxValueValidator(cadence.MAX_ITERATION_WEEKS)],
        help_text="Default length of an iteration for new PIs.",
    )
    development_iterations = models.PositiveSmallIntegerField(
        default=4,
        validators=[
            MinValueValidator(cadence.MIN_DEVELOPMENT_ITERATIONS),
            MaxValueValidator(cadence.MAX_DEVELOPMENT_ITERATIONS),
        ],
        help_text="Default number of development iterations per PI, before the IP iteration.",
    )
    wip_limit = models.PositiveSmallIntegerField(
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
        help_text="Features in progress at once.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ARTQuerySet.as_manager()

    class Meta:
        verbose_name = "ART"
        verbose_name_plural = "ARTs"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(iteration_weeks__gte=cadence.MIN_ITERATION_WEEKS)
                & Q(iteration_weeks__lte=cadence.MAX_ITERATION_WEEKS),
                name="art_iteration_weeks_range",
            ),
            models.CheckConstraint(
                condition=Q(development_iterations__gte=cadence.MIN_DEVELOPMENT_ITERATIONS)
                & Q(development_iterations__lte=cadence.MAX_DEVELOPMENT_ITERATIONS),
                name="art_development_iterations_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("art_home", kwargs={"art_slug": self.slug})

    def get_art(self) -> ART:
        return self

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def today(self) -> date:
        """Today's date where the train works; cadence questions are asked in this zone."""
        return timezone.now().astimezone(self.tz).date()


class ARTScopedQuerySet(models.QuerySet):
    """Rows that belong to a train through an ``art`` foreign key."""

    def visible_to(self, user):
        return self.filter(art__in=ART.objects.visible_to(user))

    def for_art(self, art: ART):
        return self.filter(art=art)


class TeamQuerySet(ARTScopedQuerySet):
    def active(self) -> TeamQuerySet:
        return self.filter(active=True)


class Team(models.Model):
    """An agile team of the train (5–11 people) with its Scrum Master and Product Owner."""

    art = models.ForeignKey(ART, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=80, validators=[validate_storable_text])
    active = models.BooleanField(default=True, help_text="Inactive teams keep their history but get no new work.")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TeamQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            # Team names are unique within a train, whatever their case.
            models.UniqueConstraint(
                Lower("name"),
                "art",
                name="team_name_unique_per_art",
                violation_error_message="This train already has a team of that name.",
            ),
            # Target of the (team, art) foreign key that keeps memberships inside their train.
            models.UniqueConstraint(fields=["id", "art"], name="team_id_art_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    """The roles a person can hold on a train (DESIGN.md, "Roles and capabilities")."""

    RTE = "rte", "Release Train Engineer"
    PRODUCT_MANAGEMENT = "product_management", "Product Management"
    SYSTEM_ARCHITECT = "system_architect", "System Architect"
    BUSINESS_OWNER = "business_owner", "Business Owner"
    SCRUM_MASTER = "scrum_master", "Scrum Master / Team Coach"
    PRODUCT_OWNER = "product_owner", "Product Owner"
    TEAM_MEMBER = "team_member", "Team member"

    @classmethod
    def team_scoped(cls) -> frozenset[Role]:
        """Roles held for one team, which the membership names."""
        return frozenset({cls.SCRUM_MASTER, cls.PRODUCT_OWNER, cls.TEAM_MEMBER})

    @property
    def needs_team(self) -> bool:
        return self in Role.team_scoped()


TEAM_SCOPED_ROLE_VALUES = sorted(role.value for role in Role.team_scoped())


class MembershipQuerySet(ARTScopedQuerySet):
    def with_related(self) -> MembershipQuerySet:
        return self.select_related("user", "team")


class Membership(models.Model):
    """One role that one person holds on one train (for a team, where the role is team-scoped).

    A person may hold several roles, for example Product Owner of two teams, or Scrum Master
    and team member.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    art = models.ForeignKey(ART, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=32, choices=Role.choices)
    # The database also keeps (team, art) pointing at a team of the same train: see migration 0002.
    team = models.ForeignKey(Team, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["user__display_name", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "art", "role", "team"], nulls_distinct=False, name="membership_unique"
            ),
            models.CheckConstraint(
                condition=(Q(role__in=TEAM_SCOPED_ROLE_VALUES) & Q(team__isnull=False))
                | (~Q(role__in=TEAM_SCOPED_ROLE_VALUES) & Q(team__isnull=True)),
                name="membership_team_iff_team_scoped",
                violation_error_message=(
                    "Scrum Masters, Product Owners and team members belong to a team; other roles serve the "
                    "whole train."
                ),
            ),
        ]

    def __str__(self) -> str:
        where = f" of {self.team}" if self.team_id else ""
        return f"{self.user} — {self.get_role_display()}{where} ({self.art})"

    def clean(self) -> None:
        role = Role(self.role) if self.role in Role.values else None
        if role is None:
            return
        if role.needs_team and not self.team_id:
            raise ValidationError({"team": f"A {role.label} belongs to a team: choose one."})
        if not role.needs_team and self.team_id:
            raise ValidationError({"team": f"A {role.label} serves the whole train: leave the team empty."})
        if self.team_id and self.art_id and self.team.art_id != self.art_id:
            raise ValidationError({"team": "That team belongs to another train."})


# --- Planning Intervals -------------------------------------------------------------------


class DateRange(Func):
    """PostgreSQL's daterange(start, end, '[]'), for the no-overlap constraints."""

    function = "daterange"
    output_field = DateRangeField()


class ProgramIncrementQuerySet(ARTScopedQuerySet):
    def chronological(self) -> ProgramIncrementQuerySet:
        """The PIs by start date, the earliest first: a train's PIs as its pages list them."""
        return self.order_by("start_date")

    def containing(self, day: date) -> ProgramIncrementQuerySet:
        return self.filter(start_date__lte=day, end_date__gte=day)

    def current(self, today: date) -> ProgramIncrement | None:
        """The current PI of a train: the one ``today`` falls in, else the next one, else the latest.

        Call it on one train's PIs: ``ProgramIncrement.objects.for_art(art).current(art.today())``.
        A train's PIs never overlap, so the first PI not yet ended is the one running today, or
        the next one when none is running.
        """
        return self.filter(end_date__gte=today).chronological().first() or self.order_by("-start_date").first()


class ProgramIncrement(models.Model):
    """A Planning Interval (PI): 8–12 weeks of development iterations and one IP iteration.

    Its iterations are generated from the start date and the cadence (``iteration_weeks``,
    ``development_iterations``), which are copied from the train when the PI is created.
    """

    class State(models.TextChoices):
        PREPARING = "preparing", "Preparing"
        PLANNING = "planning", "PI Planning"
        EXECUTING = "executing", "Executing"
        CLOSED = "closed", "Closed"

    # A PI only moves forward: preparing → planning → executing → closed.
    NEXT_STATE = {
        State.PREPARING: State.PLANNING,
        State.PLANNING: State.EXECUTING,
        State.EXECUTING: State.CLOSED,
    }

    art = models.ForeignKey(ART, on_delete=models.CASCADE, related_name="pis")
    name = models.CharField(max_length=60, validators=[validate_storable_text])
    start_date = models.DateField(validators=[validate_sane_date])
    # Derived from start and cadence (last day of the IP iteration); stored for the no-overlap constraint.
    end_date = models.DateField(editable=False)
    iteration_weeks = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(cadence.MIN_ITERATION_WEEKS), MaxValueValidator(cadence.MAX_ITERATION_WEEKS)],
    )
    development_iterations = models.PositiveSmallIntegerField(
        validators=[
            MinValueValidator(cadence.MIN_DEVELOPMENT_ITERATIONS),
            MaxValueValidator(cadence.MAX_DEVELOPMENT_ITERATIONS),
        ],
    )
    state = models.CharField(max_length=16, choices=State.choices, default=State.PREPARING)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProgramIncrementQuerySet.as_manager()

    class Meta:
        verbose_name = "Planning Interval"
        ordering = ["art", "start_date"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                "art",
                name="pi_name_unique_per_art",
                violation_error_message="This train already has a PI of that name.",
            ),
            models.CheckConstraint(condition=Q(end_date__gt=F("start_date")), name="pi_ends_after_start"),
            ExclusionConstraint(
                name="pi_no_overlap_per_art",
                violation_error_message="PIs of one train never overlap.",
                expressions=[
                    (DateRange("start_date", "end_date", Value("[]")), RangeOperators.OVERLAPS),
                    ("art", RangeOperators.EQUAL),
                ],
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("pi_edit", kwargs={"art_slug": self.art.slug, "pi_id": self.pk})

    def planned_iterations(self) -> list[cadence.PlannedIteration]:
        return cadence.plan_iterations(
            self.start_date, iteration_weeks=self.iteration_weeks, development_iterations=self.development_iterations
        )

    def contains(self, day: date) -> bool:
        return self.start_date <= day <= self.end_date

    @property
    def next_state(self) -> ProgramIncrement.State | None:
        return self.NEXT_STATE.get(self.State(self.state))

    def has_planned_work(self) -> bool:
        """Whether anything (stories, placements, dependencies…) is planned into its iterations.

        Asked through the iterations' reverse relations, so that this core model needs no
        knowledge of the apps that plan work into iterations: one query per such relation.
        """
        for relation in Iteration._meta.related_objects:
            planned = relation.related_model._default_manager.filter(**{f"{relation.field.name}__pi": self})
            if planned.exists():
                return True
        return False


class IterationQuerySet(models.QuerySet["Iteration"]):
    def visible_to(self, user) -> IterationQuerySet:
        return self.filter(pi__art__in=ART.objects.visible_to(user))

    def development(self) -> IterationQuerySet:
        """The development iterations, which take planned work (in order, by the model's ordering)."""
        return self.filter(is_ip=False)

    def ip(self) -> IterationQuerySet:
        """The Innovation & Planning iteration, last of its PI, which takes no planned work."""
        return self.filter(is_ip=True)


class Iteration(models.Model):
    """A timebox of a PI: a development iteration, or the final Innovation & Planning (IP) one."""

    pi = models.ForeignKey(ProgramIncrement, on_delete=models.CASCADE, related_name="iterations")
    number = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=40)
    start_date = models.DateField()
    end_date = models.DateField(help_text="Inclusive.")
    is_ip = models.BooleanField(default=False, verbose_name="IP iteration")

    objects = IterationQuerySet.as_manager()

    class Meta:
        ordering = ["pi", "number"]
        constraints = [
            models.UniqueConstraint(fields=["pi", "number"], name="iteration_number_unique_per_pi"),
            models.UniqueConstraint(fields=["pi"], condition=Q(is_ip=True), name="iteration_one_ip_per_pi"),
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="iteration_ends_after_start"),
            ExclusionConstraint(
                name="iteration_no_overlap_per_pi",
                expressions=[
                    (DateRange("start_date", "end_date", Value("[]")), RangeOperators.OVERLAPS),
                    ("pi", RangeOperators.EQUAL),
                ],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pi.name} {self.name}" if self.pi_id else self.name

    def get_art(self) -> ART:
        return self.pi.art

    def contains(self, day: date) -> bool:
        return self.start_date <= day <= self.end_date


from artops.calendar.models import CalendarCadence, CalendarEvent, CalendarFeedToken  # noqa: E402, F401
from artops.coaching.models import CoPSession, GoalNote, GrowthGoal, Observation, Playbook, PlaybookVersion  # noqa: E402, F401
from artops.onboarding.models import Invitation  # noqa: E402, F401
from artops.outbox.models import OutboxTask  # noqa: E402, F401
