"""The I&A API: the permission matrix, anonymous votes, bad input (400, nothing saved), the
follow-through, query counts of the lists at two sizes."""

from datetime import date

import pytest

from metrics.ia import services
from metrics.ia.models import Cause, DotVote, ImprovementItem, InspectAdapt, Problem
from planning.models import Feature
from tests.conftest import PERSONAS
from tests.factories import make_pi
from tests.helpers import count_queries
from tests.metrics.ia.conftest import causes_of

pytestmark = pytest.mark.django_db

ROLES = [p for p in PERSONAS if p not in ("outsider", "anonymous")]


def client_of(request, api_client, name):
    if name != "anonymous":
        api_client.force_authenticate(request.getfixturevalue(name))
    return api_client


def status_for(name, allowed, ok=200):
    return {"anonymous": 401, "outsider": 404}.get(name, ok if allowed else 403)


@pytest.mark.parametrize("name", PERSONAS)
def test_reading_is_for_members(request, api_client, event, problem, rte, name):
    causes_of(problem, rte, "A")
    client = client_of(request, api_client, name)
    for url in (
        f"/api/ia-events/{event.pk}/",
        f"/api/ia-events/{event.pk}/pareto/",
        f"/api/ia-problems/{problem.pk}/",
        f"/api/ia-causes/{Cause.objects.get().pk}/",
    ):
        assert client.get(url).status_code == status_for(name, True), url


@pytest.mark.parametrize("name", PERSONAS)
def test_facilitating_is_for_the_rte(request, api_client, event, name):
    response = client_of(request, api_client, name).post(f"/api/ia-events/{event.pk}/step/", {"step": "vote"})
    assert response.status_code == status_for(name, name == "rte")
    assert InspectAdapt.objects.get().step == ("vote" if name == "rte" else "opening")


@pytest.mark.parametrize("name", PERSONAS)
def test_every_member_votes(request, api_client, voting, problem, rte, name):
    (cause,) = causes_of(problem, rte, "A")
    response = client_of(request, api_client, name).post(f"/api/ia-causes/{cause.pk}/vote/")
    assert response.status_code == status_for(name, True)
    assert DotVote.objects.count() == (1 if name in ROLES else 0)
    if name in ROLES:
        assert (response.data["votes"], response.data["my_votes"]) == (1, 1)


@pytest.mark.parametrize("name", PERSONAS)
def test_every_member_adds_problems(request, api_client, event, name):
    response = client_of(request, api_client, name).post("/api/ia-problems/", {"event": event.pk, "what": "Slow CI"})
    # An outsider names an I&A that is not on their trains: unknown (400).
    assert response.status_code == {"anonymous": 401, "outsider": 400}.get(name, 201)
    assert Problem.objects.exists() is (name in ROLES)


def test_votes_are_anonymous(api_client, voting, problem, rte, team_member, scrum_master):
    (cause,) = causes_of(problem, rte, "A")
    services.cast_vote(cause, by=scrum_master)
    services.cast_vote(cause, by=team_member)
    api_client.force_authenticate(team_member)
    body = api_client.get(f"/api/ia-causes/{cause.pk}/").data
    assert (body["votes"], body["my_votes"]) == (2, 1)
    pareto = api_client.get(f"/api/ia-events/{voting.pk}/pareto/").data
    assert pareto == [
        {"cause": cause.pk, "text": "A", "bone": "process", "problem": problem.pk, "votes": 2, "cumulative": 100,
         "mine": 1}
    ]  # fmt: skip
    # No voter anywhere: a cause names who added it, never who voted on it.
    assert "voter" not in str(body) and "voter" not in str(pareto)


def test_a_vote_beyond_the_limit_is_400_with_the_message(api_client, voting, problem, rte, team_member):
    (cause,) = causes_of(problem, rte, "A")
    api_client.force_authenticate(team_member)
    for _ in range(3):
        assert api_client.post(f"/api/ia-causes/{cause.pk}/vote/").status_code == 200
    refused = api_client.post(f"/api/ia-causes/{cause.pk}/vote/")
    assert refused.status_code == 400
    assert "already put 3 votes on this cause" in str(refused.data)
    assert DotVote.objects.count() == 3


def test_lowering_the_allowance_says_how_many_votes_went(api_client, voting, problem, rte, team_member):
    (cause,) = causes_of(problem, rte, "A")
    for _ in range(3):
        services.cast_vote(cause, by=team_member)
    api_client.force_authenticate(rte)
    response = api_client.post(f"/api/ia-events/{voting.pk}/allowance/", {"votes_per_person": 4, "votes_per_cause": 1})
    assert response.status_code == 200 and response.data["removed_votes"] == 2
    too_high = api_client.post(f"/api/ia-events/{voting.pk}/allowance/", {"votes_per_person": 2, "votes_per_cause": 3})
    assert too_high.status_code == 400 and "cannot be above" in str(too_high.data)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"owner": None}, "owner"),
        ({"target_pi": "past"}, "has ended"),
        ({"what": "nothing"}, ""),
        ({"owner": "²"}, "owner"),
        ({"target_pi": 99999999999999999999}, "target_pi"),
    ],
)
def test_bad_improvement_items_are_400_and_nothing_is_saved(
    api_client, art, event, rte, team_member, next_pi, change, message
):
    past = make_pi(art, name="PI 2026.3", start=date(2026, 7, 27))
    data = {
        "event": event.pk,
        "title": "Slice",
        "owner": team_member.pk,
        "target_pi": next_pi.pk,
        "measure_of_done": "D",
    }
    data |= {key: (past.pk if value == "past" else value) for key, value in change.items()}
    data = {key: value for key, value in data.items() if value is not None}
    api_client.force_authenticate(rte)
    response = api_client.post("/api/ia-improvements/", data, format="json")
    if change == {"what": "nothing"}:
        assert response.status_code == 201  # an unknown field is ignored
        return
    assert response.status_code == 400 and message in str(response.data)
    assert not ImprovementItem.objects.exists() and not Feature.objects.exists()


@pytest.mark.parametrize("value", ["²", "-1", "1e3", "99999999999999999999999", "abc", ""])
def test_hostile_ids_are_400(api_client, event, rte, value):
    api_client.force_authenticate(rte)
    assert api_client.post("/api/ia-problems/", {"event": value, "what": "x"}).status_code == 400
    assert api_client.get("/api/ia-causes/", {"event": value}).status_code in (200, 400)
    assert api_client.get(f"/api/ia-causes/?event={value}").status_code == (200 if value == "" else 400)
    assert not Problem.objects.exists()


def test_improvements_follow_through_and_rates(api_client, art, event, rte, team_member, next_pi):
    services.add_improvement(event, by=rte, title="Slice", owner=team_member, target_pi=next_pi, measure_of_done="D")
    api_client.force_authenticate(team_member)
    items = api_client.get("/api/ia-improvements/", {"art": art.slug}).data["results"]
    assert [(i["title"], i["state"], i["pi_of_origin"], i["owner_name"], i["age"]) for i in items] == [
        ("Slice", "proposed", "PI 2026.4", "Tess Member", 0)
    ]
    rates = api_client.get("/api/ia-follow-through/", {"art": art.slug}).data
    assert rates == [
        {"pi": event.pi_id, "pi_name": "PI 2026.4", "items": 1, "planned": 0, "done": 0, "demoed": 0,
         "planned_percent": 0, "done_percent": 0, "demoed_percent": 0}
    ]  # fmt: skip
    assert api_client.get("/api/ia-follow-through/", {"art": "lending"}).status_code == 400


def test_api_lists_have_constant_queries(api_client, art, voting, problem, rte, team_member, product_manager, next_pi):
    api_client.force_authenticate(rte)
    urls = ["/api/ia-events/", "/api/ia-causes/", "/api/ia-problems/", "/api/ia-improvements/", "/api/ia-solutions/"]

    def grow(number, voter):
        for index in range(number):
            (cause,) = causes_of(problem, rte, f"C{index}")
            services.cast_vote(cause, by=voter)
            services.add_solution(voting, text=f"S{index}", by=rte)
            services.add_improvement(
                voting, by=rte, title=f"I{index}", owner=rte, target_pi=next_pi, measure_of_done="D"
            )

    grow(2, team_member)
    small = [count_queries(api_client.get, url)[0] for url in urls]
    grow(5, rte)
    grow(5, product_manager)
    large = [count_queries(api_client.get, url)[0] for url in urls]
    assert small == large
