"""Dependencies in a real browser: a Scrum Master raises one that is planned too late and sees it red;
the providing team's Scrum Master plans it earlier and everyone sees it green. The RTE runs the weekly review."""

import re
from datetime import date

import pytest
import time_machine
from playwright.sync_api import expect

from artops.demo import DEMO_PASSWORD
from artops.models import Role
from risks.models import Dependency
from tests.conftest import make_member
from tests.factories import ARTFactory, TeamFactory, make_dependency, make_pi

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


# Iteration 2 of PI 2026.4 is under way: Iteration 1 is over.
@time_machine.travel("2026-10-21 09:00Z", tick=True)
def test_a_late_dependency_turns_green_when_the_provider_plans_it_earlier(page, browser, live_server, log_in):
    art = ARTFactory(name="Payments ART", slug="payments", time_zone="Europe/Berlin")
    falcons = TeamFactory(art=art, name="Falcons")
    otters = TeamFactory(art=art, name="Otters")
    pi = make_pi(art, name="PI 2026.4", start=date(2026, 10, 5))
    make_pi(art, name="PI 2027.1", start=date(2026, 12, 14))
    falcons_sm = make_member(art, Role.SCRUM_MASTER, falcons, display_name="Sam Master", password=DEMO_PASSWORD)
    otters_sm = make_member(art, Role.SCRUM_MASTER, otters, display_name="Oda Otter", password=DEMO_PASSWORD)
    list_url = f"{live_server.url}/arts/{art.slug}/risks/dependencies/?pi={pi.pk}"

    # The Falcons' Scrum Master follows the team board's "Raise a dependency" link.
    log_in(page, falcons_sm)
    page.goto(f"{list_url}&needing_team={falcons.pk}&raise=1#raise-dependency")
    form = page.locator("#raise-dependency")
    # It opens at the top of the page, above the list, not after it.
    expect(form).to_have_attribute("open", "")
    expect(form.get_by_label("Needing team")).to_be_visible()
    assert form.bounding_box()["y"] < page.locator("#dependency-table").bounding_box()["y"]
    expect(form.get_by_label("Needing team")).to_have_value(str(falcons.pk))
    # Only iterations that are not over, grouped by PI.
    needed_by = form.get_by_label("Needed by")
    assert needed_by.locator("optgroup").evaluate_all("groups => groups.map(group => group.label)") == ["PI 2026.4"]
    assert needed_by.locator("option").all_inner_texts()[1:] == [
        "Iteration 2 (from 19 Oct)",
        "Iteration 3 (from 2 Nov)",
        "Iteration 4 (from 16 Nov)",
    ]
    planned_for = form.get_by_label("Planned for")
    groups = planned_for.locator("optgroup").evaluate_all("groups => groups.map(group => group.label)")
    assert groups == ["PI 2026.4", "PI 2027.1"]
    assert "Iteration 1 (from 5 Oct)" not in planned_for.locator("option").all_inner_texts()
    form.get_by_label("Providing team").select_option(label="Otters")
    form.get_by_label("What is needed").fill("Payout events with settlement ids")
    form.get_by_label("Needed by").select_option(label="Iteration 2 (from 19 Oct)")
    form.get_by_label("Planned for").select_option(label="Iteration 4 (from 16 Nov)")
    form.get_by_label("Owner").select_option(label="Sam Master")
    form.get_by_role("button", name="Raise dependency").click()

    expect(page.get_by_role("status")).to_contain_text("Dependency of Falcons on Otters raised: planned too late.")
    row = page.locator("#dependency-rows tbody tr", has_text="Payout events with settlement ids")
    expect(row.locator(".health")).to_have_text("Planned too late")
    expect(row.locator(".health")).to_have_class(re.compile(r"\bhealth-red\b"))
    dependency = Dependency.objects.with_related().get()
    assert (dependency.needing_team, dependency.providing_team, dependency.owner) == (falcons, otters, falcons_sm)
    assert (dependency.planned_iteration.name, dependency.health) == ("Iteration 4", "red")

    # The Otters' Scrum Master, in a browser of their own, plans it for Iteration 1.
    context = browser.new_context()
    try:
        provider = context.new_page()
        provider.set_default_timeout(10_000)
        log_in(provider, otters_sm)
        provider.goto(list_url)
        provider.get_by_role("link", name="Payout events with settlement ids").click()
        expect(provider.locator("#dependency-health")).to_have_text("Planned too late")
        provider.get_by_label("Planned for").select_option(label="Iteration 1 (from 5 Oct)")
        provider.get_by_role("button", name="Save dependency").click()

        health = provider.locator("#dependency-health")
        expect(health).to_have_text("On track")
        expect(health).to_have_class(re.compile(r"\bhealth-green\b"))
        expect(provider.locator("#dependency-planned")).to_contain_text("Iteration 1")
        expect(provider.locator(".history")).to_contain_text("Planned: PI 2026.4 Iteration 4 → PI 2026.4 Iteration 1")
    finally:
        context.close()

    dependency = Dependency.objects.with_related().get()
    assert (dependency.planned_iteration.name, dependency.health, dependency.version) == ("Iteration 1", "green", 2)
    change = dependency.changes.get(kind="edited")
    assert change.by == otters_sm

    # Back in the first browser, the list shows it green.
    page.goto(list_url)
    row = page.locator("#dependency-rows tbody tr", has_text="Payout events with settlement ids")
    expect(row.locator(".health")).to_have_text("On track")
    expect(row.locator(".health")).to_have_class(re.compile(r"\bhealth-green\b"))


def test_the_rte_records_the_weekly_review_in_its_row(page, live_server, log_in):
    art = ARTFactory(name="Payments ART", slug="payments", time_zone="Europe/Berlin")
    falcons = TeamFactory(art=art, name="Falcons")
    otters = TeamFactory(art=art, name="Otters")
    pi = make_pi(art, name="PI 2026.4", start=date(2026, 10, 5))
    rte = make_member(art, Role.RTE, display_name="Riley RTE", password=DEMO_PASSWORD)
    dependency = make_dependency(art, pi, needing=falcons, providing=otters, owner=rte, description="Payout events")
    other = make_dependency(art, pi, needing=otters, external="Card network (Visa)", owner=rte, description="Slot")

    log_in(page, rte)
    page.goto(f"{live_server.url}/arts/{art.slug}/risks/dependencies/review/?pi={pi.pk}")
    row = page.locator(f"#review-{dependency.pk}")
    expect(row.locator(".reviewed")).to_have_text("never")
    row.get_by_label("Next action for Falcons ← Otters").fill("Confirm the date at ART Sync")
    row.get_by_role("button", name="Reviewed").click()

    expect(row.locator(".reviewed")).to_have_text("Reviewed today")
    expect(row.get_by_label("Next action for Falcons ← Otters")).to_have_value("Confirm the date at ART Sync")
    # Only that row was replaced: the other one is still there, unreviewed.
    expect(page.locator(f"#review-{other.pk} .reviewed")).to_have_text("never")
    stored = Dependency.objects.get(pk=dependency.pk)
    assert (stored.next_action, stored.version) == ("Confirm the date at ART Sync", 2)
    assert stored.reviewed_on is not None
    assert stored.changes.get(kind="reviewed").by == rte
