"""The PI objectives pages: a team's objectives, the ART's objectives, their CSV and every write endpoint."""

import csv
import io
import re
from datetime import date

import pytest
import time_machine

from artops.models import Role
from planning import services
from planning.models import ObjectiveChange, PIObjective
from tests.conftest import PERSONAS, make_member
from tests.factories import TeamFactory, make_pi
from tests.helpers import HTMX, count_queries, expected, login, url
from tests.planning.factories import FeatureFactory, ObjectiveFactory

WRITERS = {"rte", "scrum_master", "product_owner"}
BUSINESS_OWNERS = {"business_owner"}


@pytest.fixture
def objective(team, pi):
    return ObjectiveFactory(team=team, pi=pi, statement="Merchants see payouts in seconds")


def team_url(art, pi, team) -> str:
    return url("team_objectives", art, pi_id=pi.pk, team_id=team.pk)


def shown(content: bytes, element_id: str) -> str:
    """The text of the element with that id, whitespace collapsed."""
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)</d[dl]>', content.decode(), re.S)
    assert match, f"#{element_id} is not on the page"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def bv_data(planned="", actual="", version=1) -> dict:
    return {"planned_business_value": planned, "actual_business_value": actual, "version": str(version)}


# --- reading --------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
@pytest.mark.parametrize("page", ["team_objectives", "art_objectives", "objectives_csv"])
def test_reading_permission_matrix(client, art, pi, team, everyone, objective, persona, page, request):
    name = request.node.callspec.params["persona"]
    kwargs = {"pi_id": pi.pk, "team_id": team.pk} if page == "team_objectives" else {"pi_id": pi.pk}
    response = login(client, persona).get(url(page, art, **kwargs))
    assert response.status_code == expected(name, True)
    if name == "anonymous":
        assert response["Location"].startswith("/accounts/login/")


def test_another_trains_pi_or_team_is_404(client, art, pi, team, other_art, rte):
    foreign_pi = make_pi(other_art, name="PI 2026.4", start=date(2026, 10, 5))
    foreign_team = TeamFactory(art=other_art)
    client = login(client, rte)
    assert client.get(team_url(art, foreign_pi, team)).status_code == 404
    assert client.get(team_url(art, pi, foreign_team)).status_code == 404
    assert client.get(url("art_objectives", art, pi_id=foreign_pi.pk)).status_code == 404
    assert client.get(url("objectives_csv", art, pi_id=foreign_pi.pk)).status_code == 404


@pytest.mark.parametrize(
    ("persona", "writes", "sets_business_value"),
    [
        ("rte", True, False),
        ("scrum_master", True, False),
        ("product_owner", True, False),
        ("business_owner", False, True),
        ("team_member", False, False),
        ("product_manager", False, False),
    ],
)
def test_team_page_shows_only_the_forms_the_role_may_use(
    client, art, pi, team, objective, persona, writes, sets_business_value, request
):
    response = login(client, request.getfixturevalue(persona)).get(team_url(art, pi, team))
    content = response.content.decode()
    assert "Merchants see payouts in seconds" in content
    assert ('name="statement"' in content) is writes
    assert ("Add an objective" in content) is writes
    assert (f'action="{url("objective_delete", art, objective_id=objective.pk)}"' in content) is writes
    assert ('name="planned_business_value"' in content) is sets_business_value


def test_objectives_pages_link_to_the_business_owner_dashboard_of_their_pi(client, art, pi, team, business_owner):
    client = login(client, business_owner)
    dashboard = f'href="{url("business_owner_dashboard", art)}?pi={pi.pk}"'
    assert dashboard in client.get(url("team_objectives", art, pi_id=pi.pk, team_id=team.pk)).content.decode()
    assert dashboard in client.get(url("art_objectives", art, pi_id=pi.pk)).content.decode()


def test_scrum_master_of_another_team_reads_but_gets_no_forms(client, art, pi, other_team, scrum_master):
    ObjectiveFactory(team=other_team, pi=pi)
    content = login(client, scrum_master).get(team_url(art, pi, other_team)).content.decode()
    assert 'name="statement"' not in content and 'name="planned_business_value"' not in content


def test_team_page_lists_committed_first_with_badges_and_feature_links(client, art, pi, team, team_member):
    feature = FeatureFactory(art=art, pi=pi, title="Instant payouts")
    stretch = ObjectiveFactory(team=team, pi=pi, statement="Stretch: payouts in Kenya", committed=False)
    committed = ObjectiveFactory(team=team, pi=pi, statement="Payouts in seconds")
    committed.features.set([feature])
    content = login(client, team_member).get(team_url(art, pi, team)).content.decode()
    assert content.index(f'id="objective-{committed.pk}"') < content.index(f'id="objective-{stretch.pk}"')
    assert content.index("Committed <span") < content.index("Uncommitted (stretch) <span")
    committed_card = content.split(f'id="objective-{committed.pk}"')[1].split("</li>")[0]
    assert "badge-committed" in committed_card
    assert f'href="{url("feature_detail", art, key=feature.key)}"' in committed_card
    stretch_card = content.split(f'id="objective-{stretch.pk}"')[1].split("</li>")[0]
    assert "badge-stretch" in stretch_card and "none linked" in stretch_card


def test_add_form_offers_only_this_trains_features_of_this_pi(client, art, pi, team, other_art, scrum_master):
    later = make_pi(art, name="PI 2027.1", start=date(2027, 1, 4))
    planned = FeatureFactory(art=art, pi=pi, title="In this PI")
    FeatureFactory(art=art, pi=later, title="In the next PI")
    FeatureFactory(art=art, title="Not yet planned")
    FeatureFactory(art=other_art, title="Another train's")
    content = login(client, scrum_master).get(team_url(art, pi, team)).content.decode()
    add_form = content.split('id="objective-add-heading"')[1]
    options = re.findall(r"<option value=\"\d+\"[^>]*>([^<]+)</option>", add_form)
    assert options == [f"{planned.key} In this PI"]


def test_pi_switcher_links_every_pi_of_the_train(client, art, pi, team, team_member):
    later = make_pi(art, name="PI 2027.1", start=date(2027, 1, 4))
    client = login(client, team_member)
    team_page = client.get(team_url(art, pi, team)).content.decode()
    assert f'href="{team_url(art, later, team)}"' in team_page
    assert f'href="{team_url(art, pi, team)}" aria-current="page"' in team_page
    art_page = client.get(url("art_objectives", art, pi_id=later.pk)).content.decode()
    assert f'href="{url("art_objectives", art, pi_id=later.pk)}" aria-current="page"' in art_page
    assert f'href="{url("art_objectives", art, pi_id=pi.pk)}"' in art_page


# --- totals and predictability ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("objectives", "totals", "predictability"),
    [
        # (committed, planned, actual) → planned committed, planned stretch, actual
        ([(True, 10, 9)], ("10", "0", "9"), "90.0% inside the healthy band (80–100%)"),
        ([(True, 10, 5), (True, 4, 2)], ("14", "0", "7"), "50.0% below the healthy band (80–100%)"),
        # DESIGN.md: a stretch objective's actual value counts, so predictability may exceed 100%.
        ([(True, 8, 8), (False, 5, 5)], ("8", "5", "13"), "162.5% above the healthy band (80–100%)"),
        ([(False, 5, 5)], ("0", "5", "5"), "— no committed planned business value yet"),
        ([(True, 10, None)], ("10", "0", "0"), "— no actual business value yet"),
        ([], ("0", "0", "0"), "— no committed planned business value yet"),
    ],
)
def test_team_totals_and_predictability(client, art, pi, team, team_member, objectives, totals, predictability):
    for committed, planned, actual in objectives:
        ObjectiveFactory(
            team=team, pi=pi, committed=committed, planned_business_value=planned, actual_business_value=actual
        )
    content = login(client, team_member).get(team_url(art, pi, team)).content
    ids = ("total-planned-committed", "total-planned-stretch", "total-actual")
    assert tuple(shown(content, element_id) for element_id in ids) == totals
    assert shown(content, "team-predictability") == predictability


def test_predictability_marks_the_healthy_band(client, art, pi, team, team_member):
    ObjectiveFactory(team=team, pi=pi, planned_business_value=10, actual_business_value=8)
    content = login(client, team_member).get(team_url(art, pi, team)).content.decode()
    assert '<span class="predictability band-in">80.0%</span>' in content


def test_art_page_shows_every_team_with_totals_and_the_art_predictability(
    client, art, pi, team, other_team, business_owner
):
    idle = TeamFactory(art=art, name="Herons")
    retired = TeamFactory(art=art, name="Albatrosses", active=False)
    TeamFactory(art=art, name="Dodos", active=False)
    ObjectiveFactory(team=team, pi=pi, statement="Falcon goal", planned_business_value=10, actual_business_value=8)
    ObjectiveFactory(
        team=team, pi=pi, statement="Falcon stretch", committed=False, planned_business_value=5, actual_business_value=5
    )
    ObjectiveFactory(team=other_team, pi=pi, statement="Otter goal", planned_business_value=10, actual_business_value=9)
    ObjectiveFactory(team=retired, pi=pi, statement="Old goal", planned_business_value=5, actual_business_value=2)
    content = login(client, business_owner).get(url("art_objectives", art, pi_id=pi.pk)).content

    html = content.decode()
    assert re.findall(r'data-team="([^"]+)"', html) == ["Albatrosses", "Falcons", "Herons", "Otters"]
    assert "Dodos" not in html
    # ART: Σ actual 24 / Σ committed planned 25.
    assert shown(content, "art-planned-committed") == "25"
    assert shown(content, "art-planned-stretch") == "5"
    assert shown(content, "art-actual") == "24"
    assert shown(content, "art-predictability") == "96.0% inside the healthy band (80–100%)"

    def team_section(team_) -> str:
        return html.split(f'id="team-{team_.pk}"')[1].split("</section>")[0]

    falcons = team_section(team)
    assert '<span class="predictability band-above">130.0%</span>' in falcons
    assert "Falcon goal" in falcons and "Falcon stretch" in falcons and "Otter goal" not in falcons
    assert f'href="{team_url(art, pi, team)}"' in falcons
    assert '<span class="predictability band-in">90.0%</span>' in team_section(other_team)
    assert '<span class="predictability band-below">40.0%</span>' in team_section(retired)
    herons = team_section(idle)
    assert "—" in herons and "no committed planned business value yet" in herons
    assert "No objectives for PI 2026.4 yet." in herons


def test_art_predictability_is_undefined_without_committed_planned_value(client, art, pi, team, team_member):
    ObjectiveFactory(team=team, pi=pi, committed=False, planned_business_value=5, actual_business_value=5)
    content = login(client, team_member).get(url("art_objectives", art, pi_id=pi.pk)).content
    assert shown(content, "art-predictability") == "— no committed planned business value yet"


# --- history ---------------------------------------------------------------------------------


def test_history_shows_who_changed_what_and_when(client, art, pi, team, objective, business_owner, scrum_master):
    # Europe/Berlin is on summer time in early October: 08:30 UTC is 10:30 on the train's clock.
    with time_machine.travel("2026-10-07 08:30Z", tick=False):
        services.update_objective(objective, by=scrum_master, expected_version=1, statement="Payouts in 5 seconds")
        response = login(client, business_owner).post(
            url("objective_business_value", art, objective_id=objective.pk), bv_data(planned="8", version=2)
        )
    assert response.status_code == 302
    content = login(client, scrum_master).get(team_url(art, pi, team)).content.decode()
    history = content.split(f'id="objective-{objective.pk}"')[1].split('class="objective-history"')[1]
    entries = [" ".join(re.sub(r"<[^>]+>", "", item).split()) for item in re.findall(r"<li.*?</li>", history, re.S)]
    assert entries == [
        "7 Oct 2026 10:30 · Sam Master · Statement: Merchants see payouts in seconds → Payouts in 5 seconds",
        "7 Oct 2026 10:30 · Bo Owner · Planned business value: — → 8",
    ]
    assert '<time datetime="2026-10-07T10:30:00+02:00">' in history
    # Business value changes stand out from the others.
    assert re.findall(r'<li class="([^"]+)" data-field="([^"]+)"', history) == [
        ("change", "statement"),
        ("change change-bv", "planned_business_value"),
    ]


# --- creating, editing, deleting -------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_create_permission_matrix(client, art, pi, team, everyone, persona, request):
    name = request.node.callspec.params["persona"]
    response = login(client, persona).post(
        url("objective_create", art, pi_id=pi.pk, team_id=team.pk),
        {"statement": "Payouts in seconds", "committed": "on"},
        headers=HTMX,
    )
    allowed = name in WRITERS
    assert response.status_code == expected(name, allowed)
    assert PIObjective.objects.filter(statement="Payouts in seconds").exists() is allowed


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_edit_permission_matrix(client, art, everyone, objective, persona, request):
    name = request.node.callspec.params["persona"]
    response = login(client, persona).post(
        url("objective_edit", art, objective_id=objective.pk),
        {"statement": "Changed", "committed": "on", "version": "1"},
        headers=HTMX,
    )
    allowed = name in WRITERS
    assert response.status_code == expected(name, allowed)
    objective.refresh_from_db()
    assert (objective.statement, objective.version) == (("Changed", 2) if allowed else (objective.statement, 1))
    assert ObjectiveChange.objects.exists() is allowed


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_delete_permission_matrix(client, art, everyone, objective, persona, request):
    name = request.node.callspec.params["persona"]
    response = login(client, persona).post(
        url("objective_delete", art, objective_id=objective.pk), {"version": "1"}, headers=HTMX
    )
    allowed = name in WRITERS
    assert response.status_code == expected(name, allowed)
    assert PIObjective.objects.filter(pk=objective.pk).exists() is not allowed


def test_scrum_master_cannot_write_another_teams_objectives(client, art, pi, other_team, scrum_master):
    theirs = ObjectiveFactory(team=other_team, pi=pi, statement="Otters' goal")
    client = login(client, scrum_master)
    created = client.post(
        url("objective_create", art, pi_id=pi.pk, team_id=other_team.pk), {"statement": "Ours now"}, headers=HTMX
    )
    edited = client.post(
        url("objective_edit", art, objective_id=theirs.pk), {"statement": "Ours now", "version": "1"}, headers=HTMX
    )
    deleted = client.post(url("objective_delete", art, objective_id=theirs.pk), {"version": "1"}, headers=HTMX)
    assert (created.status_code, edited.status_code, deleted.status_code) == (403, 403, 403)
    theirs.refresh_from_db()
    assert (theirs.statement, theirs.version) == ("Otters' goal", 1)
    assert PIObjective.objects.count() == 1


def test_another_trains_objective_is_404(client, art, other_art, rte, business_owner):
    foreign_pi = make_pi(other_art, name="PI 2026.4", start=date(2026, 10, 5))
    foreign = ObjectiveFactory(team=TeamFactory(art=other_art), pi=foreign_pi, statement="Theirs")
    client = login(client, rte)
    assert client.post(url("objective_edit", art, objective_id=foreign.pk), {"version": "1"}).status_code == 404
    assert client.post(url("objective_delete", art, objective_id=foreign.pk), {"version": "1"}).status_code == 404
    response = login(client, business_owner).post(
        url("objective_business_value", art, objective_id=foreign.pk), bv_data(planned="8")
    )
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert (foreign.statement, foreign.planned_business_value, foreign.version) == ("Theirs", None, 1)


def test_create_with_htmx_answers_the_fragment_with_the_new_objective(client, art, pi, team, scrum_master):
    feature = FeatureFactory(art=art, pi=pi)
    response = login(client, scrum_master).post(
        url("objective_create", art, pi_id=pi.pk, team_id=team.pk),
        {"statement": "  Stretch: payouts in Kenya  ", "features": [str(feature.pk)]},
        headers=HTMX,
    )
    assert response.status_code == 200 and b"<html" not in response.content
    created = PIObjective.objects.get()
    assert (created.statement, created.committed, created.team, created.pi) == (
        "Stretch: payouts in Kenya",
        False,
        team,
        pi,
    )
    assert list(created.features.all()) == [feature]
    content = response.content.decode()
    assert 'id="team-objectives"' in content
    assert f'id="objective-{created.pk}"' in content.split('id="stretch-objectives"')[1]
    assert "Objective “Stretch: payouts in Kenya” added." in content


def test_create_without_javascript_redirects_to_the_page(client, art, pi, team, product_owner):
    response = login(client, product_owner).post(
        url("objective_create", art, pi_id=pi.pk, team_id=team.pk),
        {"statement": "Payouts in seconds", "committed": "on"},
    )
    assert response.status_code == 302 and response["Location"] == team_url(art, pi, team)
    assert PIObjective.objects.get().committed is True


def test_edit_changes_statement_commitment_and_features(client, art, pi, team, objective, product_owner):
    first, second = FeatureFactory(art=art, pi=pi), FeatureFactory(art=art, pi=pi)
    objective.features.set([first])
    response = login(client, product_owner).post(
        url("objective_edit", art, objective_id=objective.pk),
        {"statement": "Payouts everywhere", "features": [str(second.pk)], "version": "1"},
    )
    assert response.status_code == 302 and response["Location"] == team_url(art, pi, team)
    objective.refresh_from_db()
    assert (objective.statement, objective.committed, objective.version) == ("Payouts everywhere", False, 2)
    assert list(objective.features.all()) == [second]
    assert list(objective.changes.values_list("field", flat=True)) == ["statement", "committed", "features"]


def test_edit_keeps_a_linked_feature_moved_to_another_pi(client, art, pi, team, objective, scrum_master):
    later = make_pi(art, name="PI 2027.1", start=date(2027, 1, 4))
    moved = FeatureFactory(art=art, pi=later)
    objective.features.set([moved])
    response = login(client, scrum_master).post(
        url("objective_edit", art, objective_id=objective.pk),
        {"statement": "Still linked", "committed": "on", "features": [str(moved.pk)], "version": "1"},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert list(objective.features.all()) == [moved]


def test_delete_removes_the_objective_and_answers_the_fragment(client, art, pi, team, objective, rte):
    ObjectiveFactory(team=team, pi=pi, statement="Keep me", planned_business_value=5)
    response = login(client, rte).post(
        url("objective_delete", art, objective_id=objective.pk), {"version": "1"}, headers=HTMX
    )
    assert response.status_code == 200
    assert list(PIObjective.objects.values_list("statement", flat=True)) == ["Keep me"]
    content = response.content.decode()
    assert "Merchants see payouts in seconds" not in content.split("</p>", 1)[1]
    assert shown(response.content, "total-planned-committed") == "5"


@pytest.mark.parametrize("statement", ["", "   "])
def test_empty_statement_is_refused(client, art, pi, team, objective, scrum_master, statement):
    client = login(client, scrum_master)
    created = client.post(
        url("objective_create", art, pi_id=pi.pk, team_id=team.pk), {"statement": statement}, headers=HTMX
    )
    edited = client.post(
        url("objective_edit", art, objective_id=objective.pk), {"statement": statement, "version": "1"}, headers=HTMX
    )
    for response in (created, edited):
        assert response.status_code == 422
        assert "Write what the team intends to achieve." in response.content.decode()
        assert 'id="team-objectives"' in response.content.decode()
    assert PIObjective.objects.count() == 1
    objective.refresh_from_db()
    assert (objective.statement, objective.version) == ("Merchants see payouts in seconds", 1)


def test_feature_of_another_train_or_pi_is_refused(client, art, pi, team, other_art, objective, scrum_master):
    later = make_pi(art, name="PI 2027.1", start=date(2027, 1, 4))
    client = login(client, scrum_master)
    for feature in (FeatureFactory(art=other_art), FeatureFactory(art=art, pi=later)):
        created = client.post(
            url("objective_create", art, pi_id=pi.pk, team_id=team.pk),
            {"statement": "Borrowed", "features": [str(feature.pk)]},
            headers=HTMX,
        )
        edited = client.post(
            url("objective_edit", art, objective_id=objective.pk),
            {"statement": "Borrowed", "features": [str(feature.pk)], "version": "1"},
        )
        for response in (created, edited):
            assert response.status_code == 422
            assert "Link only features of this train planned for this PI." in response.content.decode()
    assert list(PIObjective.objects.values_list("statement", flat=True)) == ["Merchants see payouts in seconds"]
    assert not objective.features.exists()


def test_refused_edit_without_javascript_shows_the_whole_page_with_the_form_open(client, art, objective, scrum_master):
    response = login(client, scrum_master).post(
        url("objective_edit", art, objective_id=objective.pk), {"statement": "", "version": "1"}
    )
    assert response.status_code == 422
    content = response.content.decode()
    assert "<html" in content and "Write what the team intends to achieve." in content
    assert '<details class="objective-edit" open>' in content


def test_stale_edit_is_409_with_the_current_objectives_for_htmx(client, art, objective, scrum_master):
    PIObjective.objects.filter(pk=objective.pk).update(statement="Someone else's words", version=2)
    response = login(client, scrum_master).post(
        url("objective_edit", art, objective_id=objective.pk), {"statement": "Mine", "version": "1"}, headers=HTMX
    )
    # The fragment as it is now, with the reason: htmx swaps it in (templates/base.html lets 409 swap).
    assert response.status_code == 409
    content = response.content.decode()
    assert "<html" not in content and 'id="team-objectives"' in content
    assert "a moment ago" in content and "Someone else&#x27;s words" in content
    objective.refresh_from_db()
    assert (objective.statement, objective.version) == ("Someone else's words", 2)


def test_stale_edit_without_javascript_shows_the_message_and_the_current_state(client, art, objective, scrum_master):
    PIObjective.objects.filter(pk=objective.pk).update(statement="Someone else's words", version=2)
    response = login(client, scrum_master).post(
        url("objective_edit", art, objective_id=objective.pk), {"statement": "Mine", "version": "1"}
    )
    assert response.status_code == 409
    content = response.content.decode()
    assert "a moment ago" in content and "Someone else&#x27;s words" in content
    assert 'name="version" value="2"' in content


def test_stale_delete_is_409_and_keeps_the_objective(client, art, objective, rte):
    PIObjective.objects.filter(pk=objective.pk).update(version=3)
    response = login(client, rte).post(
        url("objective_delete", art, objective_id=objective.pk), {"version": "2"}, headers=HTMX
    )
    assert response.status_code == 409
    assert PIObjective.objects.filter(pk=objective.pk).exists()


def test_delete_without_a_version_is_refused(client, art, objective, rte):
    response = login(client, rte).post(url("objective_delete", art, objective_id=objective.pk), {}, headers=HTMX)
    assert response.status_code == 422
    assert "The version you edited is missing or damaged: reload the page." in response.content.decode()
    assert PIObjective.objects.filter(pk=objective.pk).exists()


# --- business value --------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_business_value_permission_matrix(client, art, everyone, objective, persona, request):
    name = request.node.callspec.params["persona"]
    response = login(client, persona).post(
        url("objective_business_value", art, objective_id=objective.pk), bv_data(planned="8"), headers=HTMX
    )
    allowed = name in BUSINESS_OWNERS
    assert response.status_code == expected(name, allowed)
    objective.refresh_from_db()
    assert (objective.planned_business_value, objective.version) == ((8, 2) if allowed else (None, 1))
    assert ObjectiveChange.objects.filter(field="planned_business_value").exists() is allowed


def test_scrum_master_cannot_set_business_value_of_their_own_team(client, art, objective, scrum_master):
    response = login(client, scrum_master).post(
        url("objective_business_value", art, objective_id=objective.pk), bv_data(planned="8", actual="8")
    )
    assert response.status_code == 403
    assert "Only Business Owners set business value." in response.content.decode()
    objective.refresh_from_db()
    assert (objective.planned_business_value, objective.actual_business_value, objective.version) == (None, None, 1)
    assert not ObjectiveChange.objects.exists()


def test_capability_is_checked_before_the_input(client, art, pi, team, objective, scrum_master, team_member):
    """A role that may not write learns nothing from validation: invalid input is 403 too, not 422."""
    business_value = login(client, scrum_master).post(
        url("objective_business_value", art, objective_id=objective.pk), bv_data(planned="11"), headers=HTMX
    )
    created = login(client, team_member).post(
        url("objective_create", art, pi_id=pi.pk, team_id=team.pk), {"statement": ""}, headers=HTMX
    )
    assert (business_value.status_code, created.status_code) == (403, 403)


def test_business_owner_sets_business_value_and_sees_the_totals_change(client, art, pi, team, business_owner):
    ObjectiveFactory(team=team, pi=pi, planned_business_value=5, actual_business_value=4)
    target = ObjectiveFactory(team=team, pi=pi, statement="Payouts in seconds")
    client = login(client, business_owner)
    before = client.get(team_url(art, pi, team), headers=HTMX).content
    assert shown(before, "total-planned-committed") == "5"
    response = client.post(
        url("objective_business_value", art, objective_id=target.pk), bv_data(planned="8", actual="6"), headers=HTMX
    )
    assert response.status_code == 200 and b"<html" not in response.content
    assert shown(response.content, "total-planned-committed") == "13"
    assert shown(response.content, "total-actual") == "10"
    assert shown(response.content, "team-predictability") == "76.9% below the healthy band (80–100%)"
    assert "Business value of “Payouts in seconds” saved." in response.content.decode()
    target.refresh_from_db()
    assert (target.planned_business_value, target.actual_business_value, target.version) == (8, 6, 2)


def test_business_value_without_javascript_redirects_to_the_page(client, art, pi, team, objective, business_owner):
    response = login(client, business_owner).post(
        url("objective_business_value", art, objective_id=objective.pk), bv_data(planned="3")
    )
    assert response.status_code == 302 and response["Location"] == team_url(art, pi, team)
    objective.refresh_from_db()
    assert objective.planned_business_value == 3


def test_empty_business_value_clears_it_and_a_missing_one_is_left_alone(client, art, pi, team, business_owner):
    objective = ObjectiveFactory(team=team, pi=pi, planned_business_value=7, actual_business_value=5)
    client = login(client, business_owner)
    path = url("objective_business_value", art, objective_id=objective.pk)
    assert client.post(path, {"planned_business_value": "9", "version": "1"}, headers=HTMX).status_code == 200
    objective.refresh_from_db()
    assert (objective.planned_business_value, objective.actual_business_value) == (9, 5)
    assert client.post(path, bv_data(planned="9", actual="", version=2), headers=HTMX).status_code == 200
    objective.refresh_from_db()
    assert (objective.planned_business_value, objective.actual_business_value) == (9, None)
    assert list(objective.changes.values_list("field", "old_value", "new_value")) == [
        ("planned_business_value", "7", "9"),
        ("actual_business_value", "5", ""),
    ]


@pytest.mark.parametrize(
    ("planned", "actual", "message"),
    [
        ("11", "", "Planned business value is from 1 to 10."),
        ("0", "", "Planned business value is from 1 to 10."),
        ("eight", "", "Planned business value is from 1 to 10."),
        ("", "-1", "Actual business value is from 0 to 10."),
        ("", "11", "Actual business value is from 0 to 10."),
    ],
)
def test_business_value_out_of_range_is_422_and_nothing_is_saved(
    client, art, objective, business_owner, planned, actual, message
):
    response = login(client, business_owner).post(
        url("objective_business_value", art, objective_id=objective.pk), bv_data(planned, actual), headers=HTMX
    )
    assert response.status_code == 422
    content = response.content.decode()
    assert message in content and 'id="team-objectives"' in content
    # The form keeps what was typed, so it can be corrected.
    assert f'value="{planned or actual}"' in content.split(f'id="objective-{objective.pk}"')[1]
    objective.refresh_from_db()
    assert (objective.planned_business_value, objective.actual_business_value, objective.version) == (None, None, 1)
    assert not ObjectiveChange.objects.exists()


def test_business_value_out_of_range_without_javascript_shows_the_page(client, art, objective, business_owner):
    response = login(client, business_owner).post(
        url("objective_business_value", art, objective_id=objective.pk), bv_data(planned="11")
    )
    assert response.status_code == 422
    assert b"<html" in response.content and b"Planned business value is from 1 to 10." in response.content
    objective.refresh_from_db()
    assert objective.planned_business_value is None


def test_stale_business_value_is_409(client, art, objective, business_owner):
    PIObjective.objects.filter(pk=objective.pk).update(planned_business_value=4, version=2)
    client = login(client, business_owner)
    path = url("objective_business_value", art, objective_id=objective.pk)
    response = client.post(path, bv_data(planned="8", version=1), headers=HTMX)
    assert response.status_code == 409 and b'id="team-objectives"' in response.content
    assert b"<html" not in response.content and b"a moment ago" in response.content
    page = client.post(path, bv_data(planned="8", version=1))
    assert page.status_code == 409 and b"a moment ago" in page.content
    objective.refresh_from_db()
    assert (objective.planned_business_value, objective.version) == (4, 2)
    assert not ObjectiveChange.objects.exists()


# --- CSV -------------------------------------------------------------------------------------


def test_csv_has_one_row_per_objective_with_formulas_neutralised(client, art, pi, team, other_team, team_member):
    later = make_pi(art, name="PI 2027.1", start=date(2027, 1, 4))
    first, second = FeatureFactory(art=art, pi=pi), FeatureFactory(art=art, pi=pi)
    ObjectiveFactory(team=other_team, pi=pi, statement="Otter goal", planned_business_value=3)
    stretch = ObjectiveFactory(
        team=team, pi=pi, statement="Stretch goal", committed=False, planned_business_value=2, actual_business_value=0
    )
    stretch.features.set([second])
    committed = ObjectiveFactory(
        team=team, pi=pi, statement="=HYPERLINK(evil)", planned_business_value=8, actual_business_value=7
    )
    committed.features.set([first, second])
    ObjectiveFactory(team=team, pi=later, statement="Next PI's goal")
    response = login(client, team_member).get(url("objectives_csv", art, pi_id=pi.pk))
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="payments-pi-20264-objectives.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [
        ["team", "statement", "committed", "planned_business_value", "actual_business_value", "features"],
        ["Falcons", "'=HYPERLINK(evil)", "committed", "8", "7", f"{first.key} {second.key}"],
        ["Falcons", "Stretch goal", "uncommitted", "2", "0", second.key],
        ["Otters", "Otter goal", "committed", "3", "", ""],
    ]


# --- query counts ----------------------------------------------------------------------------


def grow(art, pi, teams, per_team: int, business_owner) -> None:
    """``per_team`` objectives per team, each with two features and a business value history."""
    for team in teams:
        for number in range(per_team):
            objective = ObjectiveFactory(team=team, pi=pi, committed=number % 3 != 2)
            objective.features.set([FeatureFactory(art=art, pi=pi), FeatureFactory(art=art, pi=pi)])
            services.set_business_value(
                objective, by=business_owner, expected_version=1, planned=number % 10 + 1, actual=number % 11
            )


# Session, user, train, own memberships, the PI, the team, the objectives, their features, their history,
# the totals, the PIs of the switcher; those who write also read the features they may link.
TEAM_PAGE_QUERIES = {"business_owner": 11, "scrum_master": 12}


@pytest.mark.parametrize("persona", ["business_owner", "scrum_master"])
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "fragment"])
def test_team_page_query_count_does_not_grow(client, art, pi, team, other_team, business_owner, persona, headers):
    client = login(client, make_member(art, Role(persona), team if persona == "scrum_master" else None))
    grow(art, pi, [team, other_team], 1, business_owner)
    small, answered = count_queries(client.get, team_url(art, pi, team), headers=headers)
    assert answered.status_code == 200, answered.content[:500]
    grow(art, pi, [team, other_team], 8, business_owner)
    large, answered = count_queries(client.get, team_url(art, pi, team), headers=headers)
    assert answered.status_code == 200, answered.content[:500]
    assert small == large == TEAM_PAGE_QUERIES[persona]


# Session, user, train, own memberships, the PI, the PIs of the switcher, the teams, the objectives,
# the totals per team, the ART's totals.
ART_PAGE_QUERIES = 10


def test_art_page_query_count_does_not_grow(client, art, pi, team, other_team, business_owner):
    client = login(client, business_owner)
    grow(art, pi, [team, other_team], 1, business_owner)
    small, answered = count_queries(client.get, url("art_objectives", art, pi_id=pi.pk))
    assert answered.status_code == 200, answered.content[:500]
    grow(art, pi, [team, other_team], 8, business_owner)
    large, answered = count_queries(client.get, url("art_objectives", art, pi_id=pi.pk))
    assert answered.status_code == 200, answered.content[:500]
    assert small == large == ART_PAGE_QUERIES


# Session, user, train, own memberships, the PI, the objectives with their teams, their features.
CSV_QUERIES = 7


def test_csv_query_count_does_not_grow(client, art, pi, team, other_team, business_owner):
    client = login(client, business_owner)
    grow(art, pi, [team, other_team], 1, business_owner)
    small, answered = count_queries(client.get, url("objectives_csv", art, pi_id=pi.pk))
    assert answered.status_code == 200, answered.content[:500]
    grow(art, pi, [team, other_team], 8, business_owner)
    large, answered = count_queries(client.get, url("objectives_csv", art, pi_id=pi.pk))
    assert answered.status_code == 200, answered.content[:500]
    assert small == large == CSV_QUERIES


# Session, user, train, own memberships, the objective; the write: savepoint, locked row, its team and PI
# (validation), savepoint, update, release, two changes, release; then the fragment: objectives, features,
# history, totals, PIs.
BUSINESS_VALUE_QUERIES = 20


def test_business_value_fragment_query_count_does_not_grow(client, art, pi, team, other_team, business_owner):
    client = login(client, business_owner)
    grow(art, pi, [team, other_team], 1, business_owner)
    target = ObjectiveFactory(team=team, pi=pi)
    path = url("objective_business_value", art, objective_id=target.pk)
    small, answered = count_queries(client.post, path, data=bv_data(planned="5", actual="4", version=1), headers=HTMX)
    assert answered.status_code == 200, answered.content[:500]
    grow(art, pi, [team, other_team], 8, business_owner)
    large, answered = count_queries(client.post, path, data=bv_data(planned="6", actual="5", version=2), headers=HTMX)
    assert answered.status_code == 200, answered.content[:500]
    assert small == large == BUSINESS_VALUE_QUERIES
