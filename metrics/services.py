"""Recomputing the daily snapshots: every night, on request, and over a range of past days.

**Which day.** A snapshot is for one calendar day of the train's own time zone, as it stood
at the end of that day. The night after a day ends, that day is computed: after local
midnight a train's due day is its local *yesterday*. The beat runs ``recompute_due`` every
hour; each train whose yesterday has no snapshot yet is computed then, so a train in
Singapore is done at 16:00 UTC and one in New York at 05:00 UTC, each just after its own
midnight. A missed hour is caught up the next one, and missed nights (workers down over a
weekend) too: the days since the train's last snapshot, up to ``CATCH_UP_DAYS``. A train
without any snapshot starts with its yesterday; older days come from ``backfill_metrics``.
A day that has not ended yet is never snapshotted: a half day would stand in for the whole one.

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

**Set-based.** One train costs the same dozen queries whatever the number of features,
dependencies or objectives, and whatever the number of days (``metrics.daily`` computes a
range of days in one query per family of metrics); the nightly run costs that per train.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.db.models import Max, QuerySet

from artops.models import ART, Team
from metrics import daily, dependencies, predictability
from metrics.models import TeamSnapshot, TrainSnapshot


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


CATCH_UP_DAYS = 7


def due_trains(now: datetime, arts: QuerySet[ART] | None = None) -> list[tuple[ART, date, date]]:
    """Every train (of ``arts``, default all) whose yesterday has no snapshot yet, with the first and last
    day to compute (the days missed since its last snapshot, at most ``CATCH_UP_DAYS``): two queries."""
    arts = list((arts if arts is not None else ART.objects.all()).order_by("pk"))
    last_done = dict(
        TrainSnapshot.objects.filter(art__in=arts)
        .order_by()
        .values("art_id")
        .annotate(last=Max("day"))
        .values_list("art_id", "last")
    )
    due = []
    for art in arts:
        last = due_day(art, now)
        done = last_done.get(art.pk)
        if done is None:
            due.append((art, last, last))
        elif done < last:
            due.append((art, max(done + timedelta(days=1), last - timedelta(days=CATCH_UP_DAYS - 1)), last))
    return due


def recompute_due(now: datetime, arts: QuerySet[ART] | None = None) -> list[Outcome]:
    """The nightly job: compute each train whose local night has come and whose days are not done yet."""
    return [outcome for art, first, last in due_trains(now, arts) for outcome in recompute_range(art, first, last)]


def recompute_day(art_id: int, day: date) -> Outcome:
    """Compute one train's snapshots of one day (ids and dates in, as a task passes them)."""
    return recompute(ART.objects.get(pk=art_id), day)


def recompute(art: ART, day: date) -> Outcome:
    """Compute and upsert ``art``'s train and team snapshots of ``day``."""
    return recompute_range(art, day, day)[0]


def recompute_days(arts: list[ART], first: date, last: date) -> list[Outcome]:
    """Compute every day from ``first`` to ``last`` (both included) for each of ``arts``: the backfill."""
    return [outcome for art in arts for outcome in recompute_range(art, first, last)]


LOCK = (
    "SELECT day FROM unnest(%s::date[]) AS t(day) "
    "WHERE pg_try_advisory_xact_lock(hashtextextended('metrics:' || %s || ':' || to_char(day, 'YYYY-MM-DD'), 0))"
)


def _lock(art_id: int, days: list[date]) -> set[date]:
    """Take the transaction's advisory lock on (train, day) for each day, without waiting: the days locked."""
    with connection.cursor() as cursor:
        cursor.execute(LOCK, [days, str(art_id)])
        return {row[0] for row in cursor.fetchall()}


def _try_lock(art_id: int, day: date) -> bool:
    return day in _lock(art_id, [day])


@transaction.atomic
def recompute_range(art: ART, first: date, last: date) -> list[Outcome]:
    """Compute and upsert ``art``'s snapshots of every day from ``first`` to ``last``: a dozen queries
    whatever the number of rows or days (the upserts are batched by a thousand rows)."""
    days = [first + timedelta(days=offset) for offset in range((last - first).days + 1)]
    locked = _lock(art.pk, days)
    team_ids = list(Team.objects.filter(art=art).order_by("pk").values_list("pk", flat=True))
    trains, teams = [], []
    for figures in daily.figures_of_days(art, sorted(locked)):
        trains.append(_train_row(art, figures))
        # Every team of the train, inactive ones too: they keep their history.
        teams += [_team_row(art, team_id, figures) for team_id in team_ids]
    _upsert(TrainSnapshot, trains, unique=["art", "day"])
    _upsert(TeamSnapshot, teams, unique=["team", "day"])
    return [
        Outcome(art.pk, day, computed=True, rows=1 + len(team_ids)) if day in locked else Outcome(art.pk, day, False)
        for day in days
    ]


def _train_row(art: ART, figures: daily.Day) -> TrainSnapshot:
    return TrainSnapshot(
        art=art,
        day=figures.day,
        pi=figures.pi,
        wip_limit=art.wip_limit,
        wip=daily.wip_of(figures.states),
        **figures.train.as_snapshot_fields(),
        **figures.dependencies.as_snapshot_fields(),
        **figures.flow,
        **{f"features_{state}": count for state, count in figures.states.items()},
    )


def _team_row(art: ART, team_id: int, figures: daily.Day) -> TeamSnapshot:
    none = dependencies.DependencyAge()
    return TeamSnapshot(
        art=art,
        team_id=team_id,
        day=figures.day,
        pi=figures.pi,
        **figures.teams.get(team_id, predictability.Figures(final=figures.train.final)).as_snapshot_fields(),
        **figures.team_dependencies.get(team_id, none).as_snapshot_fields(),
    )


def _upsert(model, rows: list, *, unique: list[str]) -> None:
    """Insert ``rows``, or overwrite the rows with the same unique key: one statement."""
    if not rows:
        return
    keep = {"id", *unique, *(f"{name}_id" for name in unique)}
    update = [f.name for f in model._meta.concrete_fields if f.name not in keep and f.attname not in keep]
    model.objects.bulk_create(rows, batch_size=1000, update_conflicts=True, unique_fields=unique, update_fields=update)
