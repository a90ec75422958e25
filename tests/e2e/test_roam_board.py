"""The ROAM board in a real browser: the RTE drags risks between states."""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from artops.demo import DEMO_PASSWORD
from artops.models import Role
from risks import services
from risks.models import Risk, RiskChange
from tests.conftest import make_member
from tests.factories import ARTFactory, TeamFactory, make_pi

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def train():
    """A train with an RTE, a Product Owner, a PI and one unroamed risk of the Falcons."""
    art = ARTFactory(name="Payments ART", slug="payments", time_zone="Europe/Berlin")
    team = TeamFactory(art=art, name="Falcons")
    rte = make_member(art, Role.RTE, display_name="Riley RTE", password=DEMO_PASSWORD)
    owner = make_member(art, Role.PRODUCT_OWNER, team, display_name="Polly Owner")
    pi = make_pi(art, name="PI 2026.4", start=date(2026, 10, 5))
    risk = services.raise_risk(art, by=rte, pi=pi, title="Card provider may slip", team=team, probability=4, impact=4)
    return {"art": art, "rte": rte, "owner": owner, "pi": pi, "risk": risk}


def open_board(page, live_server, log_in, train):
    log_in(page, train["rte"])
    page.goto(f"{live_server.url}/arts/{train['art'].slug}/risks/board/?pi={train['pi'].pk}")
    expect(page.locator("#column-unroamed")).to_contain_text("Card provider may slip")


def test_rte_drags_a_risk_to_owned_and_names_the_owner(page, live_server, log_in, train):
    risk = train["risk"]
    open_board(page, live_server, log_in, train)

    # Dragged by its severity badge: any part of the card that is not a control.
    page.locator(f"#risk-{risk.pk} .risk-severity").drag_to(page.locator("#column-owned"))

    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Moving “Card provider may slip” to Owned. Who on the train owns it?")
    expect(dialog.get_by_label("Rationale")).to_be_hidden()
    dialog.get_by_label("Owner").select_option(label="Polly Owner")
    dialog.get_by_role("button", name="Move").click()

    expect(dialog).to_be_hidden()
    expect(page.locator("#column-owned")).to_contain_text("Card provider may slip")
    expect(page.get_by_role("status").filter(has_text="moved to Owned")).to_be_visible()

    page.reload()
    card = page.locator("#column-owned").locator(f"#risk-{risk.pk}")
    expect(card).to_contain_text("Polly Owner")
    expect(page.locator("#column-unroamed")).not_to_contain_text("Card provider may slip")
    stored = Risk.objects.get(pk=risk.pk)
    assert (stored.state, stored.owner, stored.version) == (Risk.State.OWNED, train["owner"], 2)
    assert RiskChange.objects.get(risk=risk, kind=RiskChange.Kind.MOVED).by == train["rte"]


def test_a_stale_move_shows_the_conflict_and_the_current_state(page, live_server, log_in, train):
    risk = train["risk"]
    open_board(page, live_server, log_in, train)

    # Meanwhile someone else mitigates it.
    services.roam_risk(
        risk, to=Risk.State.MITIGATED, by=train["owner"], expected_version=1, mitigation_plan="Second supplier."
    )

    # Resolved needs nothing: the drop posts at once, with the version the page was read at.
    page.locator(f"#risk-{risk.pk} .risk-severity").drag_to(page.locator("#column-resolved"))

    alert = page.locator("#roam-board").get_by_role("alert")
    expect(alert).to_contain_text("Someone changed the risk “Card provider may slip” a moment ago")
    expect(alert).to_contain_text("It is Mitigated now.")
    expect(page.locator("#column-mitigated")).to_contain_text("Card provider may slip")
    expect(page.locator("#column-resolved")).not_to_contain_text("Card provider may slip")
    stored = Risk.objects.get(pk=risk.pk)
    assert (stored.state, stored.version) == (Risk.State.MITIGATED, 2)


def center(locator):
    box = locator.bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def test_a_drag_that_scrolls_the_page_moves_the_card_grabbed_never_the_one_below(page, live_server, log_in, train):
    grabbed = train["risk"]
    below = services.raise_risk(
        train["art"], by=train["rte"], pi=train["pi"], title="Fraud vendor contract", probability=2, impact=2
    )
    make_member(train["art"], Role.BUSINESS_OWNER, display_name="Bea Business")
    page.set_viewport_size({"width": 1280, "height": 520})
    open_board(page, live_server, log_in, train)
    a, b = page.locator(f"#risk-{grabbed.pk}"), page.locator(f"#risk-{below.pk}")
    expect(b).to_be_visible()

    # The direct reproduction: the button goes down on one card and the browser starts the drag on
    # the card below (as Chromium does when the page scrolls in between). That drag is cancelled.
    cancelled = page.evaluate(
        """([pressed, other]) => {
            pressed.querySelector('.risk-severity').dispatchEvent(new MouseEvent('mousedown', {bubbles: true}));
            const options = {bubbles: true, cancelable: true, dataTransfer: new DataTransfer()};
            const start = new DragEvent('dragstart', options);
            other.querySelector('.risk-severity').dispatchEvent(start);
            return start.defaultPrevented;
        }""",
        [a.element_handle(), b.element_handle()],
    )
    assert cancelled is True
    expect(b).not_to_have_class(re.compile(r"\bis-dragging\b"))

    # A real drag of the upper card during which the page scrolls down by more than a card.
    page.evaluate("window.scrollTo(0, 0)")
    a.evaluate("card => window.scrollTo(0, card.getBoundingClientRect().top - 40)")
    before = page.evaluate("window.scrollY")
    page.mouse.move(*center(a.locator(".risk-severity")))
    page.mouse.down()
    page.mouse.move(*(value + 12 for value in center(a.locator(".risk-severity"))), steps=4)
    page.evaluate("window.scrollBy(0, 260)")
    owned = page.locator("#column-owned").bounding_box()
    assert page.evaluate("window.scrollY") > before
    top, bottom = max(owned["y"], 0), min(owned["y"] + owned["height"], 520)
    page.mouse.move(owned["x"] + owned["width"] / 2, (top + bottom) / 2, steps=8)
    page.mouse.up()

    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_have_attribute("data-risk", str(grabbed.pk))
    expect(dialog).to_contain_text("Moving “Card provider may slip” to Owned.")
    # The owner is found by typing, among the people grouped by team.
    dialog.get_by_role("searchbox", name="Search people by name or team").fill("polly")
    expect(dialog.locator("select[name=owner] option:not([hidden])")).to_have_count(2)  # "— nobody —" and Polly
    expect(dialog.locator("select[name=owner] optgroup:not([hidden])")).to_have_attribute("label", "Falcons")
    assert dialog.locator("select[name=owner]").input_value() == str(train["owner"].pk)
    dialog.get_by_role("button", name="Move").click()

    expect(dialog).to_be_hidden()
    expect(page.locator("#column-owned")).to_contain_text("Card provider may slip")
    expect(page.locator("#column-unroamed")).to_contain_text("Fraud vendor contract")
    stored, untouched = Risk.objects.get(pk=grabbed.pk), Risk.objects.get(pk=below.pk)
    assert (stored.state, stored.owner, stored.version) == (Risk.State.OWNED, train["owner"], 2)
    assert (untouched.state, untouched.version) == (Risk.State.UNROAMED, 1)


def test_the_roam_board_fits_a_narrow_screen(page, live_server, log_in, train):
    page.set_viewport_size({"width": 768, "height": 1024})
    open_board(page, live_server, log_in, train)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
