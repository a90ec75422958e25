"""The program board's exports (CSV and SVG) and the page's "lines" switch."""

import csv
import io
import itertools
import re
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from planning.program_board_export import CSV_HEADER, Box, route
from tests.conftest import PERSONAS
from tests.factories import ARTFactory, make_pi
from tests.factories import make_board_dependency as make_dependency
from tests.helpers import HTMX, expected, login
from tests.helpers import fill_program_board as fill
from tests.planning.factories import FeatureFactory, PlacementFactory

SVG = "{http://www.w3.org/2000/svg}"
SIZES = (12, 60)


def url(name: str, art, pi) -> str:
    return reverse(name, kwargs={"art_slug": art.slug, "pi_id": pi.pk})


@pytest.fixture
def board(art, pi, team, other_team, rte):
    """Falcons need Otters' ledger API (placed too late), a vendor's certificate (not planned) and a
    team-level change by Otters (planned, no card)."""
    first, second, third, _ = pi.iterations.development()
    payouts = PlacementFactory(
        feature=FeatureFactory(art=art, pi=pi, title="=Instant payouts"), team=team, iteration=second
    )
    ledger = PlacementFactory(
        feature=FeatureFactory(art=art, pi=pi, title="Ledger API", type="enabler"), team=other_team, iteration=third
    )
    red = make_dependency(
        pi,
        needing_team=team,
        providing_team=other_team,
        needing_feature=payouts.feature,
        providing_feature=ledger.feature,
        needed_by=second,
        owner=rte,
        description="Ledger API for payouts",
    )
    vendor = make_dependency(
        pi, needing_team=team, external_party="Card Vendor", needed_by=third, owner=rte, description="Certificate"
    )
    team_level = make_dependency(
        pi,
        needing_team=team,
        providing_team=other_team,
        needing_feature=payouts.feature,
        needed_by=third,
        planned_iteration=first,
        owner=rte,
        description="Firewall rule",
    )
    return {"payouts": payouts, "ledger": ledger, "red": red, "vendor": vendor, "team_level": team_level}


# --- CSV -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
@pytest.mark.parametrize("name", ["program_board_csv", "program_board_svg"])
def test_export_permission_matrix(client, art, pi, board, everyone, persona, name, request):
    """Whoever may read the board may take it away; an outsider finds nothing, anonymous logs in."""
    who = request.node.callspec.params["persona"]
    response = login(client, persona).get(url(name, art, pi))
    assert response.status_code == expected(who, True)
    if response.status_code == 200:
        assert response["Content-Disposition"].startswith("attachment; filename=")


def test_another_trains_board_is_404(client, art, pi, rte):
    foreign_pi = make_pi(ARTFactory(), name="PI X", start=pi.start_date)
    client = login(client, rte)
    assert client.get(url("program_board_csv", art, foreign_pi)).status_code == 404
    assert client.get(url("program_board_svg", art, foreign_pi)).status_code == 404


def test_the_csv_lists_cards_dependencies_and_milestones(client, art, pi, team, other_team, board, rte):
    pi.milestones.create(name="Release 3.2", date=pi.start_date)
    response = login(client, rte).get(url("program_board_csv", art, pi))
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    assert f'filename="program-board-{art.slug}-' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert tuple(rows[0].keys()) == CSV_HEADER

    cards = {row["feature_key"]: row for row in rows if row["record"] == "card"}
    payouts = cards[board["payouts"].feature.key]
    # A title a spreadsheet would read as a formula is neutralised.
    assert (payouts["team"], payouts["iteration"], payouts["feature_title"]) == (
        team.name,
        "Iteration 2",
        "'=Instant payouts",
    )
    assert (payouts["feature_type"], payouts["dependency_count"]) == ("business", "2")
    assert cards[board["ledger"].feature.key]["team"] == other_team.name

    dependencies = {int(row["dependency_id"]): row for row in rows if row["record"] == "dependency"}
    red = dependencies[board["red"].pk]
    assert (red["health"], red["provided_by"], red["needed_by_team"]) == ("red", other_team.name, team.name)
    assert (red["planned_iteration"], red["needed_by_iteration"], red["description"]) == (
        "Iteration 3",
        "Iteration 2",
        "Ledger API for payouts",
    )
    vendor = dependencies[board["vendor"].pk]
    assert (vendor["health"], vendor["provided_by"], vendor["planned_iteration"]) == (
        "unplanned",
        "Card Vendor",
        "not planned",
    )
    assert dependencies[board["team_level"].pk]["health"] == "green"
    milestones = [row for row in rows if row["record"] == "milestone"]
    assert [(row["feature_title"], row["iteration"], row["date"]) for row in milestones] == [
        ("Release 3.2", "Iteration 1", pi.start_date.isoformat())
    ]


def test_the_exports_keep_the_boards_filters(client, art, pi, board, rte):
    client = login(client, rte)
    rows = list(
        csv.DictReader(io.StringIO(client.get(url("program_board_csv", art, pi), {"lines": "red"}).content.decode()))
    )
    assert {int(row["dependency_id"]) for row in rows if row["record"] == "dependency"} == {
        board["red"].pk,
        board["vendor"].pk,
    }
    svg = client.get(url("program_board_svg", art, pi), {"type": "enabler"}).content.decode()
    assert f'id="card-{board["ledger"].pk}"' in svg and f'id="card-{board["payouts"].pk}"' not in svg


@pytest.mark.parametrize("query", [{"teams": "falcons"}, {"lines": "some"}])
def test_an_export_with_bad_filters_is_400_with_the_reason(client, art, pi, board, rte, query):
    response = login(client, rte).get(url("program_board_csv", art, pi), query)
    assert response.status_code == 400
    assert b"is not a team" in response.content or b"Show all lines" in response.content


# --- SVG -------------------------------------------------------------------------------------------


def _rect(group) -> Box:
    rect = group.find(f"{SVG}rect")
    left, top = float(rect.get("x")), float(rect.get("y"))
    return Box(left, top, left + float(rect.get("width")), top + float(rect.get("height")))


def _on_edge(point: tuple[float, float], box: Box) -> bool:
    x, y = point
    return (abs(x - box.left) < 0.2 or abs(x - box.right) < 0.2) and box.top <= y <= box.bottom


def test_the_svg_draws_every_card_and_sticky_and_joins_them_by_lines(client, art, pi, team, other_team, board, rte):
    response = login(client, rte).get(url("program_board_svg", art, pi))
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml; charset=utf-8"
    root = ET.fromstring(response.content)  # noqa: S314 (our own answer, in a test)
    groups = {group.get("id"): group for group in root.iter(f"{SVG}g")}
    assert {f"card-{board['payouts'].pk}", f"card-{board['ledger'].pk}"} <= groups.keys()
    texts = " ".join(text.text or "" for text in root.iter(f"{SVG}text"))
    assert "Ledger API" in texts and "=Instant payouts" in texts and "Card Vendor (external)" in texts

    paths = {path.get("id"): path for path in root.iter(f"{SVG}path") if path.get("id")}
    assert set(paths) == {f"line-{board[name].pk}" for name in ("red", "vendor", "team_level")}
    for path in paths.values():
        points = [tuple(map(float, pair.split())) for pair in re.findall(r"-?[\d.]+ -?[\d.]+", path.get("d"))]
        # Both ends on a card or a sticky, on its left or right edge.
        start, end = groups[path.get("data-from")], groups[path.get("data-to")]
        assert _on_edge(points[0], _rect(start)) and _on_edge(points[-1], _rect(end))
        # Only horizontal and vertical runs.
        assert all(a[0] == b[0] or a[1] == b[1] for a, b in itertools.pairwise(points))
    red = paths[f"line-{board['red'].pk}"]
    assert (red.get("data-from"), red.get("data-to")) == (f"card-{board['ledger'].pk}", f"card-{board['payouts'].pk}")
    assert red.get("stroke-dasharray") == "12 4 2 4" and red.get("stroke") == "#b3261e"
    vendor = paths[f"line-{board['vendor'].pk}"]
    assert vendor.get("data-from") == f"sticky-{board['vendor'].pk}-from"
    assert vendor.get("stroke") == "#6a3d9a" and vendor.get("stroke-dasharray") == "2 4"
    # The sticky carries the health's icon: the second channel beside colour.
    sticky_texts = [text.text for text in groups[f"sticky-{board['vendor'].pk}-from"].iter(f"{SVG}text")]
    assert sticky_texts[0] == "?"


def test_route_never_crosses_a_card_between_its_ends():
    """From a card in column 3 back to a card in column 1 two rows down: along the gaps only."""
    a_cell, b_cell = Box(400, 0, 600, 100), Box(0, 200, 200, 300)
    a, b = Box(412, 40, 588, 60), Box(12, 250, 188, 270)
    points = route(a, a_cell, b, b_cell)
    assert points == [(412, 50), (400, 50), (400, 200), (200, 200), (200, 260), (188, 260)]


@pytest.mark.parametrize("size", SIZES)
def test_the_exports_read_the_same_number_of_queries_whatever_the_size(
    client, art, pi, rte, size, django_assert_num_queries
):
    fill(art, pi, rte, size)
    client.force_login(rte)
    # Session, user, train, membership, PI, the board's five.
    for name in ("program_board_csv", "program_board_svg"):
        with django_assert_num_queries(10):
            response = client.get(url(name, art, pi))
        assert response.status_code == 200


# --- the lines switch --------------------------------------------------------------------------


def test_the_lines_switch_shows_all_only_red_or_lines_on_focus(client, art, pi, board, rte):
    client = login(client, rte)
    page = url("program_board", art, pi)
    html = client.get(page).content.decode()
    assert 'data-lines-mode="all"' in html and html.count('class="pb-line ') == 3

    html = client.get(page, {"lines": "red"}, headers=HTMX).content.decode()
    assert 'data-lines-mode="red"' in html and html.count('class="pb-line ') == 2
    assert f'id="line-{board["team_level"].pk}"' not in html

    html = client.get(page, {"lines": "focus"}).content.decode()
    assert 'data-lines-mode="focus"' in html and html.count('class="pb-line ') == 3
    assert 'id="lines-focus" checked' in html
    # Moves and the live check keep the switch.
    assert "changes/?lines=focus" in html

    response = client.get(page, {"lines": "some"})
    assert response.status_code == 422 and b"Show all lines, only red lines" in response.content
