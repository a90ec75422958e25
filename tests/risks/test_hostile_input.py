"""Hostile input on the risk and dependency pages, exports and API: a 4xx (or the page's empty answer),
never a 500, nothing stored, nothing echoed raw.

Each place that answered 500 before issue 10 (``tests/hardening/FOUND_BEFORE.md``, sections 1 and 3)
is here by route and parameter; the ids were read with ``isdigit()`` + ``int()``, which "²", "①"
and 5,000 digits broke. Then the bounds of free text, the range of dates and the text PostgreSQL
cannot store, through forms, the API and the model.
"""

import json
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from risks import services
from risks.models import TEXT_MAX, Dependency, Risk
from tests.api_helpers import client_for, messages
from tests.factories import RiskFactory, make_dependency
from tests.helpers import HTMX, url

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 10, 20, 7, 0, tzinfo=UTC)
HOSTILE_IDS = {"²": "²", "①": "①", "5,000 digits": "9" * 5000, "2**63": str(2**63), "-1": "-1", "NUL": "\x00"}
DATE_RANGE = "give a date from 1 January 2000 to 31 December 2100"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def listed(art, pi, team, other_team, rte):
    """A risk of the team, one of the whole train, and a dependency between the two teams."""
    return {
        "team_risk": RiskFactory(pi=pi, raised_by=rte, team=team, title="Team risk"),
        "train_risk": RiskFactory(pi=pi, raised_by=rte, title="Train risk"),
        "dependency": make_dependency(art, pi, needing=team, providing=other_team, owner=rte),
    }


def rows(art) -> tuple[int, int]:
    return Risk.objects.filter(art=art).count(), Dependency.objects.filter(art=art).count()


ids = pytest.mark.parametrize("value", list(HOSTILE_IDS.values()), ids=list(HOSTILE_IDS))


# --- ids in query strings (FOUND_BEFORE section 1) ---------------------------------------------


@ids
@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("api-risk-list", ["team", "severity", "pi"]),
        ("api-dependency-list", ["team", "pi", "needing_team", "providing_team"]),
    ],
)
def test_the_api_lists_refuse_an_id_that_is_not_one_with_400(rte, listed, name, params, value):
    client = client_for(rte)
    for param in params:
        response = client.get(reverse(name), {param: value})
        assert response.status_code == 400, (param, response.content)
        assert param in response.json()


@ids
@pytest.mark.parametrize(
    ("name", "params"),
    [("risks_csv", ["team", "severity", "pi"]), ("dependencies_csv", ["team", "pi", "needing_team", "providing_team"])],
)
def test_the_exports_refuse_an_id_that_is_not_one_with_400(client, art, rte, listed, name, params, value):
    client.force_login(rte)
    for param in params:
        response = client.get(url(name, art), {param: value})
        assert response.status_code == 400, param
        assert f"{param}:" in response.content.decode()
        assert "\x00" not in response.content.decode()


@ids
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_the_roam_board_shows_nothing_for_a_team_or_severity_that_is_not_one(
    client, art, pi, rte, listed, value, headers
):
    client.force_login(rte)
    for param in ("team", "severity"):
        response = client.get(url("roam_board", art), {"pi": pi.pk, param: value}, headers=headers)
        assert response.status_code == 200, param
        html = response.content.decode()
        assert "Team risk" not in html and "Train risk" not in html
        assert "\x00" not in html


@ids
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_the_dependency_list_shows_nothing_for_a_team_that_is_not_one(client, art, pi, rte, listed, value, headers):
    client.force_login(rte)
    for param in ("team", "needing_team", "providing_team"):
        response = client.get(url("dependency_list", art), {"pi": pi.pk, param: value}, headers=headers)
        assert response.status_code == 200, param
        assert listed["dependency"].get_absolute_url() not in response.content.decode()


def test_the_raise_form_takes_the_needing_team_of_the_query_only_when_it_is_one(client, art, pi, team, rte, listed):
    client.force_login(rte)
    picked = client.get(url("dependency_list", art), {"pi": pi.pk, "needing_team": team.pk}).context["form"]
    assert picked.initial["needing_team"] == team.pk
    for value in ("²", "①", "9" * 5000):
        form = client.get(url("dependency_list", art), {"pi": pi.pk, "needing_team": value}).context["form"]
        assert form.initial["needing_team"] is None


@ids
@pytest.mark.parametrize("name", ["roam_board", "dependency_list", "dependency_review", "dependency_map"])
def test_a_pi_that_is_not_an_id_is_not_found(client, art, rte, listed, name, value):
    client.force_login(rte)
    assert client.get(url(name, art), {"pi": value}).status_code == 404


@pytest.mark.parametrize("value", ["²", "9" * 5000], ids=["superscript", "5,000 digits"])
def test_a_roam_move_with_a_filter_that_is_not_one_moves_and_shows_an_empty_board(client, art, pi, rte, listed, value):
    client.force_login(rte)
    risk = listed["team_risk"]
    path = url("risk_roam", art, risk_id=risk.pk)
    response = client.post(f"{path}?team={value}&severity={value}", {"to": "resolved", "version": 1}, headers=HTMX)
    assert response.status_code == 200
    risk.refresh_from_db()
    assert risk.state == Risk.State.RESOLVED


# --- free text: bounds and what PostgreSQL cannot store ----------------------------------------


def raise_risk_data(pi, **fields) -> dict:
    return {"art": pi.art.slug, "pi": pi.pk, "title": "Card provider may slip", **fields}


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"description": "x" * (TEXT_MAX + 1)}, "description", f"no more than {TEXT_MAX} characters"),
        ({"title": "x" * 201}, "title", "no more than 200 characters"),
        ({"title": "Card\x00provider"}, "title", "Null characters are not allowed."),
        ({"description": "half a \ud800 pair"}, "description", "Surrogate characters are not allowed"),
        ({"due_date": "0146-10-05"}, "due_date", DATE_RANGE),
        ({"due_date": "2101-01-01"}, "due_date", DATE_RANGE),
        ({"probability": "²"}, "probability", "Probability is from 1 to 5."),
        ({"team": "9" * 5000}, "team", "There is no team with id 99999"),
        ({"team": "²"}, "team", "Incorrect type"),
        ({"owner": -1}, "owner", "There is no person with id -1 on your trains."),
    ],
)
def test_the_api_refuses_unbounded_or_unstorable_risks_and_stores_nothing(rte, art, pi, fields, field, message):
    before = rows(art)
    # json.dumps writes a lone surrogate as the escape "\\ud800", as a careless client would send it.
    body = json.dumps(raise_risk_data(pi, **fields))
    response = client_for(rte).post(reverse("api-risk-list"), body, content_type="application/json")
    assert response.status_code == 400
    assert message in messages(response), response.json()
    assert field in response.json()
    assert rows(art) == before


def test_the_api_refuses_a_roam_rationale_over_the_bound(rte, art, pi, listed):
    risk = listed["team_risk"]
    path = reverse("api-risk-roam", kwargs={"pk": risk.pk})
    data = {"state": "accepted", "rationale": "x" * (TEXT_MAX + 1), "version": 1}
    response = client_for(rte).post(path, data, format="json")
    assert response.status_code == 400 and f"no more than {TEXT_MAX} characters" in messages(response)
    risk.refresh_from_db()
    assert (risk.state, risk.version) == (Risk.State.UNROAMED, 1)


def test_the_api_quotes_a_bad_state_back_made_safe(rte, listed):
    path = reverse("api-risk-roam", kwargs={"pk": listed["team_risk"].pk})
    response = client_for(rte).post(path, {"state": "x\x00" + "y" * 100_000, "version": 1}, format="json")
    assert response.status_code == 400
    text = messages(response)
    assert "is not a ROAM state" in text and "\x00" not in text and len(text) < 300


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"description": "x" * (TEXT_MAX + 1)}, f"at most {TEXT_MAX} characters"),
        ({"title": "Card\x00provider"}, "Null characters are not allowed."),
        ({"due_date": "0146-10-05"}, DATE_RANGE),
        ({"owner": "²"}, "Choose the owner among the train"),
        ({"team": "9" * 5000}, "Choose a team of this train"),
    ],
)
def test_the_raise_form_refuses_unbounded_or_unstorable_risks_and_stores_nothing(client, art, pi, rte, fields, message):
    client.force_login(rte)
    before = rows(art)
    data = {"title": "Card provider may slip", "probability": 3, "impact": 3, **fields}
    response = client.post(f"{url('roam_board', art)}?pi={pi.pk}", data)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert rows(art) == before


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"description": "x" * (TEXT_MAX + 1)}, f"at most {TEXT_MAX} characters"),
        ({"external_party": "Vendor\x00"}, "Null characters are not allowed."),
        ({"needed_by": "①"}, "Choose a development iteration"),
    ],
)
def test_the_dependency_raise_form_refuses_bad_input_and_stores_nothing(
    client, art, pi, team, rte, development, fields, message
):
    client.force_login(rte)
    before = rows(art)
    data = {
        "needing_team": team.pk,
        "external_party": "Card vendor",
        "description": "An API to call",
        "needed_by": development[1].pk,
        "owner": rte.pk,
        **fields,
    }
    response = client.post(f"{url('dependency_list', art)}?pi={pi.pk}", data)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert rows(art) == before


def test_the_dependency_api_refuses_a_next_action_over_the_bound(rte, listed):
    dependency = listed["dependency"]
    path = reverse("api-dependency-review", kwargs={"pk": dependency.pk})
    response = client_for(rte).post(path, {"next_action": "x" * 301, "version": 1}, format="json")
    assert response.status_code == 400 and "no more than 300 characters" in messages(response)
    dependency.refresh_from_db()
    assert (dependency.next_action, dependency.version) == ("", 1)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("description", "x" * (TEXT_MAX + 1), f"at most {TEXT_MAX} characters"),
        ("title", "Card\x00provider", "NUL"),
        ("description", "half a \ud800 pair", "surrogate"),
        ("due_date", date(146, 10, 5), DATE_RANGE),
    ],
)
def test_the_model_bounds_what_a_risk_holds_for_every_service(art, pi, rte, field, value, message):
    with pytest.raises(ValidationError, match=message):
        services.raise_risk(art, by=rte, pi=pi, **{"title": "A risk", field: value})
    assert not Risk.objects.filter(art=art).exists()


@pytest.mark.parametrize(("to", "field"), [("accepted", "rationale"), ("mitigated", "mitigation_plan")])
def test_the_model_bounds_a_roam_decision(art, pi, rte, listed, to, field):
    risk = listed["train_risk"]
    with pytest.raises(ValidationError, match=f"at most {TEXT_MAX} characters"):
        services.roam_risk(risk, to=to, by=rte, expected_version=1, **{field: "x" * (TEXT_MAX + 1)})
    risk.refresh_from_db()
    assert (risk.state, risk.version) == (Risk.State.UNROAMED, 1)


def test_an_id_in_the_api_path_is_written_in_ascii_digits(rte, listed):
    risk = listed["team_risk"]
    arabic_indic = str(risk.pk).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    client = client_for(rte)
    assert client.get(reverse("api-risk-detail", kwargs={"pk": risk.pk})).status_code == 200
    assert client.get(f"/api/risks/{arabic_indic}/").status_code == 404
