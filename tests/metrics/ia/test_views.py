"""The I&A pages: who may see and do what (pages, htmx, writes), bad input answered with a message and
nothing saved (never a 500), the live fragment, anonymity of the votes, query counts at two sizes."""

import pytest
from django.urls import reverse

from artops.models import Role
from metrics.ia import services
from metrics.ia.models import Cause, DotVote, ImprovementItem, InspectAdapt, Problem, Step
from planning.models import Feature
from tests.conftest import PERSONAS, make_member
from tests.factories import ARTFactory, make_pi
from tests.helpers import HTMX, count_queries, expected, login
from tests.metrics.ia.conftest import causes_of

pytestmark = pytest.mark.django_db

ROLES = [p for p in PERSONAS if p not in ("outsider", "anonymous")]


def page(name, art, **kwargs):
    return reverse(name, kwargs={"art_slug": art.slug, **kwargs})


def write(art, pi, action):
    return page(f"ia_{action}", art, pi_id=pi.pk)


def persona(request, name):
    return None if name == "anonymous" else request.getfixturevalue(name)


# --- the permission matrix ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", PERSONAS)
@pytest.mark.parametrize("target", ["home", "event", "step", "live", "follow", "csv"])
def test_every_member_reads_the_pages(request, client, art, pi, event, everyone, name, target):
    user = persona(request, name)
    urls = {
        "home": page("ia_home", art),
        "event": page("ia_event", art, pi_id=pi.pk),
        "step": page("ia_event", art, pi_id=pi.pk) + "?step=review",
        "live": page("ia_live", art, pi_id=pi.pk) + "?since=0&step=opening",
        "follow": page("ia_follow_through", art),
        "csv": page("ia_improvements_csv", art),
    }
    headers = HTMX if target == "live" else {}
    response = login(client, user).get(urls[target], headers=headers)
    assert response.status_code == expected(name, True)


@pytest.mark.parametrize("name", PERSONAS)
def test_only_the_rte_facilitates(request, client, art, pi, event, everyone, name):
    response = login(client, persona(request, name)).post(write(art, pi, "step"), {"step": "problems"})
    assert response.status_code == expected(name, name == "rte", ok=302)
    assert InspectAdapt.objects.get().step == ("problems" if name == "rte" else "opening")


@pytest.mark.parametrize("name", PERSONAS)
def test_every_member_adds_problems_causes_and_votes(request, client, art, pi, voting, problem, everyone, name):
    (cause,) = causes_of(problem, request.getfixturevalue("rte"), "Big stories")
    client = login(client, persona(request, name))
    added = client.post(write(art, pi, "problem"), {"what": f"Problem of {name}", "return_step": "problems"})
    assert added.status_code == expected(name, True, ok=302)
    caused = client.post(write(art, pi, "cause"), {"problem": problem.pk, "bone": "tools", "text": f"Cause of {name}"})
    assert caused.status_code == expected(name, True, ok=302)
    voted = client.post(write(art, pi, "vote"), {"cause": cause.pk, "return_step": "vote"}, headers=HTMX)
    assert voted.status_code == expected(name, True)
    member = name in ROLES
    assert Problem.objects.filter(what=f"Problem of {name}").exists() is member
    assert Cause.objects.filter(text=f"Cause of {name}").exists() is member
    assert DotVote.objects.count() == (1 if member else 0)


def test_the_rte_opens_an_ia_from_the_page(client, art, pi, rte, product_manager):
    assert login(client, product_manager).post(page("ia_open", art), {"pi": pi.pk}).status_code == 403
    response = login(client, rte).post(page("ia_open", art), {"pi": pi.pk, "held_on": "2026-12-10"})
    assert response.status_code == 302
    assert InspectAdapt.objects.get().held_on.isoformat() == "2026-12-10"
    again = client.post(page("ia_open", art), {"pi": pi.pk})
    assert again.status_code == 422 and "already has its Inspect" in again.content.decode()


# --- bad input: a message, nothing saved, never a 500 ---------------------------------------------------


def test_a_problem_without_its_what_is_refused(client, art, pi, event, team_member):
    response = login(client, team_member).post(
        write(art, pi, "problem"), {"what": "", "where": "Everywhere", "return_step": "problems"}
    )
    assert response.status_code == 422
    assert "Say what the problem is." in response.content.decode()
    assert 'value="Everywhere"' in response.content.decode()  # what was typed stays
    assert not Problem.objects.exists()


def test_a_vote_beyond_the_allowance_is_refused_with_the_message(client, art, pi, voting, problem, team_member, rte):
    causes = causes_of(problem, rte, "A", "B")
    services.set_vote_allowance(voting, votes_per_person=2, votes_per_cause=1, by=rte)
    for cause in causes:
        services.cast_vote(cause, by=team_member)
    response = login(client, team_member).post(
        write(art, pi, "vote"), {"cause": causes[0].pk, "return_step": "vote"}, headers=HTMX
    )
    assert response.status_code == 422
    assert "You have used all 2 of your votes" in response.content.decode()
    assert DotVote.objects.count() == 2


def test_lowering_the_allowance_tells_the_facilitator(client, art, pi, voting, problem, team_member, rte):
    (cause,) = causes_of(problem, rte, "A")
    for _ in range(3):
        services.cast_vote(cause, by=team_member)
    response = login(client, rte).post(
        write(art, pi, "allowance"), {"votes_per_person": "2", "votes_per_cause": "1", "return_step": "vote"},
        follow=True,
    )  # fmt: skip
    assert "2 votes beyond it were taken back, the newest first." in response.content.decode()
    assert DotVote.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"owner": ""}, "needs an owner"),
        ({"target_pi": "past"}, "has ended"),
        ({"title": ""}, "Give the improvement item a title"),
    ],
)
def test_bad_improvement_items_are_refused(client, art, pi, event, rte, team_member, next_pi, data, message):
    past = make_pi(art, name="PI 2026.3", start=pi.start_date.replace(month=7, day=27))
    values = {
        "title": "Slice stories", "owner": team_member.pk, "target_pi": next_pi.pk, "type": "enabler",
        "measure_of_done": "Spill-over < 10%", "return_step": "improvements",
    }  # fmt: skip
    values |= {key: (past.pk if value == "past" else value) for key, value in data.items()}
    response = login(client, rte).post(write(art, pi, "improvement"), values)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not ImprovementItem.objects.exists() and not Feature.objects.exists()


HOSTILE = ["²", "１２", "-1", "1e3", "99999999999999999999999", "1 OR 1=1", "\x00", "" ]  # fmt: skip


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize("action", ["vote", "why", "cause", "restate", "drop"])
def test_hostile_ids_are_refused(client, art, pi, voting, problem, rte, value, action):
    causes_of(problem, rte, "A")
    data = {"cause": value, "problem": value, "item": value, "text": "x", "bone": "tools", "drop_reason": "x"}
    response = login(client, rte).post(write(art, pi, action), data)
    assert response.status_code == 422
    assert "Choose one of the options offered." in response.content.decode()
    assert DotVote.objects.count() == 0 and Cause.objects.count() == 1


def test_another_trains_rows_are_not_choices(client, art, pi, voting, problem, rte):
    other = ARTFactory(slug="lending")
    other_rte = make_member(other, Role.RTE)
    other_event = services.open_ia(make_pi(other, name="PI L", start=pi.start_date), by=other_rte)
    services.move_to_step(other_event, step=Step.VOTE, by=other_rte)
    other_problem = services.add_problem(other_event, by=other_rte, what="Theirs")
    (foreign,) = causes_of(other_problem, other_rte, "Theirs")
    response = login(client, rte).post(write(art, pi, "vote"), {"cause": foreign.pk})
    assert response.status_code == 422 and not DotVote.objects.exists()


@pytest.mark.parametrize("since", ["abc", "-1", "²", "99999999999999999999999"])
def test_live_with_a_bad_since_is_400(client, art, pi, event, rte, since):
    response = login(client, rte).get(page("ia_live", art, pi_id=pi.pk), {"since": since}, headers=HTMX)
    assert response.status_code == 400


def test_unknown_steps_and_actions_are_404(client, art, pi, event, rte):
    client = login(client, rte)
    assert client.get(page("ia_event", art, pi_id=pi.pk) + "?step=party").status_code == 404
    assert client.post(page("ia_event", art, pi_id=pi.pk) + "explode/", {}).status_code == 404


# --- live ------------------------------------------------------------------------------------------------


def test_live_answers_204_until_something_changes(client, art, pi, event, rte, team_member):
    client = login(client, rte)
    live = page("ia_live", art, pi_id=pi.pk)
    services.move_to_step(event, step=Step.PROBLEMS, by=rte)
    version = InspectAdapt.objects.get().version
    query = {"since": version, "step": "problems", "follow": "1"}
    assert client.get(live, query, headers=HTMX).status_code == 204
    services.add_problem(event, by=team_member, what="Flaky staging")
    fresh = client.get(live, query, headers=HTMX)
    assert fresh.status_code == 200 and "Flaky staging" in fresh.content.decode()
    assert "<html" not in fresh.content.decode()
    services.move_to_step(event, step=Step.CAUSES, by=rte)
    moved = client.get(live, query, headers=HTMX)
    assert moved["HX-Refresh"] == "true"
    # A page that looks at another screen on purpose does not follow.
    assert not client.get(live, query | {"follow": "0"}, headers=HTMX).has_header("HX-Refresh")


def test_votes_are_anonymous(client, art, pi, voting, problem, rte, team_member, scrum_master):
    (cause,) = causes_of(problem, rte, "Big stories")
    services.cast_vote(cause, by=scrum_master)
    services.cast_vote(cause, by=scrum_master)
    services.cast_vote(cause, by=rte)
    html = login(client, team_member).get(page("ia_event", art, pi_id=pi.pk) + "?step=vote").content.decode()
    assert scrum_master.display_name not in html
    assert 'aria-label="3 votes"' in html and 'You have <strong id="ia-votes-left">5</strong> left' in html


def test_the_backlog_marks_improvement_items(client, art, pi, event, rte, team_member, next_pi):
    services.add_improvement(
        event, by=rte, title="Slice stories", owner=team_member, target_pi=next_pi, measure_of_done="Spill < 10%"
    )
    html = login(client, team_member).get(page("backlog", art)).content.decode()
    assert "Slice stories" in html and "badge-improvement" in html


def test_the_csv_neutralises_formulas(client, art, pi, event, rte, team_member, next_pi):
    services.add_improvement(
        event, by=rte, title="=HYPERLINK(1)", owner=team_member, target_pi=next_pi, measure_of_done="@SUM(1)"
    )
    body = login(client, team_member).get(page("ia_improvements_csv", art)).content.decode()
    assert "'=HYPERLINK(1)" in body and "'@SUM(1)" in body


# --- query counts at two sizes ---------------------------------------------------------------------------


def grow(event, problem, people, causes: int):
    made = causes_of(problem, people[0], *[f"Cause {n}" for n in range(causes)])
    for index, person in enumerate(people):
        services.cast_vote(made[index % len(made)], by=person)
        services.add_why(made[index % len(made)], by=person, text="Because")
        services.add_solution(event, text=f"Solution {index}", by=person)
    return made


@pytest.mark.parametrize("step", [s.value for s in Step])
def test_each_screen_has_a_constant_number_of_queries(request, client, art, pi, voting, problem, rte, step):
    people = [request.getfixturevalue(name) for name in ROLES]
    grow(voting, problem, people, 2)
    client = login(client, rte)
    url = page("ia_event", art, pi_id=pi.pk) + f"?step={step}"
    small, _ = count_queries(client.get, url)
    grow(voting, services.add_problem(voting, by=rte, what="Another"), people, 12)
    large, response = count_queries(client.get, url)
    assert response.status_code == 200
    assert small == large, step


def test_the_live_fragment_and_the_lists_have_constant_queries(request, client, art, pi, voting, problem, rte, next_pi):
    people = [request.getfixturevalue(name) for name in ROLES]
    client = login(client, rte)
    urls = [
        page("ia_live", art, pi_id=pi.pk) + "?since=0&step=vote",
        page("ia_follow_through", art),
        page("ia_improvements_csv", art),
        page("ia_home", art),
    ]
    grow(voting, problem, people, 2)
    services.add_improvement(voting, by=rte, title="One", owner=rte, target_pi=next_pi, measure_of_done="Done")
    small = [count_queries(client.get, url, headers=HTMX)[0] for url in urls]
    grow(voting, problem, people, 10)
    for number in range(8):
        services.add_improvement(voting, by=rte, title=f"I{number}", owner=rte, target_pi=next_pi, measure_of_done="D")
    large = [count_queries(client.get, url, headers=HTMX)[0] for url in urls]
    assert small == large
    # The 204 of the poll: session, user, train, the PI, the event.
    version = InspectAdapt.objects.get().version
    assert count_queries(client.get, urls[0].replace("since=0", f"since={version}"), headers=HTMX)[0] == 5
