"""The program board in a real browser, watched from two browsers at once, and the demo board read,
printed and exported.

The RTE moves cards; a second person, in a browser context of their own, sees the board
change without reloading, and a move made from an outdated page is refused with the reason
and the current board. On the demo train every dependency line joins two cards or stickies
without crossing a card, a card lights exactly its lines, the "lines" switch narrows them, and
the board prints on one A3 page and downloads as CSV and SVG.

The live board: a move arrives in the other browser as a change set, applied in place (every
other card keeps its DOM node, an open move menu stays open, the scroll position stays); a
browser that fell far behind reloads the board whole, cleanly.
"""

import csv
import io
import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.core.management import call_command
from playwright.sync_api import expect
from pypdf import PdfReader

from artops.demo import DEMO_PASSWORD
from artops.models import ART, ProgramIncrement, Role, User
from planning import live_board, services
from planning.models import BoardClock, FeaturePlacement, PlacementChange
from risks.models import Dependency
from tests.conftest import make_member
from tests.factories import ARTFactory, TeamFactory, make_pi
from tests.planning.factories import FeatureFactory, PlacementFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LIVE_WITHIN_MS = 5_000


@pytest.fixture
def train():
    """Falcons need Otters' ledger API for their payouts; the API is planned a sprint too late."""
    art = ARTFactory(name="Payments ART", slug="payments")
    falcons = TeamFactory(art=art, name="Falcons")
    otters = TeamFactory(art=art, name="Otters")
    pi = make_pi(art, name="PI 2026.4", start=date(2026, 10, 5))
    iterations = list(pi.iterations.filter(is_ip=False).order_by("number"))
    payouts = FeatureFactory(art=art, pi=pi, title="Instant payouts")
    ledger = FeatureFactory(art=art, pi=pi, title="Ledger API", type="enabler")
    needing = PlacementFactory(feature=payouts, team=falcons, iteration=iterations[1])
    providing = PlacementFactory(feature=ledger, team=otters, iteration=iterations[2])
    rte = make_member(art, Role.RTE, display_name="Riley RTE", password=DEMO_PASSWORD)
    dependency = Dependency.objects.create(
        art=art,
        pi=pi,
        needing_team=falcons,
        providing_team=otters,
        needing_feature=payouts,
        providing_feature=ledger,
        description="Ledger API for payouts",
        needed_by=iterations[1],
        owner=rte,
        created_at=datetime(2026, 9, 1, 9, 0, tzinfo=UTC),
    )
    return {
        "art": art,
        "pi": pi,
        "falcons": falcons,
        "otters": otters,
        "iterations": iterations,
        "needing": needing,
        "providing": providing,
        "dependency": dependency,
        "rte": rte,
        "product_owner": make_member(
            art, Role.PRODUCT_OWNER, falcons, display_name="Polly Owner", password=DEMO_PASSWORD
        ),
        "business_owner": make_member(art, Role.BUSINESS_OWNER, display_name="Bo Owner", password=DEMO_PASSWORD),
    }


@pytest.fixture
def second_page(browser):
    """A page in a browser context of its own: another person at another laptop."""
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def board_url(live_server, train) -> str:
    return f"{live_server.url}/arts/{train['art'].slug}/planning/pis/{train['pi'].pk}/board/"


def cell(page, team, iteration):
    return page.locator(f"#cell-team-{team.pk}-{iteration.pk}")


def card_in(page, team, iteration, placement):
    return cell(page, team, iteration).locator(f"#card-{placement.pk}")


def drag(page, placement, team, iteration) -> None:
    page.locator(f"#card-{placement.pk} .pb-card-title").drag_to(cell(page, team, iteration))


def stored(placement) -> tuple:
    current = FeaturePlacement.objects.get(pk=placement.pk)
    return current.team_id, current.iteration_id, current.version


def test_the_rte_drags_a_card_and_a_second_browser_sees_it_move_without_reloading(
    page, second_page, live_server, log_in, train
):
    falcons, iterations, card = train["falcons"], train["iterations"], train["needing"]
    log_in(page, train["rte"])
    page.goto(board_url(live_server, train))
    log_in(second_page, train["business_owner"])
    second_page.goto(board_url(live_server, train))
    expect(card_in(second_page, falcons, iterations[1], card)).to_be_visible()
    # A reader's board offers nothing to drag.
    expect(second_page.locator("[draggable=true]")).to_have_count(0)

    drag(page, card, falcons, iterations[2])

    expect(card_in(page, falcons, iterations[2], card)).to_be_visible()
    expect(page.locator("#flash")).to_contain_text(f"{card.feature.key} moved to Iteration 3.")
    assert stored(card) == (falcons.pk, iterations[2].pk, 2)
    # The other browser follows within seconds, without a reload.
    expect(card_in(second_page, falcons, iterations[2], card)).to_be_visible(timeout=LIVE_WITHIN_MS)
    expect(second_page.locator(f"#card-{card.pk}")).to_have_attribute("data-version", "2")
    # It persists.
    page.reload()
    expect(card_in(page, falcons, iterations[2], card)).to_be_visible()
    # The IP column takes no drop: nothing is sent, nothing changes.
    ip = train["pi"].iterations.get(is_ip=True)
    page.locator(f"#card-{card.pk} .pb-card-title").drag_to(page.locator(f"#cell-team-{falcons.pk}-{ip.pk}"))
    expect(card_in(page, falcons, iterations[2], card)).to_be_visible()
    assert stored(card) == (falcons.pk, iterations[2].pk, 2)
    assert PlacementChange.objects.filter(feature=card.feature).count() == 1


def test_a_red_line_turns_green_when_the_providing_card_moves_earlier(page, live_server, log_in, train):
    otters, iterations = train["otters"], train["iterations"]
    log_in(page, train["rte"])
    page.goto(board_url(live_server, train))
    line = page.locator(f"#line-{train['dependency'].pk}")
    expect(line).to_have_attribute("class", "pb-line health-red")
    expect(line).to_have_attribute("data-from", f"card-{train['providing'].pk}")
    expect(line).to_have_attribute("data-to", f"card-{train['needing'].pk}")
    # Drawn from the providing card (Iteration 3) back to the needing card (Iteration 2): out of the
    # provider's left edge, into the needing card's right edge.
    expect(line).to_have_attribute("d", re.compile(r"^M -?[\d.]+ -?[\d.]+ L "))
    before = page.evaluate(LINE_ENDS)
    assert before["lines"][0]["start"] == "left" and before["lines"][0]["end"] == "right"

    drag(page, train["providing"], otters, iterations[0])

    line = page.locator(f"#line-{train['dependency'].pk}")
    expect(line).to_have_attribute("class", "pb-line health-green")
    expect(card_in(page, otters, iterations[0], train["providing"])).to_be_visible()
    assert stored(train["providing"]) == (otters.pk, iterations[0].pk, 2)
    # Redrawn from the card where it is now: forwards, still from card edge to card edge.
    after = redrawn_lines(page)
    assert after["problems"] == []
    assert after["lines"][0]["start"] == "right" and after["lines"][0]["end"] == "left"
    assert after["lines"][0]["d"] != before["lines"][0]["d"]
    # Hovering a card highlights its line.
    page.locator(f"#card-{train['needing'].pk}").hover()
    expect(line).to_have_class("pb-line health-green is-highlighted")


# Resolves with whether the live board applies the next change its poll brings (200, not 204):
# the board says so with an "artops:board-change" event on the document.
# Gives up after 10 s (resolving null), so that a change that never comes fails the test, not hangs it.
NEXT_LIVE_SWAP = """() => new Promise((resolve) => {
  document.addEventListener("artops:board-change", (event) => resolve(event.detail.applied), {once: true});
  setTimeout(() => resolve(null), 10000);
})"""


def test_a_stale_move_from_the_second_browser_shows_the_conflict_and_the_current_board(
    page, second_page, live_server, log_in, train
):
    falcons, iterations, card = train["falcons"], train["iterations"], train["needing"]
    log_in(page, train["rte"])
    page.goto(board_url(live_server, train))
    log_in(second_page, train["product_owner"])
    second_page.goto(board_url(live_server, train))
    # The Product Owner opens the card's move menu: their page holds version 1.
    second_page.locator(f"#card-{card.pk}-move").click()
    menu = second_page.locator(f"#card-{card.pk}-menu")
    expect(menu.locator("input[name=version]")).to_have_value("1")

    drag(page, card, falcons, iterations[0])
    expect(card_in(page, falcons, iterations[0], card)).to_be_visible()
    # The live board's next poll brings the change, and while the moved card's menu is open it
    # declines to apply it: the person's choice is not swept away.
    with second_page.expect_response(lambda response: "/board/changes/" in response.url and response.status == 200):
        swapped = second_page.evaluate(NEXT_LIVE_SWAP)
    assert swapped is False
    expect(menu.locator("input[name=version]")).to_have_value("1")

    menu.get_by_label("Iteration").select_option(label="Iteration 4")
    menu.get_by_role("button", name="Move").click()

    alert = second_page.locator("#program-board .board-error")
    expect(alert).to_contain_text("Someone changed the placement of")
    expect(alert).to_contain_text("a moment ago")
    # The current board: the card where the RTE put it, at its new version.
    expect(card_in(second_page, falcons, iterations[0], card)).to_be_visible()
    expect(second_page.locator(f"#card-{card.pk}")).to_have_attribute("data-version", "2")
    assert stored(card) == (falcons.pk, iterations[0].pk, 2)
    assert PlacementChange.objects.filter(feature=card.feature).count() == 1


# --- the demo board: lines, highlighting, the lines switch, print and export ----------------------

# Every drawn line: its ends (which side of which element), and whatever is wrong with it: an end
# that is not a card or sticky, a start or end off its element's edge, or a run across a card.
LINE_ENDS = r"""() => {
  const canvas = document.querySelector(".pb-canvas").getBoundingClientRect();
  const cards = [...document.querySelectorAll("[data-card]")].map((card) => [card.id, card.getBoundingClientRect()]);
  const problems = [], lines = [];
  const side = (point, rect) => {
    const x = point.x + canvas.left, y = point.y + canvas.top;
    if (y < rect.top - 0.5 || y > rect.bottom + 0.5) return null;
    if (Math.abs(x - rect.left) < 0.5) return "left";
    if (Math.abs(x - rect.right) < 0.5) return "right";
    return null;
  };
  document.querySelectorAll("path.pb-line").forEach((path) => {
    const from = document.getElementById(path.dataset.from), to = document.getElementById(path.dataset.to);
    const d = path.getAttribute("d");
    if (!from || !to || !d) { problems.push(path.id + ": not drawn"); return; }
    for (const end of [from, to]) {
      if (!end.matches("[data-card], [data-sticky]")) problems.push(path.id + ": ends on " + end.id);
    }
    const points = [...d.matchAll(/(-?[\d.]+) (-?[\d.]+)/g)].map((m) => ({x: +m[1], y: +m[2]}));
    const start = side(points[0], from.getBoundingClientRect());
    const end = side(points[points.length - 1], to.getBoundingClientRect());
    if (!start || !end) problems.push(path.id + ": an end off its card or sticky");
    for (let i = 1; i < points.length; i++) {
      const a = points[i - 1], b = points[i];
      const left = Math.min(a.x, b.x) + canvas.left, right = Math.max(a.x, b.x) + canvas.left;
      const top = Math.min(a.y, b.y) + canvas.top, bottom = Math.max(a.y, b.y) + canvas.top;
      for (const [id, r] of cards) {
        if (left < r.right - 1 && right > r.left + 1 && top < r.bottom - 1 && bottom > r.top + 1) {
          problems.push(path.id + ": crosses " + id);
        }
      }
    }
    lines.push({id: path.id, d: d, start: start, end: end, health: path.dataset.health});
  });
  return {lines: lines, problems: problems};
}"""


def redrawn_lines(page, tries: int = 100) -> dict:
    """``LINE_ENDS`` once the board has redrawn its lines after a swap (it draws a frame later).

    Read by polling ``page.evaluate``: ``wait_for_function`` with an expression needs ``eval``,
    which the app's Content Security Policy refuses, as it should.
    """
    for _ in range(tries):
        lines = page.evaluate(LINE_ENDS)
        if not lines["problems"]:
            break
        page.wait_for_timeout(50)
    return lines


HIGHLIGHTED = "() => [...document.querySelectorAll('path.pb-line.is-highlighted')].map((path) => path.id).sort()"
# Focus each card or sticky with lines in turn: {its id: [the lines lit, the lines it names]}.
FOCUS_EACH_END = """() => {
  const lit = {};
  document.querySelectorAll("[data-card][data-lines]:not([data-lines='']), [data-sticky]").forEach((end) => {
    end.focus();
    const found = [...document.querySelectorAll("path.pb-line.is-highlighted")].map((path) => path.id).sort();
    lit[end.id] = [found, end.dataset.lines.split(" ").sort()];
  });
  document.activeElement.blur();
  return lit;
}"""
VISIBLE_LINES = """() => [...document.querySelectorAll('path.pb-line')]
  .filter((path) => getComputedStyle(path).visibility === 'visible').map((path) => path.id).sort()"""


@pytest.fixture
def demo_board():
    """The demo train on Thursday 26 November 2026, in the running PI's Iteration 2."""
    with time_machine.travel("2026-11-26 09:00Z", tick=True):
        call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
        art = ART.objects.get(slug="payments")
        pi = ProgramIncrement.objects.for_art(art).current(art.today())
        yield {
            "art": art,
            "pi": pi,
            "cards": list(FeaturePlacement.objects.filter(iteration__pi=pi).select_related("feature", "team")),
            "dependencies": list(Dependency.objects.for_pi(pi).open()),
            "rte": User.objects.get(email="rte@payments.example"),
        }


def after_line(drawn: dict, line_id: str) -> dict:
    return next(line for line in drawn["lines"] if line["id"] == line_id)


def open_demo_board(page, live_server, log_in, demo) -> None:
    page.set_viewport_size({"width": 1440, "height": 900})
    log_in(page, demo["rte"])
    page.goto(f"{live_server.url}/arts/{demo['art'].slug}/planning/board/")
    expect(page.locator("path.pb-line[d]")).to_have_count(len(demo["dependencies"]))


def test_on_the_demo_board_every_line_joins_two_cards_or_stickies_and_a_card_lights_exactly_its_lines(
    page, live_server, log_in, demo_board
):
    open_demo_board(page, live_server, log_in, demo_board)
    cards = page.locator("[data-card]")
    expect(cards).to_have_count(len(demo_board["cards"]))
    drawn = page.evaluate(LINE_ENDS)
    assert drawn["problems"] == []
    assert {line["id"] for line in drawn["lines"]} == {f"line-{dep.pk}" for dep in demo_board["dependencies"]}
    # The lines sit under the cards (and so under a card's open menu), in the board's own layer.
    layers = page.evaluate(
        """() => [getComputedStyle(document.querySelector('svg.pb-lines')).zIndex,
                  getComputedStyle(document.querySelector('[data-card]')).zIndex,
                  getComputedStyle(document.querySelector('.pb-canvas')).isolation]"""
    )
    assert int(layers[0]) < int(layers[1]) and layers[2] == "isolate"

    # Hovering any card with dependencies lights exactly its lines.
    linked = page.locator("[data-card][data-lines]:not([data-lines=''])")
    assert linked.count() >= 1
    for index in range(linked.count()):
        card = linked.nth(index)
        card.hover()
        assert page.evaluate(HIGHLIGHTED) == sorted(card.get_attribute("data-lines").split()), card.get_attribute("id")
    # Focus does the same, from the keyboard, for cards and stickies alike (every one of them).
    lit = page.evaluate(FOCUS_EACH_END)
    assert len(lit) == page.locator("[data-card][data-lines]:not([data-lines='']), [data-sticky]").count()
    assert all(found == wanted for found, wanted in lit.values())
    # A focused card keeps its lights when the mouse leaves another.
    card = linked.first
    card.focus()
    page.locator("[data-sticky]").first.hover()
    page.mouse.move(2, 2)
    assert page.evaluate(HIGHLIGHTED) == sorted(card.get_attribute("data-lines").split())

    # "Only red": the lines planned too late or not at all, and nothing else.
    red = {line["id"] for line in drawn["lines"] if line["health"] in {"red", "unplanned"}}
    assert 0 < len(red) < len(demo_board["dependencies"])
    page.get_by_text("Only red", exact=True).click()
    expect(page.locator("#program-board")).to_have_attribute("data-lines-mode", "red")
    expect(page.locator("path.pb-line")).to_have_count(len(red))
    assert {line["id"] for line in page.evaluate(LINE_ENDS)["lines"]} == red
    assert "lines=red" in page.url
    # "On focus": no line until a card is hovered, then its lines alone.
    page.get_by_text("On focus", exact=True).click()
    expect(page.locator("#program-board")).to_have_attribute("data-lines-mode", "focus")
    page.mouse.move(5, 5)
    assert page.evaluate(VISIBLE_LINES) == []
    card = page.locator("[data-card][data-lines]:not([data-lines=''])").first
    card.hover()
    assert page.evaluate(VISIBLE_LINES) == sorted(card.get_attribute("data-lines").split())

    # Moving a card with lines redraws them from where it lands, coloured as the board now says.
    page.get_by_text("All", exact=True).click()
    # The board is swapped in whole, then its lines are drawn a frame later: wait for both.
    expect(page.locator("#program-board")).to_have_attribute("data-lines-mode", "all")
    expect(page.locator("path.pb-line[d]")).to_have_count(len(demo_board["dependencies"]))
    before = {line["id"]: line for line in redrawn_lines(page)["lines"]}
    assert len(before) == len(demo_board["dependencies"])
    line_ids = card.get_attribute("data-lines").split()
    placement = FeaturePlacement.objects.get(pk=card.get_attribute("data-placement-id"))
    iterations = list(demo_board["pi"].iterations.development())
    target = iterations[0] if placement.iteration_id != iterations[0].pk else iterations[-1]
    drag(page, placement, placement.team, target)
    expect(card_in(page, placement.team, target, placement)).to_be_visible()
    assert stored(placement)[1] == target.pk
    after = redrawn_lines(page)
    assert after["problems"] == []
    moved = placement.feature.key
    assert page.locator(f"#card-{placement.pk}").get_attribute("data-lines").split() == line_ids
    for line_id in line_ids:
        assert after_line(after, line_id)["d"] != before[line_id]["d"], (moved, line_id)
        health = page.locator(f"#{line_id}").get_attribute("data-health")
        assert page.locator(f"#{line_id}").get_attribute("class") == f"pb-line health-{health}"
        assert page.locator(f"#{line_id}-row").get_attribute("data-health") == health


def test_the_demo_board_prints_on_one_a3_page_and_downloads_as_csv_and_svg(page, live_server, log_in, demo_board):
    open_demo_board(page, live_server, log_in, demo_board)
    # At 768 px nothing overflows the page: the board scrolls inside its own frame.
    page.set_viewport_size({"width": 768, "height": 1024})
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 768
    assert page.evaluate("() => document.querySelector('.pb-scroll').scrollWidth") > 768
    page.set_viewport_size({"width": 1440, "height": 900})

    pdf = PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True, print_background=True)))
    assert len(pdf.pages) == 1
    width, height = float(pdf.pages[0].mediabox.width), float(pdf.pages[0].mediabox.height)
    assert (round(width), round(height)) == (1191, 842)  # A3 landscape, in points
    text = pdf.pages[0].extract_text()
    assert "Program board" in text and "Iteration 1" in text
    for placement in demo_board["cards"]:
        assert placement.feature.key in text
    keys = re.findall(r"PAY-\d+", text)
    for placement in demo_board["cards"]:
        wanted = sum(1 for other in demo_board["cards"] if other.feature.key == placement.feature.key)
        assert keys.count(placement.feature.key) >= wanted, placement.feature.key
    # No navigation and no controls on paper.
    for control in ("Log out", "Only red", "Reset", "Add milestone", "Dependencies on this board"):
        assert control not in text

    with page.expect_download() as download:
        page.locator("#board-export-csv").click()
    rows = list(csv.DictReader(io.StringIO(open(download.value.path(), encoding="utf-8").read())))  # noqa: SIM115
    assert sorted((row["team"], row["feature_key"]) for row in rows if row["record"] == "card") == sorted(
        (placement.team.name, placement.feature.key) for placement in demo_board["cards"]
    )
    assert {int(row["dependency_id"]) for row in rows if row["record"] == "dependency"} == {
        dep.pk for dep in demo_board["dependencies"]
    }

    with page.expect_download() as download:
        page.locator("#board-export-svg").click()
    assert download.value.suggested_filename.endswith(".svg")
    svg = open(download.value.path(), encoding="utf-8").read()  # noqa: SIM115
    for placement in demo_board["cards"]:
        assert f'id="card-{placement.pk}"' in svg
    for dep in demo_board["dependencies"]:
        assert f'id="line-{dep.pk}"' in svg


# --- the live board: change sets applied in place, and the far-behind reload ---------------------------

# Every card and sticky node the page shows now, kept on the window to compare with later.
KEEP_NODES = """() => {
  window.keptNodes = {};
  document.querySelectorAll("[data-card], [data-sticky]").forEach((node) => { window.keptNodes[node.id] = node; });
  window.keptBoard = document.getElementById("program-board");
  return Object.keys(window.keptNodes).length;
}"""

# The ids of the kept nodes that are no longer the ones the page shows.
REPLACED_NODES = (
    """() => Object.keys(window.keptNodes).filter((id) => document.getElementById(id) !== window.keptNodes[id])"""
)

# From now on, ``window.nextChange`` resolves with the next change the board receives (applied or
# not, its version): armed before the change is made, so that a quick poll cannot slip past it.
ARM_NEXT_CHANGE = """() => {
  window.nextChange = new Promise((resolve) => {
    document.addEventListener("artops:board-change", (event) => resolve(event.detail), {once: true});
  });
}"""
NEXT_CHANGE = "() => Promise.race([window.nextChange, new Promise((resolve) => setTimeout(resolve, 10000, null))])"

LINE_PATH = "(id) => document.getElementById(id).getAttribute('d')"


@pytest.fixture
def room(train):
    """The train of the program board's browser tests, with more cards to keep and scroll past."""
    falcons, otters, iterations = train["falcons"], train["otters"], train["iterations"]
    extra = [
        PlacementFactory(
            feature=FeatureFactory(art=train["art"], pi=train["pi"], title=f"Statement export {index}"),
            team=falcons if index % 2 else otters,
            iteration=iterations[index % 4],
        )
        for index in range(8)
    ]
    scrum_master = make_member(
        train["art"], Role.SCRUM_MASTER, otters, display_name="Sam Otters", password=DEMO_PASSWORD
    )
    return {**train, "extra": extra, "scrum_master": scrum_master}


def test_a_move_arrives_in_the_other_browser_in_place_keeping_its_menu_and_scroll(
    page, second_page, live_server, log_in, room
):
    falcons, otters, iterations = room["falcons"], room["otters"], room["iterations"]
    moved, providing = room["needing"], room["providing"]
    log_in(page, room["rte"])
    page.goto(board_url(live_server, room))
    second_page.set_viewport_size({"width": 900, "height": 500})
    log_in(second_page, room["scrum_master"])
    second_page.goto(board_url(live_server, room))
    kept = second_page.evaluate(KEEP_NODES)
    assert kept >= 10
    # The Scrum Master opens the move menu of one of their cards and scrolls down the page.
    second_page.locator(f"#card-{providing.pk}-move").click()
    menu = second_page.locator(f"#card-{providing.pk}-menu")
    expect(menu.get_by_label("Iteration")).to_be_visible()
    second_page.evaluate("() => window.scrollTo(0, 120)")
    assert second_page.evaluate("() => window.scrollY") > 0
    # Where the open menu sits on the screen: what the person is looking at.
    menu_at = menu.bounding_box()["y"]
    line_id = f"line-{room['dependency'].pk}"
    drawn = second_page.evaluate(LINE_PATH, line_id)

    second_page.evaluate(ARM_NEXT_CHANGE)
    drag(page, moved, falcons, iterations[3])
    expect(card_in(page, falcons, iterations[3], moved)).to_be_visible()
    assert stored(moved) == (falcons.pk, iterations[3].pk, 2)

    change = second_page.evaluate(NEXT_CHANGE)
    assert change == {"version": BoardClock.read(room["pi"].pk), "reload": False, "applied": True}
    expect(card_in(second_page, falcons, iterations[3], moved)).to_be_visible(timeout=LIVE_WITHIN_MS)
    # Applied in place: only the moved card is a new node; the board itself is the same node.
    assert second_page.evaluate(REPLACED_NODES) == [f"card-{moved.pk}"]
    # It glows for a moment, so that the room sees what moved.
    expect(second_page.locator(f"#card-{moved.pk}")).to_have_class(re.compile(r"\bpb-just-changed\b"))
    assert second_page.evaluate("() => document.getElementById('program-board') === window.keptBoard")
    # The line follows the card: drawn again to where the card is now.
    assert second_page.evaluate(LINE_PATH, line_id) != drawn
    # The menu is still open, and still where the person saw it: the page kept its scroll (the
    # browser's scroll anchoring holds what is in view when rows above change height).
    expect(menu.get_by_label("Iteration")).to_be_visible()
    assert second_page.evaluate("() => window.scrollY") > 0
    assert abs(menu.bounding_box()["y"] - menu_at) < 2
    # The menu still works: the Scrum Master moves their card with it.
    menu.get_by_label("Iteration").select_option(label="Iteration 1")
    menu.get_by_role("button", name="Move").click()
    expect(card_in(second_page, otters, iterations[0], providing)).to_be_visible()
    assert stored(providing)[1] == iterations[0].pk
    expect(card_in(page, otters, iterations[0], providing)).to_be_visible(timeout=LIVE_WITHIN_MS)


def test_a_browser_that_fell_far_behind_reloads_the_board_whole(page, live_server, log_in, room):
    falcons, iterations, card = room["falcons"], room["iterations"], room["extra"][1]
    log_in(page, room["business_owner"])
    page.goto(board_url(live_server, room))
    page.evaluate(KEEP_NODES)
    # The laptop sleeps: its polls go nowhere while the room goes on.
    page.route("**/board/changes/**", lambda route: route.abort())
    page.wait_for_timeout(2_500)
    page.evaluate(ARM_NEXT_CHANGE)
    for _ in range(live_board.MAX_BEHIND):
        BoardClock.tick(room["pi"].pk)
    card = FeaturePlacement.objects.get(pk=card.pk)
    target = iterations[0] if card.iteration_id != iterations[0].pk else iterations[2]
    services.move_placement(card, by=room["rte"], expected_version=card.version, iteration=target, team=falcons)
    page.unroute("**/board/changes/**")

    change = page.evaluate(NEXT_CHANGE)
    assert change["reload"] is True and change["applied"] is True
    expect(card_in(page, falcons, target, card)).to_be_visible(timeout=LIVE_WITHIN_MS)
    board = page.locator("#program-board")
    expect(board).to_have_attribute("data-version", str(BoardClock.read(room["pi"].pk)))
    # Reloaded whole: a new board node, every card a new node, no message, and the lines drawn.
    assert page.evaluate("() => document.getElementById('program-board') !== window.keptBoard")
    assert set(page.evaluate(REPLACED_NODES)) == set(page.evaluate("() => Object.keys(window.keptNodes)"))
    expect(page.locator("#program-board .board-error")).to_have_count(0)
    # The lines are drawn a frame after the swap.
    expect(page.locator(f"#line-{room['dependency'].pk}")).to_have_attribute("d", re.compile(r"^M "))
    # And it goes on living: the next move arrives as a change set.
    card = FeaturePlacement.objects.get(pk=card.pk)
    page.evaluate(ARM_NEXT_CHANGE)
    services.move_placement(card, by=room["rte"], expected_version=card.version, iteration=iterations[3], team=falcons)
    change = page.evaluate(NEXT_CHANGE)
    assert change["reload"] is False and change["applied"] is True
    expect(card_in(page, falcons, iterations[3], card)).to_be_visible(timeout=LIVE_WITHIN_MS)
