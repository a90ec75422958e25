"""The ART backlog in a real browser: Product Management re-ranks a feature by WSJF."""

import pytest
from playwright.sync_api import expect

from artops.demo import DEMO_PASSWORD
from artops.models import Role
from planning.models import Feature
from tests.conftest import make_member
from tests.factories import ARTFactory
from tests.planning.factories import FeatureFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_product_management_changes_a_wsjf_input_and_sees_the_new_rank(page, live_server, log_in):
    art = ARTFactory(name="Payments ART", slug="payments")
    pm = make_member(art, Role.PRODUCT_MANAGEMENT, display_name="Pat Product", password=DEMO_PASSWORD)
    FeatureFactory(art=art, title="Refunds", user_business_value=8, time_criticality=8, risk_reduction=8)
    climber = FeatureFactory(art=art, title="Payouts", user_business_value=13, time_criticality=2, risk_reduction=2)

    log_in(page, pm)
    page.goto(f"{live_server.url}/arts/{art.slug}/planning/backlog/")
    rows = page.locator("#feature-table tbody tr")
    expect(rows.first).to_contain_text("Refunds")
    expect(rows.nth(1)).to_contain_text("Payouts")

    # Time criticality 2 → 20: Cost of Delay 35, WSJF 35 beats 24.
    page.get_by_label(f"Time criticality of {climber.key}").select_option("20")

    expect(rows.first).to_contain_text("Payouts")
    expect(rows.first.locator(".rank")).to_have_text("1")
    expect(rows.first.locator(".wsjf")).to_have_text("35.00")
    expect(rows.nth(1)).to_contain_text("Refunds")
    stored = Feature.objects.get(pk=climber.pk)
    assert (stored.time_criticality, stored.cost_of_delay, stored.version) == (20, 35, 2)
