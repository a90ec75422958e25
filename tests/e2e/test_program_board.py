"""The program board in a real browser, watched from two browsers at once.

The RTE moves cards; a second person, in a browser context of their own, sees the board
change without reloading, and a move made from an outdated page is refused with the reason
and the current board.
"""

import re
from datetime import UTC, date, datetime

import pytest
from playwright.sync_api import expect

from artops.demo import DEMO_PASSWORD
from artops.models import Role
from planning.models import FeaturePlacement, PlacementChange
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
    # Drawn from the providing card (Iteration 3) back to the needing card (Iteration 2).
    expect(line).to_have_attribute("d", re.compile(r"^M -?[\d.]+ -?[\d.]+ C "))

    drag(page, train["providing"], otters, iterations[0])

    line = page.locator(f"#line-{train['dependency'].pk}")
    expect(line).to_have_attribute("class", "pb-line health-green")
    expect(card_in(page, otters, iterations[0], train["providing"])).to_be_visible()
    assert stored(train["providing"]) == (otters.pk, iterations[0].pk, 2)
    # Hovering a card highlights its line.
    page.locator(f"#card-{train['needing'].pk}").hover()
    expect(line).to_have_class("pb-line health-green is-highlighted")


# Resolves with whether the live board swaps in the next fresh board its poll brings (200, not 204).
# The board's own htmx:beforeSwap listener, registered when the page loaded, has decided by then.
NEXT_LIVE_SWAP = """() => new Promise((resolve) => {
  document.addEventListener("htmx:beforeSwap", function decided(event) {
    const source = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (source && source.hasAttribute("data-live") && event.detail.xhr.status === 200) {
      document.removeEventListener("htmx:beforeSwap", decided);
      resolve(event.detail.shouldSwap);
    }
  });
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
    # The live board's next poll brings the fresh board, and while the menu is open it declines to
    # swap it in: the person's choice is not swept away.
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
