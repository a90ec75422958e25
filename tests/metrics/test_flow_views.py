"""The RTE's flow dashboard: headline numbers, charts with their text, data tables and CSV, permissions, queries."""

import csv
import html as html_lib
import io
import re
from datetime import UTC, date, datetime

import pytest
import time_machine

from artops.models import Role
from metrics import services
from tests.conftest import PERSONAS, make_member
from tests.helpers import count_queries, expected, login, url
from tests.metrics.conftest import dependency, flowed, objective
from tests.planning.factories import FeatureFactory

pytestmark = pytest.mark.django_db

# Wednesday 21 January 2026, 10:00 in Berlin: the train's PI began on Monday 5 January.
NOW = datetime(2026, 1, 21, 9, 0, tzinfo=UTC)
CHARTS = (
    "predictability",
    "throughput",
    "flow-time-trend",
    "wip",
    "dependency-age",
    "cumulative-flow",
    "flow-time",
    "dependency-aging",
)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def fill(train, copies: int = 1) -> None:
    """Two features accepted (6 and 12 days), four in progress (the WIP limit is 3), objectives and
    three open dependencies aged 32, 20 and 6 days; then the snapshots of 1 to 20 January."""
    for _ in range(copies):
        flowed(train, date(2026, 1, 6), date(2026, 1, 12), type="enabler", job_size=5)
        flowed(train, date(2026, 1, 8), date(2026, 1, 20), job_size=3)
        for started in (9, 10, 11, 12):
            flowed(train, date(2026, 1, started), None)
        objective(train.alpha, train.pi, planned=10, actual=8, assessed_on=date(2026, 1, 16))
        objective(train.alpha, train.pi, planned=5)
        objective(train.beta, train.pi, planned=6, actual=9, committed=False, assessed_on=date(2026, 1, 16))
        dependency(train, train.pi, needing=train.alpha, providing=train.beta, raised=date(2025, 12, 20))
        dependency(train, train.pi, needing=train.alpha, providing=train.beta, raised=date(2026, 1, 1))
        dependency(train, train.pi, needing=train.beta, providing=None, raised=date(2026, 1, 15))
    services.recompute_range(train, date(2026, 1, 1), date(2026, 1, 20))


@pytest.fixture
def rte_of(train):
    return make_member(train, Role.RTE, display_name="Rhea RTE")


def page_text(response) -> str:
    content = re.sub(r"<svg.*?</svg>", " ", response.content.decode(), flags=re.S)
    content = re.sub(r"<details>.*?</details>", " ", content, flags=re.S)
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", content)).split())


def tile(response, name: str) -> str:
    content = response.content.decode()
    start = content.index(">", content.index(f'id="tile-{name}"')) + 1
    content = content[start : content.index("</section>", start)]
    content = re.sub(r"<figure.*?</figure>", " ", content, flags=re.S)
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", content)).split())


def figure(response, slug: str) -> str:
    content = response.content.decode()
    start = content.index(f'id="chart-{slug}"')
    return content[start : content.index("</figure>", start)]


def chart_csv(art, slug: str) -> str:
    return url("flow_chart_csv", art) + f"?chart={slug}"


def rows_of(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_the_five_headline_numbers_are_todays(client, train, rte_of):
    fill(train)
    response = login(client, rte_of).get(url("flow_dashboard", train))

    assert response.status_code == 200
    # 8 of the committed 10 assessed, the stretch objective's 9 on top: 17 / 10; the third one not yet assessed.
    assert tile(response, "predictability").startswith("Predictability 170.0% so far PI 2026.1 · 2 of 3 objectives")
    throughput = tile(response, "throughput")
    assert throughput.startswith("Throughput 2 features accepted in PI 2026.1, 1 enabler (50.0%)")
    assert "Iteration 1: 1 · Iteration 2: 1 so far" in throughput and "Iteration 3" not in throughput
    assert tile(response, "flow-time") == (
        "Flow time 9.0 days median 85th percentile 11.1 days 2 features accepted in the last 90 days"
    )
    assert tile(response, "wip") == (
        "Work in progress 4 of 3 (limit) features implementing or validating over the WIP limit by 1"
    )
    assert tile(response, "dependencies").startswith(
        "Dependency age 20.0 days median 3 open · 2 over 14 days · 1 over 30 oldest 32 days"
    )


def test_every_chart_has_a_title_a_text_alternative_its_data_and_a_csv(client, train, rte_of):
    fill(train)
    response = login(client, rte_of).get(url("flow_dashboard", train))

    content = response.content.decode()
    assert "<script" not in re.sub(r"<head>.*?</head>", "", content, flags=re.S)
    for slug in CHARTS:
        chart = figure(response, slug)
        assert '<svg xmlns="http://www.w3.org/2000/svg"' in chart, slug
        assert 'role="img"' in chart and 'aria-label="' in chart and "<desc>" in chart, slug
        assert "<figcaption" in chart and "<details>" in chart and "Show data" in chart, slug
        assert "<table" in chart, slug
        csv_url = chart_csv(train, slug) + "&days=90"
        assert f'href="{csv_url}"' in chart.replace("&amp;", "&"), slug
    assert 'class="healthy-band"' in figure(response, "predictability")
    aging = html_lib.unescape(figure(response, "dependency-aging"))
    assert (
        "Bar chart of the 3 open dependencies by age: 1 0–7 days, 0 8–14 days, 1 15–30 days, 1 over 30 days." in aging
    )


def test_the_cumulative_flow_csv_has_a_row_per_day_and_a_column_per_state(client, train, rte_of):
    fill(train)
    response = login(client, rte_of).get(chart_csv(train, "cumulative-flow"))

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert 'filename="metrics-cumulative-flow-90-days.csv"' in response["Content-Disposition"]
    rows = rows_of(response)
    assert rows[0] == ["day", "done", "validating", "implementing", "backlog", "analyzing", "funnel"]
    assert len(rows) == 1 + 20  # the snapshots of 1 to 20 January
    assert rows[1] == ["2026-01-01", "0", "0", "0", "0", "0", "0"]
    assert rows[-1] == ["2026-01-20", "2", "0", "4", "0", "0", "0"]


def test_the_other_csvs_hold_the_numbers_of_their_charts(client, train, rte_of):
    fill(train)
    client = login(client, rte_of)

    throughput = rows_of(client.get(chart_csv(train, "throughput")))
    assert throughput == [
        ["week_of", "accepted"],
        ["2025-12-29", "0"],
        ["2026-01-05", "0"],
        ["2026-01-12", "1"],
        ["2026-01-19", "1"],
    ]
    wip = rows_of(client.get(chart_csv(train, "wip")))
    assert wip[0] == ["day", "wip", "wip_limit"] and wip[-1] == ["2026-01-20", "4", "3"]
    aging = rows_of(client.get(chart_csv(train, "dependency-aging")))
    assert aging == [
        ["age", "open_dependencies"],
        ["0–7 days", "1"],
        ["8–14 days", "0"],
        ["15–30 days", "1"],
        ["over 30 days", "1"],
    ]
    flow_time = rows_of(client.get(chart_csv(train, "flow-time")))
    assert flow_time == [["flow_time_days", "features"], ["0–6", "1"], ["7–13", "1"]]
    predictability = rows_of(client.get(chart_csv(train, "predictability")))
    assert predictability[0] == ["day", "predictability"]
    assert ["2026-01-15", ""] in predictability and ["2026-01-16", "170.0"] in predictability


def test_the_period_is_30_90_180_or_365_days_and_anything_else_is_90(client, train, rte_of):
    fill(train)
    client = login(client, rte_of)
    last_30 = rows_of(client.get(url("flow_chart_csv", train), {"chart": "wip", "days": "30"}))
    assert len(last_30) == 21  # 22 Dec to 20 Jan, with snapshots from 1 January
    for value in ("7", "²", "-1", "9" * 5000, "\x00", ""):
        response = client.get(url("flow_dashboard", train), {"days": value})
        assert response.status_code == 200
        assert '<option value="90" selected>' in response.content.decode()


@pytest.mark.parametrize("chart", ["secrets", "", "²", "\x00", "x" * 100_000])
def test_an_unknown_chart_is_not_found(client, train, rte_of, chart):
    assert login(client, rte_of).get(url("flow_chart_csv", train), {"chart": chart}).status_code == 404


def test_a_train_without_snapshots_says_so(client, train, rte_of):
    response = login(client, rte_of).get(url("flow_dashboard", train))
    assert response.status_code == 200
    assert "No snapshots yet: the nightly job records the features in each state once a day." in page_text(response)
    assert "No feature was accepted" in page_text(response)


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_flow_dashboard_permission_matrix(client, art, pi, everyone, persona, request):
    name = request.node.callspec.params["persona"]
    assert login(client, persona).get(url("flow_dashboard", art)).status_code == expected(name, True)


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_chart_csv_permission_matrix(client, art, pi, everyone, persona, request):
    name = request.node.callspec.params["persona"]
    response = login(client, persona).get(chart_csv(art, "cumulative-flow"))
    assert response.status_code == expected(name, True)


def test_the_dashboard_costs_the_same_queries_at_two_sizes(client, train, rte_of):
    client = login(client, rte_of)
    fill(train)
    small, response = count_queries(client.get, url("flow_dashboard", train))
    assert response.status_code == 200
    fill(train, copies=3)
    FeatureFactory.create_batch(20, art=train)
    large, response = count_queries(client.get, url("flow_dashboard", train))
    # session, user, train, own memberships, PI, snapshots, predictability, iterations and throughput,
    # distribution, flow time (two), WIP, dependency age
    assert small == large == 14
