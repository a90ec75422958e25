"""The read side of the team plans: load against capacity, placement warnings, the PI plan grid."""

from decimal import Decimal

import pytest

from planning.boards import Load, pi_plan, points_text, team_board
from tests.factories import TeamFactory
from tests.planning.factories import CapacityFactory, FeatureFactory, PlacementFactory, StoryFactory

# --- load against capacity ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("capacity", "velocity", "points", "percent", "overloaded", "level", "text"),
    [
        # No capacity entered: nothing to compare with; points there are flagged.
        (None, None, 0, None, False, "none", "No capacity entered"),
        (None, None, 8, None, True, "over", "8 points, no capacity entered"),
        # 5 FTE → 40 points (DESIGN.md).
        (5, None, 32, 80, False, "ok", "32 / 40 points (80%)"),
        (5, None, 33, 83, False, "high", "33 / 40 points (83%)"),
        (5, None, 40, 100, False, "high", "40 / 40 points (100%)"),
        (5, None, 41, 103, True, "over", "41 / 40 points (103%)"),
        (5, None, 0, 0, False, "ok", "0 / 40 points (0%)"),
        # A capacity of 0 takes nothing.
        (0, None, 0, None, False, "none", "0 / 0 points (capacity is 0)"),
        (0, None, 3, None, True, "over", "3 / 0 points (capacity is 0)"),
        # The measured velocity replaces the normalised capacity (40).
        (5, 30, 32, 107, True, "over", "32 / 30 points (107%)"),
        (5, 50, 41, 82, False, "high", "41 / 50 points (82%)"),
        # Part-timers: 4.5 FTE → 36 points; 2.25 FTE minus half a day → 17.5.
        (Decimal("4.5"), None, 18, 50, False, "ok", "18 / 36 points (50%)"),
        (Decimal("2.25"), None, 7, 40, False, "ok", "7 / 17.5 points (40%)"),
    ],
)
def test_column_load_against_capacity(team, pi, capacity, velocity, points, percent, overloaded, level, text):
    iteration = pi.iterations.development()[0]
    if capacity is not None:
        vacation = Decimal("0.5") if capacity == Decimal("2.25") else 0
        CapacityFactory(team=team, iteration=iteration, fte=capacity, velocity=velocity, vacation_days=vacation)
    if points:
        # Two stories, so that the load is a sum.
        StoryFactory(team=team, pi=pi, iteration=iteration, points=points // 2)
        StoryFactory(team=team, pi=pi, iteration=iteration, points=points - points // 2)

    load = team_board(team, pi).column(iteration).load

    assert load.points == points
    assert load.percent == percent
    assert load.overloaded is overloaded
    assert load.level == level
    assert load.text == text


def test_overload_reason_names_the_missing_capacity():
    assert Load(5, None).reason == "no capacity entered"
    assert Load(5, Decimal(0)).reason == "capacity is 0"
    assert Load(41, Decimal(40)).reason == ""
    assert Load(0, None).reason == ""


@pytest.mark.parametrize(("points", "capacity", "bar"), [(20, 40, 50), (40, 40, 100), (60, 40, 100), (3, None, 100)])
def test_bar_is_capped_at_full(points, capacity, bar):
    assert Load(points, None if capacity is None else Decimal(capacity)).bar_percent == bar


@pytest.mark.parametrize(
    ("value", "text"), [(Decimal("40.00"), "40"), (Decimal("17.50"), "17.5"), (Decimal("0.25"), "0.25"), (None, "")]
)
def test_points_text(value, text):
    assert points_text(value) == text


def test_columns_unplanned_then_every_iteration_ip_last(team, pi):
    board = team_board(team, pi)
    assert [column.title for column in board.columns] == [
        "Unplanned",
        "Iteration 1",
        "Iteration 2",
        "Iteration 3",
        "Iteration 4",
        "IP",
    ]
    ip_column = board.column(pi.iterations.ip().get())
    assert ip_column.is_ip and not ip_column.takes_stories
    assert ip_column.load is None and not ip_column.overloaded and ip_column.stories == []
    assert board.column(None).takes_stories and board.column(None).load is None


def test_stories_land_in_their_columns_and_other_teams_stay_out(team, other_team, pi):
    first, second = pi.iterations.development()[:2]
    a = StoryFactory(team=team, pi=pi, iteration=first, points=5)
    b = StoryFactory(team=team, pi=pi, iteration=first, points=3)
    c = StoryFactory(team=team, pi=pi, iteration=None, points=13)
    StoryFactory(team=other_team, pi=pi, iteration=first, points=20)
    CapacityFactory(team=other_team, iteration=second, fte=1)

    board = team_board(team, pi)

    assert board.column(first).stories == [a, b] and board.column(first).points == 8
    assert board.column(second).stories == [] and board.column(second).capacity is None
    assert board.column(None).stories == [c] and board.column(None).points == 13
    assert board.overloaded == [board.column(first)]  # 8 points, no capacity entered


def test_team_board_reads_a_constant_number_of_queries(team, pi, art, django_assert_num_queries):
    iterations = list(pi.iterations.development())
    features = [FeatureFactory(art=art, pi=pi) for _ in range(5)]
    for index in range(20):
        StoryFactory(team=team, pi=pi, iteration=iterations[index % 4], feature=features[index % 5])
    for feature, iteration in zip(features, iterations, strict=False):
        PlacementFactory(feature=feature, team=team, iteration=iteration)
    with django_assert_num_queries(6):
        board = team_board(team, pi)
        # What the page reads of it costs nothing more.
        [
            (story.iteration, story.feature, story.owner, story.team.art, story.late_for)
            for column in board.columns
            for story in column.stories
        ]
        [(p.feature.key, p.iteration.name) for p in board.placements]
        [warning.message for warning in board.warnings]


# --- placement warnings ----------------------------------------------------------------------


@pytest.fixture
def feature(art, pi):
    return FeatureFactory(art=art, pi=pi, title="Instant payouts")


@pytest.mark.parametrize(
    ("placed", "story_iterations", "late"),
    [
        (2, [2], []),
        (2, [1, 2], []),
        (2, [3], [3]),
        (1, [1, 3, 4, 4], [3, 4, 4]),
        # Unplanned stories are not later than anything.
        (1, [None], []),
    ],
)
def test_stories_later_than_the_placement_are_warned(team, pi, feature, placed, story_iterations, late):
    iterations = {iteration.number: iteration for iteration in pi.iterations.development()}
    PlacementFactory(feature=feature, team=team, iteration=iterations[placed])
    stories = [
        StoryFactory(team=team, pi=pi, feature=feature, iteration=iterations.get(number)) for number in story_iterations
    ]

    board = team_board(team, pi)

    late_stories = [story for story in board.stories if story.late_for]
    assert sorted(story.iteration.number for story in late_stories) == late
    if not late:
        assert board.warnings == []
        return
    (warning,) = board.warnings
    assert warning.feature == feature
    assert [iteration.number for iteration, _ in warning.later] == sorted(set(late))
    assert f"{feature.key} Instant payouts is placed in Iteration {placed}" in warning.message
    for number in set(late):
        assert f"Iteration {number}" in warning.message
    assert len([s for s in stories if s.iteration and s.iteration.number in late]) == warning.story_count


def test_warning_message_counts_stories(team, pi, feature):
    first, _, third, fourth = pi.iterations.development()
    PlacementFactory(feature=feature, team=team, iteration=first)
    StoryFactory(team=team, pi=pi, feature=feature, iteration=third)
    StoryFactory(team=team, pi=pi, feature=feature, iteration=fourth)
    StoryFactory(team=team, pi=pi, feature=feature, iteration=fourth)
    (warning,) = team_board(team, pi).warnings
    assert warning.message == (
        f"{feature.key} Instant payouts is placed in Iteration 1, but 3 of its stories sit later: "
        "Iteration 3 (1 story), Iteration 4 (2 stories)."
    )


def test_another_teams_stories_and_placements_do_not_warn(team, other_team, pi, feature):
    first, second = pi.iterations.development()[:2]
    PlacementFactory(feature=feature, team=team, iteration=second)
    PlacementFactory(feature=feature, team=other_team, iteration=first)
    StoryFactory(team=team, pi=pi, feature=feature, iteration=second)
    StoryFactory(team=other_team, pi=pi, feature=feature, iteration=second)  # later, but for the other team
    assert team_board(team, pi).warnings == []
    assert len(team_board(other_team, pi).warnings) == 1


def test_features_with_stories_but_no_placement_get_a_note(team, pi, art, feature):
    placed = FeatureFactory(art=art, pi=pi)
    not_in_this_pi = FeatureFactory(art=art, pi=None)
    PlacementFactory(feature=placed, team=team, iteration=pi.iterations.development()[0])
    StoryFactory(team=team, pi=pi, feature=feature)
    StoryFactory(team=team, pi=pi, feature=feature, iteration=pi.iterations.development()[1])
    StoryFactory(team=team, pi=pi, feature=placed, iteration=pi.iterations.development()[0])
    StoryFactory(team=team, pi=pi, feature=not_in_this_pi)

    (note,) = team_board(team, pi).notes

    assert note.feature == feature and note.story_count == 2
    assert note.message == f"{feature.key} Instant payouts has 2 stories on this board but no placement yet."


def test_feature_rows_list_the_pis_features_with_this_teams_placements(team, other_team, pi, art, feature):
    other = FeatureFactory(art=art, pi=pi, user_business_value=20)
    FeatureFactory(art=art, pi=None)  # not in the PI: not offered
    cancelled = FeatureFactory(art=art, pi=pi, state="cancelled")
    placement = PlacementFactory(feature=feature, team=team, iteration=pi.iterations.development()[1])
    PlacementFactory(feature=other, team=other_team, iteration=pi.iterations.development()[0])

    board = team_board(team, pi)

    # Ranked by WSJF; the cancelled feature is neither placed nor offered.
    assert [(row.feature, row.placement) for row in board.feature_rows] == [(other, None), (feature, placement)]
    assert board.offered_features == [other, feature]
    assert cancelled not in board.offered_features


# --- the PI plan -----------------------------------------------------------------------------


def test_pi_plan_grid_of_teams_and_development_iterations(team, other_team, pi, art):
    first, second, third, _ = pi.iterations.development()
    TeamFactory(art=art, name="Retired", active=False)
    CapacityFactory(team=team, iteration=first, fte=5)  # 40
    CapacityFactory(team=team, iteration=second, fte=5, velocity=30)
    CapacityFactory(team=other_team, iteration=first, fte=2)  # 16
    StoryFactory(team=team, pi=pi, iteration=first, points=32)
    StoryFactory(team=team, pi=pi, iteration=second, points=31)
    StoryFactory(team=team, pi=pi, iteration=None, points=5)
    StoryFactory(team=other_team, pi=pi, iteration=first, points=8)
    StoryFactory(team=other_team, pi=pi, iteration=third, points=2)

    plan = pi_plan(pi)

    assert [iteration.name for iteration in plan.iterations] == [
        "Iteration 1",
        "Iteration 2",
        "Iteration 3",
        "Iteration 4",
    ]
    assert [row.team.name for row in plan.rows] == ["Falcons", "Otters"]
    falcons, otters = plan.rows
    assert [cell.short_text for cell in falcons.cells] == ["32 / 40 (80%)", "31 / 30 (103%)", "0 / —", "0 / —"]
    assert [cell.overloaded for cell in falcons.cells] == [False, True, False, False]
    assert [cell.short_text for cell in otters.cells] == ["8 / 16 (50%)", "0 / —", "2 / —", "0 / —"]
    assert [cell.overloaded for cell in otters.cells] == [False, False, True, False]
    assert (falcons.total.points, falcons.total.capacity, falcons.unplanned) == (63, 70, 5)
    assert falcons.overloaded and otters.overloaded
    assert [total.short_text for total in plan.totals] == ["40 / 56 (71%)", "31 / 30 (103%)", "2 / —", "0 / —"]
    assert plan.overloaded_count == 2 and plan.unplanned == 5


def test_pi_plan_reads_a_constant_number_of_queries(art, pi, django_assert_num_queries):
    teams = [TeamFactory(art=art) for _ in range(6)]
    for team in teams:
        for iteration in pi.iterations.development():
            CapacityFactory(team=team, iteration=iteration)
            StoryFactory(team=team, pi=pi, iteration=iteration)
        StoryFactory(team=team, pi=pi)
    with django_assert_num_queries(5):
        plan = pi_plan(pi)
        [(row.team.name, [cell.text for cell in row.cells], row.total.text) for row in plan.rows]
    assert len(plan.rows) == 6
