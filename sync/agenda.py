"""The agenda of a sync: its timeboxed sections, the facilitator's timer, and the top 5 chosen from the data.

Sections
    Each kind of sync has a fixed agenda (``SECTIONS``), each section with its timebox in
    minutes from the start. The ART Sync follows SAFe's 90 minutes; the Coach Sync and the PO
    Sync are shorter and have their own agendas.

Timer
    Stored on the meeting (``SyncMeeting``): the current section, when it last started
    running, and the seconds it had already run. ``timer(meeting, now)`` reads it for any
    moment, so every page computes the same time from the same row.

The top 5 (ART Sync, "cross-team blockers and dependencies")
    Candidates come from the data: impediments escalated to the train or beyond, dependencies
    of the meeting's PI that are blocked, red (planned after the iteration that needs them,
    or not planned at all) or at risk, and open dependencies older than ``AGING_DAYS``. Each
    candidate appears once, under its most severe reason. They are ranked by severity, most
    severe first (``AgendaItem.Reason``):

        1. impediment escalated beyond the train (the train could not remove it alone)
        2. blocked dependency (work has stopped)
        3. impediment escalated to the train
        4. red dependency (it will arrive too late, or nobody has planned it)
        5. dependency at risk
        6. aging dependency (open for over 14 days, otherwise on track)

    then by age (oldest first), then by id for a stable order. The RTE's pins win: a pinned
    item stays in its position, and the free positions take the best candidates not already
    on the agenda. Two queries read every candidate, whatever the size of the train.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Case, Exists, F, IntegerField, OuterRef, Q, QuerySet, Value, When

from planning.baseline import PlanChanges, plan_changes
from planning.models import Feature
from risks.models import Dependency, Risk, RiskChange
from sync.models import ActionItem, AgendaItem, Decision, Impediment, SyncMeeting

Kind = SyncMeeting.Kind
Reason = AgendaItem.Reason

# An open dependency older than this many days is a candidate even while on track.
AGING_DAYS = 14


# --- sections ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    """One timeboxed part of a sync's agenda, from ``start`` to ``end`` minutes after the sync began."""

    key: str
    title: str
    start: int
    end: int

    @property
    def minutes(self) -> int:
        return self.end - self.start

    @property
    def timebox(self) -> int:
        """The timebox in seconds."""
        return self.minutes * 60


SUMMARY = "summary"

SECTIONS: dict[str, tuple[Section, ...]] = {
    Kind.ART_SYNC: (
        Section("metrics", "Metrics snapshot", 0, 10),
        Section("blockers", "Cross-team blockers and dependencies (top 5)", 10, 40),
        Section("risks", "Risks: ROAM", 40, 70),
        Section("scope", "Scope rebalancing", 70, 85),
        Section(SUMMARY, "Summary and owners", 85, 90),
    ),
    Kind.COACH_SYNC: (
        Section("impediments", "Each team's impediments", 0, 25),
        Section("in_the_way", "Are we in another team's way?", 25, 40),
        Section(SUMMARY, "Summary and owners", 40, 45),
    ),
    Kind.PO_SYNC: (
        Section("features", "Features in flight", 0, 20),
        Section("scope", "Scope", 20, 35),
        Section("objectives", "Progress towards PI objectives", 35, 55),
        Section(SUMMARY, "Summary and owners", 55, 60),
    ),
}


def sections(kind: str) -> tuple[Section, ...]:
    return SECTIONS[kind]


def section(kind: str, key: str) -> Section | None:
    return next((candidate for candidate in SECTIONS[kind] if candidate.key == key), None)


def next_section(kind: str, key: str) -> Section | None:
    keys = [candidate.key for candidate in SECTIONS[kind]]
    position = keys.index(key) + 1
    return SECTIONS[kind][position] if position < len(keys) else None


def duration(kind: str) -> int:
    """Minutes of the whole agenda."""
    return SECTIONS[kind][-1].end


# --- timer ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timer:
    """The facilitator's timer at one moment: the section, the seconds it has run, running or paused."""

    section: Section | None
    elapsed: int
    running: bool

    @property
    def remaining(self) -> int:
        """Seconds left in the section's timebox; negative once it has overrun."""
        return self.section.timebox - self.elapsed if self.section else 0

    @property
    def overrun(self) -> bool:
        return self.section is not None and self.elapsed > self.section.timebox


def elapsed_seconds(meeting: SyncMeeting, now: datetime) -> int:
    """Seconds the current section has run: what it had run before, plus the current run if it runs."""
    running_for = 0
    if meeting.section_started_at is not None:
        running_for = max(0, int((now - meeting.section_started_at).total_seconds()))
    return meeting.section_elapsed + running_for


def timer(meeting: SyncMeeting, now: datetime) -> Timer:
    current = section(meeting.kind, meeting.current_section) if meeting.current_section else None
    return Timer(section=current, elapsed=elapsed_seconds(meeting, now), running=meeting.timer_running)


# --- the top 5 -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """An impediment or a dependency that may go on the top 5, with why and since when."""

    reason: Reason
    since: datetime
    impediment: Impediment | None = None
    dependency: Dependency | None = None

    @property
    def subject(self) -> Impediment | Dependency:
        return self.impediment if self.impediment is not None else self.dependency

    @property
    def key(self) -> tuple[str, int]:
        """What identifies it on an agenda, whichever the reason."""
        return subject_key(self.impediment, self.dependency)

    @property
    def rank(self) -> tuple:
        return (int(self.reason), self.since, self.key)

    def age(self, today: date, tz) -> int:
        return max(0, (today - self.since.astimezone(tz).date()).days)


def subject_key(impediment: Impediment | None, dependency: Dependency | None) -> tuple[str, int]:
    if impediment is not None:
        return ("impediment", impediment.pk)
    return ("dependency", dependency.pk)


def item_key(item: AgendaItem) -> tuple[str, int]:
    if item.impediment_id:
        return ("impediment", item.impediment_id)
    return ("dependency", item.dependency_id)


def aging_cutoff(art, today: date) -> datetime:
    """Raised before the start of this moment (in the train's time zone): open for over AGING_DAYS days."""
    return datetime.combine(today - timedelta(days=AGING_DAYS), time.min, tzinfo=art.tz)


RED = Q(planned_iteration__isnull=True) | Q(planned_iteration__start_date__gt=F("needed_by__start_date"))


def troubled_dependencies(meeting: SyncMeeting, today: date) -> QuerySet[Dependency]:
    """Open dependencies of the meeting's PI that are blocked, red, at risk or aging, most severe first.

    Each carries ``agenda_reason``, its most severe reason (a ``Reason`` value), computed by the
    database in one query.
    """
    D = Dependency.State
    reason = Case(
        When(state=D.BLOCKED, then=Value(Reason.BLOCKED)),
        When(RED, then=Value(Reason.RED)),
        When(state=D.AT_RISK, then=Value(Reason.AT_RISK)),
        When(created_at__lt=aging_cutoff(meeting.art, today), then=Value(Reason.AGING)),
        default=None,
        output_field=IntegerField(),
    )
    return (
        Dependency.objects.for_art(meeting.art)
        .for_pi(meeting.pi)
        .open()
        .annotate(agenda_reason=reason)
        .filter(agenda_reason__isnull=False)
        .select_related("art", "needing_team", "providing_team", "needed_by", "planned_iteration", "owner")
        .order_by("agenda_reason", "created_at", "id")
    )


def escalated_impediments(meeting: SyncMeeting) -> QuerySet[Impediment]:
    """Open impediments escalated to the train or beyond, most severe first (``agenda_reason``)."""
    reason = Case(
        When(level=Impediment.Level.BEYOND, then=Value(Reason.ESCALATED_BEYOND)),
        default=Value(Reason.ESCALATED_TO_TRAIN),
        output_field=IntegerField(),
    )
    return (
        Impediment.objects.for_art(meeting.art)
        .open()
        .escalated()
        .annotate(agenda_reason=reason)
        .select_related("art", "team", "owner")
        .order_by("agenda_reason", "raised_at", "id")
    )


def candidates(meeting: SyncMeeting, today: date | None = None) -> list[Candidate]:
    """Every candidate for the top 5, ranked (two queries)."""
    today = today or meeting.art.today()
    ranked = [
        Candidate(reason=Reason(impediment.agenda_reason), since=impediment.raised_at, impediment=impediment)
        for impediment in escalated_impediments(meeting)
    ]
    ranked += [
        Candidate(reason=Reason(dependency.agenda_reason), since=dependency.created_at, dependency=dependency)
        for dependency in troubled_dependencies(meeting, today)
    ]
    ranked.sort(key=lambda candidate: candidate.rank)
    return ranked


def choose(
    ranked: Iterable[Candidate], kept: Mapping[int, Hashable], size: int = AgendaItem.TOP
) -> list[tuple[int, Candidate]]:
    """Fill the positions 1..size that ``kept`` (position → key of what stays there) leaves free.

    Pure: the best ranked candidates not already kept take the free positions in order. A
    kept item is never moved nor repeated; when candidates run out, positions stay empty.
    """
    taken = set(kept.values())
    fresh = (candidate for candidate in ranked if candidate.key not in taken)
    chosen = []
    for position in range(1, size + 1):
        if position in kept:
            continue
        candidate = next(fresh, None)
        if candidate is None:
            break
        chosen.append((position, candidate))
    return chosen


def agenda_items(meeting: SyncMeeting) -> list[AgendaItem]:
    """The stored top 5 in order, each knowing whether it has a decision or an action yet (one query)."""
    return list(
        AgendaItem.objects.filter(meeting=meeting)
        .select_related(
            "impediment__art",
            "impediment__team",
            "impediment__owner",
            "dependency__art",
            "dependency__needing_team",
            "dependency__providing_team",
            "dependency__needed_by",
            "dependency__planned_iteration",
            "dependency__owner",
        )
        .annotate(
            has_decision=Exists(Decision.objects.filter(agenda_item=OuterRef("pk"))),
            has_action=Exists(ActionItem.objects.filter(agenda_item=OuterRef("pk"))),
        )
        .order_by("position")
    )


def is_settled(item: AgendaItem) -> bool:
    """It left (or is leaving) the sync with a decision or a next action."""
    return bool(item.has_decision or item.has_action)


def outside_candidates(items: Iterable[AgendaItem], ranked: Iterable[Candidate]) -> list[Candidate]:
    """The ranked candidates that are not on the agenda: what the RTE may swap in."""
    on_agenda = {item_key(item) for item in items}
    return [candidate for candidate in ranked if candidate.key not in on_agenda]


# --- what the other sections read ------------------------------------------------------------------


def changes_since(meeting: SyncMeeting) -> datetime:
    """When the last sync of this kind ended (or began, if it never closed); the PI's start for the first."""
    previous = meeting.previous()
    if previous is not None:
        return previous.closed_at or previous.started_at or previous.starts_at
    return datetime.combine(meeting.pi.start_date, time.min, tzinfo=meeting.art.tz)


def risks_to_roam(meeting: SyncMeeting) -> QuerySet[Risk]:
    """The risks of the meeting's PI changed since the last sync of this kind, and every unroamed one.

    ROAMed during the sync through ``risks.services.roam_risk``, the same service as the ROAM board.
    """
    changed = RiskChange.objects.filter(risk=OuterRef("pk"), at__gt=changes_since(meeting))
    return (
        Risk.objects.for_pi(meeting.pi)
        .with_related()
        .annotate(changed_since_last_sync=Exists(changed))
        .filter(Q(state=Risk.State.UNROAMED) | Q(changed_since_last_sync=True))
    )


def scope_changes(meeting: SyncMeeting) -> PlanChanges:
    """Features moved, added or dropped since the plan was committed (``planning.baseline``)."""
    return plan_changes(meeting.pi)


def features_in_flight(meeting: SyncMeeting) -> QuerySet[Feature]:
    """PO Sync: the PI's features being implemented or validated, by WSJF."""
    in_flight = (Feature.State.IMPLEMENTING, Feature.State.VALIDATING)
    return Feature.objects.for_art(meeting.art).filter(pi=meeting.pi, state__in=in_flight).with_related().ranked()


def team_impediments(meeting: SyncMeeting) -> QuerySet[Impediment]:
    """Coach Sync: every open impediment of the train, team by team, oldest first."""
    return Impediment.objects.for_art(meeting.art).open().with_related().order_by("team__name", "raised_at", "id")
