"""The ROAM board, its htmx fragment, the ROAM move, raising a risk, and the risk's page."""

import html as html_lib
import re
from datetime import UTC, date, datetime

import pytest
import time_machine

from artops.models import Role
from risks import services
from risks.models import Risk, RiskChange
from tests.conftest import PERSONAS, make_member
from tests.factories import make_pi
from tests.helpers import HTMX, expected, login, url

State = Risk.State
ROAM_ANYWHERE = {"rte", "product_manager", "system_architect", "business_owner"}
ROAM_OWN_TEAM = {"scrum_master", "product_owner"}
MEMBERS = {*ROAM_ANYWHERE, *ROAM_OWN_TEAM, "team_member"}
# 09:00 in Berlin on a day inside the PI of the ``pi`` fixture (5 Oct 2026 onwards).
NOW = datetime(2026, 10, 20, 7, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def make_risk(art, pi, by, *, title="Card provider may slip", team=None, state=State.UNROAMED, owner=None, **fields):
    risk = services.raise_risk(art, by=by, pi=pi, title=title, team=team, owner=owner, **fields)
    if state != State.UNROAMED:
        needs = {
            State.OWNED: {"owner": owner or by},
            State.ACCEPTED: {"rationale": "Fine."},
            State.MITIGATED: {"mitigation_plan": "Plan B."},
        }.get(state, {})
        Risk.objects.filter(pk=risk.pk).update(state=state, **needs)
    return Risk.objects.with_related().get(pk=risk.pk)


def column_of(content: bytes, risk: Risk) -> str | None:
    """The state of the board column that shows ``risk``'s card."""
    html = content.decode()
    position = html.find(f'id="risk-{risk.pk}"')
    if position < 0:
        return None
    return re.findall(r'data-roam-column data-state="(\w+)"', html[:position])[-1]


def card_ids(content: bytes) -> list[int]:
    return [int(pk) for pk in re.findall(r'<li class="risk-card[^"]*" id="risk-(\d+)"', content.decode())]


def text(response) -> str:
    """The response as a person reads it (entities such as &#x27; unescaped)."""
    return html_lib.unescape(response.content.decode())


def roam_data(to, version=1, **fields) -> dict:
    return {"to": to, "version": str(version), **fields}


def snapshot(risk: Risk) -> tuple:
    stored = Risk.objects.get(pk=risk.pk)
    changes = RiskChange.objects.filter(risk=risk).count()
    return (stored.state, stored.title, stored.probability, stored.owner_id, stored.version, changes)


@pytest.fixture
def scoped_team(request, team, other_team):
    return {"team": team, "other_team": other_team, "train": None}[request.param]


# --- the board --------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "fragment"])
def test_board_permission_matrix(client, art, pi, everyone, rte, persona, headers, request):
    name = request.node.callspec.params["persona"]
    make_risk(art, pi, rte)
    response = login(client, persona).get(url("roam_board", art), headers=headers)
    assert response.status_code == expected(name, True)


def test_board_has_a_column_per_state_unroamed_first_resolved_last(client, art, pi, rte):
    response = login(client, rte).get(url("roam_board", art))
    states = re.findall(r'data-roam-column data-state="(\w+)"', response.content.decode())
    assert states == ["unroamed", "owned", "accepted", "mitigated", "resolved"]


def test_board_shows_each_risk_in_its_column_with_its_facts(client, art, pi, rte, team, product_owner):
    train_wide = make_risk(art, pi, rte, title="Vendor outage", probability=4, impact=5, due_date=date(2026, 11, 2))
    owned = make_risk(
        art,
        pi,
        rte,
        title="Key person leaves",
        team=team,
        state=State.OWNED,
        owner=product_owner,
        probability=1,
        impact=3,
    )
    content = login(client, rte).get(url("roam_board", art)).content
    html = content.decode()
    assert column_of(content, train_wide) == "unroamed" and column_of(content, owned) == "owned"
    assert f'href="{url("risk_detail", art, risk_id=train_wide.pk)}">Vendor outage</a>' in html
    card = html[html.find(f'id="risk-{train_wide.pk}"') : html.find(f'id="risk-{owned.pk}"')]
    assert "Whole train" in card and "Severity 20" in card and "severity-high" in card and "2 Nov 2026" in card
    card = html[html.find(f'id="risk-{owned.pk}"') :]
    assert "Falcons" in card and "Severity 3" in card and "severity-low" in card and "Polly Owner" in card


def test_board_flags_risks_aging_quietly(client, art, pi, rte):
    quiet = make_risk(art, pi, rte, title="Forgotten")
    fresh = make_risk(art, pi, rte, title="Fresh")
    Risk.objects.filter(pk=quiet.pk).update(updated_at=datetime(2026, 10, 6, 7, 0, tzinfo=UTC))  # 14 days
    Risk.objects.filter(pk=fresh.pk).update(updated_at=datetime(2026, 10, 7, 7, 0, tzinfo=UTC))  # 13 days
    html = login(client, rte).get(url("roam_board", art)).content.decode()
    quiet_card = html[html.find(f'id="risk-{quiet.pk}"') :]
    quiet_card = quiet_card[: quiet_card.find("</li>")]
    fresh_card = html[html.find(f'id="risk-{fresh.pk}"') :]
    fresh_card = fresh_card[: fresh_card.find("</li>")]
    assert "Aging quietly" in quiet_card and "Aging quietly" not in fresh_card
    only_quiet = login(client, rte).get(url("roam_board", art), {"quiet": "true"}, headers=HTMX)
    assert card_ids(only_quiet.content) == [quiet.pk]


def test_board_filters_by_team_and_severity_with_htmx_or_plain_get(client, art, pi, rte, team, other_team):
    ours = make_risk(art, pi, rte, title="Ours", team=team, probability=4, impact=4)
    theirs = make_risk(art, pi, rte, title="Theirs", team=other_team, probability=1, impact=2)
    train = make_risk(art, pi, rte, title="Train", probability=2, impact=3)
    client = login(client, rte)
    assert card_ids(client.get(url("roam_board", art), {"team": team.pk}).content) == [ours.pk]
    assert card_ids(client.get(url("roam_board", art), {"team": "art"}, headers=HTMX).content) == [train.pk]
    assert card_ids(client.get(url("roam_board", art), {"severity": "low"}).content) == [theirs.pk]
    assert card_ids(client.get(url("roam_board", art), {"severity": "high"}, headers=HTMX).content) == [ours.pk]
    assert card_ids(client.get(url("roam_board", art), {"severity": "5"}).content) == [ours.pk, train.pk]
    fragment = client.get(url("roam_board", art), {"team": team.pk}, headers=HTMX)
    assert b"<html" not in fragment.content and b'id="roam-board"' in fragment.content
    # The filters travel with the moves, so a re-rendered board keeps them.
    assert f"team={team.pk}" in fragment.content.decode()


def test_board_shows_the_chosen_pi_or_the_current_one(client, art, pi, rte):
    later = make_pi(art, name="PI 2027.1", start=date(2027, 1, 4))
    now = make_risk(art, pi, rte, title="Now")
    next_one = make_risk(art, later, rte, title="Next")
    client = login(client, rte)
    assert card_ids(client.get(url("roam_board", art)).content) == [now.pk]
    assert card_ids(client.get(url("roam_board", art), {"pi": later.pk}).content) == [next_one.pk]


def test_board_of_another_trains_pi_or_a_bad_pi_is_404(client, art, pi, rte, other_art):
    theirs = make_pi(other_art, name="PI X", start=date(2026, 10, 5))
    client = login(client, rte)
    assert client.get(url("roam_board", art), {"pi": theirs.pk}).status_code == 404
    assert client.get(url("roam_board", art), {"pi": "latest"}).status_code == 404


def test_board_of_a_train_without_a_pi_says_so(client, art, rte):
    response = login(client, rte).get(url("roam_board", art))
    assert response.status_code == 200 and b"no PI yet" in response.content
    refused = client.post(url("roam_board", art), {"title": "Anything", "probability": "3", "impact": "3"})
    assert refused.status_code == 422 and not Risk.objects.exists()


def test_readers_see_no_move_menus_but_can_raise(client, art, pi, rte, team, team_member):
    make_risk(art, pi, rte, team=team)
    html = login(client, team_member).get(url("roam_board", art)).content.decode()
    assert 'class="form roam-form"' not in html and 'draggable="true"' not in html
    assert "Raise a risk" in html


def test_a_scrum_master_gets_menus_for_their_teams_risks_only(client, art, pi, rte, team, other_team, scrum_master):
    ours = make_risk(art, pi, rte, team=team, title="Ours")
    make_risk(art, pi, rte, team=other_team, title="Theirs")
    make_risk(art, pi, rte, title="Train")
    html = login(client, scrum_master).get(url("roam_board", art)).content.decode()
    assert re.findall(r'action="[^"]*/risks/risks/(\d+)/roam/', html) == [str(ours.pk)]
    assert html.count('draggable="true"') == 1


# --- query counts ---------------------------------------------------------------------------


def fill(art, pi, by, teams, count: int) -> None:
    states = [State.UNROAMED, State.OWNED, State.ACCEPTED, State.MITIGATED, State.RESOLVED]
    for number in range(count):
        make_risk(
            art, pi, by, title=f"Risk {number}", team=teams[number % len(teams)], state=states[number % 5], owner=by
        )


BOARD_QUERIES = 9
FRAGMENT_QUERIES = 7


@pytest.mark.parametrize("size", [3, 30])
def test_board_query_count_does_not_grow(client, art, pi, rte, team, other_team, size, django_assert_num_queries):
    fill(art, pi, rte, [team, other_team, None], size)
    client = login(client, rte)
    with django_assert_num_queries(BOARD_QUERIES):
        response = client.get(url("roam_board", art))
    assert len(card_ids(response.content)) == size
    with django_assert_num_queries(FRAGMENT_QUERIES):
        response = client.get(url("roam_board", art), headers=HTMX)
    assert len(card_ids(response.content)) == size


RISK_PAGE_QUERIES = 8


@pytest.mark.parametrize("edits", [1, 20])
def test_risk_page_query_count_does_not_grow(client, art, pi, rte, team, edits, django_assert_num_queries):
    risk = make_risk(art, pi, rte, team=team)
    for number in range(edits):
        risk = services.update_risk(risk, by=rte, expected_version=risk.version, title=f"Title {number}")
    client = login(client, rte)
    with django_assert_num_queries(RISK_PAGE_QUERIES):
        response = client.get(url("risk_detail", art, risk_id=risk.pk))
    assert response.content.decode().count('class="history-edited"') == edits


# --- moving a risk ----------------------------------------------------------------------------


@pytest.mark.parametrize("scoped_team", ["team", "other_team", "train"], indirect=True)
@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_roam_permission_matrix(client, art, pi, rte, everyone, persona, scoped_team, request):
    name = request.node.callspec.params["persona"]
    scope = request.node.callspec.params["scoped_team"]
    risk = make_risk(art, pi, rte, team=scoped_team)
    before = snapshot(risk)
    response = login(client, persona).post(url("risk_roam", art, risk_id=risk.pk), roam_data("resolved"), headers=HTMX)
    allowed = name in ROAM_ANYWHERE or (name in ROAM_OWN_TEAM and scope == "team")
    assert response.status_code == expected(name, allowed)
    if allowed:
        assert Risk.objects.get(pk=risk.pk).state == State.RESOLVED
    else:
        assert snapshot(risk) == before


def test_moving_to_owned_with_an_owner_answers_the_board_fragment(client, art, pi, rte, product_owner):
    risk = make_risk(art, pi, rte)
    response = login(client, rte).post(
        url("risk_roam", art, risk_id=risk.pk),
        roam_data("owned", owner=str(product_owner.pk), rationale="ignored", note="Polly takes it."),
        headers=HTMX,
    )
    assert response.status_code == 200 and b"<html" not in response.content
    assert column_of(response.content, risk) == "owned"
    assert "moved to Owned" in response.content.decode()
    stored = Risk.objects.get(pk=risk.pk)
    # Only what the target state needs is taken from the form.
    assert (stored.state, stored.owner, stored.rationale, stored.version) == (State.OWNED, product_owner, "", 2)
    change = RiskChange.objects.get(risk=risk, kind=RiskChange.Kind.MOVED)
    assert (change.by, change.note) == (rte, "Polly takes it.")


def test_a_move_without_javascript_redirects_back_to_the_board_with_a_message(client, art, pi, rte, team):
    risk = make_risk(art, pi, rte, team=team)
    response = login(client, rte).post(
        url("risk_roam", art, risk_id=risk.pk) + f"?pi={pi.pk}&team={team.pk}",
        roam_data("mitigated", mitigation_plan="Second supplier."),
    )
    assert response.status_code == 302
    assert response["Location"] == f"{url('roam_board', art)}?team={team.pk}&pi={pi.pk}"
    page = client.get(response["Location"])
    assert "moved to Mitigated" in page.content.decode()
    assert Risk.objects.get(pk=risk.pk).mitigation_plan == "Second supplier."


def test_a_move_from_the_risk_page_returns_to_the_risk_page(client, art, pi, rte):
    risk = make_risk(art, pi, rte)
    response = login(client, rte).post(
        url("risk_roam", art, risk_id=risk.pk), roam_data("accepted", rationale="Cheap to absorb.", return_to="risk")
    )
    assert response.status_code == 302 and response["Location"] == url("risk_detail", art, risk_id=risk.pk)
    refused = client.post(url("risk_roam", art, risk_id=risk.pk), roam_data("owned", version=2, return_to="risk"))
    assert refused.status_code == 422
    assert "An owned risk needs an owner." in refused.content.decode() and b'<h2 id="risk-history-heading"' in (
        refused.content
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (roam_data("owned"), "An owned risk needs an owner."),
        (roam_data("owned", owner=""), "An owned risk needs an owner."),
        (roam_data("accepted", rationale="   "), "An accepted risk needs a rationale: why is it acceptable?"),
        (roam_data("mitigated"), "A mitigated risk needs the plan that reduces it."),
        (roam_data("maybe"), "“maybe” is not a ROAM state."),
        (roam_data("unroamed"), "A risk in Unroamed can move to Resolved, Owned, Accepted, Mitigated."),
        (roam_data("owned", owner="999999"), "Choose the owner among the train's members."),
        (roam_data("resolved", version="x"), "The version you edited is missing or damaged: reload the page."),
        ({}, "Choose the state to move the risk to."),
    ],
    ids=[
        "no-owner",
        "blank-owner",
        "blank-rationale",
        "no-plan",
        "unknown-state",
        "illegal",
        "stranger",
        "bad-version",
        "nothing",
    ],
)
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_bad_moves_are_422_with_the_message_and_change_nothing(client, art, pi, rte, data, message, headers):
    risk = make_risk(art, pi, rte)
    before = snapshot(risk)
    response = login(client, rte).post(url("risk_roam", art, risk_id=risk.pk), data, headers=headers)
    assert response.status_code == 422
    assert message in text(response)
    assert column_of(response.content, risk) == "unroamed"
    assert snapshot(risk) == before


def test_an_outsider_owner_is_refused(client, art, pi, rte, outsider):
    risk = make_risk(art, pi, rte)
    response = login(client, rte).post(
        url("risk_roam", art, risk_id=risk.pk), roam_data("owned", owner=str(outsider.pk)), headers=HTMX
    )
    assert response.status_code == 422 and Risk.objects.get(pk=risk.pk).owner is None


@pytest.mark.parametrize("scoped_team", ["other_team", "train"], indirect=True)
def test_a_scrum_master_may_not_move_other_teams_or_train_wide_risks(client, art, pi, rte, scrum_master, scoped_team):
    risk = make_risk(art, pi, rte, team=scoped_team)
    before = snapshot(risk)
    response = login(client, scrum_master).post(
        url("risk_roam", art, risk_id=risk.pk), roam_data("owned", owner=str(scrum_master.pk))
    )
    assert response.status_code == 403
    assert snapshot(risk) == before


def test_another_trains_risk_is_404(client, art, pi, rte, other_art):
    stranger = make_member(other_art, Role.RTE)
    their_pi = make_pi(other_art, name="PI X", start=date(2026, 10, 5))
    theirs = make_risk(other_art, their_pi, stranger)
    client = login(client, rte)
    assert client.post(url("risk_roam", art, risk_id=theirs.pk), roam_data("resolved")).status_code == 404
    assert client.get(url("risk_detail", art, risk_id=theirs.pk)).status_code == 404
    assert client.post(url("risk_detail", art, risk_id=theirs.pk), {"title": "x"}).status_code == 404
    assert Risk.objects.get(pk=theirs.pk).state == State.UNROAMED


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_a_stale_move_is_409_with_the_current_state(client, art, pi, rte, product_owner, headers):
    risk = make_risk(art, pi, rte)
    # Someone else owns it meanwhile: version 2, Owned.
    services.roam_risk(risk, to=State.OWNED, by=rte, expected_version=1, owner=product_owner)
    response = login(client, rte).post(
        url("risk_roam", art, risk_id=risk.pk), roam_data("resolved", version=1), headers=headers
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone changed the risk “Card provider may slip” a moment ago" in html
    assert "It is Owned now." in html
    assert column_of(response.content, risk) == "owned"
    assert (b"<html" in response.content) is (not headers)
    stored = Risk.objects.get(pk=risk.pk)
    assert (stored.state, stored.version) == (State.OWNED, 2)
    assert RiskChange.objects.filter(risk=risk, kind=RiskChange.Kind.MOVED).count() == 1


# --- raising a risk ----------------------------------------------------------------------------


def raise_data(**fields) -> dict:
    return {
        "title": "Payment API late",
        "description": "",
        "team": "",
        "probability": "4",
        "impact": "3",
        "owner": "",
        "due_date": "",
        **fields,
    }


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_raise_permission_matrix(client, art, pi, everyone, persona, request):
    name = request.node.callspec.params["persona"]
    response = login(client, persona).post(url("roam_board", art), raise_data())
    assert response.status_code == (302 if name != "outsider" else 404)
    if name in MEMBERS:
        risk = Risk.objects.get()
        assert (risk.title, risk.raised_by, risk.pi, risk.severity, risk.state) == (
            "Payment API late",
            persona,
            pi,
            12,
            State.UNROAMED,
        )
        assert response["Location"] == f"{url('roam_board', art)}?pi={pi.pk}"
    else:
        assert not Risk.objects.exists()


def test_raise_for_a_team_with_an_owner_and_due_date(client, art, pi, team, team_member, product_owner):
    response = login(client, team_member).post(
        url("roam_board", art) + f"?pi={pi.pk}",
        raise_data(team=str(team.pk), owner=str(product_owner.pk), due_date="2026-11-13"),
    )
    assert response.status_code == 302
    risk = Risk.objects.get()
    assert (risk.team, risk.owner, risk.due_date) == (team, product_owner, date(2026, 11, 13))
    assert "Payment API late" in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"probability": "0"}, "Probability is from 1 to 5."),
        ({"probability": "6"}, "Probability is from 1 to 5."),
        ({"impact": "0"}, "Impact is from 1 to 5."),
        ({"impact": "many"}, "Impact is from 1 to 5."),
        ({"title": "  "}, "Give the risk a title."),
        ({"team": "999999"}, "Choose a team of this train, or the whole train."),
        ({"owner": "999999"}, "Choose the owner among the train's members."),
        ({"due_date": "soon"}, "Enter the due date as YYYY-MM-DD."),
    ],
)
def test_bad_risks_are_422_and_nothing_is_saved(client, art, pi, rte, fields, message):
    response = login(client, rte).post(url("roam_board", art), raise_data(**fields))
    assert response.status_code == 422
    assert message in text(response)
    assert not Risk.objects.exists()


def test_a_team_of_another_train_is_not_a_choice(client, art, pi, rte, other_art):
    from tests.factories import TeamFactory

    theirs = TeamFactory(art=other_art)
    response = login(client, rte).post(url("roam_board", art), raise_data(team=str(theirs.pk)))
    assert response.status_code == 422 and not Risk.objects.exists()


# --- the risk's page ----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_risk_page_permission_matrix(client, art, pi, rte, everyone, persona, request):
    name = request.node.callspec.params["persona"]
    risk = make_risk(art, pi, rte)
    response = login(client, persona).get(url("risk_detail", art, risk_id=risk.pk))
    assert response.status_code == expected(name, True)


def edit_data(risk, **fields) -> dict:
    return {
        "title": risk.title,
        "description": risk.description,
        "team": str(risk.team_id or ""),
        "owner": str(risk.owner_id or ""),
        "probability": str(risk.probability),
        "impact": str(risk.impact),
        "due_date": risk.due_date.isoformat() if risk.due_date else "",
        "version": str(risk.version),
        **fields,
    }


@pytest.mark.parametrize("scoped_team", ["team", "other_team", "train"], indirect=True)
@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_edit_permission_matrix(client, art, pi, rte, everyone, persona, scoped_team, request):
    name = request.node.callspec.params["persona"]
    scope = request.node.callspec.params["scoped_team"]
    risk = make_risk(art, pi, rte, team=scoped_team)
    before = snapshot(risk)
    response = login(client, persona).post(url("risk_detail", art, risk_id=risk.pk), edit_data(risk, title="Renamed"))
    allowed = name in ROAM_ANYWHERE or (name in ROAM_OWN_TEAM and scope == "team")
    assert response.status_code == expected(name, allowed, ok=302)
    if allowed:
        assert Risk.objects.get(pk=risk.pk).title == "Renamed"
    else:
        assert snapshot(risk) == before


def test_whoever_raised_it_may_edit_it_but_gets_no_roam_form(client, art, pi, team, team_member):
    risk = make_risk(art, pi, team_member, team=team)
    client = login(client, team_member)
    page = client.get(url("risk_detail", art, risk_id=risk.pk)).content.decode()
    assert "Save risk" in page and 'class="form roam-form"' not in page
    response = client.post(url("risk_detail", art, risk_id=risk.pk), edit_data(risk, impact="5"))
    assert response.status_code == 302 and Risk.objects.get(pk=risk.pk).severity == 15


def test_risk_page_shows_everything_and_its_history(client, art, pi, rte, team, product_owner):
    with time_machine.travel(datetime(2026, 10, 12, 8, 0, tzinfo=UTC), tick=False):
        risk = make_risk(
            art,
            pi,
            rte,
            title="Vendor outage",
            team=team,
            description="Their SLA is weak.",
            probability=4,
            impact=5,
            due_date=date(2026, 11, 2),
        )
    with time_machine.travel(datetime(2026, 10, 13, 8, 0, tzinfo=UTC), tick=False):
        risk = services.update_risk(risk, by=rte, expected_version=1, probability=2)
    with time_machine.travel(datetime(2026, 10, 14, 8, 0, tzinfo=UTC), tick=False):
        services.roam_risk(
            risk, to=State.OWNED, by=product_owner, expected_version=2, owner=product_owner, note="I will call them."
        )
    html = login(client, rte).get(url("risk_detail", art, risk_id=risk.pk)).content.decode()
    for text in (
        "Vendor outage",
        "Their SLA is weak.",
        "Falcons",
        "probability 2 × impact 5",
        "Polly Owner",
        "2 Nov 2026",
        "Riley RTE",
        "Save risk",
        'class="form roam-form"',
    ):
        assert text in html, text
    history = html[html.find('id="risk-history-heading"') :]
    assert history.index("Raised") < history.index("Edited") < history.index("State changed")
    assert "Probability</span>: 4 → 2" in history
    assert "State</span>: Unroamed → Owned" in history
    assert "Owner</span>: — → Polly Owner" in history
    assert "Note: I will call them." in history
    assert "by Polly Owner on" in history and "14 Oct 2026 10:00" in history  # Berlin time


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"probability": "0"}, "Probability is from 1 to 5."),
        ({"probability": "6"}, "Probability is from 1 to 5."),
        ({"impact": "9"}, "Impact is from 1 to 5."),
        ({"title": ""}, "Give the risk a title."),
        ({"version": ""}, "The version you edited is missing or damaged: reload the page."),
    ],
)
def test_bad_edits_are_422_and_nothing_is_saved(client, art, pi, rte, fields, message):
    risk = make_risk(art, pi, rte)
    before = snapshot(risk)
    response = login(client, rte).post(url("risk_detail", art, risk_id=risk.pk), edit_data(risk, **fields))
    assert response.status_code == 422
    assert message in text(response)
    assert snapshot(risk) == before


def test_clearing_the_owner_of_an_owned_risk_is_refused(client, art, pi, rte, product_owner):
    risk = make_risk(art, pi, rte, state=State.OWNED, owner=product_owner)
    before = snapshot(risk)
    response = login(client, rte).post(url("risk_detail", art, risk_id=risk.pk), edit_data(risk, owner=""))
    assert response.status_code == 422 and "An owned risk needs an owner." in response.content.decode()
    assert snapshot(risk) == before


def test_a_stale_edit_is_409_with_the_current_values(client, art, pi, rte):
    risk = make_risk(art, pi, rte)
    services.update_risk(risk, by=rte, expected_version=1, title="Theirs")
    response = login(client, rte).post(url("risk_detail", art, risk_id=risk.pk), edit_data(risk, title="Mine"))
    assert response.status_code == 409
    html = response.content.decode()
    assert "a moment ago" in html and 'value="Theirs"' in html and 'name="version" value="2"' in html
    assert Risk.objects.get(pk=risk.pk).title == "Theirs"


# --- the card a move is for ---------------------------------------------------------------------


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_a_move_posted_with_another_cards_form_is_refused_and_moves_nothing(client, art, pi, rte, htmx):
    grabbed = make_risk(art, pi, rte, title="Card provider may slip")
    below = make_risk(art, pi, rte, title="Fraud vendor contract")
    before = (snapshot(grabbed), snapshot(below))
    # The form of the card grabbed (its risk id and version) posted to the address of the card below.
    response = login(client, rte).post(
        url("risk_roam", art, risk_id=below.pk),
        roam_data("resolved", risk=str(grabbed.pk)),
        headers=HTMX if htmx else {},
    )
    assert response.status_code == 409
    assert "That move was made on another card than “Fraud vendor contract”: nothing was moved." in text(response)
    assert (b"<html" in response.content) is not htmx
    assert (snapshot(grabbed), snapshot(below)) == before


def test_a_move_with_its_own_risk_id_goes_through(client, art, pi, rte):
    risk = make_risk(art, pi, rte)
    response = login(client, rte).post(
        url("risk_roam", art, risk_id=risk.pk), roam_data("resolved", risk=str(risk.pk)), headers=HTMX
    )
    assert response.status_code == 200
    assert Risk.objects.get(pk=risk.pk).state == State.RESOLVED


def test_owner_choice_is_grouped_by_team_each_person_once(client, art, pi, rte, team, product_owner, business_owner):
    risk = make_risk(art, pi, rte)
    html = login(client, rte).get(url("roam_board", art) + f"?pi={pi.pk}").content.decode()
    select = html.split(f'id="roam-{risk.pk}-owner">')[1].split("</select>")[0]
    groups = re.findall(r'<optgroup label="([^"]+)">', select)
    assert groups[-1] == "Train roles" and team.name in groups
    team_group = select.split(f'<optgroup label="{team.name}">')[1].split("</optgroup>")[0]
    assert product_owner.display_name in team_group
    assert select.count(f'value="{product_owner.pk}"') == 1
    assert business_owner.display_name in select.split('<optgroup label="Train roles">')[1]
    assert f'data-owner-filter="roam-{risk.pk}-owner"' in html
