"""The ROAM board in a real browser: the RTE drags risks between states."""

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
