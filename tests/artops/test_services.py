"""The core services, called directly (no HTTP): validation, SAFe cadence rules and capability checks."""

import itertools
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError

from artops import services
from artops.models import ART, Iteration, Membership, ProgramIncrement, Role, Team, User
from tests.conftest import make_member
from tests.factories import MembershipFactory, TeamFactory, UserFactory, make_pi

pytestmark = pytest.mark.django_db

State = ProgramIncrement.State


def messages_of(error: ValidationError) -> str:
    return " ".join(error.messages)


def iteration_rows(pi: ProgramIncrement) -> list[tuple]:
    return list(pi.iterations.order_by("number").values_list("number", "name", "start_date", "end_date", "is_ip"))


def snapshot() -> dict[str, list]:
    """Every row of the core domain, to show that a refused call wrote nothing."""
    return {
        model.__name__: list(model.objects.order_by("pk").values())
        for model in (ART, Team, User, Membership, ProgramIncrement, Iteration)
    }


# --- create_pi ----------------------------------------------------------------------------


def test_create_pi_uses_the_art_cadence_by_default(art, rte):
    pi = services.create_pi(art, name=" PI 2026.4 ", start_date=date(2026, 10, 5), by=rte)

    pi.refresh_from_db()
    assert pi.name == "PI 2026.4"
    assert (pi.iteration_weeks, pi.development_iterations) == (2, 4)
    assert pi.end_date == date(2026, 12, 13)
    assert pi.state == State.PREPARING
    assert iteration_rows(pi) == [
        (1, "Iteration 1", date(2026, 10, 5), date(2026, 10, 18), False),
        (2, "Iteration 2", date(2026, 10, 19), date(2026, 11, 1), False),
        (3, "Iteration 3", date(2026, 11, 2), date(2026, 11, 15), False),
        (4, "Iteration 4", date(2026, 11, 16), date(2026, 11, 29), False),
        (5, "IP", date(2026, 11, 30), date(2026, 12, 13), True),
    ]


def test_create_pi_follows_a_changed_art_cadence(rte, art):
    art.iteration_weeks, art.development_iterations = 3, 3
    art.save()
    pi = services.create_pi(art, name="PI 1", start_date=date(2026, 1, 5), by=rte)
    assert (pi.iteration_weeks, pi.development_iterations) == (3, 3)
    assert pi.end_date == date(2026, 3, 29)
    assert [row[1] for row in iteration_rows(pi)] == ["Iteration 1", "Iteration 2", "Iteration 3", "IP"]


@pytest.mark.parametrize(
    ("weeks", "dev", "end", "count"),
    [(1, 4, date(2026, 2, 8), 5), (3, 3, date(2026, 3, 29), 4), (2, 6, date(2026, 4, 12), 7)],
)
def test_create_pi_with_explicit_cadence(art, rte, weeks, dev, end, count):
    pi = services.create_pi(
        art, name="PI 1", start_date=date(2026, 1, 5), iteration_weeks=weeks, development_iterations=dev, by=rte
    )
    rows = iteration_rows(pi)
    assert (pi.iteration_weeks, pi.development_iterations, pi.end_date) == (weeks, dev, end)
    assert len(rows) == count
    assert rows[0][2] == date(2026, 1, 5)
    assert rows[-1][3] == end
    assert rows[-1][1:] == ("IP", end - timedelta(weeks=weeks, days=-1), end, True)
    assert all(current[2] == previous[3] + timedelta(days=1) for previous, current in itertools.pairwise(rows))


@pytest.mark.parametrize(
    "start",
    [date(2026, 12, 13), date(2026, 9, 1), date(2026, 11, 2), date(2026, 8, 1)],
    ids=["starts-on-last-day", "ends-inside", "starts-inside", "surrounds"],
)
def test_create_pi_overlapping_another_is_refused_and_nothing_saved(art, rte, pi, start):
    before = snapshot()
    weeks = 4 if start == date(2026, 8, 1) else 2  # the last one runs 20 weeks, over the whole of ``pi``
    with pytest.raises(ValidationError) as error:
        services.create_pi(art, name="PI clash", start_date=start, iteration_weeks=weeks, by=rte)
    assert "start_date" in error.value.message_dict
    assert "PI 2026.4" in messages_of(error.value)
    assert "overlap" in messages_of(error.value)
    assert snapshot() == before


def test_create_pi_adjacent_to_another_is_allowed(art, rte, pi):
    after = services.create_pi(art, name="PI 2027.1", start_date=pi.end_date + timedelta(days=1), by=rte)
    before = services.create_pi(art, name="PI 2026.3", start_date=date(2026, 7, 27), by=rte)
    assert before.end_date == pi.start_date - timedelta(days=1)
    assert ProgramIncrement.objects.filter(art=art).count() == 3
    assert after.iterations.count() == before.iterations.count() == 5


def test_create_pi_overlapping_a_pi_of_another_art_is_allowed(art, rte, other_art, pi):
    make_pi(other_art, name="PI 2026.4", start=pi.start_date)
    services.create_pi(art, name="PI 2027.1", start_date=date(2026, 12, 14), by=rte)
    assert ProgramIncrement.objects.count() == 3


def test_create_pi_duplicate_name_refused(art, rte, pi):
    before = snapshot()
    with pytest.raises(ValidationError, match="already has a PI of that name"):
        services.create_pi(art, name="pi 2026.4", start_date=date(2027, 1, 4), by=rte)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("weeks", "dev", "field"),
    [
        (0, 4, "iteration_weeks"),
        (9, 4, "iteration_weeks"),
        (5, 4, "iteration_weeks"),
        (2, 0, "development_iterations"),
        (2, 9, "development_iterations"),
    ],
)
def test_create_pi_bad_cadence_refused(art, rte, weeks, dev, field):
    before = snapshot()
    with pytest.raises(ValidationError) as error:
        services.create_pi(
            art, name="PI 1", start_date=date(2026, 1, 5), iteration_weeks=weeks, development_iterations=dev, by=rte
        )
    assert set(error.value.message_dict) == {field}
    assert snapshot() == before


# --- update_pi ----------------------------------------------------------------------------


def test_update_pi_rename_keeps_iterations(rte, pi):
    ids = list(pi.iterations.values_list("pk", flat=True))
    rows = iteration_rows(pi)

    updated = services.update_pi(pi, by=rte, name="PI 2026.Q4")

    assert ProgramIncrement.objects.get(pk=pi.pk).name == "PI 2026.Q4"
    assert updated.name == "PI 2026.Q4"
    assert list(pi.iterations.values_list("pk", flat=True)) == ids
    assert iteration_rows(pi) == rows


def test_update_pi_with_unchanged_schedule_keeps_iterations(rte, pi):
    ids = list(pi.iterations.values_list("pk", flat=True))
    services.update_pi(pi, by=rte, start_date=pi.start_date, iteration_weeks=2, development_iterations=4)
    assert list(pi.iterations.values_list("pk", flat=True)) == ids


def test_update_pi_new_start_regenerates_iterations(rte, pi):
    updated = services.update_pi(pi, by=rte, start_date=date(2026, 10, 12))

    stored = ProgramIncrement.objects.get(pk=pi.pk)
    assert (stored.start_date, stored.end_date) == (date(2026, 10, 12), date(2026, 12, 20))
    assert updated.end_date == date(2026, 12, 20)
    rows = iteration_rows(pi)
    assert len(rows) == 5
    assert rows[0][2:4] == (date(2026, 10, 12), date(2026, 10, 25))
    assert rows[-1] == (5, "IP", date(2026, 12, 7), date(2026, 12, 20), True)


def test_update_pi_new_cadence_regenerates_iterations(rte, pi):
    services.update_pi(pi, by=rte, iteration_weeks=3, development_iterations=3)

    stored = ProgramIncrement.objects.get(pk=pi.pk)
    assert (stored.iteration_weeks, stored.development_iterations) == (3, 3)
    assert stored.end_date == date(2026, 12, 27)
    assert iteration_rows(pi) == [
        (1, "Iteration 1", date(2026, 10, 5), date(2026, 10, 25), False),
        (2, "Iteration 2", date(2026, 10, 26), date(2026, 11, 15), False),
        (3, "Iteration 3", date(2026, 11, 16), date(2026, 12, 6), False),
        (4, "IP", date(2026, 12, 7), date(2026, 12, 27), True),
    ]


def test_update_pi_more_iterations_regenerates_iterations(rte, pi):
    services.update_pi(pi, by=rte, development_iterations=6)
    rows = iteration_rows(pi)
    assert [row[1] for row in rows] == [f"Iteration {n}" for n in range(1, 7)] + ["IP"]
    assert rows[-1][3] == ProgramIncrement.objects.get(pk=pi.pk).end_date == date(2027, 1, 10)


def test_update_pi_into_the_next_pi_refused(art, rte, pi):
    make_pi(art, name="PI 2027.1", start=date(2026, 12, 14))
    before = snapshot()
    with pytest.raises(ValidationError, match=r"PI 2027\.1"):
        services.update_pi(pi, by=rte, development_iterations=5)
    assert snapshot() == before


@pytest.mark.parametrize(
    "changes",
    [{"start_date": date(2026, 10, 12)}, {"iteration_weeks": 3}, {"development_iterations": 3}],
)
def test_update_pi_refuses_schedule_change_of_a_closed_pi(art, rte, changes):
    closed = make_pi(art, name="PI old", start=date(2026, 1, 5), state=State.CLOSED)
    before = snapshot()
    with pytest.raises(ValidationError, match="closed"):
        services.update_pi(closed, by=rte, **changes)
    assert snapshot() == before


def test_update_pi_rename_of_a_closed_pi_allowed(art, rte):
    closed = make_pi(art, name="PI old", start=date(2026, 1, 5), state=State.CLOSED)
    rows = iteration_rows(closed)
    services.update_pi(closed, by=rte, name="PI 2026.1")
    assert ProgramIncrement.objects.get(pk=closed.pk).name == "PI 2026.1"
    assert iteration_rows(closed) == rows


@pytest.mark.parametrize(("weeks", "dev"), [(0, 4), (9, 4), (2, 0), (2, 9)])
def test_update_pi_bad_cadence_refused(rte, pi, weeks, dev):
    before = snapshot()
    with pytest.raises(ValidationError):
        services.update_pi(pi, by=rte, iteration_weeks=weeks, development_iterations=dev)
    assert snapshot() == before


# --- advance_pi ---------------------------------------------------------------------------

ALLOWED_MOVES = {(State.PREPARING, State.PLANNING), (State.PLANNING, State.EXECUTING), (State.EXECUTING, State.CLOSED)}


@pytest.mark.parametrize(("current", "target"), [(a, b) for a in State for b in State])
def test_advance_pi_only_one_step_forward(art, rte, current, target):
    pi = make_pi(art, name="PI 1", start=date(2026, 1, 5), state=current)
    if (current, target) in ALLOWED_MOVES:
        result = services.advance_pi(pi, to=target.value, by=rte)
        assert result.state == target
    else:
        with pytest.raises(ValidationError) as error:
            services.advance_pi(pi, to=target.value, by=rte)
        assert "state" in error.value.message_dict
    pi.refresh_from_db()
    assert pi.state == (target if (current, target) in ALLOWED_MOVES else current)


@pytest.mark.parametrize("target", ["archived", "", "PLANNING"])
def test_advance_pi_unknown_state_refused(rte, pi, target):
    with pytest.raises(ValidationError, match="not a PI state"):
        services.advance_pi(pi, to=target, by=rte)
    pi.refresh_from_db()
    assert pi.state == State.PREPARING


def test_advance_pi_accepts_the_enum(rte, pi):
    assert services.advance_pi(pi, to=State.PLANNING, by=rte).state == State.PLANNING


# --- teams --------------------------------------------------------------------------------


def test_create_team(art, rte):
    team = services.create_team(art, name="  Pumas ", by=rte)
    assert Team.objects.get(pk=team.pk).name == "Pumas"
    assert team.art == art
    assert team.active


@pytest.mark.parametrize("name", ["Falcons", "falcons", " FALCONS "])
def test_create_team_duplicate_name_refused(art, rte, team, name):
    before = snapshot()
    with pytest.raises(ValidationError, match=r"This train already has a team of that name\."):
        services.create_team(art, name=name, by=rte)
    assert snapshot() == before


def test_create_team_same_name_as_in_another_art_allowed(art, rte, other_art):
    TeamFactory(art=other_art, name="Falcons")
    assert services.create_team(art, name="Falcons", by=rte).art == art


def test_create_team_blank_name_refused(art, rte):
    with pytest.raises(ValidationError):
        services.create_team(art, name="   ", by=rte)
    assert not Team.objects.filter(art=art).exists()


def test_update_team_duplicate_name_refused(rte, team, other_team):
    with pytest.raises(ValidationError, match=r"This train already has a team of that name\."):
        services.update_team(other_team, by=rte, name="FALCONS")
    assert Team.objects.get(pk=other_team.pk).name == "Otters"


def test_update_team_rename_and_deactivate(rte, team):
    services.update_team(team, by=rte, name="falcons")  # its own name in another case
    services.update_team(team, by=rte, active=False)
    team.refresh_from_db()
    assert (team.name, team.active) == ("falcons", False)


# --- memberships --------------------------------------------------------------------------


def test_add_membership_art_wide_and_team_scoped(art, rte, team):
    person = UserFactory()
    bo = services.add_membership(art, user=person, role=Role.BUSINESS_OWNER, by=rte)
    sm = services.add_membership(art, user=person, role="scrum_master", team=team, by=rte)
    assert (bo.role, bo.team) == (Role.BUSINESS_OWNER, None)
    assert (sm.role, sm.team) == (Role.SCRUM_MASTER, team)
    assert Membership.objects.filter(user=person, art=art).count() == 2


@pytest.mark.parametrize("role", sorted(Role.team_scoped()))
def test_add_membership_team_scoped_role_without_team_refused(art, rte, role):
    person = UserFactory()
    with pytest.raises(ValidationError) as error:
        services.add_membership(art, user=person, role=role, by=rte)
    assert "team" in error.value.message_dict
    assert not Membership.objects.filter(user=person).exists()


@pytest.mark.parametrize("role", sorted(set(Role) - Role.team_scoped()))
def test_add_membership_art_wide_role_with_team_refused(art, rte, team, role):
    person = UserFactory()
    with pytest.raises(ValidationError) as error:
        services.add_membership(art, user=person, role=role, team=team, by=rte)
    assert "whole train" in " ".join(error.value.message_dict["team"])
    assert not Membership.objects.filter(user=person).exists()


def test_add_membership_team_of_another_art_refused(art, rte, other_art):
    foreign_team = TeamFactory(art=other_art, name="Lenders")
    person = UserFactory()
    with pytest.raises(ValidationError) as error:
        services.add_membership(art, user=person, role=Role.TEAM_MEMBER, team=foreign_team, by=rte)
    assert error.value.message_dict == {"team": ["That team belongs to another train."]}
    assert not Membership.objects.filter(user=person).exists()


@pytest.mark.parametrize(("role", "with_team"), [(Role.RTE, False), (Role.PRODUCT_OWNER, True)])
def test_add_membership_duplicate_refused(art, rte, team, role, with_team):
    person = UserFactory(display_name="Dana Dup")
    services.add_membership(art, user=person, role=role, team=team if with_team else None, by=rte)
    with pytest.raises(ValidationError, match="Dana Dup already holds this role"):
        services.add_membership(art, user=person, role=role, team=team if with_team else None, by=rte)
    assert Membership.objects.filter(user=person).count() == 1


def test_add_membership_same_role_in_another_team_allowed(art, rte, team, other_team):
    person = UserFactory()
    services.add_membership(art, user=person, role=Role.PRODUCT_OWNER, team=team, by=rte)
    services.add_membership(art, user=person, role=Role.PRODUCT_OWNER, team=other_team, by=rte)
    assert Membership.objects.filter(user=person).count() == 2


def test_remove_membership_refuses_the_last_rte(art, rte):
    membership = Membership.objects.get(user=rte, art=art, role=Role.RTE)
    with pytest.raises(ValidationError, match="needs a Release Train Engineer"):
        services.remove_membership(membership, by=rte)
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_remove_membership_allows_an_rte_when_there_are_two(art, rte):
    second = make_member(art, Role.RTE)
    membership = Membership.objects.get(user=rte, art=art, role=Role.RTE)
    services.remove_membership(membership, by=second)
    assert list(Membership.objects.filter(art=art, role=Role.RTE).values_list("user", flat=True)) == [second.pk]


def test_remove_membership_rte_of_another_train_does_not_count(art, rte, outsider):
    """The outsider is an RTE too, but of another train: ``rte`` is still this train's only one."""
    with pytest.raises(ValidationError):
        services.remove_membership(Membership.objects.get(user=rte, art=art), by=rte)


def test_remove_membership_of_a_team_member(art, rte, team_member):
    membership = Membership.objects.get(user=team_member)
    services.remove_membership(membership, by=rte)
    assert not Membership.objects.filter(user=team_member).exists()


# --- people -------------------------------------------------------------------------------


def test_find_or_create_person_returns_existing_whatever_the_case():
    existing = UserFactory(email="ada@example.com", display_name="Ada Lovelace")
    count = User.objects.count()
    assert services.find_or_create_person(email="  ADA@Example.COM ") == existing
    assert services.find_or_create_person(email="ada@example.com", display_name="Someone Else") == existing
    assert User.objects.count() == count
    existing.refresh_from_db()
    assert existing.display_name == "Ada Lovelace"


@pytest.mark.parametrize("display_name", ["", "   "])
def test_find_or_create_person_needs_a_name_for_a_new_person(display_name):
    with pytest.raises(ValidationError) as error:
        services.find_or_create_person(email="grace@example.com", display_name=display_name)
    assert "display_name" in error.value.message_dict
    assert not User.objects.filter(email="grace@example.com").exists()


def test_find_or_create_person_creates_with_unusable_password():
    user = services.find_or_create_person(email=" Grace.Hopper@Example.COM", display_name=" Grace Hopper ")
    user.refresh_from_db()
    assert (user.email, user.display_name) == ("grace.hopper@example.com", "Grace Hopper")
    assert not user.has_usable_password()
    assert user.is_active
    assert not user.is_staff


def test_find_or_create_person_invalid_email_refused():
    with pytest.raises(ValidationError) as error:
        services.find_or_create_person(email="not-an-email", display_name="Nobody")
    assert "email" in error.value.message_dict
    assert not User.objects.filter(display_name="Nobody").exists()


# --- update_art ---------------------------------------------------------------------------


def test_update_art_changes_settings(art, rte):
    services.update_art(art, by=rte, iteration_weeks=3, development_iterations=5, time_zone="America/New_York")
    art.refresh_from_db()
    assert (art.iteration_weeks, art.development_iterations, art.time_zone) == (3, 5, "America/New_York")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"iteration_weeks": 0}, "iteration_weeks"),
        ({"iteration_weeks": 9}, "iteration_weeks"),
        ({"development_iterations": 0}, "development_iterations"),
        ({"development_iterations": 9}, "development_iterations"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
    ],
)
def test_update_art_invalid_settings_refused(art, rte, changes, field):
    before = snapshot()
    with pytest.raises(ValidationError) as error:
        services.update_art(art, by=rte, **changes)
    assert field in error.value.message_dict
    assert snapshot() == before


def test_update_art_cadence_applies_to_new_pis_only(art, rte, pi):
    rows = iteration_rows(pi)
    services.update_art(art, by=rte, iteration_weeks=1, development_iterations=6)
    pi.refresh_from_db()
    assert (pi.iteration_weeks, pi.development_iterations) == (2, 4)
    assert iteration_rows(pi) == rows
    new = services.create_pi(art, name="PI 2027.1", start_date=date(2026, 12, 14), by=rte)
    assert (new.iteration_weeks, new.development_iterations, new.iterations.count()) == (1, 6, 7)


def test_update_art_name_taken_by_another_train_refused(art, rte, other_art):
    with pytest.raises(ValidationError) as error:
        services.update_art(art, by=rte, name=other_art.name)
    assert "name" in error.value.message_dict
    assert ART.objects.get(pk=art.pk).name == "Payments ART"


def test_update_art_unknown_setting_refused(art, rte):
    before = snapshot()
    with pytest.raises(ValidationError, match="slug"):
        services.update_art(art, by=rte, slug="hijacked")
    assert snapshot() == before


# --- who may call them: only the RTE of this train ----------------------------------------


@pytest.fixture
def scene(art, team, pi):
    """What the services act on: a train with a team, a PI and a Business Owner."""
    bo_membership = MembershipFactory(art=art, role=Role.BUSINESS_OWNER, team=None)
    return {"art": art, "team": team, "pi": pi, "bo_membership": bo_membership, "newcomer": UserFactory()}


SERVICE_CALLS = {
    "update_art": lambda s, by: services.update_art(s["art"], by=by, name="Renamed ART", iteration_weeks=3),
    "create_team": lambda s, by: services.create_team(s["art"], name="Pumas", by=by),
    "update_team": lambda s, by: services.update_team(s["team"], by=by, name="Renamed", active=False),
    "add_membership": lambda s, by: services.add_membership(
        s["art"], user=s["newcomer"], role=Role.BUSINESS_OWNER, by=by
    ),
    "add_team_membership": lambda s, by: services.add_membership(
        s["art"], user=s["newcomer"], role=Role.TEAM_MEMBER, team=s["team"], by=by
    ),
    "remove_membership": lambda s, by: services.remove_membership(s["bo_membership"], by=by),
    "create_pi": lambda s, by: services.create_pi(s["art"], name="PI 2027.1", start_date=date(2027, 1, 4), by=by),
    "update_pi_name": lambda s, by: services.update_pi(s["pi"], by=by, name="Renamed PI"),
    "update_pi_schedule": lambda s, by: services.update_pi(s["pi"], by=by, start_date=date(2026, 10, 12)),
    "advance_pi": lambda s, by: services.advance_pi(s["pi"], to=State.PLANNING, by=by),
}

NOT_RTE_OF_THIS_TRAIN = [
    "product_manager",
    "system_architect",
    "business_owner",
    "scrum_master",
    "product_owner",
    "team_member",
    "outsider",
]


@pytest.mark.parametrize("persona", NOT_RTE_OF_THIS_TRAIN, indirect=True)
@pytest.mark.parametrize("call", sorted(SERVICE_CALLS))
def test_service_refuses_anyone_but_the_rte(scene, persona, call):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        SERVICE_CALLS[call](scene, persona)
    assert snapshot() == before


@pytest.mark.parametrize("call", sorted(SERVICE_CALLS))
def test_service_refuses_anonymous(scene, call):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        SERVICE_CALLS[call](scene, AnonymousUser())
    assert snapshot() == before


@pytest.mark.parametrize("persona", ["rte"], indirect=True)
@pytest.mark.parametrize("call", sorted(SERVICE_CALLS))
def test_service_allows_the_rte(scene, persona, call):
    """The same calls succeed for the RTE, so the refusals above are about the caller alone."""
    before = snapshot()
    SERVICE_CALLS[call](scene, persona)
    assert snapshot() != before


def test_rte_of_another_train_is_refused_even_with_own_train_in_hand(art, other_art, outsider, rte):
    """Holding ``art.manage`` on one train says nothing about another."""
    with pytest.raises(PermissionDenied):
        services.create_team(art, name="Trojans", by=outsider)
    assert services.create_team(other_art, name="Trojans", by=outsider).art == other_art
    assert not Team.objects.filter(art=art, name="Trojans").exists()


# --- the person's profile and API token -----------------------------------------------------


def test_update_profile_saves_the_trimmed_name(team_member):
    user = services.update_profile(team_member, display_name="  Tess T. Member ")
    assert User.objects.get(pk=team_member.pk).display_name == "Tess T. Member" == user.display_name


def test_update_profile_refuses_an_empty_or_too_long_name(team_member):
    for name in ("   ", "x" * 121):
        with pytest.raises(ValidationError) as refused:
            services.update_profile(team_member, display_name=name)
        assert "display_name" in refused.value.message_dict
    assert User.objects.get(pk=team_member.pk).display_name == "Tess Member"


def test_create_api_token_replaces_the_old_one(team_member):
    from rest_framework.authtoken.models import Token

    first = services.create_api_token(team_member)
    second = services.create_api_token(team_member)
    assert first.key != second.key
    assert list(Token.objects.filter(user=team_member).values_list("key", flat=True)) == [second.key]


def test_a_failed_token_creation_keeps_the_old_token(team_member, monkeypatch):
    """Delete-then-create in one transaction: a failure halfway leaves the person with their old token."""
    from rest_framework.authtoken.models import Token

    old = services.create_api_token(team_member)

    def broken(self, *args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(Token, "save", broken)
    with pytest.raises(RuntimeError):
        services.create_api_token(team_member)
    monkeypatch.undo()
    assert list(Token.objects.filter(user=team_member).values_list("key", flat=True)) == [old.key]


def test_revoke_api_token_says_whether_there_was_one(team_member):
    from rest_framework.authtoken.models import Token

    assert services.revoke_api_token(team_member) is False
    services.create_api_token(team_member)
    assert services.revoke_api_token(team_member) is True
    assert not Token.objects.filter(user=team_member).exists()


def test_a_refused_name_leaves_the_person_object_as_it_was(team_member):
    with pytest.raises(ValidationError):
        services.update_profile(team_member, display_name=" ")
    assert team_member.display_name == "Tess Member"
