"""The API of the PI readiness checklists: who adds and ticks items, bad input, filters and the
query count of the list."""

from datetime import timedelta

import pytest

from planning.models import DEFAULT_READINESS, ReadinessItem
from tests.api_helpers import api_status, api_url, client_for, expected, grow_lists, messages, persona_name
from tests.conftest import PERSONAS
from tests.factories import make_pi


@pytest.fixture
def item(pi):
    """One item of the default checklist that every new PI gets."""
    return ReadinessItem.objects.get(pi=pi, title="Capacities entered")


# --- PI readiness --------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_readiness_read_permission_matrix(everyone, persona, item, request):
    name = persona_name(request)
    client = client_for(persona)
    assert api_status(client.get(api_url("readiness", item))) == expected(name, True, 200)
    listed = client.get(api_url("readiness"))
    assert api_status(listed) == (401 if name == "anonymous" else 200)
    if name != "anonymous":
        assert listed.json()["count"] == (0 if name == "outsider" else len(DEFAULT_READINESS))


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_readiness_add_permission_matrix(everyone, persona, pi, product_manager, request):
    name = persona_name(request)
    payload = {"pi": pi.pk, "title": "Room booked", "owner": product_manager.pk}
    response = client_for(persona).post(api_url("readiness"), payload, format="json")
    allowed = name == "rte"
    assert api_status(response) == expected(name, allowed, 201, outsider=400)
    assert ReadinessItem.objects.filter(title="Room booked").exists() == allowed
    if allowed:
        assert (response.json()["owner_name"], response.json()["done"]) == ("Pat Product", False)


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_readiness_tick_permission_matrix(everyone, persona, item, product_manager, request):
    name = persona_name(request)
    ReadinessItem.objects.filter(pk=item.pk).update(owner=product_manager)
    response = client_for(persona).patch(api_url("readiness", item), {"done": True, "version": 1}, format="json")
    # The RTE keeps the checklist; an item's owner may tick their own item.
    allowed = name in {"rte", "product_manager"}
    assert api_status(response) == expected(name, allowed, 200)
    item.refresh_from_db()
    assert item.done == allowed
    assert (item.done_at is not None) == allowed


def test_an_owner_ticks_but_does_not_rename_their_item(product_manager, item):
    ReadinessItem.objects.filter(pk=item.pk).update(owner=product_manager)
    client = client_for(product_manager)
    renamed = client.patch(api_url("readiness", item), {"title": "Mine now", "done": True, "version": 1}, format="json")
    assert renamed.status_code == 403
    item.refresh_from_db()
    assert (item.title, item.done, item.version) == ("Capacities entered", False, 1)


def test_readiness_bad_input_is_400_and_changes_nothing(rte, pi, item, outsider):
    client = client_for(rte)
    other = ReadinessItem.objects.create(pi=pi, title="Room booked", position=9)
    items = ReadinessItem.objects.count()
    duplicate = client.post(api_url("readiness"), {"pi": pi.pk, "title": "capacities ENTERED"}, format="json")
    assert duplicate.status_code == 400 and "already has that item" in messages(duplicate)
    blank = client.post(api_url("readiness"), {"pi": pi.pk, "title": " "}, format="json")
    assert blank.status_code == 400 and "may not be blank" in messages(blank)
    stranger = client.post(api_url("readiness"), {"pi": pi.pk, "title": "Room", "owner": outsider.pk}, format="json")
    assert stranger.status_code == 400 and "no person with id" in messages(stranger)
    renamed = client.patch(api_url("readiness", other), {"title": "Capacities entered", "version": 1}, format="json")
    assert renamed.status_code == 400 and "already has that item" in messages(renamed)
    missing = client.patch(api_url("readiness", item), {"done": True}, format="json")
    assert missing.status_code == 400 and "version" in missing.json()
    ReadinessItem.objects.filter(pk=item.pk).update(version=3)
    stale = client.patch(api_url("readiness", item), {"done": True, "version": 1}, format="json")
    assert stale.status_code == 409
    assert ReadinessItem.objects.count() == items
    item.refresh_from_db()
    assert (item.done, item.version) == (False, 3)


def test_readiness_is_filtered_by_pi(rte, art, pi, item):
    later = make_pi(art, name="PI 2027.1", start=pi.end_date + timedelta(days=1))
    theirs = ReadinessItem.objects.create(pi=later, title="Room booked", position=9)
    client = client_for(rte)

    def titles(**params) -> list[tuple[int, str]]:
        return [(row["pi"], row["title"]) for row in client.get(api_url("readiness"), params).json()["results"]]

    # In checklist order, the default items first.
    assert titles(pi=pi.pk) == [(pi.pk, title) for title in DEFAULT_READINESS]
    assert titles(pi=later.pk) == [*((later.pk, title) for title in DEFAULT_READINESS), (later.pk, theirs.title)]
    assert titles(pi=later.pk, done="true") == []


# --- query counts: the same at two data sizes ----------------------------------------------------


# Session and user, then COUNT(*) for the page and the page (related rows and derived values joined).
LIST_QUERIES = 4


def test_list_query_count_does_not_grow(rte, art, pi, development, django_assert_num_queries):
    client = client_for(rte)
    grow_lists(art, pi, development, rte, 1)
    with django_assert_num_queries(LIST_QUERIES):
        small = client.get(api_url("readiness"))
    grow_lists(art, make_pi(art, name="Next", start=pi.end_date + timedelta(days=1)), development, rte, 6)
    with django_assert_num_queries(LIST_QUERIES):
        large = client.get(api_url("readiness"))
    assert small.status_code == large.status_code == 200
    assert large.json()["count"] > small.json()["count"] >= 1
