"""The forecast page: dates and counts from the train's own history, refusals, permissions, queries."""

import html as html_lib
import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from artops.models import Role
from metrics import forecast
from planning.models import Feature
from tests.conftest import PERSONAS, make_member
from tests.factories import ARTFactory
from tests.helpers import HTMX, count_queries, expected, login, url
from tests.metrics.conftest import flowed
from tests.planning.factories import FeatureFactory

pytestmark = pytest.mark.django_db

# Wednesday 4 March 2026, 10:00 in Berlin, in Iteration 5 (IP) of the train's PI (5 January to 15 March).
NOW = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
TODAY = date(2026, 3, 4)
# Features accepted in each of the eight whole weeks before, from Monday 5 January.
WEEKLY = (1, 2, 0, 1, 3, 1, 2, 1)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def accept(train, weekly=WEEKLY, first_monday=date(2026, 1, 5)) -> None:
    for week, count in enumerate(weekly):
        for index in range(count):
            done = first_monday + timedelta(weeks=week, days=index)
            flowed(train, done - timedelta(days=5), done)


@pytest.fixture
def rte_of(train):
    return make_member(train, Role.RTE, display_name="Rhea RTE")


def text(response) -> str:
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def result(response) -> str:
    content = response.content.decode()
    start = content.index('id="forecast-result"')
    end = content.find("</section>", start)
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", content[start : end if end > 0 else None])).split())


def shown(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def test_when_will_n_features_be_done_gives_the_dates_of_the_forecast_and_the_history(client, train, rte_of):
    accept(train)
    expected_dates = forecast.forecast_when_done(train, 5, today=TODAY).dates

    response = login(client, rte_of).get(url("forecast", train), {"count": "5"})

    assert response.status_code == 200
    answer = result(response)
    assert "When will 5 features be done, counting from today?" in answer
    for confidence in (50, 85, 95):
        assert f"{confidence}% likely by {shown(expected_dates[confidence])}" in answer
    assert (
        "in the 8 whole weeks from 5 Jan 2026 to 1 Mar 2026 (features accepted per week: 1, 2, 0, 1, 3, 1, 2, 1), "
        "10,000 simulated futures" in answer
    )


def test_chosen_features_of_the_backlog_are_counted(client, train, rte_of):
    accept(train)
    chosen = [FeatureFactory(art=train, state=Feature.State.BACKLOG) for _ in range(3)]
    response = login(client, rte_of).get(url("forecast", train), {"features": [feature.pk for feature in chosen]})
    assert response.status_code == 200
    assert "When will 3 features be done" in result(response)
    assert "checked" in re.search(rf'<input[^>]*value="{chosen[0].pk}"[^>]*>', response.content.decode()).group(0)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"count": "0"}, "Ask about 1 to 500 features (not 0)."),
        ({"count": "1000"}, "Ask about 1 to 500 features (not 1000)."),
        ({"count": "²"}, "“²” is not a whole number"),
        ({"count": "-1"}, "“-1” is not a whole number"),
        ({"count": "9" * 5000}, "5,000 characters are too many for a number."),
        ({"count": ""}, "Choose features of the backlog, or type how many features."),
        ({"features": "²"}, "Choose only features of this train that are not done yet."),
        ({"features": "9" * 5000}, "Choose only features of this train that are not done yet."),
    ],
    ids=["zero", "thousand", "superscript", "negative", "5000-digits", "nothing", "hostile-id", "huge-id"],
)
@pytest.mark.parametrize("headers", [HTMX, {}], ids=["htmx", "plain"])
def test_a_question_out_of_bounds_is_refused_with_the_reason(client, train, rte_of, query, message, headers):
    accept(train)
    response = login(client, rte_of).get(url("forecast", train), query, headers=headers)
    assert response.status_code == 422
    assert message in result(response)
    assert "likely by" not in result(response)
    assert (b"<html" in response.content) is (not headers)


def test_a_done_feature_or_another_trains_is_not_a_choice(client, train, rte_of):
    accept(train)
    done = Feature.objects.filter(art=train, state=Feature.State.DONE).first()
    theirs = FeatureFactory(art=ARTFactory())
    for feature in (done, theirs):
        response = login(client, rte_of).get(url("forecast", train), {"features": feature.pk})
        assert response.status_code == 422
        assert "Choose only features of this train that are not done yet." in result(response)


def test_too_little_history_says_so_and_does_not_forecast(client, train, rte_of):
    accept(train, weekly=(1, 1, 2), first_monday=date(2026, 2, 9))
    response = login(client, rte_of).get(url("forecast", train), {"count": "5"})
    assert response.status_code == 200
    answer = result(response)
    assert "Not enough history to forecast: 3 week(s) of throughput, at least 6 are needed." in answer
    assert "likely by" not in answer
    assert "Not enough history to forecast yet: 3 weeks of throughput, at least 6 are needed." in text(response)


def test_how_many_by_the_end_of_the_pi(client, train, rte_of):
    accept(train)
    counts = forecast.forecast_pi_end(train, train.pi, today=TODAY).counts
    response = login(client, rte_of).get(url("forecast", train), {"pi": train.pi.pk}, headers=HTMX)
    assert response.status_code == 200 and b"<html" not in response.content
    answer = text(response)
    assert "How many more features by the end of PI 2026.1 (15 Mar 2026), in the 1 whole week left?" in answer
    for confidence in (50, 85, 95):
        assert f"{confidence}% likely at least {counts[confidence]}" in answer


@pytest.mark.parametrize("value", ["²", "9" * 5000, "-1", "0"])
def test_a_pi_that_is_not_one_of_the_trains_is_refused(client, train, rte_of, value):
    response = login(client, rte_of).get(url("forecast", train), {"pi": value})
    assert response.status_code == 422
    assert "Choose a PI of this train that has not ended yet." in text(response)


def test_the_flow_dashboard_asks_with_htmx_and_gets_the_result_fragment(client, train, rte_of):
    accept(train)
    client = login(client, rte_of)
    dashboard = client.get(url("flow_dashboard", train)).content.decode()
    assert f'hx-get="{url("forecast", train)}" hx-target="#forecast-result"' in dashboard
    response = client.get(url("forecast", train), {"count": "4"}, headers=HTMX)
    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith('<div id="forecast-result"')
    assert "When will 4 features be done" in result(response)


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_forecast_permission_matrix(client, art, pi, everyone, persona, request):
    name = request.node.callspec.params["persona"]
    response = login(client, persona).get(url("forecast", art), {"count": "3"})
    assert response.status_code == expected(name, True)


def test_the_forecast_costs_the_same_queries_at_two_sizes(client, train, rte_of):
    client = login(client, rte_of)
    accept(train)
    small, response = count_queries(client.get, url("forecast", train), {"count": "5", "pi": train.pi.pk})
    assert response.status_code == 200
    accept(train, weekly=(3, 4, 5, 2, 6, 3, 2, 4))
    FeatureFactory.create_batch(30, art=train)
    large, response = count_queries(client.get, url("forecast", train), {"count": "5", "pi": train.pi.pk})
    # session, user, train, own memberships, PIs, open features, the PI asked about, the history shown (two),
    # and each question's (two each)
    assert small == large == 13
