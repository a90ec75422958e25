"""SQL building blocks of the metrics: percentiles, a day in a train's time zone, days between two days.

Everything is aggregated by PostgreSQL, so that a metric costs a few queries whatever the
number of rows: ``percentile_cont`` for medians and percentiles, ``FILTER`` for counts of a
kind, ``AT TIME ZONE`` for the calendar day of a moment where the train works.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import Aggregate, DateField, Expression, FloatField, Func, IntegerField, Value

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


def rounded(value) -> Decimal | None:
    """A number of days to one decimal place (half up), or None."""
    if value is None:
        return None
    return Decimal(str(value)).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


# --- raw SQL over a range of days ---------------------------------------------------------------------

# The days %(days)s with the end of each: local midnight after it in %(tz)s, a timestamptz. An array
# parameter rather than generate_series: the planner then knows how many days there are, and plans a
# night's single day as the small query it is.
DAYS = """
days AS (
    SELECT d AS day, ((d + 1)::timestamp AT TIME ZONE %(tz)s) AS day_end FROM unnest(%(days)s::date[]) AS d
)"""


def fetch(sql: str, tables: dict[str, str], params: dict) -> list[tuple]:
    """Rows of ``sql`` with its ``{table}`` names filled in from ``tables`` (ours) and its values as parameters."""
    with connection.cursor() as cursor:
        cursor.execute(sql.format(**tables), params)
        return cursor.fetchall()


def day_params(art, first: date, last: date, **more) -> dict:
    """The parameters every range query takes: the train, its time zone, and the days from first to last."""
    return {"art": art.pk, "tz": art.time_zone, "days": days_from(first, last), **more}


def days_from(first: date, last: date) -> list[date]:
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]
