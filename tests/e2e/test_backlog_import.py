"""CSV import in a real browser: Product Management previews a file, confirms it, and finds the features."""

import pytest
from playwright.sync_api import expect

from artops.demo import DEMO_PASSWORD
from artops.models import Role
from planning.models import Feature
from tests.conftest import make_member
from tests.factories import ARTFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

GOOD = (
    "Title,Type,Job size,User-business value,Time criticality,Risk reduction\n"
    "Instant payouts,Business feature,2,8,5,3\n"
    "Ledger replica,Enabler,5,1,2,13\n"
    "Refund API,business,1,3,3,3\n"
)
BROKEN = "title,type,job_size\nInstant payouts,business,2\nLedger replica,enabler,4\n"


@pytest.fixture
def product_manager():
    art = ARTFactory(name="Payments ART", slug="payments")
    return make_member(art, Role.PRODUCT_MANAGEMENT, display_name="Pat Product", password=DEMO_PASSWORD), art


def test_product_management_imports_a_csv_and_sees_the_features_on_the_backlog(
    page, live_server, log_in, product_manager, tmp_path
):
    pm, art = product_manager
    csv_file = tmp_path / "features.csv"
    csv_file.write_text(GOOD, encoding="utf-8")

    log_in(page, pm)
    page.goto(f"{live_server.url}/arts/{art.slug}/planning/backlog/")
    page.get_by_role("link", name="Import CSV").click()
    expect(page.get_by_role("heading", name="Import features from CSV")).to_be_visible()
    page.get_by_label("CSV file").set_input_files(str(csv_file))
    page.get_by_role("button", name="Preview").click()

    expect(page.locator("#import-rows tbody tr")).to_have_count(3)
    expect(page.locator("#import-summary")).to_contain_text("3 rows.")
    assert not Feature.objects.exists()
    page.get_by_role("button", name="Save 3 features").click()

    expect(page.locator(".flash")).to_have_text("3 features imported.")
    rows = page.locator("#feature-table tbody tr")
    expect(rows).to_have_count(3)
    # Ranked by WSJF: 16/2 = 8, 9/1 = 9, 16/5 = 3.2.
    expect(rows.nth(0)).to_contain_text("Refund API")
    expect(rows.nth(1)).to_contain_text("Instant payouts")
    expect(rows.nth(2)).to_contain_text("Ledger replica")
    stored = list(Feature.objects.order_by("key").values_list("key", "title", "type", "job_size", "wsjf"))
    assert [(key, title, kind, size, str(wsjf)) for key, title, kind, size, wsjf in stored] == [
        ("PAY-1", "Instant payouts", "business", 2, "8.00"),
        ("PAY-2", "Ledger replica", "enabler", 5, "3.20"),
        ("PAY-3", "Refund API", "business", 1, "9.00"),
    ]


def test_a_broken_row_is_named_and_nothing_can_be_saved(page, live_server, log_in, product_manager, tmp_path):
    pm, art = product_manager
    csv_file = tmp_path / "broken.csv"
    csv_file.write_text(BROKEN, encoding="utf-8")

    log_in(page, pm)
    page.goto(f"{live_server.url}/arts/{art.slug}/planning/backlog/import/")
    page.get_by_label("CSV file").set_input_files(str(csv_file))
    page.get_by_role("button", name="Preview").click()

    expect(page.locator("#import-errors")).to_contain_text("Line 3: Job size “4”: Choose a value on the modified")
    expect(page.locator("#import-errors")).to_contain_text("Nothing was saved.")
    expect(page.locator("tr[data-line='3']")).to_have_class("import-error")
    expect(page.get_by_role("button", name="Save 2 features")).to_have_count(0)
    expect(page.get_by_role("button", name="Preview")).to_be_visible()
    assert not Feature.objects.exists()
