"""The core domain's REST API: who may read and write what, bad input, filters, query counts, auth, docs."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from artops.models import ART, Iteration, Membership, ProgramIncrement, Role, Team, User
from tests import helpers
from tests.api_helpers import assert_unauthenticated, client_for
from tests.conftest import make_member
from tests.factories import ARTFactory, MembershipFactory, TeamFactory, UserFactory, make_pi

MEMBERS = [
    "rte",
    "product_manager",
    "system_architect",
    "business_owner",
    "scrum_master",
    "product_owner",
    "team_member",
]
NOT_RTE = MEMBERS[1:]


def messages(response, field: str) -> str:
    return " ".join(str(message) for message in response.json()[field])


@dataclass
class World:
    """The train the personas belong to, with a team, a PI and a membership that can be removed."""

    art: ART
    team: Team
    pi: ProgramIncrement
    leaving: Membership


@pytest.fixture
def world(art, team, pi) -> World:
    leaving = MembershipFactory(art=art, role=Role.BUSINESS_OWNER, user=UserFactory(display_name="Val Leaving"))
    return World(art=art, team=team, pi=pi, leaving=leaving)


@pytest.fixture
def rte_client(rte) -> APIClient:
    return client_for(rte)


# --- reading: members read everything of their train, nobody else anything ---------------


@dataclass(frozen=True)
class Read:
    basename: str
    lookup: Callable[[World], object]

    def list_url(self) -> str:
        return reverse(f"{self.basename}-list")

    def detail_url(self, world: World) -> str:
        return reverse(f"{self.basename}-detail", args=[self.lookup(world)])


READS = {
    "arts": Read("api-art", lambda w: w.art.slug),
    "teams": Read("api-team", lambda w: w.team.pk),
    "memberships": Read("api-membership", lambda w: w.leaving.pk),
    "pis": Read("api-pi", lambda w: w.pi.pk),
    "iterations": Read("api-iteration", lambda w: w.pi.iterations.get(number=1).pk),
}


@pytest.mark.parametrize("endpoint", READS)
@pytest.mark.parametrize("persona", MEMBERS, indirect=True)
def test_members_read_list_and_detail(endpoint, persona, world):
    client = client_for(persona)
    read = READS[endpoint]

    listing = client.get(read.list_url())
    detail = client.get(read.detail_url(world))

    assert listing.status_code == 200
    assert listing.json()["count"] >= 1
    assert detail.status_code == 200


@pytest.mark.parametrize("endpoint", READS)
def test_outsider_sees_an_empty_list_and_no_detail(endpoint, outsider, world):
    client = client_for(outsider)
    read = READS[endpoint]
    # Only their own train and their own membership there, nothing of this train.
    expected_count = 1 if endpoint in {"arts", "memberships"} else 0

    listing = client.get(read.list_url())
    detail = client.get(read.detail_url(world))

    assert listing.status_code == 200
    assert listing.json()["count"] == expected_count
    assert world.art.slug not in str(listing.json())
    assert detail.status_code == 404


@pytest.mark.parametrize("endpoint", READS)
def test_anonymous_reads_nothing(endpoint, world):
    client = client_for(None)
    read = READS[endpoint]

    assert_unauthenticated(client.get(read.list_url()))
    assert_unauthenticated(client.get(read.detail_url(world)))


# --- writing: the RTE manages the train; every other role is refused -----------------------


@dataclass(frozen=True)
class Write:
    """One write of the API: how to send it, what it answers, and the DB state it changes."""

    method: str
    url: Callable[[World], str]
    payload: Callable[[World], dict] | None
    success: int
    outsider: int  # 404 for an existing object of another train, 400 for a payload naming it
    snapshot: Callable[[World], object]

    def send(self, client: APIClient, world: World):
        payload = self.payload(world) if self.payload else None
        return getattr(client, self.method)(self.url(world), payload, format="json")


def art_state(w: World):
    return ART.objects.values().get(pk=w.art.pk)


def team_names(w: World):
    return sorted(Team.objects.filter(art=w.art).values_list("name", flat=True))


def team_state(w: World):
    return Team.objects.values().get(pk=w.team.pk)


def membership_state(w: World):
    return (
        sorted(Membership.objects.filter(art=w.art).values_list("pk", flat=True)),
        User.objects.filter(email="new.person@example.com").exists(),
    )


def pi_state(w: World):
    return (
        list(ProgramIncrement.objects.filter(art=w.art).values().order_by("pk")),
        list(Iteration.objects.filter(pi__art=w.art).values_list("start_date", "end_date").order_by("start_date")),
    )


def art_url(w: World) -> str:
    return reverse("api-art-detail", args=[w.art.slug])


def team_url(w: World) -> str:
    return reverse("api-team-detail", args=[w.team.pk])


def pi_url(w: World) -> str:
    return reverse("api-pi-detail", args=[w.pi.pk])


WRITES = {
    "art-partial-update": Write(
        "patch", art_url, lambda w: {"wip_limit": 7, "name": "Payments Train"}, 200, 404, art_state
    ),
    "art-update": Write(
        "put",
        art_url,
        lambda w: {
            "name": "Payments Train",
            "time_zone": "Europe/Paris",
            "iteration_weeks": 3,
            "development_iterations": 5,
            "wip_limit": 8,
        },
        200,
        404,
        art_state,
    ),
    "team-create": Write(
        "post", lambda w: reverse("api-team-list"), lambda w: {"art": w.art.slug, "name": "Hawks"}, 201, 400, team_names
    ),
    "team-partial-update": Write("patch", team_url, lambda w: {"active": False}, 200, 404, team_state),
    "team-update": Write("put", team_url, lambda w: {"name": "Falcons Two", "active": True}, 200, 404, team_state),
    "membership-create": Write(
        "post",
        lambda w: reverse("api-membership-list"),
        lambda w: {
            "art": w.art.slug,
            "user": "New.Person@example.com",
            "display_name": "New Person",
            "role": Role.BUSINESS_OWNER,
        },
        201,
        400,
        membership_state,
    ),
    "membership-destroy": Write(
        "delete",
        lambda w: reverse("api-membership-detail", args=[w.leaving.pk]),
        None,
        204,
        404,
        membership_state,
    ),
    "pi-create": Write(
        "post",
        lambda w: reverse("api-pi-list"),
        lambda w: {"art": w.art.slug, "name": "PI 2027.1", "start_date": "2026-12-14"},
        201,
        400,
        pi_state,
    ),
    "pi-partial-update": Write("patch", pi_url, lambda w: {"name": "PI Autumn"}, 200, 404, pi_state),
    "pi-update": Write(
        "put",
        pi_url,
        lambda w: {"name": "PI 2026.4", "start_date": "2026-10-12", "iteration_weeks": 2, "development_iterations": 3},
        200,
        404,
        pi_state,
    ),
    "pi-advance": Write(
        "post", lambda w: reverse("api-pi-advance", args=[w.pi.pk]), lambda w: {"state": "planning"}, 200, 404, pi_state
    ),
}


@pytest.mark.parametrize("write", WRITES)
def test_rte_writes(write, rte, world):
    before = WRITES[write].snapshot(world)

    response = WRITES[write].send(client_for(rte), world)

    assert response.status_code == WRITES[write].success, response.content
    assert WRITES[write].snapshot(world) != before


@pytest.mark.parametrize("write", WRITES)
@pytest.mark.parametrize("persona", NOT_RTE, indirect=True)
def test_other_roles_cannot_write(write, persona, world):
    before = WRITES[write].snapshot(world)

    response = WRITES[write].send(client_for(persona), world)

    assert response.status_code == 403, response.content
    assert "Release Train Engineer" in response.json()["detail"]
    assert WRITES[write].snapshot(world) == before


@pytest.mark.parametrize("write", WRITES)
def test_outsider_cannot_write(write, outsider, world):
    before = WRITES[write].snapshot(world)

    response = WRITES[write].send(client_for(outsider), world)

    assert response.status_code == WRITES[write].outsider, response.content
    if response.status_code == 400:
        assert "does not exist" in messages(response, "art")
    assert WRITES[write].snapshot(world) == before


@pytest.mark.parametrize("write", WRITES)
def test_anonymous_cannot_write(write, world):
    before = WRITES[write].snapshot(world)

    response = WRITES[write].send(client_for(None), world)

    assert_unauthenticated(response)
    assert WRITES[write].snapshot(world) == before


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("delete", art_url),
        ("delete", team_url),
        ("patch", lambda w: reverse("api-membership-detail", args=[w.leaving.pk])),
        ("delete", pi_url),
        ("post", lambda w: reverse("api-iteration-list")),
        ("patch", lambda w: reverse("api-iteration-detail", args=[w.pi.iterations.first().pk])),
    ],
)
def test_writes_the_api_does_not_offer(method, url, rte_client, world):
    assert getattr(rte_client, method)(url(world), {}, format="json").status_code == 405


# --- what the writes store and answer ----------------------------------------------------


def test_created_pi_has_its_iterations_ip_last(rte_client, art):
    response = rte_client.post(
        reverse("api-pi-list"),
        {"art": art.slug, "name": "PI 2027.1", "start_date": "2027-01-04", "iteration_weeks": 3},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert body["art"] == "payments"
    assert body["end_date"] == "2027-04-18"  # 5 iterations of 3 weeks
    assert body["state"] == "preparing"
    assert [i["name"] for i in body["iterations"]] == ["Iteration 1", "Iteration 2", "Iteration 3", "Iteration 4", "IP"]
    assert body["iterations"][-1]["is_ip"] is True
    assert ProgramIncrement.objects.get(pk=body["id"]).iterations.count() == 5


def test_rescheduled_pi_answers_its_new_iterations(rte_client, pi):
    response = rte_client.patch(reverse("api-pi-detail", args=[pi.pk]), {"development_iterations": 2}, format="json")

    assert response.status_code == 200
    assert [i["name"] for i in response.json()["iterations"]] == ["Iteration 1", "Iteration 2", "IP"]
    assert response.json()["end_date"] == "2026-11-15"
    assert pi.iterations.count() == 3


def test_membership_for_an_existing_person_and_a_new_one(rte_client, art, team):
    existing = UserFactory(email="tess@example.com", display_name="Tess")

    for_existing = rte_client.post(
        reverse("api-membership-list"),
        {"art": art.slug, "user": "TESS@example.com", "role": Role.TEAM_MEMBER, "team": team.pk},
        format="json",
    )
    for_new = rte_client.post(
        reverse("api-membership-list"),
        {"art": art.slug, "user": "nia@example.com", "display_name": "Nia New", "role": Role.PRODUCT_MANAGEMENT},
        format="json",
    )

    assert for_existing.status_code == 201
    assert for_existing.json()["user"] == {"id": existing.pk, "email": "tess@example.com", "display_name": "Tess"}
    assert for_existing.json()["team"] == team.pk
    assert for_existing.json()["team_name"] == "Falcons"
    assert for_new.status_code == 201
    assert for_new.json()["team"] is None
    assert User.objects.get(email="nia@example.com").display_name == "Nia New"


def test_advance_walks_the_states_in_order(rte_client, pi):
    url = reverse("api-pi-advance", args=[pi.pk])

    states = [rte_client.post(url, {"state": s}, format="json").json()["state"] for s in ("planning", "executing")]

    assert states == ["planning", "executing"]
    pi.refresh_from_db()
    assert pi.state == ProgramIncrement.State.EXECUTING


def test_deactivated_team_keeps_its_history(rte_client, team, team_member):
    response = rte_client.patch(reverse("api-team-detail", args=[team.pk]), {"active": False}, format="json")

    assert response.status_code == 200
    assert response.json()["active"] is False
    assert Membership.objects.filter(team=team).exists()


# --- bad input: a clear 400, nothing saved, never a 500 ----------------------------------


def test_overlapping_pi_is_refused(rte_client, art, pi):
    response = rte_client.post(
        reverse("api-pi-list"), {"art": art.slug, "name": "PI clash", "start_date": "2026-11-02"}, format="json"
    )

    assert response.status_code == 400
    assert "overlap PI 2026.4" in messages(response, "start_date")
    assert list(ProgramIncrement.objects.values_list("name", flat=True)) == ["PI 2026.4"]


def test_duplicate_pi_name_is_refused(rte_client, art, pi):
    response = rte_client.post(
        reverse("api-pi-list"), {"art": art.slug, "name": "pi 2026.4", "start_date": "2027-01-04"}, format="json"
    )

    assert response.status_code == 400
    assert "already has a PI of that name" in messages(response, "non_field_errors")
    assert ProgramIncrement.objects.count() == 1


def test_rescheduling_a_pi_onto_another_is_refused(rte_client, art, pi):
    later = make_pi(art, name="PI 2027.1", start=date(2026, 12, 14))

    response = rte_client.patch(reverse("api-pi-detail", args=[later.pk]), {"start_date": "2026-12-07"}, format="json")

    assert response.status_code == 400
    assert "overlap" in messages(response, "start_date")
    later.refresh_from_db()
    assert later.start_date == date(2026, 12, 14)


@pytest.mark.parametrize("start_date", ["2026-02-30", "2026-13-01", "next monday", "", None, 20260105])
def test_impossible_start_date_is_refused(rte_client, art, start_date):
    response = rte_client.post(
        reverse("api-pi-list"), {"art": art.slug, "name": "PI 2026.1", "start_date": start_date}, format="json"
    )

    assert response.status_code == 400
    assert "start_date" in response.json()
    assert not ProgramIncrement.objects.exists()


def test_impossible_date_calls_for_a_real_date(rte_client, pi):
    response = rte_client.patch(reverse("api-pi-detail", args=[pi.pk]), {"start_date": "2026-02-30"}, format="json")

    assert response.status_code == 400
    assert "real calendar date" in messages(response, "start_date")
    pi.refresh_from_db()
    assert pi.start_date == date(2026, 10, 5)


@pytest.mark.parametrize("start_date", ["9999-12-01", "0146-10-05", "1999-12-31", "2101-01-01"])
def test_a_start_date_outside_2000_to_2100_is_refused(rte_client, art, start_date):
    response = rte_client.post(
        reverse("api-pi-list"), {"art": art.slug, "name": "PI far", "start_date": start_date}, format="json"
    )

    assert response.status_code == 400
    assert "give a date from 1 January 2000 to 31 December 2100" in messages(response, "start_date")
    assert not ProgramIncrement.objects.filter(name="PI far").exists()


@pytest.mark.parametrize("name", ["falcons", "FALCONS", "  Falcons "])
def test_duplicate_team_name_is_refused_whatever_its_case(rte_client, art, team, name):
    response = rte_client.post(reverse("api-team-list"), {"art": art.slug, "name": name}, format="json")

    assert response.status_code == 400
    assert "already has a team of that name" in messages(response, "non_field_errors")
    assert list(Team.objects.values_list("name", flat=True)) == ["Falcons"]


def test_renaming_a_team_onto_another_is_refused(rte_client, team, other_team):
    response = rte_client.patch(reverse("api-team-detail", args=[other_team.pk]), {"name": "falcons"}, format="json")

    assert response.status_code == 400
    assert "already has a team of that name" in messages(response, "non_field_errors")
    other_team.refresh_from_db()
    assert other_team.name == "Otters"


def test_blank_team_name_is_refused(rte_client, art):
    response = rte_client.post(reverse("api-team-list"), {"art": art.slug, "name": "   "}, format="json")

    assert response.status_code == 400
    assert "name" in response.json()
    assert not Team.objects.exists()


def test_membership_in_a_team_of_another_train_is_refused(rte_client, rte, art, other_art):
    MembershipFactory(user=rte, art=other_art, role=Role.RTE)  # the RTE sees that team, yet it is elsewhere
    elsewhere = TeamFactory(art=other_art, name="Lynxes")
    before = Membership.objects.count()

    response = rte_client.post(
        reverse("api-membership-list"),
        {
            "art": art.slug,
            "user": "new.person@example.com",
            "display_name": "New",
            "role": "team_member",
            "team": elsewhere.pk,
        },
        format="json",
    )

    assert response.status_code == 400
    assert "another train" in messages(response, "team")
    assert Membership.objects.count() == before
    assert not User.objects.filter(email="new.person@example.com").exists()


def test_membership_in_an_invisible_team_is_refused_as_unknown(rte_client, art, other_art):
    hidden = TeamFactory(art=other_art, name="Lynxes")

    response = rte_client.post(
        reverse("api-membership-list"),
        {
            "art": art.slug,
            "user": "someone@example.com",
            "display_name": "Some One",
            "role": "team_member",
            "team": hidden.pk,
        },
        format="json",
    )

    assert response.status_code == 400
    # The same words as every endpoint that names a team (artops.api_base.VisibleTeamField).
    assert messages(response, "team") == f"There is no team with id {hidden.pk} on your trains."


@pytest.mark.parametrize(
    ("role", "with_team", "message"),
    [
        (Role.SCRUM_MASTER, False, "belongs to a team"),
        (Role.TEAM_MEMBER, False, "belongs to a team"),
        (Role.BUSINESS_OWNER, True, "serves the whole train"),
    ],
)
def test_team_and_role_must_agree(rte_client, art, team, role, with_team, message):
    before = Membership.objects.count()

    response = rte_client.post(
        reverse("api-membership-list"),
        {
            "art": art.slug,
            "user": "new.person@example.com",
            "display_name": "New",
            "role": role,
            "team": team.pk if with_team else None,
        },
        format="json",
    )

    assert response.status_code == 400
    assert message in messages(response, "team")
    assert Membership.objects.count() == before
    assert not User.objects.filter(email="new.person@example.com").exists()


def test_only_the_rte_learns_whether_an_email_has_an_account(team_member, art):
    response = client_for(team_member).post(
        reverse("api-membership-list"),
        {"art": art.slug, "user": "nobody@example.com", "role": Role.BUSINESS_OWNER},
        format="json",
    )

    assert response.status_code == 403


def test_new_person_needs_a_name(rte_client, art):
    response = rte_client.post(
        reverse("api-membership-list"),
        {"art": art.slug, "user": "nobody@example.com", "role": Role.BUSINESS_OWNER},
        format="json",
    )

    assert response.status_code == 400
    assert "give the person's name" in messages(response, "display_name")
    assert not User.objects.filter(email="nobody@example.com").exists()


@pytest.mark.parametrize(
    ("user", "role", "field"), [("not-an-email", "rte", "user"), ("ok@example.com", "wizard", "role")]
)
def test_membership_payload_shape_is_checked(rte_client, art, user, role, field):
    response = rte_client.post(
        reverse("api-membership-list"),
        {"art": art.slug, "user": user, "display_name": "X", "role": role},
        format="json",
    )

    assert response.status_code == 400
    assert set(response.json()) == {field}


def test_same_role_twice_is_refused(rte_client, rte, art):
    response = rte_client.post(
        reverse("api-membership-list"), {"art": art.slug, "user": rte.email, "role": Role.RTE}, format="json"
    )

    assert response.status_code == 400
    assert "already holds this role" in messages(response, "non_field_errors")


def test_last_rte_cannot_be_removed(rte_client, rte, art):
    own = Membership.objects.get(user=rte, art=art)

    response = rte_client.delete(reverse("api-membership-detail", args=[own.pk]))

    assert response.status_code == 400
    assert "needs a Release Train Engineer" in messages(response, "non_field_errors")
    assert Membership.objects.filter(pk=own.pk).exists()


@pytest.mark.parametrize("weeks", [0, 9, -1, 70000, "two"])
def test_iteration_weeks_out_of_range_is_refused(rte_client, art, weeks):
    response = rte_client.patch(reverse("api-art-detail", args=[art.slug]), {"iteration_weeks": weeks}, format="json")

    assert response.status_code == 400
    assert "iteration_weeks" in response.json()
    art.refresh_from_db()
    assert art.iteration_weeks == 2


@pytest.mark.parametrize("weeks", [0, 9])
def test_pi_with_iteration_weeks_out_of_range_is_refused(rte_client, art, weeks):
    response = rte_client.post(
        reverse("api-pi-list"),
        {"art": art.slug, "name": "PI 2026.1", "start_date": "2026-01-05", "iteration_weeks": weeks},
        format="json",
    )

    assert response.status_code == 400
    assert "iteration_weeks" in response.json()
    assert not ProgramIncrement.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"time_zone": "Mars/Olympus_Mons"}, "time_zone"), ({"wip_limit": 0}, "wip_limit"), ({"name": ""}, "name")],
)
def test_bad_art_settings_are_refused(rte_client, art, changes, field):
    response = rte_client.patch(reverse("api-art-detail", args=[art.slug]), changes, format="json")

    assert response.status_code == 400
    assert field in response.json()
    art.refresh_from_db()
    assert (art.time_zone, art.wip_limit, art.name) == ("Europe/Berlin", 10, "Payments ART")


def test_art_name_of_another_train_is_refused(rte_client, art, other_art):
    response = rte_client.patch(reverse("api-art-detail", args=[art.slug]), {"name": "Lending ART"}, format="json")

    assert response.status_code == 400
    assert "name" in response.json()


@pytest.mark.parametrize("state", ["done", "", "PLANNING", None])
def test_unknown_pi_state_is_refused(rte_client, pi, state):
    response = rte_client.post(reverse("api-pi-advance", args=[pi.pk]), {"state": state}, format="json")

    assert response.status_code == 400
    assert "state" in response.json()
    pi.refresh_from_db()
    assert pi.state == ProgramIncrement.State.PREPARING


def test_advance_cannot_skip_a_state(rte_client, pi):
    response = rte_client.post(reverse("api-pi-advance", args=[pi.pk]), {"state": "executing"}, format="json")

    assert response.status_code == 400
    assert messages(response, "state") == "A PI in state Preparing moves only to PI Planning."
    pi.refresh_from_db()
    assert pi.state == ProgramIncrement.State.PREPARING


def test_closed_pi_moves_nowhere(rte_client, art):
    closed = make_pi(art, name="PI 2025.4", start=date(2025, 10, 6), state=ProgramIncrement.State.CLOSED)

    response = rte_client.post(reverse("api-pi-advance", args=[closed.pk]), {"state": "preparing"}, format="json")

    assert response.status_code == 400
    assert "nowhere" in messages(response, "state")


def test_malformed_json_is_refused(rte_client, art):
    response = rte_client.generic(
        "PATCH", reverse("api-art-detail", args=[art.slug]), "{not json", content_type="application/json"
    )

    assert response.status_code == 400


def test_session_writes_need_the_csrf_token(rte, art):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(rte)

    response = client.patch(reverse("api-art-detail", args=[art.slug]), {"wip_limit": 3}, format="json")

    assert response.status_code == 403
    art.refresh_from_db()
    assert art.wip_limit == 10


# --- filters and ordering ----------------------------------------------------------------


def listed(client: APIClient, basename: str, **params) -> list[dict]:
    response = client.get(reverse(f"{basename}-list"), params)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_team_filters(rte_client, rte, art, team, other_team, other_art):
    other_team.active = False
    other_team.save()
    MembershipFactory(user=rte, art=other_art, role=Role.RTE)
    TeamFactory(art=other_art, name="Lynxes")

    assert [t["name"] for t in listed(rte_client, "api-team", art="payments")] == ["Falcons", "Otters"]
    assert [t["name"] for t in listed(rte_client, "api-team", art="payments", active="false")] == ["Otters"]
    assert [t["name"] for t in listed(rte_client, "api-team", active="true")] == ["Falcons", "Lynxes"]
    assert [t["name"] for t in listed(rte_client, "api-team", ordering="-name")] == ["Otters", "Lynxes", "Falcons"]


def test_membership_filters(rte_client, rte, art, team, other_team, scrum_master, product_owner):
    make_member(art, Role.TEAM_MEMBER, other_team, email="otto@example.com", display_name="Otto")

    assert {m["user"]["email"] for m in listed(rte_client, "api-membership", team=team.pk)} == {
        scrum_master.email,
        product_owner.email,
    }
    assert [m["user"]["display_name"] for m in listed(rte_client, "api-membership", role="scrum_master")] == [
        "Sam Master"
    ]
    assert [m["role"] for m in listed(rte_client, "api-membership", user="OTTO@example.com")] == ["team_member"]
    assert len(listed(rte_client, "api-membership", art="payments")) == 4
    assert listed(rte_client, "api-membership", art="lending") == []


def test_pi_filters(rte_client, art, pi):
    make_pi(art, name="PI 2026.3", start=date(2026, 7, 27), state=ProgramIncrement.State.EXECUTING)

    assert [p["name"] for p in listed(rte_client, "api-pi", state="executing")] == ["PI 2026.3"]
    assert [p["name"] for p in listed(rte_client, "api-pi", art="payments")] == ["PI 2026.3", "PI 2026.4"]
    assert [p["name"] for p in listed(rte_client, "api-pi", ordering="-start_date")] == ["PI 2026.4", "PI 2026.3"]


def test_iteration_filters(rte_client, art, pi):
    other = make_pi(art, name="PI 2027.1", start=date(2026, 12, 14), iterations=2)

    assert len(listed(rte_client, "api-iteration", pi=other.pk)) == 3
    ips = listed(rte_client, "api-iteration", is_ip="true")
    assert [(i["pi"], i["name"]) for i in ips] == [(pi.pk, "IP"), (other.pk, "IP")]
    assert len(listed(rte_client, "api-iteration", pi=pi.pk, is_ip="false")) == 4


@pytest.mark.parametrize(
    ("basename", "params"),
    [
        ("api-membership", {"role": "wizard"}),
        ("api-membership", {"team": "falcons"}),
        ("api-pi", {"state": "done"}),
        ("api-iteration", {"pi": "first"}),
    ],
)
def test_bad_filter_values_are_refused(rte_client, art, basename, params):
    assert rte_client.get(reverse(f"{basename}-list"), params).status_code == 400


# --- query counts: constant whatever the size of the train -------------------------------


def list_queries(client: APIClient, url: str) -> tuple[int, int]:
    """(number of queries, number of rows listed) of one GET of ``url``."""
    queries, response = helpers.count_queries(client.get, url)
    assert response.status_code == 200, response.content
    return queries, response.json()["count"]


def assert_constant_queries(client: APIClient, url: str, grow: Callable[[], None], *, expected: int) -> None:
    """The same, pinned number of queries before and after ``grow()`` adds rows to the list."""
    small_queries, small_rows = list_queries(client, url)
    grow()
    large_queries, large_rows = list_queries(client, url)
    assert large_rows >= small_rows + 10
    assert (small_queries, large_queries) == (expected, expected)


# Session, user, COUNT(*) for the page, the page itself (and one for the PIs' iterations).
LIST_QUERIES = {"arts": 4, "teams": 4, "memberships": 4, "pis": 5, "iterations": 4}


def test_art_list_queries_are_constant(rte, art, django_assert_num_queries):
    client = client_for(rte)
    url = reverse("api-art-list")
    MembershipFactory(user=rte, art=ARTFactory(), role=Role.BUSINESS_OWNER)  # 2 trains

    def grow():
        for _ in range(10):
            MembershipFactory(user=rte, art=ARTFactory(), role=Role.RTE)

    assert_constant_queries(client, url, grow, expected=LIST_QUERIES["arts"])
    with django_assert_num_queries(LIST_QUERIES["arts"]):
        client.get(url)


def test_team_list_queries_are_constant(rte, art, team, other_team, django_assert_num_queries):
    client = client_for(rte)
    url = reverse("api-team-list")

    def grow():
        for number in range(10):
            TeamFactory(art=art, name=f"Squad {number}")

    assert_constant_queries(client, url, grow, expected=LIST_QUERIES["teams"])
    with django_assert_num_queries(LIST_QUERIES["teams"]):
        client.get(url)


def test_membership_list_queries_are_constant(rte, art, team, scrum_master, django_assert_num_queries):
    client = client_for(rte)
    url = reverse("api-membership-list")

    def grow():
        for number in range(10):
            make_member(art, Role.TEAM_MEMBER, TeamFactory(art=art, name=f"Squad {number}"))

    assert_constant_queries(client, url, grow, expected=LIST_QUERIES["memberships"])
    with django_assert_num_queries(LIST_QUERIES["memberships"]):
        client.get(url)


def consecutive_pis(art: ART, *, first: date, count: int, prefix: str) -> None:
    for number in range(count):
        make_pi(art, name=f"{prefix} {number}", start=first + timedelta(weeks=10 * number))


def test_pi_list_queries_are_constant(rte, art, django_assert_num_queries):
    client = client_for(rte)
    url = reverse("api-pi-list")
    consecutive_pis(art, first=date(2026, 1, 5), count=2, prefix="PI A")

    def grow():
        consecutive_pis(art, first=date(2027, 1, 4), count=10, prefix="PI B")

    assert_constant_queries(client, url, grow, expected=LIST_QUERIES["pis"])
    with django_assert_num_queries(LIST_QUERIES["pis"]):
        client.get(url)


def test_iteration_list_queries_are_constant(rte, art, django_assert_num_queries):
    client = client_for(rte)
    url = reverse("api-iteration-list")
    consecutive_pis(art, first=date(2026, 1, 5), count=2, prefix="PI A")

    def grow():
        consecutive_pis(art, first=date(2027, 1, 4), count=10, prefix="PI B")

    assert_constant_queries(client, url, grow, expected=LIST_QUERIES["iterations"])
    with django_assert_num_queries(LIST_QUERIES["iterations"]):
        client.get(url)


# --- authentication, schema and docs -----------------------------------------------------


def test_token_authenticates_reads_and_writes(rte, art):
    token = Token.objects.create(user=rte)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    listing = client.get(reverse("api-art-list"))
    change = client.patch(reverse("api-art-detail", args=[art.slug]), {"wip_limit": 12}, format="json")

    assert listing.status_code == 200
    assert [a["slug"] for a in listing.json()["results"]] == ["payments"]
    assert change.status_code == 200
    art.refresh_from_db()
    assert art.wip_limit == 12


def test_unknown_token_is_refused(art):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")

    assert_unauthenticated(client.get(reverse("api-art-list")))


def test_schema_is_served(rte_client):
    response = rte_client.get(reverse("api-schema"))

    assert response.status_code == 200
    assert b"/api/pis/{id}/advance/" in response.content


def test_docs_use_only_local_assets(rte_client):
    response = rte_client.get(reverse("api-docs"))

    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets
    assert all(asset.startswith(("/static/", "/api/docs/?")) for asset in assets), assets
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in assets
    assert "<script>" not in html  # no inline script: the CSP allows 'self' only
    assert "script-src 'self'" in response["Content-Security-Policy"]

    script_url = next(asset for asset in assets if asset.startswith("/api/docs/?"))
    script = rte_client.get(script_url.replace("&amp;", "&"))
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert b"/api/schema/" in script.content
