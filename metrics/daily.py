"""The metrics of a train for every day of a range, each as it stood at the end of that day.

One query per family of metrics for the whole range (``generate_series`` of the days joined
to the rows, aggregated per day with ``percentile_cont``, ``FILTER`` and ``GROUPING SETS``),
so that one night, a backfill of three years and the demo's year all cost the same handful of
queries. The nightly snapshots, the dependency-age and cumulative-flow reads of one day and
the tests all go through here.

The day's end is local midnight in the train's time zone; "as it stood" reads history:

- a feature's state: its last recorded move before the end of the day (``FeatureStateChange``);
- an objective's actual business value: its last recorded change before then
  (``ObjectiveChange``), else what the first later change says it was, else its value now;
- a dependency is open on a day if raised before the day ended and not closed by then; its
  age is ``risks.models.Dependency.age`` on that day: calendar days in the train's time zone
  since it was raised.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from artops.models import ART, Iteration, ProgramIncrement
from metrics import dependencies, flow, predictability
from metrics.dependencies import DependencyAge
from metrics.predictability import Figures, is_final


@dataclass
class Day:
    """Everything the snapshots of one day hold, for the train and per team."""

    day: date
    pi: ProgramIncrement | None = None
    iteration: Iteration | None = None
    train: Figures = field(default_factory=Figures)
    teams: dict[int, Figures] = field(default_factory=dict)
    dependencies: DependencyAge = field(default_factory=DependencyAge)
    team_dependencies: dict[int, DependencyAge] = field(default_factory=dict)
    flow: dict = field(default_factory=dict)
    states: dict[str, int] = field(default_factory=dict)


# --- PIs and iterations of each day ------------------------------------------------------------------


def timeboxes(art: ART, days: list[date]) -> dict[date, tuple[ProgramIncrement | None, Iteration | None]]:
    """For each day, the PI running then (or the last one before it, between PIs) and its iteration: two queries."""
    pis = list(ProgramIncrement.objects.filter(art=art, start_date__lte=days[-1]).order_by("start_date"))
    iterations = list(Iteration.objects.filter(pi__in=pis).order_by("start_date"))
    result = {}
    for day in days:
        pi = next((pi for pi in reversed(pis) if pi.start_date <= day), None)
        iteration = next((it for it in iterations if it.start_date <= day <= it.end_date), None)
        result[day] = (pi, iteration)
    return result


# --- all of it ----------------------------------------------------------------------------------------


def figures_of_days(art: ART, days: list[date]) -> list[Day]:
    """The snapshots' figures of ``days`` (sorted, of one train): seven queries, whatever the number of days."""
    if not days:
        return []
    boxes = timeboxes(art, days)
    objectives = predictability.figures_by_day(art, {day: pi for day, (pi, _) in boxes.items()})
    ages = dependencies.dependency_ages(art, days[0], days[-1])
    accepted = flow.accepted_by_day(art, boxes)
    states = flow.feature_states(art, days[0], days[-1])
    result = []
    for day in days:
        pi, iteration = boxes[day]
        final = pi is not None and is_final(pi, day)
        teams = objectives[day]
        result.append(
            Day(
                day=day,
                pi=pi,
                iteration=iteration,
                train=sum(teams.values(), Figures(final=final)),
                teams=teams,
                dependencies=ages[day][0],
                team_dependencies=ages[day][1],
                flow=accepted[day],
                states=states[day],
            )
        )
    return result


def wip_of(states: dict[str, int]) -> int:
    return sum(states[state] for state in flow.IN_PROGRESS)
