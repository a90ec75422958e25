"""The PI cadence: how a Planning Interval is cut into iterations.

A PI has N development iterations followed by one Innovation & Planning (IP) iteration,
all of the same length, contiguous and never overlapping. This module is pure date
arithmetic so that the PI form can preview a schedule before anything is saved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

MIN_ITERATION_WEEKS = 1
MAX_ITERATION_WEEKS = 4
MIN_DEVELOPMENT_ITERATIONS = 1
MAX_DEVELOPMENT_ITERATIONS = 8


@dataclass(frozen=True)
class PlannedIteration:
    number: int
    name: str
    start_date: date
    end_date: date  # inclusive: the last working day of the iteration
    is_ip: bool

    def contains(self, day: date) -> bool:
        return self.start_date <= day <= self.end_date


def plan_iterations(start_date: date, *, iteration_weeks: int, development_iterations: int) -> list[PlannedIteration]:
    """Cut a PI starting on ``start_date`` into its development iterations and the IP iteration."""
    length = timedelta(weeks=iteration_weeks)
    iterations = []
    for index in range(development_iterations + 1):
        start = start_date + index * length
        is_ip = index == development_iterations
        iterations.append(
            PlannedIteration(
                number=index + 1,
                name="IP" if is_ip else f"Iteration {index + 1}",
                start_date=start,
                end_date=start + length - timedelta(days=1),
                is_ip=is_ip,
            )
        )
    return iterations


def pi_end_date(start_date: date, *, iteration_weeks: int, development_iterations: int) -> date:
    return start_date + timedelta(weeks=iteration_weeks * (development_iterations + 1), days=-1)
