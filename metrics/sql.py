"""SQL building blocks of the metrics: percentiles, a day in a train's time zone, days between two days.

Everything is aggregated by PostgreSQL, so that a metric costs a few queries whatever the
number of rows: ``percentile_cont`` for medians and percentiles, ``FILTER`` for counts of a
kind, ``AT TIME ZONE`` for the calendar day of a moment where the train works.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.db.models import Aggregate, DateField, DecimalField, Expression, FloatField, Func, IntegerField, Value
from django.db.models.functions import Greatest

ONE_PLACE = Decimal("0.1")


class Percentile(Aggregate):
    """PostgreSQL's ``percentile_cont(fraction) WITHIN GROUP (ORDER BY expression)``: interpolated, like a median.

    ``Percentile("days", 0.5)`` is the median. Accepts ``filter=`` like every aggregate.
    """

    function = "percentile_cont"
    name = "Percentile"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        if not 0 <= fraction <= 1:
            raise ValueError("A percentile is a fraction from 0 to 1.")
        # A float literal of our own, never user input: safe to write into the SQL.
        self.template = f"%(function)s({float(fraction)!r}) WITHIN GROUP (ORDER BY %(expressions)s)"
        super().__init__(expression, **extra)


def in_time_zone(moment: Expression, time_zone: str) -> Func:
    """The calendar day of ``moment`` in ``time_zone`` (a train's): ``(moment AT TIME ZONE tz)::date``."""
    return Func(
        moment,
        Value(time_zone),
        template="((%(expressions)s)::date)",
        arg_joiner=" AT TIME ZONE ",
        output_field=DateField(),
    )


def days_between(later, earlier) -> Func:
    """Whole days from ``earlier`` to ``later`` (two dates): PostgreSQL's ``date - date``."""
    return Func(later, earlier, template="(%(expressions)s)", arg_joiner=" - ", output_field=IntegerField())


def days_since(start, day: date) -> Greatest:
    """Days from the date ``start`` to ``day``, never negative."""
    return Greatest(days_between(Value(day, output_field=DateField()), start), Value(0))


def end_of_day(day: date, time_zone: str) -> datetime:
    """The first moment after ``day`` in ``time_zone``: a snapshot of ``day`` sees what happened before it."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=ZoneInfo(time_zone))


def start_of_day(day: date, time_zone: str) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(time_zone))


def rounded(value) -> Decimal | None:
    """A number of days to one decimal place (half up), or None."""
    if value is None:
        return None
    return Decimal(str(value)).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


DECIMAL_DAYS = DecimalField(max_digits=7, decimal_places=1)
