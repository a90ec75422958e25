"""The roadmap: features of the current and the next two PIs, enablers apart, in a constant number of queries."""

import re
from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse

from planning.filters import UNPLANNED
from planning.views.roadmap import roadmap_pis
from tests.conftest import PERSONAS
from tests.factories import make_pi
from tests.helpers import login
from tests.planning.factories import FeatureFactory

# Payments ART works in Europe/Berlin. PI 2026.4 (the `pi` fixture) runs 5 Oct – 13 Dec 2026.
IN_PI_2026_4 = "2026-11-02 10:00Z"


@pytest.fixture
def pis(art, pi):
    """PI 2026.3 (past), PI 2026.4 (the `pi` fixture), then 2027.1, 2027.2 and 2027.3, back to back."""
    earlier = make_pi(art, name="PI 2026.3", start=pi.start_date - timedelta(weeks=10))
    following = []
    start = pi.end_date + timedelta(days=1)
    for number in (1, 2, 3):
        following.append(make_pi(art, name=f"PI 2027.{number}", start=start))
        start = following[-1].end_date + timedelta(days=1)
    return [earlier, pi, *following]


def url(art) -> str:
    return reverse("roadmap", kwargs={"art_slug": art.slug})


def shown_pis(content: bytes) -> list[str]:
    return re.findall(r'class="panel roadmap-pi"[^>]*data-pi="([^"]+)"', content.decode())


def labels(content: bytes) -> list[str]:
    return re.findall(r'<span class="roadmap-label">([^<]+)</span>', content.decode())


def group_keys(content: bytes, pi_name: str, feature_type: str) -> list[str]:
    """Keys of the cards in one group of one PI's column, in their order."""
    page = content.decode()
    column = page.split(f'data-pi="{pi_name}"', 1)[1].split('class="panel roadmap-pi"', 1)[0]
    group = column.split(f'data-type="{feature_type}"', 1)[1].split("data-type=", 1)[0]
    return re.findall(r'data-key="([^"]+)"', group)


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_roadmap_permission_matrix(client, art, pi, everyone, persona, request):
    name = request.node.callspec.params["persona"]
    FeatureFactory(art=art, pi=pi)
    response = login(client, persona).get(url(art))
    assert response.status_code == {"anonymous": 302, "outsider": 404}.get(name, 200)


@time_machine.travel(IN_PI_2026_4, tick=False)
def test_the_current_pi_and_the_next_two(client, art, pis, team_member):
    response = login(client, team_member).get(url(art))
    assert shown_pis(response.content) == ["PI 2026.4", "PI 2027.1", "PI 2027.2"]
    assert labels(response.content) == ["Current PI", "Next PI", "Later PI"]
    assert b'id="roadmap-notice"' not in response.content


@time_machine.travel("2026-10-04 23:30Z", tick=False)
def test_today_is_the_trains_day(client, art, pis, team_member):
    # 23:30 UTC on 4 October is already 5 October in Berlin: PI 2026.4 has started.
    response = login(client, team_member).get(url(art))
    assert shown_pis(response.content)[0] == "PI 2026.4"
    assert labels(response.content)[0] == "Current PI"


@time_machine.travel("2026-12-13 23:30Z", tick=False)
def test_the_day_after_a_pi_ends_the_next_one_is_current(client, art, pis, team_member):
    # 23:30 UTC on 13 December is 00:30 on the 14th in Berlin: PI 2026.4 ended yesterday.
    response = login(client, team_member).get(url(art))
    assert shown_pis(response.content) == ["PI 2027.1", "PI 2027.2", "PI 2027.3"]
    assert labels(response.content)[0] == "Current PI"


@time_machine.travel("2026-05-04 10:00Z", tick=False)
def test_before_any_pi_the_next_three_with_the_first_labelled_next(client, art, pis, team_member):
    response = login(client, team_member).get(url(art))
    assert shown_pis(response.content) == ["PI 2026.3", "PI 2026.4", "PI 2027.1"]
    assert labels(response.content) == ["Next PI", "Later PI", "Later PI"]
    notice = re.search(r'id="roadmap-notice">([^<]+)<', response.content.decode()).group(1)
    assert notice == "No PI is running today (Mon 4 May 2026); the next one starts on Mon 27 Jul 2026."


@time_machine.travel("2028-01-10 10:00Z", tick=False)
@pytest.mark.parametrize(("persona", "has_link"), [("rte", True), ("product_manager", False)])
def test_after_every_pi_an_empty_state_with_a_link_for_the_rte(client, art, pis, persona, has_link, request):
    response = login(client, request.getfixturevalue(persona)).get(url(art))
    assert response.status_code == 200
    assert shown_pis(response.content) == []
    assert b"No current or upcoming PI" in response.content
    create = reverse("pi_create", kwargs={"art_slug": art.slug}).encode()
    assert (create in response.content) == has_link


@time_machine.travel(IN_PI_2026_4, tick=False)
def test_a_train_without_pis_shows_the_empty_state(client, art, rte):
    FeatureFactory(art=art)
    response = login(client, rte).get(url(art))
    assert b"No current or upcoming PI" in response.content
    assert b"Create the next PI" in response.content


@time_machine.travel(IN_PI_2026_4, tick=False)
def test_enablers_apart_ranked_by_wsjf_with_totals(client, art, pis, other_art, team_member):
    current, following = pis[1], pis[2]
    low = FeatureFactory(art=art, pi=current, title="Low", user_business_value=1, job_size=8)
    high = FeatureFactory(art=art, pi=current, title="High", user_business_value=20, job_size=2)
    runway = FeatureFactory(art=art, pi=current, title="Runway", type="enabler", risk_reduction=13, job_size=5)
    later = FeatureFactory(art=art, pi=following, title="Later", type="enabler", job_size=3)
    FeatureFactory(art=art, pi=pis[0], title="Past")
    FeatureFactory(art=art, pi=pis[4], title="Too far")
    make_pi(other_art, name="PI 2026.4", start=current.start_date)
    page = login(client, team_member).get(url(art)).content

    assert group_keys(page, "PI 2026.4", "business") == [high.key, low.key]
    assert group_keys(page, "PI 2026.4", "enabler") == [runway.key]
    assert group_keys(page, "PI 2027.1", "business") == []
    assert group_keys(page, "PI 2027.1", "enabler") == [later.key]
    text = page.decode()
    assert "2 features · job size 10" in text and "1 feature · job size 5" in text
    assert "Enablers (architectural runway)" in text
    assert "Past" not in text and "Too far" not in text
    assert f'href="{reverse("feature_detail", kwargs={"art_slug": art.slug, "key": high.key})}"' in text


@time_machine.travel(IN_PI_2026_4, tick=False)
def test_cancelled_features_are_not_shown_and_unplanned_are_counted(client, art, pis, other_art, team_member):
    current = pis[1]
    shown = FeatureFactory(art=art, pi=current, state="done")
    FeatureFactory(art=art, pi=current, title="Dropped", state="cancelled")
    FeatureFactory.create_batch(2, art=art, pi=None)
    FeatureFactory(art=art, pi=None, state="cancelled")
    FeatureFactory(art=other_art, pi=None)
    page = login(client, team_member).get(url(art)).content.decode()

    assert group_keys(page.encode(), "PI 2026.4", "business") == [shown.key]
    assert "Dropped" not in page
    unplanned = re.sub(r"\s+", " ", page.split('id="roadmap-unplanned">', 1)[1].split("</p>", 1)[0]).strip()
    backlog = reverse("backlog", kwargs={"art_slug": art.slug})
    assert unplanned == (
        f'Not yet planned: <strong>2</strong> features. <a href="{backlog}?pi={UNPLANNED}">See them in the backlog</a>'
    )


def grow(art, pis, count: int) -> None:
    for number in range(count):
        FeatureFactory(
            art=art,
            pi=pis[number % len(pis)] if number % 4 else None,
            type="enabler" if number % 3 == 0 else "business",
            state="cancelled" if number % 7 == 0 else "funnel",
        )


# session, user, train, own memberships, PIs, their features, the unplanned count
ROADMAP_QUERIES = 7


@time_machine.travel(IN_PI_2026_4, tick=False)
def test_roadmap_query_count_does_not_grow(client, art, pis, rte, django_assert_num_queries):
    client = login(client, rte)
    grow(art, pis, 3)
    with django_assert_num_queries(ROADMAP_QUERIES):
        small = client.get(url(art))
    grow(art, pis, 30)
    with django_assert_num_queries(ROADMAP_QUERIES):
        large = client.get(url(art))
    assert small.status_code == large.status_code == 200
    assert large.content.count(b"roadmap-card") > small.content.count(b"roadmap-card") > 0


def test_the_window_is_read_in_the_trains_today(art, pis):
    assert [pi.name for pi in roadmap_pis(art, date(2026, 12, 13))] == ["PI 2026.4", "PI 2027.1", "PI 2027.2"]
    assert [pi.name for pi in roadmap_pis(art, date(2026, 12, 14))] == ["PI 2027.1", "PI 2027.2", "PI 2027.3"]
    assert [pi.name for pi in roadmap_pis(art, date(2027, 12, 31))] == []
