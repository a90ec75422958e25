"""The Business Owner dashboard: figures per team and for the train, the in-place business value edit,
refusals, permissions and query counts."""

import html as html_lib
import re
from datetime import UTC, datetime

import pytest
import time_machine

from artops.models import ProgramIncrement
from planning.models import ObjectiveChange, PIObjective
from tests.conftest import PERSONAS
from tests.factories import ARTFactory, TeamFactory, make_pi
from tests.helpers import HTMX, count_queries, expected, login, url
from tests.metrics.conftest import objective

pytestmark = pytest.mark.django_db

# 10:00 in Berlin, in the third week of the ``pi`` fixture (PI 2026.4 from Monday 5 October 2026).
NOW = datetime(2026, 10, 20, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def dashboard(art, pi=None) -> str:
    return url("business_owner_dashboard", art) + (f"?pi={pi.pk}" if pi else "")


def edit_url(art, target) -> str:
    return url("business_value_edit", art, objective_id=target.pk)


def text(response) -> str:
    """The page as a person reads it: tags dropped, entities unescaped, spaces collapsed."""
    content = re.sub(r"<svg.*?</svg>", " ", response.content.decode(), flags=re.S)
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", content)).split())


def section(response, element_id: str) -> str:
    """The text of the element with ``element_id`` (up to the next section of the page)."""
    content = response.content.decode()
    start = content.index(f'id="{element_id}"')
    end = content.find("<section", start)
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", content[start : end if end > 0 else None])).split())


def close(pi: ProgramIncrement) -> ProgramIncrement:
    ProgramIncrement.objects.filter(pk=pi.pk).update(state=ProgramIncrement.State.CLOSED)
    pi.refresh_from_db()
    return pi


def stored(target: PIObjective) -> tuple:
    target.refresh_from_db()
    return (target.planned_business_value, target.actual_business_value, target.version)


# --- what the page shows ------------------------------------------------------------------------


def test_the_roll_up_is_the_ratio_of_the_trains_sums_final_once_closed(client, art, team, other_team, pi, rte):
    """DESIGN.md: Falcons 10 of 10, Otters 18 of 30 → the train 28 of 40 = 70%, not 80%."""
    objective(team, pi, planned=10, actual=10)
    for _ in range(3):
        objective(other_team, pi, planned=10, actual=6)
    close(pi)

    response = login(client, rte).get(dashboard(art, pi))

    assert response.status_code == 200
    assert "100.0% final" in section(response, f"bo-team-{team.pk}")
    assert "60.0% final" in section(response, f"bo-team-{other_team.pk}")
    train = section(response, "bo-train")
    assert "70.0% final" in train and "80.0%" not in train
    assert "objectives assessed" not in train


def test_so_far_counts_the_assessed_objectives_with_k_of_n_and_shows_dash_not_zero(
    client, art, team, other_team, pi, business_owner
):
    objective(team, pi, planned=8, actual=7)
    objective(team, pi, planned=6, actual=6)
    objective(team, pi, planned=5)
    objective(team, pi, planned=4)
    objective(other_team, pi, planned=9)

    response = login(client, business_owner).get(dashboard(art))

    falcons = section(response, f"bo-team-{team.pk}")
    assert "92.9% so far 2 of 4 objectives assessed" in falcons
    otters = section(response, f"bo-team-{other_team.pk}")
    assert "— nothing assessed yet 0 of 1 objective assessed" in otters
    assert "0.0%" not in otters and "0%" not in otters.replace("150%", "")
    assert "92.9% so far 2 of 5 objectives assessed" in section(response, "bo-train")


def test_a_stretch_objective_lifts_a_team_above_100_and_the_bar_says_so(client, art, team, pi, rte):
    objective(team, pi, planned=10, actual=9)
    objective(team, pi, planned=5, actual=4, committed=False)
    close(pi)

    response = login(client, rte).get(dashboard(art, pi))

    content = response.content.decode()
    assert "130.0% final" in section(response, f"bo-team-{team.pk}")
    assert f'aria-label="{team.name}: 130.0% final, above the healthy band of 80–100%"' in content
    # The band is shaded on every bar: 80 to 100 of a bar that runs to 150%.
    assert 'class="pbar-band" style="left: 53.33%; width: 13.33%"' in content
    assert 'class="pbar-fill band-above" style="width: 86.7%"' in content


def test_a_team_without_committed_planned_value_has_no_figure(client, art, team, pi, rte):
    objective(team, pi, planned=5, actual=5, committed=False)
    close(pi)
    falcons = section(login(client, rte).get(dashboard(art, pi)), f"bo-team-{team.pk}")
    assert "— no committed planned business value" in falcons


def test_the_trend_has_a_line_per_team_and_the_train_over_the_band(client, art, team, other_team, pi, rte):
    earlier = close(make_pi(art, name="PI 2026.3", start=pi.start_date.replace(month=7, day=13)))
    objective(team, earlier, planned=10, actual=9)
    objective(other_team, earlier, planned=10, actual=5)
    objective(team, pi, planned=10, actual=8)

    response = login(client, rte).get(dashboard(art, pi))

    content = response.content.decode()
    trend = content[content.index('id="bo-trend"') :]
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in trend and 'role="img"' in trend
    assert 'class="healthy-band"' in trend
    assert "Predictability across PIs" in trend and "<desc>" in trend
    assert "The train: PI 2026.3 70.0%; PI 2026.4 80.0%." in html_lib.unescape(trend)
    # Its data as a table and as CSV.
    assert "<details>" in trend and "Show data" in trend
    csv_url = url("business_owner_trend_csv", art) + f"?pi={pi.pk}"
    assert f'href="{csv_url}"' in trend.replace("&amp;", "&")
    assert not re.search(r"<script", trend)


def test_the_trend_csv_lists_each_pi_and_team_with_formulas_neutralised(client, art, pi, rte):
    hostile = TeamFactory(art=art, name='=HYPERLINK("http://evil")')
    objective(hostile, pi, planned=10, actual=9)

    response = login(client, rte).get(url("business_owner_trend_csv", art) + f"?pi={pi.pk}")

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert 'filename="payments-predictability-trend.csv"' in response["Content-Disposition"]
    lines = response.content.decode().splitlines()
    assert lines[0] == "pi,figure,team,predictability_percent"
    assert "PI 2026.4,so far,Train,90.0" in lines
    assert 'PI 2026.4,so far,"\'=HYPERLINK(""http://evil"")",90.0' in lines


def test_a_train_without_a_pi_says_so(client, rte, art):
    response = login(client, rte).get(dashboard(art))
    assert response.status_code == 200 and "This train has no Planning Interval yet" in text(response)


def test_metrics_in_the_nav_leads_business_owners_to_their_dashboard_and_others_to_flow(
    client, art, pi, business_owner, rte
):
    home = url("metrics_home", art)
    assert login(client, business_owner).get(home)["Location"] == url("business_owner_dashboard", art)
    client.logout()
    assert login(client, rte).get(home)["Location"] == url("flow_dashboard", art)
    page = client.get(url("flow_dashboard", art)).content.decode()
    # The Metrics group of the navigation is the current one, and in it the flow dashboard.
    assert '<summary>Metrics<span class="visually-hidden"> (current section)</span></summary>' in page
    assert f'<a href="{url("flow_dashboard", art)}" aria-current="page">Flow metrics</a>' in page


# --- the in-place edit ------------------------------------------------------------------------------


def test_a_business_owner_sets_an_actual_value_and_the_teams_and_trains_figures_follow(
    client, art, team, other_team, pi, business_owner
):
    target = objective(team, pi, planned=10)
    objective(other_team, pi, planned=10, actual=8)
    client = login(client, business_owner)

    response = client.post(
        edit_url(art, target),
        {"planned_business_value": "10", "actual_business_value": "9", "version": "1"},
        headers=HTMX,
    )

    assert response.status_code == 200
    content = response.content.decode()
    assert b"<html" not in response.content
    # The team's section, and out of band the train's figure and the trend.
    assert content.lstrip().startswith(f'<section class="panel bo-team" id="bo-team-{team.pk}"')
    assert 'id="bo-train" aria-labelledby="bo-train-heading" hx-swap-oob="true"' in content
    assert 'id="bo-trend" aria-labelledby="bo-trend-heading" hx-swap-oob="true"' in content
    assert "90.0% so far 1 of 1 objective assessed" in section(response, f"bo-team-{team.pk}")
    assert "85.0% so far 2 of 2 objectives assessed" in section(response, "bo-train")
    assert "Business value of “Objective” saved." in text(response)
    assert stored(target) == (10, 9, 2)
    change = ObjectiveChange.objects.get(objective=target)
    assert (change.field, change.old_value, change.new_value, change.by) == (
        "actual_business_value",
        "",
        "9",
        business_owner,
    )


def test_without_htmx_the_edit_redirects_back_to_the_team(client, art, team, pi, business_owner):
    target = objective(team, pi, planned=10)
    response = login(client, business_owner).post(edit_url(art, target), {"actual_business_value": "7", "version": "1"})
    assert response.status_code == 302
    assert response["Location"] == f"{dashboard(art, pi)}#bo-team-{team.pk}"
    assert stored(target) == (10, 7, 2)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"actual_business_value": "11"}, "Actual business value is from 0 to 10."),
        ({"actual_business_value": "-1"}, "Actual business value is from 0 to 10."),
        ({"planned_business_value": "0"}, "Planned business value is from 1 to 10."),
        ({"planned_business_value": "²"}, "Planned business value is from 1 to 10."),
        ({"actual_business_value": "9" * 5000}, "Actual business value is from 0 to 10."),
        (
            {"actual_business_value": "5", "version": ""},
            "The version you edited is missing or damaged: reload the page.",
        ),
    ],
    ids=["eleven", "minus-one", "planned-zero", "superscript", "5000-digits", "no-version"],
)
@pytest.mark.parametrize("headers", [HTMX, {}], ids=["htmx", "plain"])
def test_business_value_out_of_range_is_refused_with_the_reason_and_nothing_saved(
    client, art, team, pi, business_owner, data, message, headers
):
    target = objective(team, pi, planned=10)
    response = login(client, business_owner).post(edit_url(art, target), {"version": "1", **data}, headers=headers)

    assert response.status_code == 422
    assert message in text(response)
    assert 'role="alert"' in response.content.decode()
    assert stored(target) == (10, None, 1)
    assert not ObjectiveChange.objects.exists()
    # The figures still read as before: nothing assessed.
    assert "— nothing assessed yet" in section(response, f"bo-team-{team.pk}")


def test_a_refused_value_stays_in_its_field(client, art, team, pi, business_owner):
    target = objective(team, pi, planned=10)
    response = login(client, business_owner).post(
        edit_url(art, target), {"actual_business_value": "11", "version": "1"}, headers=HTMX
    )
    content = response.content.decode()
    field = re.search(rf'<input[^>]*id="bo-{target.pk}-actual_business_value"[^>]*>', content).group(0)
    assert 'value="11"' in field and 'aria-invalid="true"' in field


def test_a_stale_version_is_a_conflict_and_shows_the_value_as_it_is_now(client, art, team, pi, business_owner):
    target = objective(team, pi, planned=10)
    PIObjective.objects.filter(pk=target.pk).update(actual_business_value=4, version=2)

    response = login(client, business_owner).post(
        edit_url(art, target), {"actual_business_value": "9", "version": "1"}, headers=HTMX
    )

    assert response.status_code == 409
    assert "changed" in text(response).lower()
    assert stored(target) == (10, 4, 2)
    field = re.search(rf'<input[^>]*id="bo-{target.pk}-actual_business_value"[^>]*>', response.content.decode())
    assert 'value="4"' in field.group(0)


def test_an_objective_of_another_train_is_not_found(client, art, pi, business_owner):
    elsewhere = ARTFactory(slug="elsewhere")
    theirs = objective(TeamFactory(art=elsewhere), make_pi(elsewhere, name="PI X", start=pi.start_date), planned=5)
    response = login(client, business_owner).post(edit_url(art, theirs), {"actual_business_value": "5", "version": "1"})
    assert response.status_code == 404
    assert stored(theirs) == (5, None, 1)


@pytest.mark.parametrize("value", ["²", "①", "-1", "9" * 5000, str(2**63), "0", "abc"])
def test_a_hostile_pi_is_not_found(client, art, pi, rte, value):
    response = login(client, rte).get(url("business_owner_dashboard", art), {"pi": value})
    assert response.status_code == 404


def test_a_pi_of_another_train_is_not_found(client, art, pi, rte):
    theirs = make_pi(ARTFactory(slug="elsewhere"), name="PI X", start=pi.start_date)
    assert login(client, rte).get(dashboard(art, theirs)).status_code == 404


def test_hostile_objective_ids_in_the_url_are_not_found(client, art, pi, business_owner):
    client = login(client, business_owner)
    base = url("metrics_home", art)
    for segment in ("9" * 5000, str(2**63), "-1", "²"):
        response = client.post(f"{base}objectives/{segment}/business-value/", {"version": "1"})
        assert response.status_code == 404


# --- who may do what ----------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_dashboard_permission_matrix(client, art, team, pi, everyone, persona, request):
    name = request.node.callspec.params["persona"]
    objective(team, pi, planned=5)
    response = login(client, persona).get(dashboard(art))
    assert response.status_code == expected(name, True)
    if response.status_code == 200:
        # Only Business Owners get the fields to set business value.
        assert ('name="actual_business_value"' in response.content.decode()) is (name == "business_owner")


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
@pytest.mark.parametrize("headers", [HTMX, {}], ids=["htmx", "plain"])
def test_only_business_owners_set_business_value_on_the_dashboard(
    client, art, team, pi, everyone, persona, headers, request
):
    name = request.node.callspec.params["persona"]
    target = objective(team, pi, planned=5)
    response = login(client, persona).post(
        edit_url(art, target), {"actual_business_value": "4", "version": "1"}, headers=headers
    )
    allowed = name == "business_owner"
    assert response.status_code == expected(name, allowed, ok=200 if headers else 302)
    assert stored(target) == ((5, 4, 2) if allowed else (5, None, 1))


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_trend_csv_permission_matrix(client, art, pi, everyone, persona, request):
    name = request.node.callspec.params["persona"]
    response = login(client, persona).get(url("business_owner_trend_csv", art))
    assert response.status_code == expected(name, True)


# --- queries ------------------------------------------------------------------------------------------


def grow(art, pi, teams: int, per_team: int) -> None:
    earlier = ProgramIncrement.objects.filter(art=art).exclude(pk=pi.pk).first()
    for index in range(teams):
        crew = TeamFactory(art=art, name=f"Team {art.pk}-{PIObjective.objects.count()}-{index}")
        for number in range(per_team):
            objective(crew, pi, planned=1 + number % 10, actual=number % 11 if number % 2 else None)
            objective(crew, earlier, planned=5, actual=4, committed=bool(number % 3))


def test_the_dashboard_and_the_edit_cost_the_same_queries_at_two_sizes(client, art, team, pi, business_owner):
    close(make_pi(art, name="PI 2026.3", start=pi.start_date.replace(month=7, day=13)))
    target = objective(team, pi, planned=10)
    client = login(client, business_owner)
    client.get(dashboard(art, pi))  # the session is read once

    grow(art, pi, teams=1, per_team=2)
    small, response = count_queries(client.get, dashboard(art, pi))
    assert response.status_code == 200
    small_edit, response = count_queries(
        client.post, edit_url(art, target), {"actual_business_value": "3", "version": "1"}, headers=HTMX
    )
    assert response.status_code == 200

    grow(art, pi, teams=6, per_team=12)
    large, response = count_queries(client.get, dashboard(art, pi))
    large_edit, response = count_queries(
        client.post, edit_url(art, target), {"actual_business_value": "4", "version": "2"}, headers=HTMX
    )
    assert response.status_code == 200

    # session, user, train, own memberships, the PI, PIs, teams, objectives, figures, trend PIs, trend figures
    assert (small, small_edit) == (large, large_edit)
    assert small == 11
    # … and the edit: the objective, the service's savepoint, lock, save and change, then the page's reads
    assert small_edit == 20
