"""Coaching and playbooks: services, privacy on pages / htmx / API / export / admin, the
permission matrix of the new capabilities, bad input, query counts, Markdown safety, the home
panel, the calendar link and readiness seeded from a playbook."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.admin.sites import site
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory

from artops import extensions
from artops.calendar.models import CalendarEvent
from artops.coaching import services
from artops.coaching.admin import ObservationAdmin
from artops.coaching.models import CoPSession, GoalNote, GrowthGoal, Observation, Playbook, PlaybookVersion
from artops.coaching.text import OUTLINE, checklist_items, render, side_by_side
from artops.models import Role
from artops.services import StaleVersion
from planning.models import ReadinessItem
from planning.services import seed_readiness_from_playbook
from tests.api_helpers import client_for
from tests.conftest import PERSONAS, make_member
from tests.helpers import HTMX, expected, login, url

BERLIN = ZoneInfo("Europe/Berlin")
pytestmark = pytest.mark.django_db


# --- fixtures -----------------------------------------------------------------------------------


@pytest.fixture
def coaching(art, team, pi, rte, scrum_master):
    """The RTE's observation of the Scrum Master and a growth goal with a check-in on 12 October."""
    observation = services.record_observation(
        art,
        by=rte,
        coachee=scrum_master,
        team=team,
        event="retrospective",
        observed_on=date(2026, 10, 8),
        went_well="Quiet people spoke first.",
        suggestion="End with one owned improvement.",
    )
    goal = services.set_growth_goal(
        pi,
        by=rte,
        coachee=scrum_master,
        goal="Run the breakouts alone",
        competency="facilitation",
        measure_of_done="Both breakouts end on time",
        next_check_in=date(2026, 10, 12),
    )
    return {"observation": observation, "goal": goal}


@pytest.fixture
def playbook(art, rte):
    return services.create_playbook(art, by=rte, title="PI readiness", body=OUTLINE)


def elements(html: str) -> list[tuple[str, dict]]:
    """The real elements of ``html`` (not text that looks like markup), with their attributes."""
    from html.parser import HTMLParser

    found = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, dict(attrs)))

    Collector().feed(html)
    return found


# --- Markdown -----------------------------------------------------------------------------------


def test_markdown_renders_scripts_handlers_and_javascript_links_harmlessly():
    html = render(
        "<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n"
        "[click](javascript:alert(3)) ![pic](javascript:alert(4)) [ok](https://example.com)\n\n"
        '<a href="javascript:alert(5)" onclick="x()">raw</a> <iframe src="https://evil"></iframe>\n\n'
        "[data](data:text/html;base64,PHNjcmlwdD4=) **bold**"
    )
    tags = elements(html)
    assert not {name for name, _ in tags} & {"script", "img", "iframe"}
    for _, attributes in tags:
        assert not any(attribute.startswith("on") for attribute in attributes), attributes
        assert not (attributes.get("href") or "").lower().startswith(("javascript:", "data:")), attributes
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown as the text typed
    assert '<a href="https://example.com" rel="noopener noreferrer nofollow">ok</a>' in html
    assert "<strong>bold</strong>" in html


def test_checklist_items_are_the_task_lines_under_the_checklist_heading():
    text = (
        "## Purpose\n- [ ] not this\n## Preparation checklist\n- [ ] One\n- [x] Two\n* [ ] Three\n- plain\n"
        "### Sub\n- [ ] Four\n## Tips\n- [ ] no"
    )
    assert checklist_items(text) == ["One", "Two", "Three", "Four"]
    assert checklist_items("# Nothing here") == []


def test_side_by_side_marks_changed_removed_and_added_lines():
    rows = side_by_side("a\nb\nc", "a\nB\nc\nd")
    assert [(row.kind, row.old, row.new) for row in rows] == [
        ("same", "a", "a"),
        ("changed", "b", "B"),
        ("same", "c", "c"),
        ("added", None, "d"),
    ]


# --- services -----------------------------------------------------------------------------------


def test_only_the_coach_records_and_only_of_a_scrum_master_or_po(art, team, pi, rte, scrum_master, team_member):
    with pytest.raises(PermissionDenied):
        services.record_observation(
            art,
            by=scrum_master,
            coachee=rte,
            team=team,
            event="other",
            observed_on=date(2026, 10, 1),
            went_well="x",
            suggestion="y",
        )
    with pytest.raises(ValidationError) as refused:
        services.set_growth_goal(pi, by=rte, coachee=team_member, goal="g", competency="coaching", measure_of_done="m")
    assert "not a Scrum Master or Product Owner" in str(refused.value)
    with pytest.raises(ValidationError):
        services.set_growth_goal(
            pi, by=rte, coachee=scrum_master, goal="  ", competency="coaching", measure_of_done="m"
        )
    with pytest.raises(ValidationError):
        services.set_growth_goal(pi, by=rte, coachee=scrum_master, goal="g", competency="juggling", measure_of_done="m")
    assert not GrowthGoal.objects.exists() and not Observation.objects.exists()


def test_check_in_keeps_history_and_only_the_coach_sets_dates_and_done(coaching, rte, scrum_master):
    goal = coaching["goal"]
    goal = services.check_in(goal, by=scrum_master, expected_version=1, note="Ran the first one.")
    with pytest.raises(PermissionDenied):
        services.check_in(goal, by=scrum_master, expected_version=goal.version, done=True)
    goal = services.check_in(goal, by=rte, expected_version=goal.version, next_check_in=date(2026, 11, 2), done=True)
    assert goal.done and goal.done_at and goal.next_check_in == date(2026, 11, 2)
    assert [note.kind for note in goal.notes.all()] == ["progress", "done"]
    with pytest.raises(StaleVersion):
        services.check_in(goal, by=rte, expected_version=1, note="late")
    with pytest.raises(ValidationError):
        services.check_in(goal, by=rte, expected_version=goal.version)  # nothing to save


def test_another_rte_cannot_check_in_on_a_goal_they_do_not_coach(art, coaching):
    other_rte = make_member(art, Role.RTE, display_name="Second RTE")
    with pytest.raises(services.NotYours):
        services.check_in(coaching["goal"], by=other_rte, expected_version=1, note="peek")
    assert not GoalNote.objects.exists()


def test_unfinished_goals_carry_into_the_next_pi_with_their_history(art, pi, rte, scrum_master, coaching):
    from tests.factories import make_pi

    following = make_pi(art, name="PI 2027.1", start=date(2026, 12, 14))
    services.check_in(coaching["goal"], by=scrum_master, expected_version=1, note="Half way.")
    done = services.set_growth_goal(
        pi, by=rte, coachee=scrum_master, goal="Done one", competency="coaching", measure_of_done="m"
    )
    services.check_in(done, by=rte, expected_version=1, done=True)
    carried = services.carry_over_goals(pi, following, by=rte)
    assert len(carried) == 1
    new = GrowthGoal.objects.get(pk=carried[0].pk)
    assert new.pi == following and new.carried_from_id == coaching["goal"].pk
    assert [n.text for n in new.notes.all()] == ["Half way.", "Carried over from PI 2026.4 to PI 2027.1."]
    assert GrowthGoal.objects.get(pk=coaching["goal"].pk).carried_over
    assert services.carry_over_goals(pi, following, by=rte) == []  # nothing twice
    with pytest.raises(ValidationError):
        services.carry_over_goals(following, pi, by=rte)  # only forward


def test_playbook_edit_keeps_every_version_with_who_and_when(playbook, rte, art, scrum_master):
    edited = services.edit_playbook(
        playbook, by=rte, expected_version=1, title="PI readiness", body=OUTLINE + "\nMore."
    )
    assert edited.version == 2
    versions = list(PlaybookVersion.objects.filter(playbook=playbook).order_by("number"))
    assert [(v.number, v.author, v.body.endswith("More.")) for v in versions] == [(1, rte, False), (2, rte, True)]
    with pytest.raises(StaleVersion):
        services.edit_playbook(playbook, by=rte, expected_version=1, title="x", body="y")
    with pytest.raises(PermissionDenied):
        services.edit_playbook(edited, by=scrum_master, expected_version=2, title="x", body="y")
    services.set_playbook_editors(edited, by=rte, editors=[scrum_master])
    services.edit_playbook(edited, by=scrum_master, expected_version=2, title="PI readiness", body="New text")
    assert PlaybookVersion.objects.filter(playbook=playbook).count() == 3


def test_playbook_bad_input_is_refused_and_nothing_saved(art, rte, playbook, outsider):
    with pytest.raises(ValidationError):
        services.create_playbook(art, by=rte, title="pi READINESS")  # same title, whatever the case
    with pytest.raises(ValidationError):
        services.edit_playbook(playbook, by=rte, expected_version=1, title="PI readiness", body="   ")
    with pytest.raises(ValidationError):
        services.set_playbook_editors(playbook, by=rte, editors=[outsider])
    assert Playbook.objects.count() == 1 and PlaybookVersion.objects.count() == 1


def test_a_cop_session_goes_on_the_calendar_and_follows_its_changes(art, pi, rte, scrum_master, team_member):
    starts = datetime(2026, 10, 15, 15, 0, tzinfo=BERLIN)
    session = services.schedule_cop_session(
        art,
        by=scrum_master,
        topic="Retros",
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        attendees=[team_member],
    )
    event = session.event
    assert event.kind == CalendarEvent.Kind.COMMUNITY_OF_PRACTICE and event.pi == pi and event.title == "CoP: Retros"
    links = extensions.links(extensions.CALENDAR_EVENT_LINKS, events=[event])
    assert links[event.pk] == url("coaching_cop_session", art, session_id=session.pk)
    moved = services.update_cop_session(
        session,
        by=rte,
        expected_version=1,
        starts_at=starts + timedelta(days=1),
        ends_at=starts + timedelta(days=1, hours=2),
    )
    event.refresh_from_db()
    assert event.starts_at == moved.starts_at and event.sequence == 1
    with pytest.raises(PermissionDenied):
        services.schedule_cop_session(
            art, by=team_member, topic="x", starts_at=starts, ends_at=starts + timedelta(hours=1)
        )
    with pytest.raises(ValidationError):
        services.schedule_cop_session(art, by=rte, topic="x", starts_at=starts, ends_at=starts)
    assert CoPSession.objects.count() == 1 and CalendarEvent.objects.count() == 1


def test_readiness_items_seeded_from_a_playbook_checklist(art, pi, rte, scrum_master, playbook):
    playbook = services.edit_playbook(
        playbook,
        by=rte,
        expected_version=1,
        title=playbook.title,
        body=(
            "## Preparation checklist\n- [ ] Dates on the calendar\n- [ ] Coaches briefed on the breakouts\n"
            "## Tips\n- [ ] no"
        ),
    )
    before = ReadinessItem.objects.filter(pi=pi).count()
    added = seed_readiness_from_playbook(pi, playbook=playbook, by=rte)
    assert [item.title for item in added] == ["Dates on the calendar", "Coaches briefed on the breakouts"]
    assert seed_readiness_from_playbook(pi, playbook=playbook, by=rte) == []
    assert ReadinessItem.objects.filter(pi=pi).count() == before + 2
    with pytest.raises(PermissionDenied):
        seed_readiness_from_playbook(pi, playbook=playbook, by=scrum_master)


# --- privacy: pages, htmx, export, API, admin ------------------------------------------------------


OTHERS = ["product_manager", "system_architect", "business_owner", "product_owner", "team_member"]


@pytest.mark.parametrize("persona", [*OTHERS, "second_rte", "outsider"])
def test_observations_and_goals_are_invisible_to_everyone_but_coach_and_coachee(
    client, art, persona, coaching, request
):
    if persona == "second_rte":
        user = make_member(art, Role.RTE, display_name="Second RTE")
    else:
        user = request.getfixturevalue(persona)
    client.force_login(user)
    goal = coaching["goal"]
    page = client.get(url("coaching", art))
    if persona == "outsider":
        assert page.status_code == 404
    else:
        assert page.status_code == 200
        assert b"Run the breakouts alone" not in page.content and b"Quiet people spoke first" not in page.content
        export = client.get(url("coaching_export", art))
        assert export.status_code == 200 and b"Run the breakouts" not in export.content
        assert b"Quiet people" not in export.content
    assert client.get(url("coaching_goal", art, goal_id=goal.pk)).status_code == 404
    assert client.get(url("coaching_goal", art, goal_id=goal.pk), headers=HTMX).status_code == 404
    posted = client.post(url("coaching_goal", art, goal_id=goal.pk), {"version": 1, "note": "peek"}, headers=HTMX)
    assert posted.status_code == 404 and not GoalNote.objects.exists()
    api = client_for(user)
    assert api.get(f"/api/coaching/goals/{goal.pk}/").status_code == 404
    assert api.get(f"/api/coaching/observations/{coaching['observation'].pk}/").status_code == 404
    assert api.get("/api/coaching/goals/").json()["results"] == []
    assert api.get("/api/coaching/observations/").json()["results"] == []
    assert api.post(f"/api/coaching/goals/{goal.pk}/check-in/", {"version": 1, "note": "x"}).status_code == 404


@pytest.mark.parametrize("persona", ["rte", "scrum_master"])
def test_the_coach_and_the_person_coached_see_both(client, art, persona, coaching, request):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    page = client.get(url("coaching", art))
    assert b"Run the breakouts alone" in page.content and b"Quiet people spoke first" in page.content
    assert client.get(url("coaching_goal", art, goal_id=coaching["goal"].pk)).status_code == 200
    assert b"Run the breakouts alone" in client.get(url("coaching_export", art)).content
    api = client_for(user)
    assert [g["id"] for g in api.get("/api/coaching/goals/").json()["results"]] == [coaching["goal"].pk]
    assert len(api.get("/api/coaching/observations/").json()["results"]) == 1


def test_the_admin_lists_private_records_only_to_superusers(art, coaching, rte, business_owner):
    admin = ObservationAdmin(Observation, site)
    request = RequestFactory().get("/admin/")
    request.user = business_owner
    business_owner.is_staff = True
    assert list(admin.get_queryset(request)) == []
    request.user = rte
    assert list(admin.get_queryset(request)) == [coaching["observation"]]
    request.user = type(rte).objects.create_superuser("root@example.com", "x", display_name="Root")
    assert list(admin.get_queryset(request)) == [coaching["observation"]]


def test_the_home_shows_due_check_ins_to_the_coach_only(client, art, pi, coaching, rte, scrum_master):
    import time_machine

    with time_machine.travel(datetime(2026, 10, 11, 12, 0, tzinfo=BERLIN)):
        client.force_login(rte)
        assert b"Coaching check-ins due" not in client.get(url("art_home", art)).content
    with time_machine.travel(datetime(2026, 10, 12, 12, 0, tzinfo=BERLIN)):
        home = client.get(url("art_home", art)).content.decode()
        assert "Coaching check-ins due" in home and "due today" in home
        client.force_login(scrum_master)
        home = client.get(url("art_home", art)).content.decode()
        assert "Coaching check-ins due" not in home and "Coaching and ways of working" in home
    with time_machine.travel(datetime(2026, 10, 14, 12, 0, tzinfo=BERLIN)):
        client.force_login(rte)
        assert "overdue since Mon 12 Oct" in client.get(url("art_home", art)).content.decode()


# --- permission matrix of the new capabilities --------------------------------------------------------

COACH = {"rte"}
RUN_COP = {"rte", "scrum_master"}
EDIT_PLAYBOOKS = {"rte"}


def _form_goal(pi, scrum_master):
    return {
        "coachee": scrum_master.pk,
        "pi": pi.pk,
        "goal": "A goal",
        "competency": "coaching",
        "measure_of_done": "m",
        "next_check_in": "2026-10-20",
    }


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_permission_matrix_coaching_coach(client, art, pi, team, everyone, persona, request):
    name = request.node.callspec.params["persona"]
    scrum_master = request.getfixturevalue("scrum_master")
    login(client, persona)
    status = expected(name, name in COACH, ok=302)
    page = client.post(url("coaching_goal_add", art), _form_goal(pi, scrum_master))
    assert page.status_code == status
    htmx = client.post(url("coaching_goal_add", art), _form_goal(pi, scrum_master), headers=HTMX)
    assert htmx.status_code == expected(name, name in COACH)
    assert GrowthGoal.objects.count() == (2 if name in COACH else 0)
    api = client_for(persona)
    payload = dict(_form_goal(pi, scrum_master))
    answered = api.post("/api/coaching/goals/", payload, format="json").status_code
    if name == "anonymous":
        assert answered in (401, 403)
    elif name == "outsider":
        assert answered == 400  # another train's PI reads as unknown
    else:
        assert answered == (201 if name in COACH else 403)


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_permission_matrix_coaching_run_cop(client, art, everyone, persona, request):
    name = request.node.callspec.params["persona"]
    login(client, persona)
    form = {"topic": "Flow", "day": "2026-10-15", "start": "15:00", "end": "16:00"}
    assert client.get(url("coaching_cop", art)).status_code == expected(name, True)
    assert client.post(url("coaching_cop", art), form).status_code == expected(name, name in RUN_COP, ok=302)
    assert client.post(url("coaching_cop", art), form, headers=HTMX).status_code == expected(name, name in RUN_COP)
    api = client_for(persona)
    answered = api.post(
        "/api/coaching/cop-sessions/",
        {
            "art": art.slug,
            "topic": "Flow",
            "starts_at": "2026-10-15T15:00:00+02:00",
            "ends_at": "2026-10-15T16:00:00+02:00",
        },
        format="json",
    ).status_code
    if name == "anonymous":
        assert answered in (401, 403)
    elif name == "outsider":
        assert answered == 400
    else:
        assert answered == (201 if name in RUN_COP else 403)


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_permission_matrix_coaching_edit_playbooks(client, art, everyone, playbook, persona, request):
    name = request.node.callspec.params["persona"]
    login(client, persona)
    allowed = name in EDIT_PLAYBOOKS
    assert client.get(url("playbook", art, playbook_id=playbook.pk)).status_code == expected(name, True)
    assert client.get(url("playbook_edit", art, playbook_id=playbook.pk)).status_code == expected(name, allowed)
    form = {"version": playbook.version, "title": playbook.title, "body": "Changed", "note": ""}
    assert client.post(url("playbook_edit", art, playbook_id=playbook.pk), form).status_code == expected(
        name, allowed, ok=302
    )
    assert (
        client.post(url("playbook_add", art), {"title": "New", "body": "x"}, headers=HTMX).status_code
        == expected(name, allowed, ok=200)
        or allowed
    )
    api = client_for(persona)
    answered = api.patch(
        f"/api/playbooks/{playbook.pk}/", {"version": 2 if allowed else 1, "title": "T", "body": "b"}, format="json"
    ).status_code
    if name == "anonymous":
        assert answered in (401, 403)
    else:
        assert answered == expected(name, allowed)
    assert PlaybookVersion.objects.filter(playbook=playbook).count() == (3 if allowed else 1)


def test_a_named_editor_edits_that_playbook_only(client, art, rte, scrum_master, playbook):
    other = services.create_playbook(art, by=rte, title="ART Sync")
    client.force_login(rte)
    assert (
        client.post(url("playbook_editors", art, playbook_id=playbook.pk), {"editors": [scrum_master.pk]}).status_code
        == 302
    )
    client.force_login(scrum_master)
    form = {"version": 1, "title": "PI readiness", "body": "Mine now", "note": "tightened"}
    assert client.post(url("playbook_edit", art, playbook_id=playbook.pk), form).status_code == 302
    assert client.get(url("playbook_edit", art, playbook_id=other.pk)).status_code == 403


# --- pages: bad input, versions, compare ---------------------------------------------------------------


def test_bad_observation_is_refused_with_a_message_and_nothing_saved(client, art, rte, scrum_master, team):
    client.force_login(rte)
    bad = {
        "coachee": "١٢",
        "team": team.pk,
        "event": "nap",
        "observed_on": "3000-01-01",
        "went_well": "",
        "suggestion": "x" * 5000,
    }
    answer = client.post(url("coaching_observation_add", art), bad, headers=HTMX)
    assert answer.status_code == 422 and b"The observation was not recorded" in answer.content
    assert not Observation.objects.exists()


def test_bad_check_in_and_damaged_version_answer_422(client, art, rte, coaching):
    client.force_login(rte)
    goal_url = url("coaching_goal", art, goal_id=coaching["goal"].pk)
    assert client.post(goal_url, {"version": "abc", "note": "x"}, headers=HTMX).status_code == 422
    assert client.post(goal_url, {"version": 1, "next_check_in": "soon"}, headers=HTMX).status_code == 422
    assert client.post(goal_url, {"version": 1}, headers=HTMX).status_code == 422
    assert client.post(goal_url, {"version": 9, "note": "x"}, headers=HTMX).status_code == 409
    assert not GoalNote.objects.exists()


def test_a_playbook_edit_keeps_the_previous_version_viewable_and_comparable(client, art, rte, playbook, team_member):
    client.force_login(rte)
    form = {
        "version": 1,
        "title": "PI readiness",
        "body": OUTLINE.replace("A first thing", "Dates booked"),
        "note": "dates",
    }
    assert client.post(url("playbook_edit", art, playbook_id=playbook.pk), form).status_code == 302
    client.force_login(team_member)
    old = client.get(url("playbook_version", art, playbook_id=playbook.pk, number=1)).content.decode()
    assert "A first thing to have ready" in old
    compare = client.get(url("playbook_compare", art, playbook_id=playbook.pk) + "?old=1&new=2").content.decode()
    assert (
        "<del>- [ ] A first thing to have ready</del>" in compare
        and "<ins>- [ ] Dates booked to have ready</ins>" in compare
    )
    assert client.get(url("playbook_compare", art, playbook_id=playbook.pk) + "?old=x&new=2").status_code == 400
    assert client.get(url("playbook_compare", art, playbook_id=playbook.pk) + "?old=1&new=7").status_code == 404
    assert client.get(url("playbook_version", art, playbook_id=playbook.pk, number=9)).status_code == 404


def test_a_playbook_page_renders_hostile_markdown_harmlessly(client, art, rte, playbook):
    body = "<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[x](javascript:alert(1))"
    services.edit_playbook(playbook, by=rte, expected_version=1, title="PI readiness", body=body)
    client.force_login(rte)
    page = client.get(url("playbook", art, playbook_id=playbook.pk)).content.decode()
    article = page.split('id="playbook-body">', 1)[1].split("</article>", 1)[0]
    tags = elements(article)
    assert not {name for name, _ in tags} & {"script", "img"}
    assert not any(a.get("href", "").startswith("javascript:") or any(k.startswith("on") for k in a) for _, a in tags)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in article


def test_readiness_page_seeds_from_a_playbook(client, art, pi, rte, playbook):
    client.force_login(rte)
    page = client.get(url("pi_readiness", art, pi_id=pi.pk))
    assert b"Add its checklist" in page.content
    before = ReadinessItem.objects.filter(pi=pi).count()
    answer = client.post(url("readiness_from_playbook", art, pi_id=pi.pk), {"playbook": playbook.pk}, headers=HTMX)
    assert answer.status_code == 200 and b"A first thing to have ready" in answer.content
    assert ReadinessItem.objects.filter(pi=pi).count() == before + 1
    assert (
        client.post(url("readiness_from_playbook", art, pi_id=pi.pk), {"playbook": "x"}, headers=HTMX).status_code
        == 422
    )


# --- query counts ------------------------------------------------------------------------------------


def _grow(art, pi, team, rte, size, start=0):
    coachees = [make_member(art, Role.SCRUM_MASTER, team, display_name=f"SM {start + i}") for i in range(size)]
    for index, person in enumerate(coachees, start=start):
        services.record_observation(
            art,
            by=rte,
            coachee=person,
            team=team,
            event="retrospective",
            observed_on=date(2026, 10, 1),
            went_well="w",
            suggestion="s",
        )
        goal = services.set_growth_goal(
            pi, by=rte, coachee=person, goal=f"G{index}", competency="coaching", measure_of_done="m"
        )
        services.check_in(goal, by=person, expected_version=1, note="n")
        starts = datetime.combine(date(2026, 10, 5) + timedelta(days=index), time(15), tzinfo=BERLIN)
        services.schedule_cop_session(
            art, by=rte, topic=f"T{index}", starts_at=starts, ends_at=starts + timedelta(hours=1), attendees=[person]
        )
        services.create_playbook(art, by=rte, title=f"Playbook {index}")


# Session, user, train (or token), own memberships, then the list's own few queries, whatever its length.
# The coaching page of the RTE adds its forms' choices: people coached (twice), teams, PIs (three lists).
LIST_QUERIES = {
    "coaching": 16,
    "cop": 7,
    "playbooks": 5,
    "export": 6,
    "api goals": 5,
    "api observations": 4,
    "api cop": 5,
    "api playbooks": 4,
}


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("coaching", "/arts/payments/coaching/"),
        ("cop", "/arts/payments/coaching/cop/"),
        ("playbooks", "/arts/payments/coaching/playbooks/"),
        ("export", "/arts/payments/coaching/export.csv"),
        ("api goals", "/api/coaching/goals/"),
        ("api observations", "/api/coaching/observations/"),
        ("api cop", "/api/coaching/cop-sessions/"),
        ("api playbooks", "/api/playbooks/"),
    ],
)
def test_lists_keep_their_query_count_as_they_grow(client, art, pi, team, rte, count_queries, name, path):
    client.force_login(rte)
    counts = []
    for size in (2, 6):
        _grow(art, pi, team, rte, size if not counts else size - 2, start=0 if not counts else 2)
        counts.append(count_queries(client.get, path)[0])
    assert counts == [LIST_QUERIES[name]] * 2, counts
