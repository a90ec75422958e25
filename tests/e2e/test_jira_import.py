"""The Jira import in a real browser: the RTE uploads Jira's export, checks the preview and the mapping,
maps an unknown Jira team, confirms, and finds the features on the backlog."""

from datetime import date

import pytest
from playwright.sync_api import expect

from artops.demo import DEMO_PASSWORD
from artops.models import Role
from planning.models import Feature, JiraMapping, Story
from risks.models import Dependency
from tests.conftest import make_member
from tests.factories import ARTFactory, TeamFactory, make_pi
from tests.planning.jira_export import export, standard_issues

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def train():
    art = ARTFactory(name="Payments ART", slug="payments")
    falcons = TeamFactory(art=art, name="Falcons")
    otters = TeamFactory(art=art, name="Otters")
    pi = make_pi(art, name="PI 2026.4", start=date(2026, 10, 5))
    rte = make_member(art, Role.RTE, display_name="Riley RTE", password=DEMO_PASSWORD)
    return art, rte, pi, falcons, otters


def test_the_rte_imports_a_jira_export_and_sees_the_features_on_the_backlog(page, live_server, log_in, train, tmp_path):
    art, rte, _pi, falcons, otters = train
    issues = standard_issues()
    # In Jira the Otters are called "Otter Crew": the RTE maps that name to the train's Otters.
    for issue in issues:
        if issue.team == "Otters":
            issue.team = "Otter Crew"
    jira_csv = tmp_path / "Jira.csv"
    jira_csv.write_text(export(issues), encoding="utf-8")

    log_in(page, rte)
    page.goto(f"{live_server.url}/arts/{art.slug}/planning/backlog/")
    page.get_by_role("link", name="Import from Jira").click()
    expect(page.get_by_role("heading", name="Import the backlog from Jira")).to_be_visible()
    page.get_by_label("Jira CSV export").set_input_files(str(jira_csv))
    page.get_by_role("button", name="Upload and preview").click()

    # The preview: the unknown team is named on its row, nothing can be imported yet.
    expect(page.get_by_role("heading", name="Import from Jira: preview")).to_be_visible()
    expect(page.locator("#import-errors")).to_contain_text("Line 5: Team “Otter Crew” is not a team of this train")
    expect(page.locator("#confirm-import")).to_have_count(0)
    expect(page.get_by_label("Team column")).to_have_value("Team")
    expect(page.get_by_label("Story points column")).to_have_value("Custom field (Story Points)")
    expect(page.get_by_label("Epic", exact=True)).to_have_value("feature")
    expect(page.get_by_label("Sub-task", exact=True)).to_have_value("skip")

    page.get_by_label("Otter Crew", exact=True).select_option(label="Otters")
    page.get_by_role("button", name="Preview with this mapping").click()

    expect(page.locator("#import-errors")).to_have_count(0)
    counts = page.locator("#jira-counts")
    expect(counts.locator("tr", has_text="Features and enablers")).to_contain_text("2")
    expect(counts.locator("tr", has_text="Stories")).to_contain_text("3")
    expect(page.locator("#jira-summary")).to_contain_text("1 “blocks” link between teams become dependencies")
    expect(page.locator("tr[data-key='PAY-10']")).to_contain_text("Iteration 2")
    expect(page.locator("tr[data-key='PAY-11']")).to_contain_text("Otters")
    assert not Feature.objects.exists() and not Story.objects.exists()

    page.get_by_role("button", name="Import 6 issues").click()

    expect(page.locator(".flash")).to_contain_text("Imported from Jira: 2 new and 0 changed features, 3 new")
    table = page.locator("#feature-table")
    expect(table).to_contain_text("Instant payouts")
    expect(table).to_contain_text("Ledger replica")
    stored = sorted(Feature.objects.filter(art=art).values_list("jira_key", "title", "type", "state", "pi__name"))
    assert stored == [
        ("PAY-1", "Instant payouts", "business", "implementing", "PI 2026.4"),
        ("PAY-2", "Ledger replica", "enabler", "backlog", "PI 2026.4"),
    ]
    assert Story.objects.get(jira_key="PAY-11").team == otters
    dependency = Dependency.objects.get(art=art)
    assert (dependency.needing_team, dependency.providing_team) == (falcons, otters)
    assert JiraMapping.objects.get(art=art).mapping["teams"] == {"otter crew": otters.pk, "falcons": falcons.pk}
