"""The program board: feature placements (its cards) and their history, milestones, the board's
change clock, and the health rule of the dependency lines drawn between cards."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import Case, CharField, F, OuterRef, Subquery, Value, When
from django.db.models.functions import Coalesce

from artops import fastcache
from artops.models import ART, Iteration, ProgramIncrement, Team
from planning.models.backlog import Feature
from planning.models.team_board import IP_REFUSAL, TeamScopedQuerySet
from planning.models.text import storable_text


class FeaturePlacementQuerySet(TeamScopedQuerySet):
    def for_pi(self, pi: ProgramIncrement) -> FeaturePlacementQuerySet:
        return self.filter(iteration__pi=pi)

    def with_related(self) -> FeaturePlacementQuerySet:
        return self.select_related("feature", "team", "iteration")


class FeaturePlacement(models.Model):
    """Where a team will deliver a feature: a card of the program board.

    Explicit data, set from the team board or the program board; a feature delivered by
    three teams has three placements. Stories do not move placements: the team board warns
    when a team's stories of a feature sit later than its placement.
    """

    feature = models.ForeignKey(Feature, on_delete=models.CASCADE, related_name="placements")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="placements")
    iteration = models.ForeignKey(Iteration, on_delete=models.PROTECT, related_name="placements")
    # Checked on every move: a move based on an older version is refused, never silently applied.
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = FeaturePlacementQuerySet.as_manager()

    class Meta:
        ordering = ["iteration__number", "feature__key"]
        constraints = [
            models.UniqueConstraint(
                fields=["feature", "team"],
                name="placement_one_per_feature_and_team",
                violation_error_message="This team has already placed that feature.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.feature.key} by {self.team} in {self.iteration.name}"

    def get_art(self) -> ART:
        return self.team.art

    def get_team(self) -> Team:
        return self.team

    def clean(self) -> None:
        super().clean()
        feature, iteration = self.feature, self.iteration
        if self.team.art_id != feature.art_id:
            raise ValidationError({"team": "That team belongs to another train."})
        if iteration.is_ip:
            raise ValidationError({"iteration": IP_REFUSAL})
        if feature.pi_id is None:
            raise ValidationError(
                {"feature": f"{feature.key} is not planned for a PI yet: Product Management sets its PI first."}
            )
        if iteration.pi_id != feature.pi_id:
            raise ValidationError(
                {"iteration": f"{feature.key} is planned for {feature.pi.name}: choose one of its iterations."}
            )


class PlacementChange(models.Model):
    """One change of a feature placement (placed, moved, handed to another team, removed), with who and when."""

    feature = models.ForeignKey(Feature, on_delete=models.CASCADE, related_name="placement_changes")
    # Empty "from" = newly placed; empty "to" = removed.
    from_team = models.ForeignKey(Team, on_delete=models.CASCADE, null=True, related_name="+")
    to_team = models.ForeignKey(Team, on_delete=models.CASCADE, null=True, related_name="+")
    from_iteration = models.ForeignKey(Iteration, on_delete=models.CASCADE, null=True, related_name="+")
    to_iteration = models.ForeignKey(Iteration, on_delete=models.CASCADE, null=True, related_name="+")
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["feature", "at"])]

    def __str__(self) -> str:
        return f"{self.feature_id}: {self.from_iteration_id} → {self.to_iteration_id} at {self.at:%Y-%m-%d %H:%M}"


class Milestone(models.Model):
    """A milestone or event on the program board's top row: a release, a trade fair, an audit.

    Its iteration is derived from its date, so it follows the PI's cadence.
    """

    pi = models.ForeignKey(ProgramIncrement, on_delete=models.CASCADE, related_name="milestones", verbose_name="PI")
    name = models.CharField(max_length=120, validators=[storable_text])
    date = models.DateField()
    description = models.CharField(max_length=300, blank=True, validators=[storable_text])
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.date:%Y-%m-%d})"

    def get_art(self) -> ART:
        return self.pi.art

    def clean(self) -> None:
        super().clean()
        if self.pi_id and self.date and not self.pi.contains(self.date):
            span = f"{self.pi.start_date:%d %b} – {self.pi.end_date:%d %b %Y}"
            raise ValidationError({"date": f"Choose a day within {self.pi.name} ({span})."})


class BoardClock(models.Model):
    """A counter per PI, moved by every change that the program board shows.

    Browsers polling the board send the value they have; an unchanged value answers at once,
    so that watching the board costs next to nothing while nothing moves. The database row is
    the truth; Redis keeps a copy (``cached``) that a quiet poll reads without any query.

    The copy in Redis is raised, never lowered: when ``tick`` writes (before the commit, so that
    pollers stop saying "unchanged" at once and ask the database until the commit shows) and
    again once the transaction has committed (so that a copy read from the database in between
    cannot stay behind). It expires after ``CACHE_SECONDS``, so that a copy ahead of the
    database (a rolled-back change, a restored backup) costs database reads for that long at
    most, never a missed change.
    """

    CACHE_SECONDS = 120

    pi = models.OneToOneField(ProgramIncrement, on_delete=models.CASCADE, primary_key=True, related_name="+")
    version = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.pi_id}: {self.version}"

    @staticmethod
    def cache_key(pi_id: int) -> str:
        return fastcache.key("board-clock", pi_id)

    @classmethod
    def tick(cls, pi_id: int) -> int:
        """Move the clock of a PI on: one upsert, safe when several people change the board at once."""
        table = cls._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (pi_id, version) VALUES (%s, 1) "  # noqa: S608 (table name is ours)
                f"ON CONFLICT (pi_id) DO UPDATE SET version = {table}.version + 1 RETURNING version",
                [pi_id],
            )
            version = cursor.fetchone()[0]
        cls.remember(pi_id, version)
        transaction.on_commit(lambda: cls.remember(pi_id, version))
        return version

    @classmethod
    def remember(cls, pi_id: int, version: int) -> None:
        """Raise the copy in Redis to ``version`` (a read from the database may say so too)."""
        fastcache.raise_int(cls.cache_key(pi_id), version, ttl=cls.CACHE_SECONDS)

    @classmethod
    def cached(cls, pi_id: int) -> int | None:
        """The clock as Redis has it, ``None`` when Redis does not know (ask the database then)."""
        return fastcache.get_int(cls.cache_key(pi_id))

    @classmethod
    def read(cls, pi_id: int) -> int:
        return cls.objects.filter(pi_id=pi_id).values_list("version", flat=True).first() or 0

    @classmethod
    def version_of(cls, pi: str = "pk") -> Coalesce:
        """The clock of the PI named by the outer query's field ``pi``, 0 before its first change.

        For ``ProgramIncrement.objects.annotate(board_version=BoardClock.version_of())``: read in the
        same statement as the PI (the core's querysets know nothing of planning).
        """
        clock = cls.objects.filter(pi_id=OuterRef(pi)).values("version")[:1]
        return Coalesce(Subquery(clock), Value(0), output_field=models.BigIntegerField())


# The dependency states (``risks.models.Dependency.State``) that decide its health before the dates do.
HEALTH_BY_STATE = {"delivered": "green", "cancelled": "closed"}


class Health(models.TextChoices):
    """How a dependency's plan fits its need (DESIGN.md, "Program board"): the colour of its line.

    The one rule, for the program board, the dependency pages and their filters: green when
    delivered, or planned before the iteration it is needed in; amber when planned in that
    iteration; red when planned after it; unplanned while not planned at all; closed once
    cancelled. ``of`` answers it in Python, ``expression`` in SQL, from the same comparisons.
    Dependencies belong to ``risks``, which sits above planning: the board needs the rule too.
    """

    GREEN = "green", "On track"
    AMBER = "amber", "Same iteration"
    RED = "red", "Planned too late"
    UNPLANNED = "unplanned", "Not planned"
    CLOSED = "closed", "Closed"

    @classmethod
    def of(cls, state: str, planned_start: date | None, needed_start: date) -> Health:
        """From the state and the first days of the planned and the needed-by iterations."""
        if state in HEALTH_BY_STATE:
            return cls(HEALTH_BY_STATE[state])
        if planned_start is None:
            return cls.UNPLANNED
        if planned_start < needed_start:
            return cls.GREEN
        if planned_start == needed_start:
            return cls.AMBER
        return cls.RED

    @classmethod
    def expression(
        cls,
        state: str = "state",
        planned_start: str = "planned_iteration__start_date",
        needed_start: str = "needed_by__start_date",
    ) -> Case:
        """``of`` in SQL, over the named fields (by default a dependency's)."""
        return Case(
            *(When(**{state: value}, then=Value(health)) for value, health in HEALTH_BY_STATE.items()),
            When(**{f"{planned_start}__isnull": True}, then=Value(cls.UNPLANNED.value)),
            When(**{f"{planned_start}__lt": F(needed_start)}, then=Value(cls.GREEN.value)),
            When(**{planned_start: F(needed_start)}, then=Value(cls.AMBER.value)),
            default=Value(cls.RED.value),
            output_field=CharField(),
        )
