"""The program board's structure: columns, rows, cards, anchors, line colours, filters, and its query count."""

import json
from datetime import date, timedelta

import pytest
from django.http import QueryDict
from django.urls import reverse

from artops.models import Role
from planning import services
from planning.filters import ProgramBoardFilter
from planning.models import BoardClock, Feature, FeaturePlacement, Milestone
from planning.program_board import AMBER, GREEN, RED, UNPLANNED, BoardFilters
from planning.program_board_layout import program_board
from risks.models import Dependency
from tests.conftest import make_member
from tests.factories import TeamFactory, make_pi
from tests.factories import make_board_dependency as make_dependency
from tests.helpers import fill_program_board as fill
from tests.planning.factories import FeatureFactory, PlacementFactory


def board_of(pi, **filters):
    return program_board(pi, dependencies=Dependency.objects.for_pi(pi).open(), filters=BoardFilters(**filters))


@pytest.fixture
def owner(art):
    return make_member(art, Role.RTE, display_name="Dee Owner")


@pytest.fixture
def iterations(pi):
    return list(pi.iterations.development())


# --- columns, rows and cards -------------------------------------------------------------------


def test_columns_are_the_iterations_with_the_ip_iteration_last(pi):
    board = board_of(pi)
    names = [column.name for column in board.iterations]
    assert len(names) == 5
    assert [column.is_ip for column in board.iterations] == [False, False, False, False, True]
    assert [column.id for column in board.development_iterations] == [it.pk for it in pi.iterations.development()]


def test_milestones_fall_in_the_iteration_of_their_date(pi, iterations):
    second, last = iterations[1], pi.iterations.ip().get()
    release = Milestone.objects.create(pi=pi, name="Release 3.2", date=second.start_date + timedelta(days=3))
    fair = Milestone.objects.create(pi=pi, name="Trade fair", date=last.end_date)
    board = board_of(pi)
    assert [(m.name, m.iteration_id) for m in board.milestones] == [("Release 3.2", second.pk), ("Trade fair", last.pk)]
    cells = {iteration.id: milestones for iteration, milestones in board.milestone_cells}
    assert [m.id for m in cells[second.pk]] == [release.pk]
    assert [m.id for m in cells[last.pk]] == [fair.pk]
    assert board.unscheduled_milestones == []


def test_one_row_per_active_team_and_one_per_external_party_of_open_dependencies(
    art, pi, team, other_team, iterations, owner
):
    retired = TeamFactory(art=art, name="Albatross", active=False)
    TeamFactory(art=art, name="Bisons", active=False)  # inactive, nothing on the board: no row
    feature = FeatureFactory(art=art, pi=pi)
    PlacementFactory(feature=feature, team=retired, iteration=iterations[0])
    make_dependency(pi, needing_team=team, needed_by=iterations[2], owner=owner, external_party="Card Vendor")
    make_dependency(pi, needing_team=other_team, needed_by=iterations[1], owner=owner, external_party="Card Vendor")
    make_dependency(pi, needing_team=team, needed_by=iterations[1], owner=owner, external_party="core banking ART")
    make_dependency(
        pi, needing_team=team, needed_by=iterations[1], owner=owner, external_party="Old Vendor", state="delivered"
    )

    board = board_of(pi)

    assert [(row.kind, row.label) for row in board.rows] == [
        ("team", "Albatross"),
        ("team", "Falcons"),
        ("team", "Otters"),
        ("party", "Card Vendor"),
        ("party", "core banking ART"),
    ]
    assert board.row(f"team-{retired.pk}").active is False
    # Every row has one cell per iteration, the IP one last.
    assert all([cell.iteration_id for cell in row.cells] == [c.id for c in board.iterations] for row in board.rows)
    assert [team.name for team in board.teams] == ["Albatross", "Bisons", "Falcons", "Otters"]


def test_cards_are_placements_in_their_team_row_and_iteration(art, pi, team, other_team, iterations):
    feature = FeatureFactory(art=art, pi=pi, title="Instant payouts")
    enabler = FeatureFactory(art=art, pi=pi, type=Feature.Type.ENABLER, title="Event bus")
    falcons = PlacementFactory(feature=feature, team=team, iteration=iterations[0])
    otters = PlacementFactory(feature=feature, team=other_team, iteration=iterations[2])
    bus = PlacementFactory(feature=enabler, team=team, iteration=iterations[0])

    board = board_of(pi)

    assert {card.placement_id for card in board.cells[(f"team-{team.pk}", iterations[0].pk)]} == {falcons.pk, bus.pk}
    assert [card.placement_id for card in board.cells[(f"team-{other_team.pk}", iterations[2].pk)]] == [otters.pk]
    card = board.card(bus.pk)
    assert (card.feature_key, card.feature_title, card.feature_type, card.version) == (
        enabler.key,
        "Event bus",
        "enabler",
        1,
    )
    assert card.dom_id == f"card-{bus.pk}"
    assert len(board.cards) == 3


# --- anchors and colours -----------------------------------------------------------------------


def test_a_line_runs_from_the_providing_card_to_the_needing_card(art, pi, team, other_team, iterations, owner):
    api, checkout = FeatureFactory(art=art, pi=pi), FeatureFactory(art=art, pi=pi)
    providing = PlacementFactory(feature=api, team=other_team, iteration=iterations[0])
    needing = PlacementFactory(feature=checkout, team=team, iteration=iterations[2])
    dependency = make_dependency(
        pi,
        needing_team=team,
        providing_team=other_team,
        needing_feature=checkout,
        providing_feature=api,
        needed_by=iterations[2],
        owner=owner,
    )

    board = board_of(pi)
    line = board.line(dependency.pk)

    assert (line.source.kind, line.source.dom_id) == ("card", f"card-{providing.pk}")
    assert (line.target.kind, line.target.dom_id) == ("card", f"card-{needing.pk}")
    assert line.health == GREEN
    assert board.card(providing.pk).line_ids == [line.dom_id]
    assert board.card(needing.pk).line_ids == [line.dom_id]


def test_ends_without_a_card_are_stickies_in_their_cells_and_in_the_not_planned_spot(
    art, pi, team, other_team, iterations, owner
):
    # The providing team has not placed the providing feature, but planned the dependency.
    planned = make_dependency(
        pi,
        needing_team=team,
        providing_team=other_team,
        providing_feature=FeatureFactory(art=art, pi=pi),
        needed_by=iterations[3],
        planned_iteration=iterations[1],
        owner=owner,
    )
    # Nothing planned at all.
    unplanned = make_dependency(pi, needing_team=team, providing_team=other_team, needed_by=iterations[2], owner=owner)
    # An external party, planned.
    vendor = make_dependency(
        pi,
        needing_team=other_team,
        external_party="Card Vendor",
        needed_by=iterations[1],
        planned_iteration=iterations[1],
        owner=owner,
    )

    board = board_of(pi)

    def sticky_at(row_key: str, iteration) -> list[str]:
        cell = next(cell for cell in board.row(row_key).cells if cell.iteration_id == iteration.pk)
        return [sticky.dom_id for sticky in cell.stickies]

    team_row, other_row = f"team-{team.pk}", f"team-{other_team.pk}"
    # Every end without a card is a sticky: in the provider's row at the planned iteration...
    line = board.line(planned.pk)
    assert (line.source.kind, line.source.dom_id) == ("cell", f"sticky-{planned.pk}-from")
    # ... and in the needing team's row at the iteration it is needed by.
    assert (line.target.kind, line.target.dom_id) == ("cell", f"sticky-{planned.pk}-to")
    assert f"sticky-{planned.pk}-to" in sticky_at(team_row, iterations[3])
    assert line.health == GREEN
    # Nothing planned: a sticky in the provider's "not planned" spot.
    line = board.line(unplanned.pk)
    assert (line.source.kind, line.source.dom_id) == ("unplanned", f"sticky-{unplanned.pk}-from")
    assert [sticky.dom_id for sticky in board.row(other_row).unplanned_stickies] == [f"sticky-{unplanned.pk}-from"]
    assert line.target.dom_id == f"sticky-{unplanned.pk}-to"
    assert sticky_at(team_row, iterations[2]) == [f"sticky-{unplanned.pk}-to"]
    assert line.health == UNPLANNED and line.is_red
    assert board.row(other_row).has_unplanned is True
    assert board.row(team_row).has_unplanned is False
    line = board.line(vendor.pk)
    assert line.source.dom_id == f"sticky-{vendor.pk}-from"
    assert sticky_at("party-1", iterations[1]) == [f"sticky-{vendor.pk}-from"]
    assert sticky_at(other_row, iterations[1]) == [f"sticky-{planned.pk}-from", f"sticky-{vendor.pk}-to"]
    assert line.provider_name == "Card Vendor"
    assert line.health == AMBER
    # Each sticky names its line and its health's icon, for the page and the legend.
    sticky = board.row(other_row).unplanned_stickies[0]
    assert (sticky.line.dom_id, sticky.icon, sticky.provides) == (f"line-{unplanned.pk}", "?", True)
    assert sticky.label.startswith(f"Provides to {team.name}: ")
    assert line.health == AMBER


def test_a_dependency_planned_in_another_pi_starts_at_the_not_planned_marker(art, pi, team, other_team, owner):
    later = make_pi(art, name="PI 2027.1", start=date(2027, 1, 4))
    dependency = make_dependency(
        pi,
        needing_team=team,
        providing_team=other_team,
        needed_by=pi.iterations.development()[1],
        planned_iteration=later.iterations.development()[0],
        owner=owner,
    )
    line = board_of(pi).line(dependency.pk)
    assert line.source.kind == "unplanned"
    assert line.health == RED
    assert line.planned_iteration_name == "PI 2027.1 Iteration 1"


@pytest.mark.parametrize(
    ("providing_at", "needing_at", "needed_by", "health"),
    [
        (0, 2, 2, GREEN),  # delivered before it is needed
        (2, 2, 2, AMBER),  # in the same iteration
        (3, 2, 2, RED),  # after the needing card
        (2, 3, 1, RED),  # after the recorded need, even though the needing card is later
        (1, 1, 3, AMBER),  # the needing card moved earlier than the recorded need
        (0, 1, 3, GREEN),
    ],
)
def test_line_colour_compares_the_providers_card_with_the_earlier_of_need_and_needing_card(
    art, pi, team, other_team, iterations, owner, providing_at, needing_at, needed_by, health
):
    api, checkout = FeatureFactory(art=art, pi=pi), FeatureFactory(art=art, pi=pi)
    PlacementFactory(feature=api, team=other_team, iteration=iterations[providing_at])
    PlacementFactory(feature=checkout, team=team, iteration=iterations[needing_at])
    dependency = make_dependency(
        pi,
        needing_team=team,
        providing_team=other_team,
        needing_feature=checkout,
        providing_feature=api,
        needed_by=iterations[needed_by],
        # The card decides, not the dependency's own plan.
        planned_iteration=iterations[0] if health == RED else iterations[3],
        owner=owner,
    )
    assert board_of(pi).line(dependency.pk).health == health


def test_a_red_line_turns_green_when_the_providing_card_moves_earlier(art, pi, team, other_team, iterations, rte):
    api, checkout = FeatureFactory(art=art, pi=pi), FeatureFactory(art=art, pi=pi)
    providing = PlacementFactory(feature=api, team=other_team, iteration=iterations[2])
    PlacementFactory(feature=checkout, team=team, iteration=iterations[1])
    dependency = make_dependency(
        pi,
        needing_team=team,
        providing_team=other_team,
        needing_feature=checkout,
        providing_feature=api,
        needed_by=iterations[1],
        owner=rte,
    )
    assert board_of(pi).line(dependency.pk).health == RED

    services.move_placement(providing, by=rte, expected_version=1, iteration=iterations[0])

    assert board_of(pi).line(dependency.pk).health == GREEN


def test_closed_dependencies_draw_no_line(pi, team, other_team, iterations, owner):
    make_dependency(pi, needing_team=team, providing_team=other_team, needed_by=iterations[1], owner=owner)
    make_dependency(
        pi, needing_team=team, providing_team=other_team, needed_by=iterations[1], owner=owner, state="cancelled"
    )
    assert len(board_of(pi).lines) == 1


# --- filters -----------------------------------------------------------------------------------


@pytest.fixture
def train(art, pi, team, other_team, iterations, owner):
    """Three teams, cards of both types, and dependencies of every colour between them."""
    hawks = TeamFactory(art=art, name="Hawks")
    payouts = FeatureFactory(art=art, pi=pi, title="Payouts")
    ledger = FeatureFactory(art=art, pi=pi, title="Ledger", type=Feature.Type.ENABLER)
    search = FeatureFactory(art=art, pi=pi, title="Search")
    cards = {
        "falcons_payouts": PlacementFactory(feature=payouts, team=team, iteration=iterations[1]),
        "otters_ledger": PlacementFactory(feature=ledger, team=other_team, iteration=iterations[2]),
        "hawks_search": PlacementFactory(feature=search, team=hawks, iteration=iterations[0]),
        "hawks_payouts": PlacementFactory(feature=payouts, team=hawks, iteration=iterations[3]),
    }
    deps = {
        # Otters' ledger (I3) is needed by Falcons' payouts (I2): red.
        "red": make_dependency(
            pi,
            needing_team=team,
            providing_team=other_team,
            needing_feature=payouts,
            providing_feature=ledger,
            needed_by=iterations[1],
            owner=owner,
        ),
        # Hawks' search (I1) for Hawks' payouts... from Otters: not planned.
        "unplanned": make_dependency(
            pi, needing_team=hawks, providing_team=other_team, needed_by=iterations[3], owner=owner
        ),
        # Hawks' search (I1) needed by Otters in I3: green.
        "green": make_dependency(
            pi,
            needing_team=other_team,
            providing_team=hawks,
            providing_feature=search,
            needed_by=iterations[2],
            owner=owner,
        ),
        "vendor": make_dependency(
            pi,
            needing_team=hawks,
            external_party="Card Vendor",
            needed_by=iterations[1],
            planned_iteration=iterations[0],
            owner=owner,
        ),
    }
    return {"hawks": hawks, "cards": cards, "deps": deps}


def test_the_team_filter_shows_the_teams_with_their_lines_and_the_other_ends_as_context(train, pi, team, other_team):
    board = board_of(pi, team_ids=[team.pk])

    assert [line.dependency_id for line in board.lines] == [train["deps"]["red"].pk]
    assert [(row.label, row.is_context) for row in board.rows] == [("Falcons", False), ("Otters", True)]
    # Context rows show only the cards their lines touch.
    assert {card.placement_id for card in board.cards} == {
        train["cards"]["falcons_payouts"].pk,
        train["cards"]["otters_ledger"].pk,
    }

    board = board_of(pi, team_ids=[train["hawks"].pk])
    assert {line.dependency_id for line in board.lines} == {
        train["deps"]["unplanned"].pk,
        train["deps"]["green"].pk,
        train["deps"]["vendor"].pk,
    }
    assert [row.label for row in board.rows] == ["Hawks", "Otters", "Card Vendor"]
    assert {card.placement_id for card in board.row(f"team-{train['hawks'].pk}").cards} == {
        train["cards"]["hawks_search"].pk,
        train["cards"]["hawks_payouts"].pk,
    }
    assert board.row(f"team-{other_team.pk}").cards == []


def test_the_feature_type_filter_keeps_cards_of_that_type_and_lines_naming_one(train, pi, team, iterations):
    board = board_of(pi, feature_type="enabler")

    assert [card.placement_id for card in board.cards] == [train["cards"]["otters_ledger"].pk]
    assert [line.dependency_id for line in board.lines] == [train["deps"]["red"].pk]
    # The needing card (a business feature) is hidden: the line ends on a sticky in its cell.
    line = board.lines[0]
    assert (line.target.kind, line.target.dom_id) == ("cell", f"sticky-{line.dependency_id}-to")
    cell = next(cell for cell in board.row(f"team-{team.pk}").cells if cell.iteration_id == iterations[1].pk)
    assert [sticky.dom_id for sticky in cell.stickies] == [line.target.dom_id]
    assert board.lines[0].source.dom_id == f"card-{train['cards']['otters_ledger'].pk}"

    board = board_of(pi, feature_type="business")
    assert {card.feature_type for card in board.cards} == {"business"}
    assert {line.dependency_id for line in board.lines} == {train["deps"]["red"].pk, train["deps"]["green"].pk}


def test_only_red_keeps_lines_planned_too_late_or_not_at_all(train, pi):
    board = board_of(pi, only_red=True)
    assert {line.dependency_id for line in board.lines} == {train["deps"]["red"].pk, train["deps"]["unplanned"].pk}
    assert {line.health for line in board.lines} == {RED, UNPLANNED}
    # The cards stay; the green line's card no longer lists it.
    assert len(board.cards) == 4
    assert board.card(train["cards"]["hawks_search"].pk).line_ids == []
    assert board.filters.active

    assert len(board_of(pi).lines) == 4
    assert not board_of(pi).filters.active


@pytest.mark.parametrize(
    ("query", "filters", "error"),
    [
        ("", BoardFilters(), ""),
        ("teams=3&teams=1&teams=3&teams=", BoardFilters(team_ids=[1, 3]), ""),
        ("type=enabler&only_red=YES", BoardFilters(feature_type="enabler", only_red=True), ""),
        # Only 1, on, true and yes tick the box; anything else leaves it unticked, with no error.
        ("only_red=0", BoardFilters(), ""),
        ("only_red=maybe", BoardFilters(), ""),
        (
            "type=epic&only_red=on",
            BoardFilters(only_red=True),
            "Choose business features or enablers as the feature type.",
        ),
        # A filter in error narrows nothing; each bad value is named, in the order of the filters.
        (
            "teams=falcons&teams=2&type=epic",
            BoardFilters(),
            "“falcons” is not a team. Choose business features or enablers as the feature type.",
        ),
    ],
)
def test_the_filters_are_read_from_the_query_string(query, filters, error):
    filterset = ProgramBoardFilter(QueryDict(query))
    assert (filterset.board_filters, filterset.error_text) == (filters, error)


def test_the_filterset_narrows_cards_as_the_board_does(train, pi, team):
    placements = FeaturePlacement.objects.filter(iteration__pi=pi)
    filterset = ProgramBoardFilter(QueryDict(f"teams={team.pk}&type=business&only_red=1"), queryset=placements)
    assert list(filterset.qs) == [train["cards"]["falcons_payouts"]]


def test_as_json_is_plain_data(train, pi):
    data = json.loads(json.dumps(board_of(pi).as_json()))
    assert data["pi"]["name"] == pi.name
    assert [iteration["is_ip"] for iteration in data["iterations"]][-1] is True
    red = next(line for line in data["lines"] if line["dependency_id"] == train["deps"]["red"].pk)
    assert red["health"] == "red"
    assert red["from"]["dom_id"] == f"card-{train['cards']['otters_ledger'].pk}"
    assert red["to"]["dom_id"] == f"card-{train['cards']['falcons_payouts'].pk}"
    cards = [card for row in data["rows"] for cell in row["cells"] for card in cell["cards"]]
    assert {card["placement_id"] for card in cards} == {placement.pk for placement in train["cards"].values()}


# --- query count -------------------------------------------------------------------------------

SIZES = (30, 300, 3000)


@pytest.mark.parametrize("size", SIZES)
def test_program_board_reads_five_queries_whatever_the_size(art, pi, owner, size, django_assert_num_queries):
    fill(art, pi, owner, size)
    with django_assert_num_queries(5):
        board = board_of(pi)
        # What the page reads of it costs nothing more.
        [(card.feature_key, card.line_ids) for card in board.cards]
        [(line.source.dom_id, line.target.dom_id, line.health, line.provider_name) for line in board.lines]
        board.as_json()
    assert len(board.cards) == size
    assert len(board.lines) == len(range(0, size - 1, 3))


@pytest.mark.parametrize("size", SIZES)
def test_the_page_reads_the_same_number_of_queries_whatever_the_size(
    client, art, pi, owner, size, django_assert_num_queries
):
    fill(art, pi, owner, size)
    client.force_login(owner)
    url = reverse("program_board", kwargs={"art_slug": art.slug, "pi_id": pi.pk})
    # Session, user, train, membership, PI, board clock, the board's five, the clock again (the
    # render is kept only if the board did not move meanwhile), the team filter, the PI switcher.
    with django_assert_num_queries(14):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.count(b'class="pb-card ') == size
    # The same board again: the shared render from Redis, without the board's queries.
    with django_assert_num_queries(8):
        response = client.get(url)
    assert response.content.count(b'class="pb-card ') == size
    with django_assert_num_queries(6):  # the fragment alone: no team filter, no PI switcher
        response = client.get(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    BoardClock.tick(pi.pk)
    with django_assert_num_queries(12):  # a new version: the fragment rendered afresh
        response = client.get(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
