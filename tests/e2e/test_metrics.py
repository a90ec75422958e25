"""The metrics dashboards in a real browser: a Business Owner sets an actual value in place and sees the
figures follow; the RTE reads a chart's data and downloads it as CSV."""

import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from artops.demo import DEMO_PASSWORD
from artops.models import ART, Role
from metrics import services
from planning.models import ObjectiveChange, PIObjective
from tests.conftest import make_member
from tests.factories import ARTFactory, TeamFactory, make_pi
from tests.metrics.conftest import flowed, objective

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def train():
    """A train whose PI runs today, with two teams: Otters' objective assessed (8 of 10), Falcons' not yet."""
    art = ARTFactory(name="Payments ART", slug="payments", time_zone="Europe/Berlin", wip_limit=2)
    today = art.today()
    monday = today - timedelta(days=today.weekday() + 7)
    art.pi = make_pi(art, name="PI Now", start=monday)
    art.falcons = TeamFactory(art=art, name="Falcons")
    art.otters = TeamFactory(art=art, name="Otters")
    art.target = objective(art.falcons, art.pi, planned=10)
    art.target.statement = "Payouts in seconds"
    art.target.save(update_fields=["statement"])
    objective(art.otters, art.pi, planned=10, actual=8)
    return art


def test_a_business_owner_sets_an_actual_value_in_place_and_sees_the_figures_follow(
    page, live_server, log_in, train: ART
):
    owner = make_member(train, Role.BUSINESS_OWNER, display_name="Bo Owner", password=DEMO_PASSWORD)
    log_in(page, owner)
    navigation = page.get_by_role("navigation", name="Main")
    navigation.get_by_text("Metrics", exact=True).click()
    navigation.get_by_role("link", name="Business value").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Business value")

    falcons = page.locator(f"#bo-team-{train.falcons.pk}")
    train_figure = page.locator("#bo-train")
    expect(falcons.locator(".pbar-number")).to_contain_text("— nothing assessed yet")
    expect(train_figure.locator(".pbar-number")).to_contain_text("80.0% so far 1 of 2 objectives assessed")
    # The healthy band is shaded on every bar.
    expect(falcons.locator(".pbar-band")).to_be_visible()
    expect(train_figure.locator(".pbar-band")).to_be_visible()
    page.evaluate("window.dashboardMarker = 'still here'")

    row = page.locator(f"#bo-objective-{train.target.pk}")
    row.get_by_label("Actual business value (0–10)").fill("9")
    row.get_by_role("button", name="Save").click()

    falcons = page.locator(f"#bo-team-{train.falcons.pk}")
    expect(falcons.locator(".pbar-number")).to_contain_text("90.0% so far 1 of 1 objective assessed")
    expect(falcons.locator(".pbar-fill.band-in")).to_be_visible()
    expect(page.locator("#bo-train .pbar-number")).to_contain_text("85.0% so far 2 of 2 objectives assessed")
    expect(falcons.get_by_role("status")).to_have_text("Business value of “Payouts in seconds” saved.")
    assert page.evaluate("window.dashboardMarker") == "still here"

    stored = PIObjective.objects.get(pk=train.target.pk)
    assert (stored.actual_business_value, stored.version) == (9, 2)
    assert ObjectiveChange.objects.get(objective=stored).by == owner

    # Out of range: the reason beside the row, nothing saved, the figures as they were.
    row = page.locator(f"#bo-objective-{train.target.pk}")
    row.get_by_label("Actual business value (0–10)").fill("11")
    row.get_by_role("button", name="Save").click()
    expect(page.locator(f"#bo-team-{train.falcons.pk}").get_by_role("alert").first).to_have_text(
        "Actual business value is from 0 to 10."
    )
    expect(page.locator("#bo-train .pbar-number")).to_contain_text("85.0% so far")
    assert PIObjective.objects.get(pk=train.target.pk).actual_business_value == 9


def test_the_rte_reads_a_charts_data_and_downloads_its_csv(page, live_server, log_in, train: ART):
    rte = make_member(train, Role.RTE, display_name="Riley RTE", password=DEMO_PASSWORD)
    today = train.today()
    flowed(train, today - timedelta(days=12), today - timedelta(days=5))
    for started in (6, 5, 4):
        flowed(train, today - timedelta(days=started), None)
    yesterday = today - timedelta(days=1)
    services.recompute_range(train, today - timedelta(days=14), yesterday)

    log_in(page, rte)
    navigation = page.get_by_role("navigation", name="Main")
    navigation.get_by_text("Metrics", exact=True).click()
    navigation.get_by_role("link", name="Flow metrics").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Flow metrics")
    expect(page.locator("#tile-wip")).to_contain_text("3 of 2 (limit)")
    expect(page.locator("#tile-wip")).to_contain_text("over the WIP limit by 1")

    chart = page.locator("#chart-cumulative-flow")
    expect(chart.locator("svg[role=img]")).to_be_visible()
    table = chart.locator("table")
    expect(table).to_be_hidden()
    chart.get_by_text("Show data").click()
    expect(table).to_be_visible()
    last_row = table.locator("tbody tr").last
    expect(last_row.locator("th")).to_have_text(yesterday.isoformat())
    expect(last_row.locator("td")).to_have_text(["1", "0", "3", "0", "0", "0"])

    with page.expect_download() as download_info:
        chart.get_by_role("link", name="CSV of Cumulative flow of features").click()
    download = download_info.value
    assert download.suggested_filename == "payments-cumulative-flow-90-days.csv"
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    assert rows[0] == ["day", "done", "validating", "implementing", "backlog", "analyzing", "funnel"]
    assert len(rows) == 1 + 14
    assert rows[-1] == [yesterday.isoformat(), "1", "0", "3", "0", "0", "0"]
