"""What the metrics contribute to the ART Sync and to the train's home, through ``artops.extensions``."""

import html as html_lib
import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.template.loader import render_to_string

from artops import extensions
from metrics.views import panels
from tests.helpers import count_queries
from tests.metrics.conftest import dependency, flowed, objective

pytestmark = pytest.mark.django_db

# Wednesday 21 January 2026, in Iteration 2 of the ``train`` fixture's PI (Iteration 1: 5 to 18 January).
NOW = datetime(2026, 1, 21, 9, 0, tzinfo=UTC)
TODAY = date(2026, 1, 21)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def fill(train, copies: int = 1) -> None:
    for _ in range(copies):
        flowed(train, date(2026, 1, 6), date(2026, 1, 12))
        flowed(train, date(2026, 1, 7), date(2026, 1, 14))
        flowed(train, date(2026, 1, 8), date(2026, 1, 20))
        for started in (9, 10, 11, 12):
            flowed(train, date(2026, 1, started), None)
        objective(train.alpha, train.pi, planned=10, actual=8)
        objective(train.alpha, train.pi, planned=5)
        dependency(train, train.pi, needing=train.alpha, providing=train.beta, raised=date(2025, 12, 20))
        dependency(train, train.pi, needing=train.beta, providing=None, raised=date(2026, 1, 15))


def rendered(panel) -> str:
    content = render_to_string(panel.template, {"panel": panel})
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", content)).split())


def test_the_providers_are_registered_at_startup():
    assert panels.sync_snapshot in extensions._providers[extensions.SYNC_METRICS_SNAPSHOT]
    assert panels.home_figures in extensions._providers[extensions.ART_HOME_FIGURES]


def test_the_sync_snapshot_shows_the_four_figures_of_its_first_ten_minutes(train):
    fill(train)
    [panel] = [
        panel
        for panel in extensions.panels(extensions.SYNC_METRICS_SNAPSHOT, art=train, pi=train.pi, today=TODAY)
        if panel.template == panels.SYNC_TEMPLATE
    ]
    text = rendered(panel)
    assert "Predictability so far 80.0% 1 of 2 objectives assessed" in text
    # Iteration 1 ended on 18 January: two features accepted in it.
    assert "Throughput, Iteration 1 2 features accepted" in text
    assert "WIP 4 of 3 over the limit" in text
    assert "Dependency age median 19.0 days · 1 over 14 · 1 over 30" in text


def test_before_an_iteration_has_ended_the_sync_shows_the_running_one_so_far(train):
    fill(train)
    panel = panels.sync_snapshot(art=train, pi=train.pi, today=date(2026, 1, 13))
    assert "Throughput, Iteration 1 so far" in rendered(panel)


def test_without_a_pi_the_snapshot_still_shows_wip_and_dependencies(train):
    panel = panels.sync_snapshot(art=train, pi=None, today=TODAY)
    text = rendered(panel)
    assert "Predictability — no PI" in text
    assert "Throughput —" in text and "WIP 0 of 3" in text and "none open" in text


def test_the_home_figures_show_predictability_so_far_and_wip_leading_to_the_dashboards(train):
    fill(train)
    predictability, wip = panels.home_figures(art=train, pi=train.pi, user=None, today=TODAY)
    assert predictability.label == "Predictability so far, PI 2026.1"
    assert predictability.value == "80.0%"
    assert predictability.note == "1 of 2 objectives assessed · inside the healthy band"
    assert predictability.url == "/arts/metrics/metrics/business-owners/"
    assert (wip.value, wip.note, wip.tone) == (4, "over the limit of 3", "warn")
    assert wip.url == "/arts/metrics/metrics/flow/"


def test_without_a_pi_the_home_figures_say_so(train):
    predictability, wip = panels.home_figures(art=train, pi=None, user=None, today=TODAY)
    assert (predictability.value, predictability.note) == ("—", "no PI")
    assert (wip.value, wip.tone) == (0, "")


def test_the_panels_cost_the_same_queries_at_two_sizes(train):
    fill(train)
    small_sync, _ = count_queries(panels.sync_snapshot, art=train, pi=train.pi, today=TODAY)
    small_home, _ = count_queries(panels.home_figures, art=train, pi=train.pi, user=None, today=TODAY)
    fill(train, copies=4)
    large_sync, _ = count_queries(panels.sync_snapshot, art=train, pi=train.pi, today=TODAY)
    large_home, _ = count_queries(panels.home_figures, art=train, pi=train.pi, user=None, today=TODAY)
    # predictability, iterations, acceptances per day, WIP, dependency age
    assert small_sync == large_sync == 5
    # predictability, WIP
    assert small_home == large_home == 2
