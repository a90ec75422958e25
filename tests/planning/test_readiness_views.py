"""The PI readiness checklist: the page, adding items, ticking them and changing their owners, the progress partial."""

import re
from datetime import date

import pytest
from django.template.loader import render_to_string

from artops.models import Role
from planning import services
from planning.models import DEFAULT_READINESS, ReadinessItem
from planning.views.readiness import ReadinessProgress, readiness_progress
from tests.conftest import PERSONAS, make_member
from tests.factories import make_pi
from tests.helpers import HTMX, expected, login, url


@pytest.fixture
def item(pi, rte, product_manager):
    """An item owned by Product Management."""
    return services.add_readiness_item(pi, by=rte, title="Room booked for 120 people", owner=product_manager)


def persona_name(request) -> str:
    return request.node.callspec.params["persona"]


def text(content: bytes) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", content.decode()).split())


def state(item: ReadinessItem) -> tuple:
    item.refresh_from_db()
    return (item.title, item.owner_id, item.done, item.version)


# --- reading ---------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_reading_permission_matrix(client, art, pi, everyone, persona, request):
    name = persona_name(request)
    response = login(client, persona).get(url("pi_readiness", art, pi_id=pi.pk))
    assert response.status_code == expected(name, True)
    if name == "anonymous":
        assert response["Location"].startswith("/accounts/login/")


def test_another_trains_pi_or_item_is_404(client, art, other_art, rte):
    foreign_pi = make_pi(other_art, name="PI 2026.4", start=date(2026, 10, 5))
    foreign_item = ReadinessItem.objects.filter(pi=foreign_pi).first()
    client = login(client, rte)
    assert client.get(url("pi_readiness", art, pi_id=foreign_pi.pk)).status_code == 404
    assert client.post(url("readiness_add", art, pi_id=foreign_pi.pk), {"title": "Mine"}).status_code == 404
    response = client.post(url("readiness_update", art, item_id=foreign_item.pk), {"done": "true", "version": "1"})
    assert response.status_code == 404
    assert not ReadinessItem.objects.get(pk=foreign_item.pk).done
    assert ReadinessItem.objects.filter(pi=foreign_pi).count() == len(DEFAULT_READINESS)


def test_page_lists_the_default_items_with_owner_state_and_progress(client, art, pi, rte, product_manager, team_member):
    first = ReadinessItem.objects.filter(pi=pi).first()
    services.update_readiness_item(first, by=rte, expected_version=1, owner=product_manager, done=True)
    content = login(client, team_member).get(url("pi_readiness", art, pi_id=pi.pk)).content
    page = text(content)
    titles = re.findall(r'class="item-title">([^<]+)<', content.decode())
    assert titles == list(DEFAULT_READINESS)
    assert "Done Vision and roadmap ready Owner: Pat Product" in page
    assert "Open Top features ranked by WSJF No owner yet" in page
    assert f"1 of {len(DEFAULT_READINESS)} ready" in page
    assert f'<progress value="1" max="{len(DEFAULT_READINESS)}"' in content.decode()


@pytest.mark.parametrize(
    ("persona", "adds", "ticks_all", "ticks_own"),
    [
        ("rte", True, True, True),
        ("product_manager", False, False, True),
        ("business_owner", False, False, False),
        ("team_member", False, False, False),
    ],
)
def test_page_shows_only_the_forms_the_person_may_use(
    client, art, pi, item, persona, adds, ticks_all, ticks_own, request
):
    content = login(client, request.getfixturevalue(persona)).get(url("pi_readiness", art, pi_id=pi.pk)).content
    content = content.decode()
    assert (f'action="{url("readiness_add", art, pi_id=pi.pk)}"' in content) is adds
    assert ('name="owner"' in content) is adds
    assert (f'action="{url("readiness_update", art, item_id=item.pk)}"' in content) is ticks_own
    other = ReadinessItem.objects.filter(pi=pi).exclude(pk=item.pk).first()
    assert (f'action="{url("readiness_update", art, item_id=other.pk)}"' in content) is ticks_all


# --- adding ------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_add_permission_matrix(client, art, pi, everyone, persona, request):
    name = persona_name(request)
    response = login(client, persona).post(url("readiness_add", art, pi_id=pi.pk), {"title": "Snacks", "owner": ""})
    assert response.status_code == expected(name, name == "rte", ok=302)
    assert ReadinessItem.objects.filter(pi=pi, title="Snacks").exists() is (name == "rte")
    assert ReadinessItem.objects.filter(pi=pi).count() == len(DEFAULT_READINESS) + (name == "rte")


def test_rte_adds_an_item_with_an_owner_without_javascript(client, art, pi, rte, product_owner):
    response = login(client, rte).post(
        url("readiness_add", art, pi_id=pi.pk),
        {"title": "  Room booked  ", "owner": str(product_owner.pk)},
        follow=True,
    )
    assert response.redirect_chain == [(url("pi_readiness", art, pi_id=pi.pk), 302)]
    added = ReadinessItem.objects.get(pi=pi, title="Room booked")
    assert (added.owner, added.done, added.position) == (product_owner, False, len(DEFAULT_READINESS))
    assert "“Room booked” added to the checklist." in text(response.content)
    assert f"0 of {len(DEFAULT_READINESS) + 1} ready" in text(response.content)


def test_rte_adds_an_item_with_htmx_and_gets_the_checklist(client, art, pi, rte):
    response = login(client, rte).post(url("readiness_add", art, pi_id=pi.pk), {"title": "Snacks"}, headers=HTMX)
    content = response.content.decode()
    assert response.status_code == 200
    assert content.lstrip().startswith('<div id="readiness"') and "<html" not in content
    assert "Snacks" in content and "“Snacks” added to the checklist." in content


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": ""}, "Say what must be ready."),
        ({"title": "   "}, "Say what must be ready."),
        ({"title": "x" * 201}, "Keep the item under 200 characters."),
        # The service says why, naming the item the checklist already has.
        (
            {"title": "capacities ENTERED"},
            "This checklist already has that item: a readiness item titled “Capacities entered”",
        ),
        ({"title": "Snacks", "owner": "999999"}, "Choose a member of this train."),
        ({"title": "Snacks", "owner": "abc"}, "Choose a member of this train."),
    ],
)
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_bad_item_is_422_and_nothing_is_saved(client, art, pi, rte, data, message, headers):
    response = login(client, rte).post(url("readiness_add", art, pi_id=pi.pk), data, headers=headers)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert ReadinessItem.objects.filter(pi=pi).count() == len(DEFAULT_READINESS)


def test_an_owner_from_another_train_is_refused(client, art, pi, other_art, rte):
    stranger = make_member(other_art, Role.RTE)
    response = login(client, rte).post(
        url("readiness_add", art, pi_id=pi.pk), {"title": "Snacks", "owner": str(stranger.pk)}
    )
    assert response.status_code == 422
    assert "Choose a member of this train." in response.content.decode()
    assert not ReadinessItem.objects.filter(title="Snacks").exists()


# --- ticking and owners --------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_tick_permission_matrix(client, art, pi, everyone, item, persona, request):
    """The RTE ticks any item; the item's owner (Product Management here) ticks their own."""
    name = persona_name(request)
    allowed = name in {"rte", "product_manager"}
    response = login(client, persona).post(
        url("readiness_update", art, item_id=item.pk), {"done": "true", "version": "1"}
    )
    assert response.status_code == expected(name, allowed, ok=302)
    item.refresh_from_db()
    assert (item.done, item.version, item.done_at is not None) == (allowed, 2 if allowed else 1, allowed)


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_owner_change_permission_matrix(client, art, pi, everyone, item, persona, request):
    """Only the RTE changes owners: not even the item's owner hands it on."""
    name = persona_name(request)
    team_member = request.getfixturevalue("team_member")
    response = login(client, persona).post(
        url("readiness_update", art, item_id=item.pk), {"owner": str(team_member.pk), "version": "1"}
    )
    assert response.status_code == expected(name, name == "rte", ok=302)
    item.refresh_from_db()
    assert item.owner == (team_member if name == "rte" else request.getfixturevalue("product_manager"))


def test_owner_ticks_with_htmx_and_sees_the_progress_move(client, art, pi, item, product_manager):
    response = login(client, product_manager).post(
        url("readiness_update", art, item_id=item.pk), {"done": "true", "version": "1"}, headers=HTMX
    )
    content = text(response.content)
    assert response.status_code == 200 and "<html" not in response.content.decode()
    assert f"1 of {len(DEFAULT_READINESS) + 1} ready" in content
    assert "“Room booked for 120 people” is done." in content
    # And untick it again.
    login(client, product_manager).post(url("readiness_update", art, item_id=item.pk), {"done": "false", "version": 2})
    item.refresh_from_db()
    assert (item.done, item.done_at, item.version) == (False, None, 3)


def test_rte_clears_an_owner(client, art, pi, item, rte):
    response = login(client, rte).post(url("readiness_update", art, item_id=item.pk), {"owner": "", "version": "1"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.owner, item.version) == (None, 2)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"done": "maybe", "version": "1"}, "An item is done or not done."),
        # One message for a missing or mangled version on every page (artops.forms.version_field).
        ({"done": "true"}, "The version you edited is missing or damaged: reload the page."),
        ({"done": "true", "version": "abc"}, "The version you edited is missing or damaged: reload the page."),
        ({"owner": "999999", "version": "1"}, "Choose a member of this train."),
        ({"version": "1"}, "Nothing to change: tick the item or choose its owner."),
    ],
)
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_bad_change_is_422_and_nothing_changes(client, art, pi, item, rte, data, message, headers):
    before = state(item)
    response = login(client, rte).post(url("readiness_update", art, item_id=item.pk), data, headers=headers)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert state(item) == before


def test_owners_bad_tick_shows_the_message(client, art, pi, item, product_manager):
    response = login(client, product_manager).post(
        url("readiness_update", art, item_id=item.pk), {"done": "maybe", "version": "1"}
    )
    assert response.status_code == 422
    assert "“Room booked for 120 people” was not changed: An item is done or not done." in text(response.content)
    assert not ReadinessItem.objects.get(pk=item.pk).done


def test_stale_change_is_409_and_nothing_changes(client, art, pi, item, rte, product_manager):
    services.update_readiness_item(item, by=product_manager, expected_version=1, done=True)
    before = state(item)
    client = login(client, rte)
    page = client.post(url("readiness_update", art, item_id=item.pk), {"done": "false", "version": "1"})
    assert page.status_code == 409
    assert "Someone changed the item “Room booked for 120 people” a moment ago" in text(page.content)
    # The page shows the current state: the item done.
    assert "Mark not done" in page.content.decode()
    fragment = client.post(url("readiness_update", art, item_id=item.pk), {"owner": "", "version": "1"}, headers=HTMX)
    # The checklist as it is now, with the reason: htmx swaps it in (templates/base.html lets 409 swap).
    assert fragment.status_code == 409
    assert b"<html" not in fragment.content and b'id="readiness"' in fragment.content
    assert "Someone changed the item “Room booked for 120 people” a moment ago" in text(fragment.content)
    assert "Mark not done" in fragment.content.decode()
    assert state(item) == before


# --- the progress partial and its helper ---------------------------------------------------------


def test_readiness_progress_of_several_pis_in_one_query(art, rte, django_assert_num_queries):
    first = make_pi(art, name="PI 2026.4", start=date(2026, 10, 5))
    second = make_pi(art, name="PI 2027.1", start=date(2027, 1, 4))
    empty = make_pi(art, name="PI 2027.2", start=date(2027, 4, 5))
    ReadinessItem.objects.filter(pi=empty).delete()
    for item in ReadinessItem.objects.filter(pi=first)[:4]:
        services.update_readiness_item(item, by=rte, expected_version=1, done=True)
    services.add_readiness_item(second, by=rte, title="Room booked")
    with django_assert_num_queries(1):
        progress = readiness_progress([first, second, empty])
    total = len(DEFAULT_READINESS)
    assert progress == {
        first.pk: ReadinessProgress(done=4, total=total),
        second.pk: ReadinessProgress(done=0, total=total + 1),
        empty.pk: ReadinessProgress(done=0, total=0),
    }
    assert (progress[first.pk].percent, progress[empty.pk].percent) == (67, 0)
    assert not progress[first.pk].complete
    with django_assert_num_queries(0):
        assert readiness_progress([]) == {}


@pytest.mark.parametrize(
    ("progress", "shown", "bar"),
    [
        (ReadinessProgress(done=2, total=6), "2 of 6 ready", '<progress value="2" max="6"'),
        (ReadinessProgress(done=6, total=6), "6 of 6 ready", '<progress value="6" max="6"'),
        (ReadinessProgress(), "0 of 0 ready", '<progress value="0" max="1"'),
    ],
)
def test_progress_partial_shows_the_bar_the_count_and_the_link(art, pi, progress, shown, bar):
    html = render_to_string("planning/_readiness_progress.html", {"art": art, "pi": pi, "progress": progress})
    assert shown in text(html.encode())
    assert bar in html
    assert f'href="{url("pi_readiness", art, pi_id=pi.pk)}"' in html
    assert ("is-complete" in html) is progress.complete
    without_link = render_to_string(
        "planning/_readiness_progress.html", {"art": art, "pi": pi, "progress": progress, "show_link": False}
    )
    assert "href=" not in without_link


# --- query counts --------------------------------------------------------------------------------


def grow(art, pi, size: int, rte) -> None:
    """``size`` more items, each with an owner, half of them done."""
    start = ReadinessItem.objects.filter(pi=pi).count()
    owners = [make_member(art, Role.PRODUCT_MANAGEMENT) for _ in range(size)]
    ReadinessItem.objects.bulk_create(
        ReadinessItem(pi=pi, title=f"Item {start + i}", owner=owner, done=bool(i % 2), position=start + i)
        for i, owner in enumerate(owners)
    )


# Session, user, train, own memberships, the PI, the items with their owners; the RTE also reads the
# members for the owner choices.
# The RTE's page also reads the train's playbooks, for the form that adds a playbook's checklist.
READINESS_QUERIES = {"team_member": 6, "rte": 8}


@pytest.mark.parametrize("persona", ["team_member", "rte"])
@pytest.mark.parametrize("size", [1, 8])
def test_readiness_query_count_is_constant(
    client, art, pi, rte, team_member, persona, size, django_assert_num_queries, request
):
    grow(art, pi, size, rte)
    client = login(client, request.getfixturevalue(persona))
    with django_assert_num_queries(READINESS_QUERIES[persona]):
        response = client.get(url("pi_readiness", art, pi_id=pi.pk))
    assert response.status_code == 200
    assert f"of {len(DEFAULT_READINESS) + size} ready" in text(response.content)
