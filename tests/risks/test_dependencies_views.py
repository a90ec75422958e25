"""The dependency pages: list (filters, aging buckets, raising), one dependency, the weekly review, the map.

Each page and write endpoint has its permission matrix; bad input answers 422 and stale versions
409, with nothing saved; the list, review and map pages pin their query counts at two sizes.
"""

import re
from datetime import UTC, date, datetime, timedelta
from html import unescape

import pytest
import time_machine

from risks.models import Dependency, DependencyChange
from tests.conftest import PERSONAS
from tests.factories import TeamFactory, make_dependency, make_pi
from tests.helpers import HTMX, expected, login, url
from tests.planning.factories import FeatureFactory

S = Dependency.State
UPDATERS = {"rte", "scrum_master", "product_owner"}
# Noon in Berlin on a fixed day: the train's today is 10 November 2026.
NOW = datetime(2026, 11, 10, 11, tzinfo=UTC)
TODAY = date(2026, 11, 10)


@pytest.fixture(autouse=True)
def fixed_time():
    with time_machine.travel(NOW, tick=False):
        yield


def text(response) -> str:
    """The page's text with tags removed and whitespace collapsed, for messages split over lines."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def stored(dependency) -> tuple:
    """What an endpoint could change about a dependency."""
    return Dependency.objects.filter(pk=dependency.pk).values_list(
        "state", "planned_iteration", "needed_by", "owner", "providing_team", "next_action", "reviewed_on", "version"
    )[0]


@pytest.fixture
def provided(art, team, other_team, pi, rte):
    """Otters need something from Falcons (the personas' team): needed in Iteration 2, planned for Iteration 4."""
    _, second, _, fourth = pi.iterations.development()
    return make_dependency(
        art, pi, needing=other_team, providing=team, owner=rte, needed_by=second, planned=fourth,
        created_at=NOW - timedelta(days=12), description="Payout events with settlement ids",
    )  # fmt: skip


# --- pages: who sees them ----------------------------------------------------------------------

PAGES = ["dependency_list", "dependency_review", "dependency_map", "dependency_detail"]


def page_url(name, art, pi, dependency) -> str:
    if name == "dependency_detail":
        return url(name, art, dependency_id=dependency.pk)
    return f"{url(name, art)}?pi={pi.pk}"


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_page_permission_matrix(client, art, pi, everyone, provided, persona, page, request):
    name = request.node.callspec.params["persona"]
    response = login(client, persona).get(page_url(page, art, pi, provided))
    assert response.status_code == expected(name, True)
    if response.status_code == 200:
        assert "Otters" in text(response)
    if name == "anonymous":
        assert response["Location"].startswith("/accounts/login/")


def test_another_trains_dependency_or_pi_is_404(client, art, team, pi, rte, other_art, outsider):
    foreign_pi = make_pi(other_art, name="PI X", start=pi.start_date)
    foreign = make_dependency(
        other_art, foreign_pi, needing=TeamFactory(art=other_art), providing=TeamFactory(art=other_art), owner=outsider
    )
    client = login(client, rte)
    assert client.get(url("dependency_detail", art, dependency_id=foreign.pk)).status_code == 404
    assert client.post(url("dependency_move", art, dependency_id=foreign.pk), {"to": "committed"}).status_code == 404
    for name in ("dependency_list", "dependency_review", "dependency_map"):
        assert client.get(f"{url(name, art)}?pi={foreign_pi.pk}").status_code == 404
        assert client.get(f"{url(name, art)}?pi=abc").status_code == 404
    assert Dependency.objects.get(pk=foreign.pk).state == S.REQUESTED


def test_pages_without_a_pi_say_so(client, art, rte):
    client = login(client, rte)
    for name in ("dependency_list", "dependency_review", "dependency_map"):
        response = client.get(url(name, art))
        assert response.status_code == 200 and "no Planning Interval yet" in text(response)


def test_list_defaults_to_the_current_pi(client, art, team, other_team, pi, rte):
    later = make_pi(art, name="PI 2027.1", start=date(2026, 12, 14))
    make_dependency(art, pi, needing=team, providing=other_team, owner=rte, description="In the current PI")
    make_dependency(
        art, later, needing=team, providing=other_team, owner=rte, needed_by=later.iterations.development()[0],
        description="In the next PI",
    )  # fmt: skip
    page = text(login(client, rte).get(url("dependency_list", art)))
    assert "In the current PI" in page and "In the next PI" not in page


# --- the list ----------------------------------------------------------------------------------


def test_list_rows_show_everything_a_dependency_says(client, art, team, other_team, pi, rte, provided):
    feature = FeatureFactory(art=art, pi=pi, title="Instant payouts")
    make_dependency(
        art, pi, needing=team, external="Card network (Visa)", owner=rte, description="PSD3 certification slot",
    )  # fmt: skip
    Dependency.objects.filter(pk=provided.pk).update(needing_feature=feature)
    response = login(client, rte).get(f"{url('dependency_list', art)}?pi={pi.pk}")
    html = response.content.decode()
    row = re.search(rf'<tr data-dependency="{provided.pk}">(.*?)</tr>', html, re.S).group(1)
    row_text = re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", row)))
    for shown in (
        "Otters",
        "Falcons",
        "Payout events",
        feature.key,
        "Iteration 2",
        "Iteration 4",
        "Riley RTE",
        "Requested",
    ):
        assert shown in row_text
    assert '<td class="num age">12</td>' in row
    assert '<span class="health health-red">Planned too late</span>' in row
    assert "Card network (Visa)" in html and "external" in html
    assert "css/dependencies.css" in html and "<script>" not in html


def test_aging_buckets_count_open_dependencies(client, art, team, other_team, pi, rte):
    for days in (0, 7, 8, 20, 30, 31, 60):
        make_dependency(art, pi, needing=team, providing=other_team, owner=rte, created_at=NOW - timedelta(days=days))
    make_dependency(
        art, pi, needing=team, providing=other_team, owner=rte, state=S.DELIVERED,
        created_at=NOW - timedelta(days=3), closed_at=NOW,
    )  # fmt: skip
    html = login(client, rte).get(f"{url('dependency_list', art)}?pi={pi.pk}").content.decode()
    counts = dict(re.findall(r'data-bucket="([^"]+)"[^>]*>\s*<span class="bucket-count">(\d+)</span>', html))
    assert counts == {"0-7": "2", "8-14": "1", "15-30": "2", "31+": "2"}


def test_filters_by_age_bucket_health_team_and_state(client, art, team, other_team, pi, rte):
    first, second, _, fourth = pi.iterations.development()
    herons = TeamFactory(art=art, name="Herons")
    old_red = make_dependency(
        art, pi, needing=team, providing=other_team, owner=rte, needed_by=second, planned=fourth,
        created_at=NOW - timedelta(days=40), description="Old and late",
    )  # fmt: skip
    young_green = make_dependency(
        art, pi, needing=other_team, providing=herons, owner=rte, needed_by=second, planned=first,
        created_at=NOW - timedelta(days=2), description="Young and early",
    )  # fmt: skip
    delivered = make_dependency(
        art, pi, needing=herons, providing=team, owner=rte, state=S.DELIVERED,
        created_at=NOW - timedelta(days=9), closed_at=NOW - timedelta(days=1), description="Done already",
    )  # fmt: skip
    client = login(client, rte)

    def shown(**query) -> list[int]:
        response = client.get(url("dependency_list", art), {"pi": pi.pk, **query}, headers=HTMX)
        assert response.status_code == 200 and b"<html" not in response.content
        return [int(pk) for pk in re.findall(rb'<tr data-dependency="(\d+)"', response.content)]

    assert shown() == [old_red.pk, delivered.pk, young_green.pk]  # oldest first by default
    assert shown(sort="newest") == [young_green.pk, delivered.pk, old_red.pk]
    assert shown(status="open", age="31+") == [old_red.pk]
    assert shown(health="red") == [old_red.pk]
    assert shown(health="green") == [delivered.pk, young_green.pk]
    assert shown(team=team.pk) == [old_red.pk, delivered.pk]
    assert shown(needing_team=other_team.pk) == [young_green.pk]
    assert shown(providing_team=herons.pk) == [young_green.pk]
    assert shown(status="closed") == [delivered.pk]
    assert shown(state="delivered") == [delivered.pk]
    assert shown(team="nonsense") == []


# --- raising -----------------------------------------------------------------------------------


def raise_data(pi, team, other_team, owner, **overrides) -> dict:
    # On NOW (10 Nov) Iteration 3 is under way: the first two are over and no longer offered.
    _, _, third, fourth = pi.iterations.development()
    return {
        "needing_team": team.pk,
        "providing_team": other_team.pk,
        "external_party": "",
        "description": "Payout events with settlement ids",
        "needed_by": third.pk,
        "planned_iteration": fourth.pk,
        "owner": owner.pk,
        **overrides,
    }


def test_the_form_is_prefilled_from_the_team_boards_link(client, art, team, other_team, pi, rte):
    response = login(client, rte).get(url("dependency_list", art), {"pi": pi.pk, "needing_team": other_team.pk})
    html = response.content.decode()
    select = re.search(r'<select name="needing_team" [^>]*id="id_needing_team"[^>]*>(.*?)</select>', html, re.S)
    assert f'<option value="{other_team.pk}" selected>Otters</option>' in select.group(1)
    assert f'action="/arts/payments/risks/dependencies/?pi={pi.pk}&amp;needing_team={other_team.pk}' in html


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_raise_permission_matrix(client, art, team, other_team, pi, everyone, persona, request):
    name = request.node.callspec.params["persona"]
    owner = request.getfixturevalue("rte")
    response = login(client, persona).post(
        f"{url('dependency_list', art)}?pi={pi.pk}", raise_data(pi, team, other_team, owner)
    )
    assert response.status_code == expected(name, True, ok=302)
    assert Dependency.objects.count() == (1 if name in set(PERSONAS) - {"outsider", "anonymous"} else 0)


def test_raising_redirects_to_the_list_that_shows_it_red(client, art, team, other_team, pi, scrum_master):
    client = login(client, scrum_master)
    response = client.post(
        f"{url('dependency_list', art)}?pi={pi.pk}&needing_team={team.pk}",
        raise_data(pi, team, other_team, scrum_master),
    )
    assert response.status_code == 302
    assert response["Location"] == f"{url('dependency_list', art)}?pi={pi.pk}&needing_team={team.pk}"
    dependency = Dependency.objects.get()
    assert (dependency.needing_team, dependency.providing_team, dependency.owner) == (team, other_team, scrum_master)
    assert dependency.health == "red" and dependency.changes.get().kind == "raised"
    page = client.get(response["Location"])
    assert "Dependency of Falcons on Otters raised: planned too late." in text(page)
    assert '<span class="health health-red">Planned too late</span>' in page.content.decode()


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("needed by an iteration of another PI", "Choose a development iteration of PI 2026.4."),
        ("a team on itself", "A team does not depend on itself: choose another providing team."),
        ("no provider", "Name the providing team, or the external party that provides it."),
        ("both providers", "Name either a providing team or an external party, not both."),
        ("no owner", "Every dependency has an owner from the start: choose one."),
        ("an owner of another train", "Choose a member of this train."),
        ("no description", "Say what is needed."),
        ("a team of another train", "Choose a team of this train."),
        ("planned in the IP iteration", "Choose a development iteration of PI 2026.4 or of a later PI."),
    ],
)
def test_bad_raise_is_422_with_the_message_and_nothing_saved(
    client, art, team, other_team, pi, rte, outsider, other_art, case, message
):
    later = make_pi(art, name="PI 2027.1", start=date(2026, 12, 14))
    overrides = {
        "needed by an iteration of another PI": {"needed_by": later.iterations.development()[1].pk},
        "a team on itself": {"providing_team": team.pk},
        "no provider": {"providing_team": ""},
        "both providers": {"external_party": "Visa"},
        "no owner": {"owner": ""},
        "an owner of another train": {"owner": outsider.pk},
        "no description": {"description": "  "},
        "a team of another train": {"providing_team": TeamFactory(art=other_art).pk},
        "planned in the IP iteration": {"planned_iteration": pi.iterations.ip().get().pk},
    }[case]
    response = login(client, rte).post(
        f"{url('dependency_list', art)}?pi={pi.pk}", raise_data(pi, team, other_team, rte) | overrides
    )
    assert response.status_code == 422
    assert message in text(response)
    assert "The dependency was not raised" in text(response)
    assert not Dependency.objects.exists() and not DependencyChange.objects.exists()


# --- one dependency: edit and move -------------------------------------------------------------


def edit_data(dependency, **overrides) -> dict:
    return {
        "planned_iteration": dependency.planned_iteration_id or "",
        "needed_by": dependency.needed_by_id,
        "owner": dependency.owner_id,
        "providing_team": dependency.providing_team_id or "",
        "external_party": dependency.external_party,
        "description": dependency.description,
        "needing_feature": "",
        "providing_feature": "",
        "version": dependency.version,
        **overrides,
    }


def test_the_detail_page_shows_fields_age_health_moves_and_history(client, art, pi, scrum_master, provided):
    first = pi.iterations.development()[0]
    client = login(client, scrum_master)
    client.post(
        url("dependency_detail", art, dependency_id=provided.pk), edit_data(provided, planned_iteration=first.pk)
    )
    response = client.get(url("dependency_detail", art, dependency_id=provided.pk))
    page = text(response)
    assert "Otters needs from Falcons" in page and "12 days" in page
    assert '<span class="health health-green" id="dependency-health">On track</span>' in response.content.decode()
    assert "Edited by Sam Master" in page and "Planned: PI 2026.4 Iteration 4 → PI 2026.4 Iteration 1" in page
    moves = re.findall(r'name="to" value="([a-z_]+)"', response.content.decode())
    assert moves == [s.value for s in Dependency.TRANSITIONS[S.REQUESTED]]
    assert 'name="version" value="2"' in response.content.decode()


def test_readers_get_no_controls(client, art, business_owner, provided):
    html = login(client, business_owner).get(url("dependency_detail", art, dependency_id=provided.pk)).content.decode()
    assert 'name="to"' not in html and "Save dependency" not in html
    assert "keep this dependency current" in html


def test_the_providing_scrum_master_plans_it_earlier_and_it_turns_green(client, art, pi, scrum_master, provided):
    first = pi.iterations.development()[0]
    assert provided.health == "red"
    response = login(client, scrum_master).post(
        url("dependency_detail", art, dependency_id=provided.pk),
        edit_data(provided, planned_iteration=first.pk),
        headers=HTMX,
    )
    assert response.status_code == 200 and b"<html" not in response.content
    assert '<span class="health health-green" id="dependency-health">On track</span>' in response.content.decode()
    assert "Saved: on track." in text(response)
    dependency = Dependency.objects.with_related().get(pk=provided.pk)
    assert (dependency.planned_iteration, dependency.health, dependency.version) == (first, "green", 2)
    change = dependency.changes.get()
    assert (change.kind, change.by, change.changes) == (
        "edited",
        scrum_master,
        {"planned_iteration": ["PI 2026.4 Iteration 4", "PI 2026.4 Iteration 1"]},
    )


WRITES = ["edit", "move", "review"]


def write(client, endpoint: str, art, dependency, pi, **extra):
    if endpoint == "edit":
        data = edit_data(dependency, planned_iteration=pi.iterations.development()[0].pk)
        return client.post(url("dependency_detail", art, dependency_id=dependency.pk), data, **extra)
    if endpoint == "move":
        data = {"to": "committed", "version": dependency.version}
        return client.post(url("dependency_move", art, dependency_id=dependency.pk), data, **extra)
    data = {"next_action": "Confirm the date at ART Sync", "version": dependency.version}
    return client.post(url("dependency_review_record", art, dependency_id=dependency.pk), data, **extra)


@pytest.mark.parametrize("endpoint", WRITES)
@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_write_permission_matrix(client, art, pi, everyone, provided, persona, endpoint, request):
    """Falcons provide it: their Scrum Master and Product Owner and the RTE may change it; others change nothing."""
    name = request.node.callspec.params["persona"]
    before = stored(provided)
    response = write(login(client, persona), endpoint, art, provided, pi)
    assert response.status_code == expected(name, name in UPDATERS, ok=302)
    if name in UPDATERS:
        assert stored(provided)[-1] == 2
    else:
        assert stored(provided) == before


@pytest.mark.parametrize("endpoint", WRITES)
def test_the_scrum_master_of_an_unrelated_team_gets_403(client, art, team, other_team, pi, rte, endpoint):
    from artops.models import Role
    from tests.conftest import make_member

    herons_sm = make_member(art, Role.SCRUM_MASTER, TeamFactory(art=art, name="Herons"))
    dependency = make_dependency(art, pi, needing=team, providing=other_team, owner=rte)
    before = stored(dependency)
    response = write(login(client, herons_sm), endpoint, art, dependency, pi)
    assert response.status_code == 403
    assert stored(dependency) == before


@pytest.mark.parametrize("endpoint", WRITES)
def test_htmx_writes_answer_the_fragment(client, art, pi, scrum_master, provided, endpoint):
    response = write(login(client, scrum_master), endpoint, art, provided, pi, headers=HTMX)
    assert response.status_code == 200 and b"<html" not in response.content
    if endpoint == "review":
        assert response.content.decode().lstrip().startswith(f'<tr id="review-{provided.pk}"')
        assert "Reviewed today" in text(response)
    else:
        assert 'id="dependency"' in response.content.decode()


@pytest.mark.parametrize(
    ("to", "message"),
    [
        ("done", "“done” is not a dependency state."),
        ("delivered", "A dependency that is requested can move to Committed, At risk, Blocked, Cancelled."),
        ("requested", "A dependency that is requested can move to"),
        ("", "Choose the state to move to."),
    ],
)
def test_a_bad_move_is_422_with_the_message(client, art, pi, rte, provided, to, message):
    before = stored(provided)
    response = login(client, rte).post(url("dependency_move", art, dependency_id=provided.pk), {"to": to, "version": 1})
    assert response.status_code == 422
    assert message in text(response)
    assert stored(provided) == before and not DependencyChange.objects.exists()


def test_a_closed_dependency_no_longer_moves_or_changes(client, art, team, other_team, pi, rte):
    dependency = make_dependency(art, pi, needing=team, providing=other_team, owner=rte, state=S.DELIVERED)
    client = login(client, rte)
    page = client.get(url("dependency_detail", art, dependency_id=dependency.pk))
    assert 'name="to"' not in page.content.decode() and "it no longer changes" in text(page)
    response = client.post(url("dependency_move", art, dependency_id=dependency.pk), {"to": "committed", "version": 1})
    assert response.status_code == 422 and "can move to nowhere: it is closed" in text(response)
    response = client.post(url("dependency_detail", art, dependency_id=dependency.pk), edit_data(dependency))
    assert response.status_code == 422 and "it no longer changes" in text(response)
    assert stored(dependency)[-1] == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"providing_team": "OTHER"}, "A team does not depend on itself: choose another providing team."),
        ({"providing_team": "", "external_party": ""}, "Name the providing team, or the external party"),
        ({"owner": ""}, "Every dependency has an owner from the start: choose one."),
        ({"needed_by": "NEXT_PI"}, "Choose a development iteration of PI 2026.4."),
        ({"version": ""}, "The version you edited is missing or damaged: reload the page."),
    ],
)
def test_a_bad_edit_is_422_and_changes_nothing(client, art, pi, rte, provided, overrides, message):
    later = make_pi(art, name="PI 2027.1", start=date(2026, 12, 14))
    values = {"OTHER": provided.needing_team_id, "NEXT_PI": later.iterations.development()[1].pk}
    overrides = {key: values.get(value, value) for key, value in overrides.items()}
    before = stored(provided)
    response = login(client, rte).post(
        url("dependency_detail", art, dependency_id=provided.pk), edit_data(provided, **overrides)
    )
    assert response.status_code == 422
    assert message in text(response)
    assert stored(provided) == before


def test_a_stale_edit_is_409_with_the_current_state(client, art, pi, rte, scrum_master, provided):
    _, second, third, _ = pi.iterations.development()
    login(client, rte).post(
        url("dependency_detail", art, dependency_id=provided.pk), edit_data(provided, planned_iteration=third.pk)
    )
    response = login(client, scrum_master).post(
        url("dependency_detail", art, dependency_id=provided.pk), edit_data(provided, planned_iteration=second.pk)
    )
    assert response.status_code == 409
    page = text(response)
    assert "Someone changed the dependency of Otters on Falcons a moment ago" in page
    assert "Iteration 3" in re.search(r'<dd id="dependency-planned">(.*?)</dd>', response.content.decode()).group(1)
    assert 'name="version" value="2"' in response.content.decode()
    assert stored(provided)[1] == third.pk


@pytest.mark.parametrize("endpoint", WRITES)
def test_stale_writes_are_409_for_htmx_too(client, art, pi, rte, scrum_master, provided, endpoint):
    write(login(client, rte), "move", art, provided, pi)
    before = stored(provided)
    stale = Dependency.objects.get(pk=provided.pk)
    stale.version = 1
    response = write(login(client, scrum_master), endpoint, art, stale, pi, headers=HTMX)
    # The fragment (the dependency, or its review row) as it is now, with the reason: htmx swaps
    # it in (templates/base.html lets 409 swap).
    assert response.status_code == 409
    content = response.content.decode()
    assert "<html" not in content and "a moment ago" in content
    assert 'id="dependency"' in content or f'id="review-{provided.pk}"' in content
    assert 'name="version" value="2"' in content
    assert stored(provided) == before


# --- the weekly review -------------------------------------------------------------------------


def test_review_lists_open_dependencies_oldest_first(client, art, team, other_team, pi, rte):
    young = make_dependency(art, pi, needing=team, providing=other_team, owner=rte, created_at=NOW - timedelta(days=3))
    old = make_dependency(art, pi, needing=team, providing=other_team, owner=rte, created_at=NOW - timedelta(days=30))
    make_dependency(art, pi, needing=team, providing=other_team, owner=rte, state=S.CANCELLED)
    Dependency.objects.filter(pk=old.pk).update(reviewed_on=date(2026, 11, 3), next_action="Ask the vendor")
    html = login(client, rte).get(f"{url('dependency_review', art)}?pi={pi.pk}").content.decode()
    assert [int(pk) for pk in re.findall(r'<tr id="review-(\d+)"', html)] == [old.pk, young.pk]
    assert "3 Nov 2026" in html and 'value="Ask the vendor"' in html


def test_a_plain_review_redirects_back_and_dates_it_today(client, art, pi, rte, provided):
    response = login(client, rte).post(
        url("dependency_review_record", art, dependency_id=provided.pk),
        {"next_action": "Confirm the date", "version": 1, "reviewed_on": "2020-01-01"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"{url('dependency_review', art)}?pi={pi.pk}"
    dependency = Dependency.objects.get(pk=provided.pk)
    # The day comes from the train's clock, never from the form.
    assert (dependency.next_action, dependency.reviewed_on) == ("Confirm the date", TODAY)
    page = login(client, rte).get(response["Location"])
    assert "Reviewed today" in text(page)


@pytest.mark.parametrize(
    ("next_action", "message"),
    [("", "Write the next action agreed in the review."), ("x" * 301, "Keep the next action to 300 characters.")],
)
@pytest.mark.parametrize("htmx", [False, True])
def test_a_bad_review_is_422_and_changes_nothing(client, art, pi, rte, provided, next_action, message, htmx):
    before = stored(provided)
    response = login(client, rte).post(
        url("dependency_review_record", art, dependency_id=provided.pk),
        {"next_action": next_action, "version": 1},
        headers=HTMX if htmx else {},
    )
    assert response.status_code == 422
    assert message in text(response)
    assert (b"<html" in response.content) != htmx
    assert stored(provided) == before


# --- the map -----------------------------------------------------------------------------------


def test_map_cells_count_open_dependencies_coloured_by_the_worst(client, art, team, other_team, pi, rte):
    first, second, _, fourth = pi.iterations.development()
    herons = TeamFactory(art=art, name="Herons")
    # Falcons need from Otters: one green, one red → red, 2.
    make_dependency(art, pi, needing=team, providing=other_team, owner=rte, needed_by=second, planned=first)
    make_dependency(art, pi, needing=team, providing=other_team, owner=rte, needed_by=second, planned=fourth)
    # Otters need from Falcons: amber and green → amber, 1 + 1 delivered (left out).
    make_dependency(art, pi, needing=other_team, providing=team, owner=rte, needed_by=second, planned=second)
    make_dependency(art, pi, needing=other_team, providing=team, owner=rte, needed_by=second, planned=first)
    make_dependency(art, pi, needing=other_team, providing=team, owner=rte, state=S.DELIVERED)
    # Herons need from an external party, twice with different case: one column, unplanned.
    make_dependency(art, pi, needing=herons, external="Visa", owner=rte)
    make_dependency(art, pi, needing=herons, external="VISA", owner=rte, needed_by=second, planned=first)
    # Cancelled only: no cell.
    make_dependency(art, pi, needing=herons, providing=team, owner=rte, state=S.CANCELLED)

    response = login(client, rte).get(f"{url('dependency_map', art)}?pi={pi.pk}")
    assert response.status_code == 200
    html = response.content.decode()
    headers = re.findall(r'<th scope="col"[^>]*>([^<]+)', html)
    assert [header.strip() for header in headers] == ["Falcons", "Herons", "Otters", "Visa"]
    cells = {
        (row, provider): (health, label)
        for row, body in re.findall(r'<tr data-team="([^"]+)">(.*?)</tr>', html, re.S)
        for provider, health, label in re.findall(
            r'data-provider="([^"]+)" data-health="([a-z]+)">\s*<a href="[^"]+" aria-label="([^"]+)"', body
        )
    }
    assert cells == {
        ("Falcons", "Otters"): ("red", "Falcons from Otters: 2 open dependencies, worst: Planned too late"),
        ("Otters", "Falcons"): ("amber", "Otters from Falcons: 2 open dependencies, worst: Same iteration"),
        ("Herons", "Visa"): ("unplanned", "Herons from Visa: 2 open dependencies, worst: Not planned"),
    }
    query = f"pi={pi.pk}&amp;needing_team={team.pk}&amp;providing_team={other_team.pk}&amp;status=open"
    assert f'href="{url("dependency_list", art)}?{query}"' in html
    assert f"needing_team={herons.pk}&amp;external_party=Visa&amp;status=open" in html
    assert html.count('class="map-cell map-self"') == 3


def test_a_map_link_lists_that_pair(client, art, team, other_team, pi, rte):
    make_dependency(art, pi, needing=team, external="Visa", owner=rte, description="Certification slot")
    make_dependency(art, pi, needing=team, providing=other_team, owner=rte, description="Payout events")
    response = login(client, rte).get(
        url("dependency_list", art), {"pi": pi.pk, "needing_team": team.pk, "external_party": "visa", "status": "open"}
    )
    assert "Certification slot" in text(response) and "Payout events" not in text(response)


# --- query counts ------------------------------------------------------------------------------


def populate(art, pi, teams, owner, count: int) -> None:
    """``count`` dependencies of every kind: between teams and on outside parties, open and closed, all ages."""
    iterations = list(pi.iterations.development())
    for index in range(count):
        needing = teams[index % len(teams)]
        providing = teams[(index + 1) % len(teams)]
        state = [S.REQUESTED, S.COMMITTED, S.AT_RISK, S.BLOCKED, S.DELIVERED, S.CANCELLED][index % 6]
        make_dependency(
            art, pi, needing=needing, owner=owner, state=state,
            providing=None if index % 5 == 0 else providing,
            external=f"Vendor {index % 3}" if index % 5 == 0 else "",
            needed_by=iterations[index % 4], planned=iterations[(index + 2) % 4] if index % 4 else None,
            created_at=NOW - timedelta(days=index * 3), description=f"Need {index}",
        )  # fmt: skip


SIZES = [4, 40]
# session, user, train, memberships, PI; the form's teams, iterations, members, features; rows, bucket counts, PIs.
LIST_QUERIES = 12
# session, user, train, memberships, PI, rows, bucket counts.
LIST_FRAGMENT_QUERIES = 7
# session, user, train, memberships, PI, rows, PIs.
REVIEW_QUERIES = 7
# session, user, train, memberships, PI, values, teams, PIs.
MAP_QUERIES = 8


@pytest.fixture
def train(art, team, other_team, pi, rte):
    return [team, other_team, TeamFactory(art=art, name="Herons")]


@pytest.mark.parametrize("size", SIZES)
def test_list_queries_are_constant(client, art, pi, rte, scrum_master, train, size, django_assert_num_queries):
    populate(art, pi, train, rte, size)
    client = login(client, scrum_master)
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(url("dependency_list", art), {"pi": pi.pk})
    assert response.status_code == 200
    assert response.content.count(b"<tr data-dependency=") == size


@pytest.mark.parametrize("size", SIZES)
def test_list_fragment_queries_are_constant(client, art, pi, rte, train, size, django_assert_num_queries):
    populate(art, pi, train, rte, size)
    client = login(client, rte)
    with django_assert_num_queries(LIST_FRAGMENT_QUERIES):
        response = client.get(url("dependency_list", art), {"pi": pi.pk, "status": "open"}, headers=HTMX)
    assert response.status_code == 200 and b"<html" not in response.content


@pytest.mark.parametrize("size", SIZES)
def test_review_queries_are_constant(client, art, pi, rte, scrum_master, train, size, django_assert_num_queries):
    populate(art, pi, train, rte, size)
    client = login(client, scrum_master)
    with django_assert_num_queries(REVIEW_QUERIES):
        response = client.get(url("dependency_review", art), {"pi": pi.pk})
    assert response.status_code == 200
    open_count = Dependency.objects.open().count()
    assert response.content.count(b'<tr id="review-') == open_count
    assert response.content.count(b'class="review-form"') > 0


@pytest.mark.parametrize("size", SIZES)
def test_map_queries_are_constant(client, art, pi, rte, train, size, django_assert_num_queries):
    populate(art, pi, train, rte, size)
    client = login(client, rte)
    with django_assert_num_queries(MAP_QUERIES):
        response = client.get(url("dependency_map", art), {"pi": pi.pk})
    assert response.status_code == 200
    assert response.content.count(b'<tr data-team="') == 3


def test_the_raise_form_is_at_the_top_offering_only_iterations_not_over_grouped_by_pi(
    client, art, team, other_team, pi, scrum_master
):
    later = make_pi(art, name="PI 2027.1", start=pi.end_date + timedelta(days=1))
    make_dependency(art, pi, needing=team, providing=other_team, owner=scrum_master)
    client = login(client, scrum_master)
    html = client.get(f"{url('dependency_list', art)}?pi={pi.pk}&needing_team={team.pk}&raise=1").content.decode()
    # Above the list, and open because it was asked for.
    assert html.index('id="raise-dependency"') < html.index('id="dependency-table"')
    assert '<details class="panel raise-panel" id="raise-dependency" open>' in html
    # On NOW (10 Nov) Iterations 1 and 2 are over.
    first, second, third, fourth = pi.iterations.development()
    needed_by = html.split('name="needed_by"')[1].split("</select>")[0]
    assert re.findall(r'<optgroup label="([^"]+)">', needed_by) == [pi.name]
    assert f'value="{first.pk}"' not in needed_by and f'value="{second.pk}"' not in needed_by
    assert f'value="{third.pk}"' in needed_by and f'value="{fourth.pk}"' in needed_by
    planned = html.split('name="planned_iteration"')[1].split("</select>")[0]
    assert re.findall(r'<optgroup label="([^"]+)">', planned) == [pi.name, later.name]
    assert f'value="{second.pk}"' not in planned
    # Without asking, it is one closed line above the list.
    html = client.get(f"{url('dependency_list', art)}?pi={pi.pk}").content.decode()
    assert '<details class="panel raise-panel" id="raise-dependency">' in html


def test_a_needed_by_iteration_that_is_over_is_refused(client, art, team, other_team, pi, scrum_master):
    _, second, _, _ = pi.iterations.development()
    response = login(client, scrum_master).post(
        f"{url('dependency_list', art)}?pi={pi.pk}", raise_data(pi, team, other_team, scrum_master, needed_by=second.pk)
    )
    assert response.status_code == 422
    assert f"Choose a development iteration of {pi.name}." in response.content.decode()
    assert not Dependency.objects.exists()
