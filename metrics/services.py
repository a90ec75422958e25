"""Recomputing the daily snapshots: every night, on request, and over a range of past days.

**Which day.** A snapshot is for one calendar day of the train's own time zone, as it stood
at the end of that day. The night after a day ends, that day is computed: after local
midnight a train's due day is its local *yesterday*. The beat runs ``recompute_due`` every
hour; each train whose yesterday has no snapshot yet is computed then, so a train in
Singapore is done at 16:00 UTC and one in New York at 05:00 UTC, each just after its own
midnight, and an hour missed (a worker down) is caught up the next hour. A day that has not
ended yet is never snapshotted: a half day would stand in for the whole one.

**Idempotent.** Each row is upserted on its unique key (train and day, team and day) with
``INSERT … ON CONFLICT DO UPDATE``: computing a day again writes the same numbers into the
same rows and never adds one. Past days are computed again only on request
(``recompute_metrics --date``, ``backfill_metrics``), so that history stays what it was.

**One at a time.** Two beat processes, or two workers handed the same task, must not
compute the same train and day at once. Each computation runs in one transaction that first
takes ``pg_try_advisory_xact_lock`` on a key made of the train and the day: the second
comer finds the lock taken and skips (its outcome says so) instead of waiting; PostgreSQL
releases the lock when the first transaction ends, even if its process dies. The upsert
backs this up: even two computations one after the other leave one set of rows.

**Set-based.** One train and day costs the same dozen queries whatever the number of
features, dependencies or objectives; the nightly run costs that per train.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet, Sum

from artops.models import ART, Iteration, ProgramIncrement, Team
from metrics import dependencies, flow, predictability
from metrics.models import TeamSnapshot, TrainSnapshot
from metrics.sql import rounded
from planning.models import Feature


@dataclass(frozen=True)
class Outcome:
    """What happened to one train and day: computed (and how many rows were written), or skipped."""

    art_id: int
    day: date
    computed: bool
    rows: int = 0


def due_day(art: ART, now: datetime) -> date:
    """The day whose snapshot the night computes: the train's local yesterday at ``now``."""
    return now.astimezone(art.tz).date() - timedelta(days=1)


def has_ended(art: ART, day: date, now: datetime) -> bool:
    """Whether ``day`` is over in the train's time zone (only ended days are snapshotted)."""
    return day < now.astimezone(art.tz).date()


def due_trains(now: datetime, arts: QuerySet[ART] | None = None) -> list[tuple[ART, date]]:
    """Every train (of ``arts``, default all) whose due day has no snapshot yet, with that day: two queries."""
    arts = list((arts if arts is not None else ART.objects.all()).order_by("pk"))
    wanted = {art.pk: due_day(art, now) for art in arts}
    done = set(
        TrainSnapshot.objects.filter(art_id__in=wanted, day__in=set(wanted.values())).values_list("art_id", "day")
    )
    return [(art, wanted[art.pk]) for art in arts if (art.pk, wanted[art.pk]) not in done]


def recompute_due(now: datetime, arts: QuerySet[ART] | None = None) -> list[Outcome]:
    """The nightly job: compute each train whose local night has come and whose day is not done yet."""
    return [recompute(art, day) for art, day in due_trains(now, arts)]


def recompute_day(art_id: int, day: date) -> Outcome:
    """Compute one train's snapshots of one day (ids and dates in, as a task passes them)."""
    return recompute(ART.objects.get(pk=art_id), day)


def recompute_days(arts: list[ART], first: date, last: date) -> list[Outcome]:
    """Compute every day from ``first`` to ``last`` (both included) for each of ``arts``: the backfill."""
    days = [first + timedelta(days=offset) for offset in range((last - first).days + 1)]
    return [recompute(art, day) for art in arts for day in days]


def _try_lock(art_id: int, day: date) -> bool:
    """Take the transaction's advisory lock on (train, day), without waiting; False when another holds it."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_try_advisory_xact_lock(hashtextextended(%s, 0))", [f"metrics:{art_id}:{day.isoformat()}"]
        )
        return cursor.fetchone()[0]


@transaction.atomic
def recompute(art: ART, day: date) -> Outcome:
    """Compute and upsert ``art``'s train and team snapshots of ``day``: a dozen queries, whatever the size."""
    if not _try_lock(art.pk, day):
        return Outcome(art.pk, day, computed=False)
    iteration = Iteration.objects.filter(pi__art=art, start_date__lte=day, end_date__gte=day).first()
    pi = ProgramIncrement.objects.filter(art=art, start_date__lte=day).order_by("-start_date").first()
    figures = predictability.pi_predictability(pi, day=day, time_zone=art.time_zone)
    train_age = dependencies.dependency_age(art, day)
    team_ages = dependencies.dependency_age_by_team(art, day)
    train = TrainSnapshot(
        art=art,
        day=day,
        pi=pi,
        wip_limit=art.wip_limit,
        **figures.train.as_snapshot_fields(),
        **train_age.as_snapshot_fields(),
        **_flow_fields(art, day, pi, iteration),
    )
    # Every team of the train, inactive ones too: they keep their history.
    team_ids = Team.objects.filter(art=art).order_by("pk").values_list("pk", flat=True)
    teams = [
        TeamSnapshot(
            art=art,
            team_id=team_id,
            day=day,
            pi=pi,
            **figures.of(team_id).as_snapshot_fields(),
            **team_ages.get(team_id, dependencies.DependencyAge()).as_snapshot_fields(),
        )
        for team_id in team_ids
    ]
    _upsert(TrainSnapshot, [train], unique=["art", "day"])
    _upsert(TeamSnapshot, teams, unique=["team", "day"])
    return Outcome(art.pk, day, computed=True, rows=1 + len(teams))


def _flow_fields(art: ART, day: date, pi: ProgramIncrement | None, iteration: Iteration | None) -> dict:
    """Throughput, distribution and flow time up to ``day`` (one query) and the features per state (one)."""
    window_start = day - timedelta(days=flow.FLOW_TIME_WINDOW_DAYS - 1)
    pi_start = pi.start_date if pi is not None else day + timedelta(days=1)
    iteration_start = iteration.start_date if iteration is not None else day + timedelta(days=1)
    in_pi = Q(accepted_on__gte=pi_start)
    enabler = Q(feature__type=Feature.Type.ENABLER)
    figures = flow.accepted_between(art, min(window_start, pi_start, iteration_start), day).aggregate(
        accepted=Count("pk", filter=Q(accepted_on=day)),
        accepted_size=Sum("feature__job_size", filter=Q(accepted_on=day), default=0),
        accepted_in_iteration=Count("pk", filter=Q(accepted_on__gte=iteration_start)),
        accepted_in_pi=Count("pk", filter=in_pi),
        accepted_business_in_pi=Count("pk", filter=in_pi & ~enabler),
        accepted_enablers_in_pi=Count("pk", filter=in_pi & enabler),
        **flow.flow_time_aggregates(Q(accepted_on__gte=window_start)),
    )
    for name in ("flow_time_median", "flow_time_p85", "flow_time_p95"):
        figures[name] = rounded(figures[name])
    states = flow.states_at_end_of(art, day)
    figures |= {f"features_{state}": count for state, count in states.items()}
    figures["wip"] = sum(states[state] for state in flow.IN_PROGRESS)
    return figures


def _upsert(model, rows: list, *, unique: list[str]) -> None:
    """Insert ``rows``, or overwrite the rows with the same unique key: one statement."""
    if not rows:
        return
    keep = {"id", *unique, *(f"{name}_id" for name in unique)}
    update = [f.name for f in model._meta.concrete_fields if f.name not in keep and f.attname not in keep]
    model.objects.bulk_create(rows, update_conflicts=True, unique_fields=unique, update_fields=update)
