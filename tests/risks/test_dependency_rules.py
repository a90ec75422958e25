"""The rules of dependencies against fixed dates: age, health, aging buckets, state moves, history, permissions.

Age and health are computed in Python (``Dependency.age()``, ``.health``) for one dependency and in
SQL (``with_age``, ``with_health``) for lists: every case checks both, so that the list never
disagrees with the page of one dependency.
"""

from datetime import UTC, date, datetime, timedelta
from itertools import product
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError

from artops.models import Role
from artops.permissions import CAPABILITIES, Scope
from risks import services
from risks.dependency_map import worst
from risks.filters import AGE_CHOICES, DependencyFilter
from risks.models import Dependency, DependencyChange, Health, InvalidTransition, age_bucket
from tests.conftest import PERSONAS, make_member
from tests.factories import TeamFactory, make_dependency, make_pi

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
S = Dependency.State


def at(day: date, hour: int = 10, minute: int = 0, tz=UTC) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)


@pytest.fixture
def next_pi(art):
    return make_pi(art, name="PI 2027.1", start=date(2026, 12, 14))


def sql_age(dependency: Dependency, now: datetime) -> int:
    return Dependency.objects.filter(pk=dependency.pk).with_age(now).get().age_days


# --- age ---------------------------------------------------------------------------------------

TODAY = date(2026, 10, 20)

AGE_CASES = [
    # (case, state, created_at, closed_at, today, age)
    ("open, raised ten days ago", S.COMMITTED, at(date(2026, 10, 10)), None, TODAY, 10),
    ("open, raised today", S.REQUESTED, at(TODAY, 8), None, TODAY, 0),
    ("open, raised this morning in Berlin", S.REQUESTED, at(TODAY, 0, 30, BERLIN), None, TODAY, 0),
    ("delivered: creation to delivery", S.DELIVERED, at(date(2026, 10, 1)), at(date(2026, 10, 15)), TODAY, 14),
    ("cancelled: creation to cancellation", S.CANCELLED, at(date(2026, 10, 5)), at(date(2026, 10, 10)), TODAY, 5),
    ("delivered the day it was raised", S.DELIVERED, at(TODAY, 8), at(TODAY, 9), TODAY, 0),
    # 23:30 UTC is already the next day in Berlin (UTC+2 in October): one day less than in UTC.
    ("raised 23:30 UTC, the next day in Berlin", S.REQUESTED, at(date(2026, 10, 10), 23, 30), None, TODAY, 9),
    ("raised 23:30 UTC yesterday: today in Berlin", S.REQUESTED, at(date(2026, 10, 19), 23, 30), None, TODAY, 0),
    (
        "closed 22:30 UTC, the next day in Berlin",
        S.DELIVERED,
        at(date(2026, 10, 1)),
        at(date(2026, 10, 14), 22, 30),
        TODAY,
        14,
    ),
]


@pytest.mark.parametrize(
    ("state", "created_at", "closed_at", "today", "expected"),
    [case[1:] for case in AGE_CASES],
    ids=[case[0] for case in AGE_CASES],
)
def test_age_in_the_trains_time_zone(art, team, other_team, pi, rte, state, created_at, closed_at, today, expected):
    dependency = make_dependency(
        art, pi, needing=team, providing=other_team, owner=rte, state=state, created_at=created_at, closed_at=closed_at
    )
    dependency = Dependency.objects.with_related().get(pk=dependency.pk)
    noon_in_berlin = datetime(today.year, today.month, today.day, 12, tzinfo=BERLIN)
    assert dependency.age(today) == expected
    assert sql_age(dependency, noon_in_berlin) == expected


def test_a_closed_dependency_stops_aging(art, team, other_team, pi, rte):
    dependency = make_dependency(
        art, pi, needing=team, providing=other_team, owner=rte, state=S.DELIVERED,
        created_at=at(date(2026, 10, 1)), closed_at=at(date(2026, 10, 4)),
    )  # fmt: skip
    for today in (date(2026, 10, 4), date(2026, 12, 31)):
        assert dependency.age(today) == 3
        assert sql_age(dependency, at(today, 12)) == 3


# --- health ------------------------------------------------------------------------------------

# (case, state, needed by (iteration number), planned (("this" or "next" PI, number) or None), health)
HEALTH_CASES = [
    ("delivered is green even if planned late", S.DELIVERED, 2, ("this", 4), Health.GREEN),
    ("planned before it is needed", S.COMMITTED, 3, ("this", 1), Health.GREEN),
    ("planned in the iteration it is needed", S.REQUESTED, 2, ("this", 2), Health.AMBER),
    ("planned after it is needed", S.AT_RISK, 2, ("this", 4), Health.RED),
    ("planned in a later PI", S.COMMITTED, 4, ("next", 1), Health.RED),
    ("not planned", S.REQUESTED, 2, None, Health.UNPLANNED),
    ("blocked and not planned", S.BLOCKED, 1, None, Health.UNPLANNED),
    ("cancelled", S.CANCELLED, 3, ("this", 1), Health.CLOSED),
    ("cancelled and not planned", S.CANCELLED, 3, None, Health.CLOSED),
    ("delivered and not planned", S.DELIVERED, 3, None, Health.GREEN),
]


@pytest.mark.parametrize(
    ("state", "needed", "planned", "expected"),
    [case[1:] for case in HEALTH_CASES],
    ids=[case[0] for case in HEALTH_CASES],
)
def test_health(art, team, other_team, pi, next_pi, rte, state, needed, planned, expected):
    iterations = {"this": pi.iterations.development(), "next": next_pi.iterations.development()}
    needed_by = iterations["this"][needed - 1]
    planned_iteration = iterations[planned[0]][planned[1] - 1] if planned else None
    dependency = make_dependency(
        art, pi, needing=team, providing=other_team, owner=rte, state=state,
        needed_by=needed_by, planned=planned_iteration,
    )  # fmt: skip
    other = make_dependency(  # a dependency of every other health, which the SQL filter must leave out
        art, pi, needing=other_team, providing=team, owner=rte,
        state=S.DELIVERED if expected != Health.GREEN else S.CANCELLED,
    )  # fmt: skip

    assert Dependency.objects.with_related().get(pk=dependency.pk).health == expected
    assert (
        Health.of(state, planned_iteration.start_date if planned_iteration else None, needed_by.start_date) == expected
    )
    matched = DependencyFilter({"health": expected.value}, queryset=Dependency.objects.all()).qs
    assert list(matched) == [dependency]
    assert other not in matched
    # The queryset methods: the same rule (Health.expression) in SQL.
    assert Dependency.objects.with_health().get(pk=dependency.pk).health_value == expected
    assert list(Dependency.objects.of_health(expected)) == [dependency]


def test_the_worst_health_colours_a_group():
    assert worst([Health.GREEN, Health.AMBER]) == Health.AMBER
    assert worst([Health.GREEN, Health.UNPLANNED, Health.AMBER]) == Health.UNPLANNED
    assert worst([Health.UNPLANNED, Health.RED, Health.GREEN]) == Health.RED
    assert worst([Health.GREEN]) == Health.GREEN
    assert worst([]) is None


# --- aging buckets -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "bucket"),
    [
        (0, "0–7 days"),
        (7, "0–7 days"),
        (8, "8–14 days"),
        (14, "8–14 days"),
        (15, "15–30 days"),
        (30, "15–30 days"),
        (31, "over 30 days"),
        (400, "over 30 days"),
    ],
)
def test_age_bucket_edges(art, team, other_team, pi, rte, days, bucket):
    assert age_bucket(days) == bucket
    now = at(TODAY, 12)
    make_dependency(art, pi, needing=team, providing=other_team, owner=rte, created_at=now - timedelta(days=days))
    key = {label: key for key, label in AGE_CHOICES}[bucket]
    counts = {count.label: count.count for count in Dependency.objects.age_bucket_counts(now)}
    assert counts == {label: int(label == bucket) for _, label in AGE_CHOICES}
    assert DependencyFilter({"age": key}, queryset=Dependency.objects.all(), now=now).qs.count() == 1
    assert Dependency.objects.aged(key, now).count() == 1


def test_bucket_counts_leave_closed_dependencies_out(art, team, other_team, pi, rte):
    now = at(TODAY, 12)
    for days in (0, 3, 9, 20, 45, 45):
        make_dependency(art, pi, needing=team, providing=other_team, owner=rte, created_at=now - timedelta(days=days))
    make_dependency(
        art, pi, needing=team, providing=other_team, owner=rte, state=S.DELIVERED,
        created_at=now - timedelta(days=2), closed_at=now,
    )  # fmt: skip
    assert [count.count for count in Dependency.objects.age_bucket_counts(now)] == [2, 1, 1, 2]


def test_sorting_by_age_counts_closed_ones_until_they_closed(art, team, other_team, pi, rte):
    now = at(TODAY, 12)
    young = make_dependency(art, pi, needing=team, providing=other_team, owner=rte, created_at=now - timedelta(days=2))
    old = make_dependency(art, pi, needing=team, providing=other_team, owner=rte, created_at=now - timedelta(days=20))
    # Raised long ago but delivered after 5 days: its age is 5.
    closed = make_dependency(
        art, pi, needing=team, providing=other_team, owner=rte, state=S.DELIVERED,
        created_at=now - timedelta(days=40), closed_at=now - timedelta(days=35),
    )  # fmt: skip
    oldest_first = DependencyFilter({"sort": "oldest"}, queryset=Dependency.objects.all(), now=now).qs
    newest_first = DependencyFilter({"sort": "newest"}, queryset=Dependency.objects.all(), now=now).qs
    assert [(d.pk, d.age_days) for d in oldest_first] == [(old.pk, 20), (closed.pk, 5), (young.pk, 2)]
    assert [d.pk for d in newest_first] == [young.pk, closed.pk, old.pk]


# --- state moves -------------------------------------------------------------------------------


@pytest.mark.parametrize(("source", "target"), list(product(S.values, S.values)))
def test_every_state_move(art, team, other_team, pi, rte, source, target):
    dependency = make_dependency(art, pi, needing=team, providing=other_team, owner=rte, state=source)
    dependency = Dependency.objects.with_related().get(pk=dependency.pk)
    before = (dependency.state, dependency.closed_at, dependency.version)
    legal = target in Dependency.TRANSITIONS[S(source)]
    if legal:
        moved = services.move_dependency(dependency, to=target, by=rte, expected_version=1, note="Agreed at ART Sync")
        assert moved.state == target and moved.version == 2
        assert (moved.closed_at is not None) == (target in Dependency.CLOSED)
        change = DependencyChange.objects.get(dependency=dependency)
        assert (change.kind, change.changes, change.note, change.by) == (
            DependencyChange.Kind.MOVED,
            {"state": [source, target]},
            "Agreed at ART Sync",
            rte,
        )
    else:
        with pytest.raises(InvalidTransition) as refusal:
            services.move_dependency(dependency, to=target, by=rte, expected_version=1)
        current = S(source).label.lower()
        assert f"A dependency that is {current} can move to" in refusal.value.message_dict["state"][0]
        stored = Dependency.objects.get(pk=dependency.pk)
        assert (stored.state, stored.closed_at, stored.version) == before
        assert not DependencyChange.objects.filter(dependency=dependency).exists()


def test_a_closed_dependency_says_it_moves_nowhere(art, team, other_team, pi, rte):
    dependency = make_dependency(art, pi, needing=team, providing=other_team, owner=rte, state=S.DELIVERED)
    with pytest.raises(InvalidTransition, match="can move to nowhere: it is closed"):
        services.move_dependency(dependency, to=S.COMMITTED, by=rte, expected_version=1)


def test_an_unknown_state_is_refused(art, team, other_team, pi, rte):
    dependency = make_dependency(art, pi, needing=team, providing=other_team, owner=rte)
    with pytest.raises(InvalidTransition, match=r"“done” is not a dependency state\."):
        services.move_dependency(dependency, to="done", by=rte, expected_version=1)
    assert Dependency.objects.get(pk=dependency.pk).state == S.REQUESTED


# --- every change recorded, in the same transaction --------------------------------------------


def test_every_change_is_recorded(art, team, other_team, pi, rte, scrum_master):
    first, second, _, fourth = pi.iterations.development()
    dependency = services.raise_dependency(
        art, by=scrum_master, pi=pi, needing_team=team, providing_team=other_team,
        description="Payout events", needed_by=second, planned_iteration=fourth, owner=scrum_master,
    )  # fmt: skip
    dependency = services.update_dependency(dependency, by=rte, expected_version=1, planned_iteration=first)
    dependency = services.move_dependency(dependency, to=S.COMMITTED, by=rte, expected_version=2)
    dependency = services.review_dependency(
        dependency, by=rte, expected_version=3, next_action="Demo in the System Demo", reviewed_on=TODAY
    )
    changes = list(DependencyChange.objects.filter(dependency=dependency).order_by("at", "id"))
    assert [(change.kind, change.by) for change in changes] == [
        ("raised", scrum_master),
        ("edited", rte),
        ("moved", rte),
        ("reviewed", rte),
    ]
    assert changes[0].changes == {"state": [None, "requested"], "needed_by": [None, "PI 2026.4 Iteration 2"]}
    assert changes[1].changes == {"planned_iteration": ["PI 2026.4 Iteration 4", "PI 2026.4 Iteration 1"]}
    assert changes[2].changes == {"state": ["requested", "committed"]}
    assert changes[3].changes == {"next_action": ["", "Demo in the System Demo"], "reviewed_on": [None, "2026-10-20"]}
    assert dependency.version == 4 and dependency.reviewed_on == TODAY


@pytest.fixture
def recording_fails(monkeypatch):
    """The history cannot be written: the change it records must not be kept either."""

    def fail(**kwargs):
        raise RuntimeError("the history could not be written")

    monkeypatch.setattr(DependencyChange.objects, "create", fail)


def stored(dependency) -> tuple:
    return Dependency.objects.filter(pk=dependency.pk).values_list(
        "state", "planned_iteration", "next_action", "reviewed_on", "closed_at", "version"
    )[0]


@pytest.mark.parametrize(
    "change",
    [
        lambda d, by, it: services.update_dependency(d, by=by, expected_version=1, planned_iteration=it),
        lambda d, by, it: services.move_dependency(d, to=S.DELIVERED, by=by, expected_version=1),
        lambda d, by, it: services.review_dependency(
            d, by=by, expected_version=1, next_action="Call", reviewed_on=TODAY
        ),
    ],
    ids=["update", "move", "review"],
)
def test_a_change_and_its_record_are_one_transaction(art, team, other_team, pi, rte, change, request):
    dependency = make_dependency(art, pi, needing=team, providing=other_team, owner=rte, state=S.COMMITTED)
    before = stored(dependency)
    request.getfixturevalue("recording_fails")
    with pytest.raises(RuntimeError):
        change(dependency, rte, pi.iterations.development()[0])
    assert stored(dependency) == before


def test_a_raise_and_its_record_are_one_transaction(art, team, other_team, pi, rte, recording_fails):
    with pytest.raises(RuntimeError):
        services.raise_dependency(
            art, by=rte, pi=pi, needing_team=team, providing_team=other_team, description="x",
            needed_by=pi.iterations.development()[1], owner=rte,
        )  # fmt: skip
    assert not Dependency.objects.exists()


# --- validation --------------------------------------------------------------------------------


def raise_with(art, pi, by, **overrides):
    values = {
        "pi": pi,
        "needing_team": None,
        "providing_team": None,
        "external_party": "",
        "description": "Card network certification slot",
        "needed_by": pi.iterations.development()[1],
        "owner": by,
        **overrides,
    }
    return services.raise_dependency(art, by=by, **values)


@pytest.mark.parametrize(
    ("case", "field", "message"),
    [
        ("needed by an iteration of another PI", "needed_by", "Choose an iteration of PI 2026.4."),
        ("a team on itself", "providing_team", "A team does not depend on itself: choose another providing team."),
        ("no provider", "providing_team", "Name the providing team, or the external party that provides it."),
        ("both providers", "external_party", "Name either a providing team or an external party, not both."),
        ("no owner", "owner", "Every dependency has an owner from the start."),
        ("an owner of another train", "owner", "is not a member of this train."),
        ("planned in the IP iteration", "planned_iteration", "IP"),
    ],
)
def test_bad_input_is_refused_and_nothing_saved(
    art, team, other_team, pi, next_pi, rte, outsider, case, field, message
):
    overrides = {
        "needed by an iteration of another PI": {
            "providing_team": other_team,
            "needed_by": next_pi.iterations.development()[1],
        },
        "a team on itself": {"providing_team": team},
        "no provider": {},
        "both providers": {"providing_team": other_team, "external_party": "Visa"},
        "no owner": {"providing_team": other_team, "owner": None},
        "an owner of another train": {"providing_team": other_team, "owner": outsider},
        "planned in the IP iteration": {
            "providing_team": other_team,
            "planned_iteration": pi.iterations.ip().get(),
        },
    }[case]
    with pytest.raises(ValidationError) as refusal:
        raise_with(art, pi, rte, needing_team=team, **overrides)
    assert any(message in text for text in refusal.value.message_dict[field])
    assert not Dependency.objects.exists() and not DependencyChange.objects.exists()


def test_an_update_that_breaks_a_rule_changes_nothing(art, team, other_team, pi, rte):
    dependency = make_dependency(art, pi, needing=team, providing=other_team, owner=rte)
    dependency = Dependency.objects.with_related().get(pk=dependency.pk)
    with pytest.raises(ValidationError, match="A team does not depend on itself"):
        services.update_dependency(dependency, by=rte, expected_version=1, providing_team=team)
    with pytest.raises(ValidationError, match="Every dependency has an owner"):
        services.update_dependency(dependency, by=rte, expected_version=1, owner=None)
    assert Dependency.objects.get(pk=dependency.pk).providing_team == other_team
    assert not DependencyChange.objects.exists()


def test_a_stale_version_is_refused_with_the_current_state(art, team, other_team, pi, rte):
    dependency = make_dependency(art, pi, needing=team, providing=other_team, owner=rte)
    dependency = Dependency.objects.with_related().get(pk=dependency.pk)
    services.move_dependency(dependency, to=S.COMMITTED, by=rte, expected_version=1)
    with pytest.raises(services.StaleVersion) as stale:
        services.update_dependency(
            dependency, by=rte, expected_version=1, planned_iteration=pi.iterations.development()[0]
        )
    assert stale.value.current.state == S.COMMITTED and stale.value.current.version == 2
    assert Dependency.objects.get(pk=dependency.pk).planned_iteration is None


# --- permissions -------------------------------------------------------------------------------

UPDATERS = {"rte", "scrum_master", "product_owner"}
MEMBERS = set(PERSONAS) - {"outsider", "anonymous"}


def persona_user(request, name):
    return AnonymousUser() if name == "anonymous" else request.getfixturevalue(name)


@pytest.mark.parametrize("persona", PERSONAS)
def test_raise_permission_matrix(art, team, other_team, pi, everyone, outsider, persona, request):
    user = persona_user(request, persona)
    if persona in MEMBERS:
        dependency = raise_with(art, pi, user, needing_team=team, providing_team=other_team)
        assert dependency.owner == user
    else:
        with pytest.raises(PermissionDenied):
            raise_with(art, pi, user, needing_team=team, providing_team=other_team, owner=None)
        assert not Dependency.objects.exists()


def _attempt(action: str, dependency: Dependency, user, pi):
    if action == "update":
        return services.update_dependency(
            dependency, by=user, expected_version=1, planned_iteration=pi.iterations.development()[0]
        )
    if action == "move":
        return services.move_dependency(dependency, to=S.COMMITTED, by=user, expected_version=1)
    return services.review_dependency(dependency, by=user, expected_version=1, next_action="Chase", reviewed_on=TODAY)


@pytest.mark.parametrize("action", ["update", "move", "review"])
@pytest.mark.parametrize("persona", PERSONAS)
def test_change_permission_matrix_for_the_providing_team(
    art, team, other_team, pi, everyone, outsider, persona, action, request
):
    """Otters need something from Falcons: the personas' team is the providing side."""
    user = persona_user(request, persona)
    dependency = Dependency.objects.with_related().get(
        pk=make_dependency(art, pi, needing=other_team, providing=team, owner=request.getfixturevalue("rte")).pk
    )
    assert services.can_update_dependency(user, dependency) == (persona in UPDATERS)
    if persona in UPDATERS:
        assert _attempt(action, dependency, user, pi).version == 2
    else:
        with pytest.raises(PermissionDenied):
            _attempt(action, dependency, user, pi)
        assert stored(dependency) == (S.REQUESTED, None, "", None, None, 1)


@pytest.mark.parametrize("action", ["update", "move", "review"])
def test_the_scrum_master_of_an_unrelated_team_may_not_change_it(art, team, other_team, pi, rte, action):
    herons = TeamFactory(art=art, name="Herons")
    herons_sm = make_member(art, Role.SCRUM_MASTER, herons)
    dependency = Dependency.objects.with_related().get(
        pk=make_dependency(art, pi, needing=team, providing=other_team, owner=rte).pk
    )
    assert not services.can_update_dependency(herons_sm, dependency)
    with pytest.raises(PermissionDenied):
        _attempt(action, dependency, herons_sm, pi)
    assert stored(dependency) == (S.REQUESTED, None, "", None, None, 1)


def test_review_is_decided_by_its_own_capability_not_art_syncs(
    art, team, other_team, pi, rte, business_owner, monkeypatch
):
    """Who reviews dependencies is one row of the capability table: changing it changes who may review."""
    dependency = Dependency.objects.with_related().get(
        pk=make_dependency(art, pi, needing=team, providing=other_team, owner=rte).pk
    )
    assert not services.can_review_dependency(business_owner, dependency)
    grants = {**CAPABILITIES["risks.review_dependencies"], Role.BUSINESS_OWNER: Scope.ART}
    monkeypatch.setitem(CAPABILITIES, "risks.review_dependencies", grants)
    monkeypatch.setitem(CAPABILITIES, "sync.facilitate", {})
    assert services.can_review_dependency(business_owner, dependency)
    assert services.can_review_dependency(rte, dependency)
    reviewed = services.review_dependency(
        dependency, by=business_owner, expected_version=1, next_action="Ask the vendor", reviewed_on=TODAY
    )
    assert reviewed.reviewed_on == TODAY


@pytest.mark.parametrize(
    ("needing", "persona", "allowed"),
    [
        ("team", "scrum_master", True),  # Falcons need it from outside: their SM is the needing side
        ("team", "product_owner", True),
        ("team", "team_member", False),
        ("other_team", "scrum_master", False),  # Otters need it: Falcons are on neither side
        ("other_team", "product_owner", False),
        ("other_team", "rte", True),
        ("other_team", "otters_sm", True),
    ],
)
@pytest.mark.parametrize("action", ["update", "move"])
def test_an_external_providers_dependency_is_changed_by_the_needing_side_and_the_rte(
    art, team, other_team, pi, everyone, needing, persona, allowed, action, request
):
    user = (
        make_member(art, Role.SCRUM_MASTER, other_team) if persona == "otters_sm" else request.getfixturevalue(persona)
    )
    dependency = Dependency.objects.with_related().get(
        pk=make_dependency(
            art, pi, needing=request.getfixturevalue(needing), external="Card network (Visa)",
            owner=request.getfixturevalue("rte"),
        ).pk
    )  # fmt: skip
    assert services.can_update_dependency(user, dependency) == allowed
    if allowed:
        assert _attempt(action, dependency, user, pi).version == 2
    else:
        with pytest.raises(PermissionDenied):
            _attempt(action, dependency, user, pi)
        assert stored(dependency)[-1] == 1
