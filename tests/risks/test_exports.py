"""CSV exports of risks and dependencies: content, filters, who may export, formulas, query counts."""

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from artops.models import Role
from risks import services
from tests.conftest import PERSONAS, make_member
from tests.factories import TeamFactory, make_pi

# 09:00 in Berlin on a day inside the PI of the ``pi`` fixture (5 Oct 2026 onwards).
NOW = datetime(2026, 10, 20, 7, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def url(name: str, art) -> str:
    return reverse(name, kwargs={"art_slug": art.slug})


def rows_of(response) -> list[dict]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def make_risk(art, pi, by, *, title="Card provider may slip", **fields):
    return services.raise_risk(art, by=by, pi=pi, title=title, **fields)


def make_dependency(art, pi, by, *, needing_team, needed_by, providing_team=None, **fields):
    if providing_team is None and "external_party" not in fields:
        fields["external_party"] = "Card vendor"
    return services.raise_dependency(
        art,
        by=by,
        pi=pi,
        needing_team=needing_team,
        providing_team=providing_team,
        description=fields.pop("description", "Settlement endpoint"),
        needed_by=needed_by,
        owner=fields.pop("owner", by),
        **fields,
    )


# --- who may export ------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
@pytest.mark.parametrize("name", ["risks_csv", "dependencies_csv"])
def test_export_permission_matrix(
    client, art, pi, team, other_team, development, everyone, rte, persona, name, request
):
    make_risk(art, pi, rte, team=team)
    make_dependency(art, pi, rte, needing_team=team, providing_team=other_team, needed_by=development[1])
    if persona is not None:
        client.force_login(persona)
    response = client.get(url(name, art))
    who = request.node.callspec.params["persona"]
    if who == "anonymous":
        assert response.status_code == 302 and "/login" in response["Location"]
    elif who == "outsider":
        assert response.status_code == 404
    else:
        assert response.status_code == 200
        assert len(rows_of(response)) == 1


# --- content -------------------------------------------------------------------------------------


def test_risks_export_has_one_row_per_risk_with_the_main_fields(client, art, pi, team, rte, scrum_master):
    with time_machine.travel(NOW - timedelta(days=20), tick=False):
        quiet = make_risk(art, pi, rte, title="Quiet one", team=team, probability=4, impact=5, owner=scrum_master)
    accepted = make_risk(art, pi, scrum_master, title="Accepted one", due_date=date(2026, 11, 2))
    services.roam_risk(accepted, to="accepted", by=rte, expected_version=1, rationale="Small blast radius.")
    client.force_login(rte)
    response = client.get(url("risks_csv", art))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="payments-risks.csv"'
    rows = rows_of(response)
    assert [row["title"] for row in rows] == ["Quiet one", "Accepted one"]
    first, second = rows
    assert {key: first[key] for key in ("id", "pi", "team", "state", "probability", "impact", "severity")} == {
        "id": str(quiet.pk),
        "pi": "PI 2026.4",
        "team": "Falcons",
        "state": "unroamed",
        "probability": "4",
        "impact": "5",
        "severity": "20",
    }
    assert (first["owner"], first["raised_by"], first["quiet"], first["created_at"]) == (
        "Sam Master",
        "Riley RTE",
        "yes",
        "2026-09-30 09:00",
    )
    assert (second["team"], second["state"], second["rationale"], second["due_date"], second["quiet"]) == (
        "",
        "accepted",
        "Small blast radius.",
        "2026-11-02",
        "no",
    )


def test_dependencies_export_has_age_and_health(client, art, pi, team, other_team, development, rte):
    with time_machine.travel(NOW - timedelta(days=12), tick=False):
        late = make_dependency(
            art,
            pi,
            rte,
            needing_team=team,
            providing_team=other_team,
            needed_by=development[1],
            planned_iteration=development[2],
        )
    external = make_dependency(art, pi, rte, needing_team=other_team, needed_by=development[0])
    services.review_dependency(
        external, by=rte, expected_version=1, next_action="Chase the contract", reviewed_on=date(2026, 10, 20)
    )
    client.force_login(rte)
    response = client.get(url("dependencies_csv", art))
    assert response["Content-Disposition"] == 'attachment; filename="payments-dependencies.csv"'
    rows = rows_of(response)
    assert [row["id"] for row in rows] == [str(late.pk), str(external.pk)]
    first, second = rows
    assert {
        key: first[key]
        for key in ("needing_team", "provider", "needed_by", "planned_iteration", "state", "health", "age_days")
    } == {
        "needing_team": "Falcons",
        "provider": "Otters",
        "needed_by": "Iteration 2",
        "planned_iteration": "Iteration 3",
        "state": "requested",
        "health": "red",
        "age_days": "12",
    }
    assert (second["provider"], second["health"], second["age_days"], second["next_action"], second["reviewed_on"]) == (
        "Card vendor",
        "unplanned",
        "0",
        "Chase the contract",
        "2026-10-20",
    )


def test_exports_take_the_pages_filters(client, art, pi, team, other_team, development, rte):
    later = make_pi(art, name="PI 2027.1", start=date(2027, 1, 4))
    make_risk(art, pi, rte, title="Falcons now", team=team)
    make_risk(art, pi, rte, title="Otters now", team=other_team)
    make_risk(art, later, rte, title="Falcons later", team=team)
    ours = make_dependency(art, pi, rte, needing_team=team, providing_team=other_team, needed_by=development[1])
    theirs = make_dependency(art, pi, rte, needing_team=other_team, needed_by=development[1])
    make_dependency(art, later, rte, needing_team=team, providing_team=other_team, needed_by=later.iterations.first())
    services.move_dependency(theirs, to="blocked", by=rte, expected_version=1)
    client.force_login(rte)

    def risk_titles(**params) -> list[str]:
        return [row["title"] for row in rows_of(client.get(url("risks_csv", art), params))]

    def dependency_ids(**params) -> list[int]:
        return [int(row["id"]) for row in rows_of(client.get(url("dependencies_csv", art), params))]

    assert risk_titles(pi=pi.pk) == ["Falcons now", "Otters now"]
    assert risk_titles(pi=pi.pk, team=team.pk) == ["Falcons now"]
    assert risk_titles(state="resolved") == []
    assert len(risk_titles()) == 3
    assert dependency_ids(pi=pi.pk) == [ours.pk, theirs.pk]
    assert dependency_ids(pi=pi.pk, state="blocked") == [theirs.pk]
    assert dependency_ids(pi=pi.pk, needing_team=team.pk) == [ours.pk]
    assert len(dependency_ids()) == 3


@pytest.mark.parametrize(("name", "params"), [("risks_csv", {"state": "closed"}), ("dependencies_csv", {"state": "x"})])
def test_an_invalid_filter_is_400_not_everything(client, art, pi, team, rte, name, params):
    make_risk(art, pi, rte, team=team)
    client.force_login(rte)
    response = client.get(url(name, art), params)
    assert response.status_code == 400
    assert "state" in response.content.decode()


def test_another_trains_rows_are_never_exported(client, art, pi, team, development, rte, other_art, outsider):
    theirs_pi = make_pi(other_art, name="Lending PI", start=date(2026, 10, 5))
    theirs_team = TeamFactory(art=other_art, name="Lynx")
    make_risk(other_art, theirs_pi, outsider, title="Not yours")
    make_dependency(other_art, theirs_pi, outsider, needing_team=theirs_team, needed_by=theirs_pi.iterations.first())
    client.force_login(rte)
    assert rows_of(client.get(url("risks_csv", art))) == []
    assert rows_of(client.get(url("dependencies_csv", art), {"pi": theirs_pi.pk})) == []


def test_formulas_are_neutralised(client, art, pi, team, other_team, development, rte):
    make_risk(art, pi, rte, title='=HYPERLINK("http://evil")', description="+1+2", team=team)
    make_dependency(
        art,
        pi,
        rte,
        needing_team=team,
        external_party="@vendor",
        description="-2+3",
        needed_by=development[1],
    )
    client.force_login(rte)
    risk = rows_of(client.get(url("risks_csv", art)))[0]
    dependency = rows_of(client.get(url("dependencies_csv", art)))[0]
    assert (risk["title"], risk["description"]) == ('\'=HYPERLINK("http://evil")', "'+1+2")
    assert (dependency["provider"], dependency["description"]) == ("'@vendor", "'-2+3")


# --- query counts: the same at two data sizes ----------------------------------------------------

# Session and user, the train, the reader's roles there, then the rows (train, PI, teams, people joined).
EXPORT_QUERIES = 5


def grow(art, pi, teams, people, development, number: int) -> None:
    for index in range(number):
        by = people[index % len(people)]
        team = teams[index % len(teams)]
        provider = teams[(index + 1) % len(teams)]
        make_risk(art, pi, by, title=f"Risk {index}", team=team if index % 3 else None, owner=people[0])
        if index % 2:
            make_dependency(
                art,
                pi,
                by,
                needing_team=team,
                providing_team=provider,
                needed_by=development[index % len(development)],
                planned_iteration=development[(index + 1) % len(development)],
            )
        else:
            make_dependency(art, pi, by, needing_team=team, needed_by=development[index % len(development)])


@pytest.mark.parametrize("name", ["risks_csv", "dependencies_csv"])
def test_export_query_count_does_not_grow(
    client, art, pi, team, other_team, development, rte, name, django_assert_num_queries
):
    client.force_login(rte)
    grow(art, pi, [team, other_team], [rte], development, 1)
    with django_assert_num_queries(EXPORT_QUERIES):
        small = rows_of(client.get(url(name, art), {"pi": pi.pk}))
    teams = [team, other_team, *(TeamFactory(art=art) for _ in range(3))]
    people = [rte, *(make_member(art, Role.BUSINESS_OWNER) for _ in range(3))]
    grow(art, pi, teams, people, development, 20)
    with django_assert_num_queries(EXPORT_QUERIES):
        large = rows_of(client.get(url(name, art), {"pi": pi.pk}))
    assert (len(small), len(large)) == (1, 21)
