"""``recompute_metrics`` and ``backfill_metrics``: what they compute, and every refusal (exit 2, nothing written)."""

from datetime import UTC, date, datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from metrics.management.commands.recompute_metrics import Command as Recompute
from metrics.models import TeamSnapshot, TrainSnapshot

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 1, 21, 12, 0, tzinfo=UTC)  # Wednesday 21 January, 13:00 in Berlin


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_recompute_defaults_to_each_trains_last_ended_day(train):
    assert run("recompute_metrics") == "Computed 1 train-days, 3 snapshot rows written.\n"
    assert list(TrainSnapshot.objects.values_list("day", flat=True)) == [date(2026, 1, 20)]


def test_recompute_a_given_day_of_a_given_train(train, other_art):
    run("recompute_metrics", "--art", "metrics", "--date", "2026-01-10")
    assert list(TrainSnapshot.objects.values_list("art__slug", "day")) == [("metrics", date(2026, 1, 10))]


def test_backfill_a_range_and_again_changes_nothing(train):
    assert run("backfill_metrics", "--from", "2026-01-05", "--to", "2026-01-11") == (
        "Computed 7 train-days, 21 snapshot rows written.\n"
    )
    before = list(TrainSnapshot.objects.order_by("day").values())
    run("backfill_metrics", "--from", "2026-01-05", "--to", "2026-01-11", "--art", "metrics")
    assert list(TrainSnapshot.objects.order_by("day").values()) == before
    assert TeamSnapshot.objects.count() == 14


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["recompute_metrics", "--date", "2026-02-30"], "2026-02-30 is not a day of the calendar"),
        (["recompute_metrics", "--date", "20260120"], "'20260120' is not a date: write it as YYYY-MM-DD"),
        (["recompute_metrics", "--date", "2026-W04-2"], "is not a date"),
        (["recompute_metrics", "--date", "yesterday"], "is not a date"),
        (["recompute_metrics", "--date", "2026-01-21"], "2026-01-21 has not ended yet for Metrics ART"),
        (["recompute_metrics", "--art", "nope"], "No train has the slug 'nope' (trains: metrics)"),
        (["backfill_metrics", "--from", "2026-01-11", "--to", "2026-01-05"], "is before --from"),
        (["backfill_metrics", "--from", "2026-01-05", "--to", "2026-13-01"], "--to 2026-13-01 is not a day"),
        (["backfill_metrics", "--from", "2026-01-05", "--to", "2026-01-06", "--art", "x"], "No train has the slug"),
        (["backfill_metrics", "--from", "2020-01-01", "--to", "2026-01-06"], "at most"),
    ],
)
def test_refusals_exit_with_status_2_and_write_nothing(train, args, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")) as refused:
        run(*args)
    assert refused.value.returncode == 2
    assert not TrainSnapshot.objects.exists() and not TeamSnapshot.objects.exists()


def test_the_exit_status_from_the_command_line_is_2(train, capsys):
    with pytest.raises(SystemExit) as exited:
        Recompute().run_from_argv(["manage.py", "recompute_metrics", "--date", "2026-02-30"])
    assert exited.value.code == 2
    assert "2026-02-30 is not a day of the calendar" in capsys.readouterr().err
