"""The core models: the database itself keeps the invariants, and querysets limit rows to a user's trains."""

from datetime import date

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, connection, transaction

from artops.models import ART, Iteration, Membership, ProgramIncrement, Role, Team, User
from tests.conftest import make_member
from tests.factories import ARTFactory, MembershipFactory, TeamFactory, UserFactory, make_pi

pytestmark = pytest.mark.django_db


def refused_by(constraint: str):
    """pytest.raises for an IntegrityError that names ``constraint``."""
    return pytest.raises(IntegrityError, match=constraint)


# --- people -------------------------------------------------------------------------------


def test_create_user_stores_email_lowercase():
    user = User.objects.create_user("Ada.Lovelace@Example.COM", password="x", display_name="Ada")
    user.refresh_from_db()
    assert user.email == "ada.lovelace@example.com"


def test_database_refuses_mixed_case_email():
    with refused_by("user_email_lowercase"), transaction.atomic():
        User(email="Ada@example.com", display_name="Ada").save()


def test_user_email_unique():
    UserFactory(email="ada@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(email="ada@example.com")


# --- teams --------------------------------------------------------------------------------


def test_team_name_unique_per_art_whatever_the_case(art):
    TeamFactory(art=art, name="Falcons")
    with refused_by("team_name_unique_per_art"), transaction.atomic():
        Team.objects.create(art=art, name="FALCONS")
    assert Team.objects.filter(art=art).count() == 1


def test_same_team_name_allowed_in_two_arts(art, other_art):
    TeamFactory(art=art, name="Falcons")
    TeamFactory(art=other_art, name="falcons")
    assert Team.objects.filter(name__iexact="falcons").count() == 2


# --- memberships --------------------------------------------------------------------------


@pytest.mark.parametrize("role", sorted(Role.team_scoped()))
def test_team_scoped_role_requires_a_team(art, role):
    user = UserFactory()
    with refused_by("membership_team_iff_team_scoped"), transaction.atomic():
        Membership.objects.create(user=user, art=art, role=role, team=None)


@pytest.mark.parametrize("role", sorted(set(Role) - Role.team_scoped()))
def test_art_wide_role_forbids_a_team(art, team, role):
    user = UserFactory()
    with refused_by("membership_team_iff_team_scoped"), transaction.atomic():
        Membership.objects.create(user=user, art=art, role=role, team=team)


def test_valid_memberships_are_accepted(art, team):
    user = UserFactory()
    Membership.objects.create(user=user, art=art, role=Role.RTE)
    Membership.objects.create(user=user, art=art, role=Role.SCRUM_MASTER, team=team)
    Membership.objects.create(user=user, art=art, role=Role.TEAM_MEMBER, team=team)
    assert Membership.objects.filter(user=user).count() == 3


def test_duplicate_art_wide_membership_refused(art):
    """nulls_distinct=False: two RTE memberships with no team are the same row."""
    user = UserFactory()
    Membership.objects.create(user=user, art=art, role=Role.RTE)
    with refused_by("membership_unique"), transaction.atomic():
        Membership.objects.create(user=user, art=art, role=Role.RTE)


def test_duplicate_team_membership_refused(art, team):
    user = UserFactory()
    Membership.objects.create(user=user, art=art, role=Role.PRODUCT_OWNER, team=team)
    with refused_by("membership_unique"), transaction.atomic():
        Membership.objects.create(user=user, art=art, role=Role.PRODUCT_OWNER, team=team)


def test_membership_with_team_of_another_art_refused_at_check(art, other_art):
    """The composite (team, art) foreign key of migration 0002 is deferred: it bites at commit."""
    foreign_team = TeamFactory(art=other_art, name="Lenders")
    user = UserFactory()
    with refused_by("membership_team_same_art"), transaction.atomic():
        Membership.objects.create(user=user, art=art, role=Role.SCRUM_MASTER, team=foreign_team)
        connection.check_constraints()


def test_membership_with_team_of_another_art_refused_immediately(art, other_art):
    foreign_team = TeamFactory(art=other_art, name="Lenders")
    user = UserFactory()
    with refused_by("membership_team_same_art"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        Membership.objects.create(user=user, art=art, role=Role.TEAM_MEMBER, team=foreign_team)


@pytest.mark.django_db(transaction=True)
def test_membership_with_team_of_another_art_refused_at_commit():
    art = ARTFactory()
    foreign_team = TeamFactory(art=ARTFactory())
    user = UserFactory()
    with refused_by("membership_team_same_art"), transaction.atomic():
        Membership.objects.create(user=user, art=art, role=Role.PRODUCT_OWNER, team=foreign_team)
    assert not Membership.objects.filter(user=user).exists()


def test_membership_with_team_of_same_art_passes_the_deferred_check(art, team):
    Membership.objects.create(user=UserFactory(), art=art, role=Role.SCRUM_MASTER, team=team)
    connection.check_constraints()  # nothing raised


# --- Planning Intervals and iterations ----------------------------------------------------


def test_pis_of_one_art_cannot_overlap(art):
    make_pi(art, name="PI 1", start=date(2026, 1, 5))  # to 2026-03-15
    with refused_by("pi_no_overlap_per_art"), transaction.atomic():
        make_pi(art, name="PI 2", start=date(2026, 3, 15))  # shares the last day
    assert ProgramIncrement.objects.filter(art=art).count() == 1


def test_pi_overlap_refused_even_when_one_contains_the_other(art):
    make_pi(art, name="PI 1", start=date(2026, 1, 5))
    with refused_by("pi_no_overlap_per_art"), transaction.atomic():
        make_pi(art, name="PI short", start=date(2026, 2, 2), weeks=1, iterations=1)


def test_adjacent_pis_of_one_art_allowed(art):
    make_pi(art, name="PI 1", start=date(2026, 1, 5))  # to 2026-03-15
    make_pi(art, name="PI 2", start=date(2026, 3, 16))
    assert ProgramIncrement.objects.filter(art=art).count() == 2


def test_two_arts_may_have_overlapping_pis(art, other_art):
    make_pi(art, name="PI 1", start=date(2026, 1, 5))
    make_pi(other_art, name="PI 1", start=date(2026, 1, 5))
    assert ProgramIncrement.objects.count() == 2


def test_pi_name_unique_per_art_whatever_the_case(art):
    make_pi(art, name="PI 2026.1", start=date(2026, 1, 5))
    with refused_by("pi_name_unique_per_art"), transaction.atomic():
        make_pi(art, name="pi 2026.1", start=date(2026, 6, 1))


def test_pi_must_end_after_start(art):
    with refused_by("pi_ends_after_start"), transaction.atomic():
        ProgramIncrement.objects.create(
            art=art,
            name="Backwards",
            start_date=date(2026, 1, 5),
            end_date=date(2026, 1, 5),
            iteration_weeks=2,
            development_iterations=4,
        )


def test_iterations_of_a_pi_cannot_overlap(pi):
    first = pi.iterations.get(number=1)
    with refused_by("iteration_no_overlap_per_pi"), transaction.atomic():
        Iteration.objects.create(
            pi=pi, number=9, name="Extra", start_date=first.end_date, end_date=first.end_date, is_ip=False
        )


def test_iterations_of_different_pis_may_share_dates(art, other_art):
    make_pi(art, name="PI A", start=date(2026, 1, 5))
    make_pi(other_art, name="PI B", start=date(2026, 1, 5))
    assert Iteration.objects.filter(start_date=date(2026, 1, 5)).count() == 2


def test_only_one_ip_iteration_per_pi(pi):
    # Dates after the PI so that only the one-IP rule can refuse it.
    with refused_by("iteration_one_ip_per_pi"), transaction.atomic():
        Iteration.objects.create(
            pi=pi, number=6, name="IP 2", start_date=date(2027, 1, 4), end_date=date(2027, 1, 17), is_ip=True
        )
    assert pi.iterations.filter(is_ip=True).count() == 1


def test_iteration_number_unique_per_pi(pi):
    with refused_by("iteration_number_unique_per_pi"), transaction.atomic():
        Iteration.objects.create(pi=pi, number=1, name="Again", start_date=date(2027, 1, 4), end_date=date(2027, 1, 17))


def test_iteration_must_not_end_before_it_starts(pi):
    with refused_by("iteration_ends_after_start"), transaction.atomic():
        Iteration.objects.create(
            pi=pi, number=7, name="Backwards", start_date=date(2027, 1, 17), end_date=date(2027, 1, 4)
        )


def test_art_cadence_range_checked_by_database():
    with refused_by("art_iteration_weeks_range"), transaction.atomic():
        ARTFactory(iteration_weeks=5)
    with refused_by("art_development_iterations_range"), transaction.atomic():
        ARTFactory(development_iterations=0)


def test_fresh_pi_has_no_planned_work(pi):
    assert pi.has_planned_work() is False


def test_pi_iterations_match_cadence(pi):
    iterations = list(pi.iterations.all())
    assert [it.name for it in iterations] == ["Iteration 1", "Iteration 2", "Iteration 3", "Iteration 4", "IP"]
    assert iterations[0].start_date == pi.start_date
    assert iterations[-1].end_date == pi.end_date == date(2026, 12, 13)
    assert list(pi.iterations.development().values_list("number", flat=True)) == [1, 2, 3, 4]


@pytest.mark.parametrize(
    ("day", "expected"),
    [(date(2026, 10, 4), False), (date(2026, 10, 5), True), (date(2026, 12, 13), True), (date(2026, 12, 14), False)],
)
def test_pi_contains_and_containing(pi, day, expected):
    assert pi.contains(day) is expected
    assert ProgramIncrement.objects.containing(day).filter(pk=pi.pk).exists() is expected


# --- visibility ---------------------------------------------------------------------------


@pytest.fixture
def two_trains(art, other_art, team, rte, outsider):
    """A train with a team, a PI and a member; another train with the same."""
    other_team = TeamFactory(art=other_art, name="Lenders")
    make_member(other_art, Role.TEAM_MEMBER, other_team)
    return {
        "pi": make_pi(art, name="PI 1", start=date(2026, 1, 5)),
        "other_pi": make_pi(other_art, name="PI 1", start=date(2026, 1, 5)),
        "other_team": other_team,
    }


def test_art_visible_to_members_only(art, other_art, rte, outsider, two_trains):
    assert list(ART.objects.visible_to(rte)) == [art]
    assert list(ART.objects.visible_to(outsider)) == [other_art]
    assert list(ART.objects.visible_to(AnonymousUser())) == []
    assert list(ART.objects.visible_to(UserFactory())) == []


def test_art_visible_once_for_a_person_with_several_roles(art, team):
    user = make_member(art, Role.SCRUM_MASTER, team)
    MembershipFactory(user=user, art=art, role=Role.TEAM_MEMBER, team=team)
    MembershipFactory(user=user, art=art, role=Role.BUSINESS_OWNER, team=None)
    assert list(ART.objects.visible_to(user)) == [art]


def test_person_on_two_trains_sees_both(art, other_art):
    user = make_member(art, Role.BUSINESS_OWNER)
    MembershipFactory(user=user, art=other_art, role=Role.RTE, team=None)
    assert set(ART.objects.visible_to(user)) == {art, other_art}


def test_team_membership_pi_iteration_visible_to(art, team, rte, outsider, two_trains):
    pi, other_pi, other_team = two_trains["pi"], two_trains["other_pi"], two_trains["other_team"]

    assert set(Team.objects.visible_to(rte)) == {team}
    assert set(Team.objects.visible_to(outsider)) == {other_team}
    assert set(Membership.objects.visible_to(rte).values_list("art_id", flat=True)) == {art.pk}
    assert set(Membership.objects.visible_to(outsider)) == set(Membership.objects.filter(art=other_pi.art))
    assert set(ProgramIncrement.objects.visible_to(rte)) == {pi}
    assert set(ProgramIncrement.objects.visible_to(outsider)) == {other_pi}
    assert set(Iteration.objects.visible_to(rte)) == set(pi.iterations.all())
    assert set(Iteration.objects.visible_to(outsider)) == set(other_pi.iterations.all())


@pytest.mark.parametrize("model", [Team, Membership, ProgramIncrement, Iteration])
def test_nothing_visible_to_anonymous_or_stranger(model, two_trains):
    assert model.objects.count() > 0
    assert not model.objects.visible_to(AnonymousUser()).exists()
    assert not model.objects.visible_to(UserFactory()).exists()
