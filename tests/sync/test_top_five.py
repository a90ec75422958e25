"""The top 5 of an ART Sync, chosen from a fixed data set: which five, in which order; pins win; move and swap.

Today is Tuesday 20 October 2026 (PI 2026.4, Iteration 2). The data set:

    candidate                                               reason                     since
    I1  impediment escalated beyond the train                 1 escalated beyond          12 Oct
    D2  dependency blocked (and red as well)                  2 blocked                   1 Oct
    D1  dependency blocked                                    2 blocked                   14 Oct
    I2  impediment escalated to the train                     3 escalated to train        8 Oct
    I3  impediment escalated to the train                     3 escalated to train        15 Oct
    D3  dependency planned after the iteration needing it     4 red                       10 Oct
    D4  dependency not planned at all                         4 red                       16 Oct
    D5  dependency at risk (planned in time)                  5 at risk                   12 Oct
    D6  dependency on track, open for 20 days                 6 aging                     30 Sep

and, not candidates: an impediment at its team's level, a resolved one escalated beyond the
train, a dependency on track for 10 days, one in the same iteration (amber), a delivered one.
"""

from datetime import UTC, date, datetime, time

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from artops.services import StaleVersion
from risks.models import Dependency
from sync import agenda, services
from sync.models import AgendaItem, Impediment, SyncMeeting
from tests.sync.factories import DecisionFactory, DependencyFactory, ImpedimentFactory, SyncMeetingFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 10, 20)
R = AgendaItem.Reason
D = Dependency.State
L = Impediment.Level


def on(day: int, month: int = 10) -> datetime:
    return datetime(2026, month, day, 10, tzinfo=UTC)


@pytest.fixture
def data(art, pi, team, other_team, rte, scrum_master, iterations):
    def impediment(level, day, **fields):
        return ImpedimentFactory(art=art, team=team, raised_by=scrum_master, level=level, raised_at=on(day), **fields)

    def dependency(state=D.COMMITTED, *, needed=2, planned=1, created=None, **fields):
        return DependencyFactory(
            art=art,
            pi=pi,
            needing_team=team,
            providing_team=other_team,
            needed_by=iterations[needed],
            planned_iteration=iterations[planned] if planned else None,
            owner=scrum_master,
            state=state,
            created_at=created or on(10),
            **fields,
        )

    found = {
        "I1": impediment(L.BEYOND, 12),
        "D2": dependency(D.BLOCKED, planned=3, created=on(1)),
        "D1": dependency(D.BLOCKED, created=on(14)),
        "I2": impediment(L.TRAIN, 8),
        "I3": impediment(L.TRAIN, 15),
        "D3": dependency(D.COMMITTED, planned=3, created=on(10)),
        "D4": dependency(D.REQUESTED, planned=None, created=on(16)),
        "D5": dependency(D.AT_RISK, created=on(12)),
        "D6": dependency(D.COMMITTED, created=on(30, 9)),
    }
    # Not candidates.
    impediment(L.TEAM, 1)
    impediment(L.BEYOND, 2, state="resolved", resolution="Done", resolved_at=on(5))
    dependency(D.COMMITTED, created=on(10))
    dependency(D.COMMITTED, planned=2, created=on(12))
    dependency(D.DELIVERED, created=on(1), closed_at=on(9))
    return found


def names(data, subjects) -> list[str]:
    by_key = {agenda.subject_key(*pair): name for name, pair in _pairs(data).items()}
    return [by_key[key] for key in subjects]


def _pairs(data):
    return {
        name: (obj, None) if isinstance(obj, Impediment) else (None, obj)  # (impediment, dependency)
        for name, obj in data.items()
    }


def shown(data, meeting) -> list[str]:
    return names(data, [agenda.item_key(item) for item in agenda.agenda_items(meeting)])


@pytest.fixture
def sync(art, pi, rte, data):
    with time_machine.travel("2026-10-20 07:00Z", tick=False):
        yield services.open_meeting(art, kind=SyncMeeting.Kind.ART_SYNC, date=TODAY, start_time=time(10), by=rte)


def test_candidates_are_ranked_by_severity_then_age(art, pi, rte, data):
    meeting = SyncMeetingFactory(art=art, pi=pi, facilitator=rte, date=TODAY)
    ranked = agenda.candidates(meeting, TODAY)
    assert names(data, [c.key for c in ranked]) == ["I1", "D2", "D1", "I2", "I3", "D3", "D4", "D5", "D6"]
    assert [c.reason for c in ranked] == [R(1), R(2), R(2), R(3), R(3), R(4), R(4), R(5), R(6)]
    assert ranked[-1].age(TODAY, art.tz) == 20


def test_opening_an_art_sync_chooses_the_top_five(data, sync):
    assert shown(data, sync) == ["I1", "D2", "D1", "I2", "I3"]
    items = agenda.agenda_items(sync)
    assert [item.position for item in items] == [1, 2, 3, 4, 5]
    assert [item.get_reason_display() for item in items][:2] == [
        "Impediment escalated beyond the train",
        "Blocked dependency",
    ]
    assert not any(item.pinned for item in items)
    outside = agenda.outside_candidates(items, agenda.candidates(sync, TODAY))
    assert names(data, [c.key for c in outside]) == ["D3", "D4", "D5", "D6"]


def test_other_kinds_have_no_top_five(art, pi, rte, data):
    with time_machine.travel("2026-10-20 07:00Z", tick=False):
        coach = services.open_meeting(art, kind="coach_sync", date=TODAY, start_time=time(10), by=rte)
        assert not coach.agenda_items.exists()
        with pytest.raises(ValidationError, match="has no top 5"):
            services.pick_agenda(coach, by=rte, expected_version=1)


def test_a_pin_wins_when_the_top_five_is_chosen_again(data, sync, rte):
    with time_machine.travel("2026-10-20 07:00Z", tick=False):
        # The RTE swaps the aging D6 in at position 2: it is pinned there.
        second = sync.agenda_items.get(position=2)
        services.swap_agenda_item(second, dependency=data["D6"], by=rte, expected_version=1)
        assert shown(data, sync) == ["I1", "D6", "D1", "I2", "I3"]
        services.pick_agenda(sync, by=rte, expected_version=2)
        assert shown(data, sync) == ["I1", "D6", "D2", "D1", "I2"]
        assert [item.pinned for item in agenda.agenda_items(sync)] == [False, True, False, False, False]

        # A pinned item stays even when it is no longer a candidate at all.
        Dependency.objects.filter(pk=data["D6"].pk).update(state=D.DELIVERED, closed_at=on(19))
        services.pick_agenda(sync, by=rte, expected_version=3)
        assert shown(data, sync) == ["I1", "D6", "D2", "D1", "I2"]

        # Unpinned, it gives its place back to the data.
        services.pin_agenda_item(sync.agenda_items.get(position=2), pinned=False, by=rte, expected_version=4)
        services.pick_agenda(sync, by=rte, expected_version=5)
        assert shown(data, sync) == ["I1", "D2", "D1", "I2", "I3"]


def test_pin_keeps_its_position_while_better_candidates_arrive(art, team, scrum_master, data, sync, rte):
    with time_machine.travel("2026-10-20 07:00Z", tick=False):
        services.pin_agenda_item(sync.agenda_items.get(position=5), by=rte, expected_version=1)
        ImpedimentFactory(art=art, team=team, raised_by=scrum_master, level=L.BEYOND, raised_at=on(19))
        services.pick_agenda(sync, by=rte, expected_version=2)
    order = shown(data | {"I9": Impediment.objects.get(raised_at=on(19))}, sync)
    assert order == ["I1", "I9", "D2", "D1", "I3"]


def test_items_with_a_decision_stay_when_chosen_again(art, team, scrum_master, data, sync, rte):
    DecisionFactory(meeting=sync, agenda_item=sync.agenda_items.get(position=4), by=rte)  # I2
    with time_machine.travel("2026-10-20 07:00Z", tick=False):
        ImpedimentFactory(art=art, team=team, raised_by=scrum_master, level=L.BEYOND, raised_at=on(19))
        services.pick_agenda(sync, by=rte, expected_version=1)
    assert shown(data | {"I9": Impediment.objects.get(raised_at=on(19))}, sync) == ["I1", "I9", "D2", "I2", "D1"]


def test_move_exchanges_places_and_pins_the_moved_item(data, sync, rte):
    fifth = sync.agenda_items.get(position=5)  # I3
    moved = services.move_agenda_item(fifth, position=1, by=rte, expected_version=1)
    assert (moved.position, moved.pinned) == (1, True)
    assert shown(data, sync) == ["I3", "D2", "D1", "I2", "I1"]
    with pytest.raises(ValidationError, match="Position 1 is pinned: unpin it first"):
        services.move_agenda_item(sync.agenda_items.get(position=3), position=1, by=rte, expected_version=2)
    with pytest.raises(ValidationError, match="from 1 to 5"):
        services.move_agenda_item(moved, position=6, by=rte, expected_version=2)
    with time_machine.travel("2026-10-20 07:00Z", tick=False):
        services.pick_agenda(sync, by=rte, expected_version=2)
    assert shown(data, sync) == ["I3", "I1", "D2", "D1", "I2"]


def test_swap_refusals_change_nothing(data, sync, rte, scrum_master):
    first = sync.agenda_items.get(position=1)
    with time_machine.travel("2026-10-20 07:00Z", tick=False):
        with pytest.raises(ValidationError, match="already on the top 5"):
            services.swap_agenda_item(first, dependency=data["D1"], by=rte, expected_version=1)
        not_candidate = Dependency.objects.filter(state=D.DELIVERED).get()
        with pytest.raises(ValidationError, match="Only a candidate comes onto the top 5"):
            services.swap_agenda_item(first, dependency=not_candidate, by=rte, expected_version=1)
        with pytest.raises(ValidationError, match="Choose one impediment or one dependency"):
            services.swap_agenda_item(first, by=rte, expected_version=1)
        with pytest.raises(PermissionDenied):
            services.swap_agenda_item(first, dependency=data["D5"], by=scrum_master, expected_version=1)
        with pytest.raises(StaleVersion):
            services.swap_agenda_item(first, dependency=data["D5"], by=rte, expected_version=7)
        DecisionFactory(meeting=sync, agenda_item=first, by=rte)
        with pytest.raises(ValidationError, match="already has a decision or an action"):
            services.swap_agenda_item(first, dependency=data["D5"], by=rte, expected_version=1)
    assert shown(data, sync) == ["I1", "D2", "D1", "I2", "I3"]
    assert SyncMeeting.objects.get(pk=sync.pk).version == 1


def test_choose_is_pure_and_leaves_gaps_only_when_candidates_run_out(data, art, pi, rte):
    meeting = SyncMeetingFactory(art=art, pi=pi, facilitator=rte, date=TODAY)
    ranked = agenda.candidates(meeting, TODAY)[:2]  # I1, D2
    chosen = agenda.choose(ranked, {4: ("impediment", 999)})
    assert [(position, candidate.key) for position, candidate in chosen] == [
        (1, ranked[0].key),
        (2, ranked[1].key),
    ]
    chosen = agenda.choose(ranked, {1: ranked[1].key})
    assert [(position, candidate.key) for position, candidate in chosen] == [(2, ranked[0].key)]


# Lock the meeting, the RTE's roles, the stored items, delete the unpinned, two candidate reads, the new
# items, the version, the items read back; and the savepoint of the service's transaction.
PICK_QUERIES = 11


@pytest.mark.parametrize("extra", [0, 12])
def test_top_five_reads_in_constant_queries(
    extra, art, pi, team, other_team, rte, scrum_master, iterations, data, django_assert_num_queries
):
    for number in range(extra):
        ImpedimentFactory(art=art, team=team, raised_by=scrum_master, level=L.TRAIN, raised_at=on(3 + number % 10))
        DependencyFactory(
            art=art,
            pi=pi,
            needing_team=other_team,
            providing_team=team,
            needed_by=iterations[2],
            owner=scrum_master,
            state=D.AT_RISK,
            created_at=on(2 + number % 10),
        )
    meeting = SyncMeetingFactory(art=art, pi=pi, facilitator=rte, date=TODAY)
    with django_assert_num_queries(2):
        ranked = agenda.candidates(meeting, TODAY)
        described = [(c.subject, c.age(TODAY, art.tz), str(c.subject)) for c in ranked]
    assert len(described) == 9 + 2 * extra
    with time_machine.travel("2026-10-20 07:00Z", tick=False), django_assert_num_queries(PICK_QUERIES):
        services.pick_agenda(meeting, by=rte, expected_version=1)
    with django_assert_num_queries(1):
        items = agenda.agenda_items(meeting)
        [(str(item.subject), agenda.is_settled(item)) for item in items]
    assert len(items) == 5
