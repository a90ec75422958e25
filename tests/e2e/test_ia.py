"""Inspect & Adapt in real browsers: the RTE runs the problem-solving workshop end to end, three people
dot-vote from their own browsers while the Pareto order moves live on the RTE's screen, and the
improvement item it leaves lands in the next PI's backlog; once placed on the program board it is planned."""

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from artops.demo import DEMO_PASSWORD
from artops.models import Role
from metrics.ia.models import Cause, DotVote, ImprovementItem, InspectAdapt, Problem
from planning import services as planning
from planning.models import Feature
from tests.conftest import make_member
from tests.factories import ARTFactory, TeamFactory, make_pi

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def train():
    """A train whose PI is in its IP iteration today (the I&A), and the next PI being prepared."""
    art = ARTFactory(name="Payments ART", slug="payments", time_zone="Europe/Berlin")
    team = TeamFactory(art=art, name="Falcons")
    today = date.today()
    start = today - timedelta(days=today.weekday()) - timedelta(weeks=9)
    pi = make_pi(art, name="PI Now", start=start)
    next_pi = make_pi(art, name="PI Next", start=pi.end_date + timedelta(days=1))
    people = {
        "rte": make_member(art, Role.RTE, display_name="Riley RTE", password=DEMO_PASSWORD),
        "team_member": make_member(art, Role.TEAM_MEMBER, team, display_name="Tess Member", password=DEMO_PASSWORD),
        "scrum_master": make_member(art, Role.SCRUM_MASTER, team, display_name="Sam Master", password=DEMO_PASSWORD),
        "business_owner": make_member(art, Role.BUSINESS_OWNER, display_name="Bo Owner", password=DEMO_PASSWORD),
    }
    return art, team, pi, next_pi, people


@pytest.fixture
def new_page(browser):
    """Pages in browser contexts of their own: one person each."""
    contexts = []

    def new_page():
        context = browser.new_context()
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield new_page
    for context in contexts:
        context.close()


def next_step(page, label: str):
    page.get_by_role("button", name=f"Next: {label}").click()
    expect(page.locator("h2.ia-step-title")).to_have_text(label)


def pareto_order(page):
    return page.locator("#ia-pareto-list .ia-vote-row .ia-vote-cause")


def test_the_rte_runs_a_workshop_and_its_improvement_reaches_the_next_pi(page, new_page, live_server, log_in, train):
    art, team, pi, next_pi, people = train
    base = f"{live_server.url}/arts/{art.slug}/ia"

    # The RTE opens the I&A of the PI from the list of I&As.
    log_in(page, people["rte"])
    page.goto(f"{base}/")
    page.locator("tr", has_text="PI Now").get_by_role("link", name="Open the I&A…").click()
    page.get_by_role("button", name="Open the I&A of PI Now").click()
    expect(page.locator("h2.ia-step-title")).to_have_text("Last PI's improvements")
    event = InspectAdapt.objects.get()
    for label in ("PI System Demo", "Quantitative review", "Retrospective", "1. Agree on problems"):
        next_step(page, label)

    # 1. A problem statement.
    page.get_by_label("What", exact=True).fill("Features spill over into the next PI")
    page.get_by_label("Impact", exact=True).fill("Three objectives missed")
    page.get_by_role("button", name="Add the problem").click()
    expect(page.locator("#ia-problem-list")).to_contain_text("Features spill over into the next PI")

    # 2. Three causes on the fishbone, one with its whys.
    next_step(page, "2. Root causes")
    for bone, text in (("Process", "Features are not split"), ("Tools", "Flaky staging"), ("Program", "Too much WIP")):
        page.get_by_label("Problem", exact=True).select_option(label="Features spill over into the next PI")
        page.get_by_label("Bone", exact=True).select_option(label=bone)
        page.get_by_label("Cause", exact=True).fill(text)
        page.get_by_role("button", name="Add the cause").click()
        expect(page.locator(".ia-fishbone")).to_contain_text(text)
    page.get_by_label("Which cause", exact=True).select_option(label="Flaky staging")
    page.get_by_label("Why?", exact=True).fill("One staging for six teams")
    page.get_by_role("button", name="Add the why").click()
    expect(page.locator(".ia-bone-tools")).to_contain_text("One staging for six teams")
    assert Cause.objects.get(text="Flaky staging").whys == ["One staging for six teams"]

    # A voter joins early: their page follows the facilitator to the vote by itself.
    voters = {name: new_page() for name in ("team_member", "scrum_master", "business_owner")}
    early = voters["team_member"]
    log_in(early, people["team_member"], DEMO_PASSWORD)
    early.goto(f"{base}/{pi.pk}/")
    expect(early.locator("h2.ia-step-title")).to_have_text("2. Root causes")

    # 3. Dot voting: the RTE watches the Pareto order; a marker on the window proves it updates live.
    next_step(page, "3. Dot voting")
    expect(early.locator("h2.ia-step-title")).to_have_text("3. Dot voting", timeout=8_000)
    expect(pareto_order(page).first).to_contain_text("Features are not split")  # no votes: added first, first
    page.evaluate("window.marker = 'no reload'")

    ballots = [
        ("team_member", ["Too much WIP", "Too much WIP"]),
        ("scrum_master", ["Flaky staging", "Flaky staging"]),
        ("business_owner", ["Flaky staging", "Too much WIP"]),
    ]
    for name, picks in ballots:
        voter = voters[name]
        if voter is not early:
            log_in(voter, people[name], DEMO_PASSWORD)
            voter.goto(f"{base}/{pi.pk}/")
        for text in picks:
            before = voter.locator("#ia-votes-left").inner_text()
            voter.get_by_role("button", name=f"Vote for {text}", exact=True).click()
            expect(voter.locator("#ia-votes-left")).to_have_text(str(int(before) - 1))
        if name == "team_member":
            # The RTE's page moves "Too much WIP" to the top, without a reload.
            expect(pareto_order(page).first).to_contain_text("Too much WIP", timeout=8_000)
    # Flaky staging 3, Too much WIP 3: a tie, the cause added first leads.
    expect(pareto_order(page).first).to_contain_text("Flaky staging", timeout=8_000)
    expect(pareto_order(page).nth(1)).to_contain_text("Too much WIP")
    expect(page.locator(".ia-pareto svg")).to_be_visible()
    assert page.evaluate("window.marker") == "no reload"
    assert DotVote.objects.count() == 6

    # The limit per cause holds: a fourth vote on one cause is refused with the reason.
    voter = voters["scrum_master"]
    voter.get_by_role("button", name="Vote for Flaky staging", exact=True).click()
    expect(voter.locator("#ia-votes-left")).to_have_text("2")
    voter.get_by_role("button", name="Vote for Flaky staging", exact=True).click()
    expect(voter.locator("#ia-live [role=alert]")).to_contain_text("already put 3 votes on this cause")
    assert DotVote.objects.count() == 7

    # 4. Restate, 5. brainstorm, 6. the improvement item.
    next_step(page, "4. Restate the problem")
    page.get_by_label("Which cause", exact=True).select_option(label="Flaky staging")
    page.get_by_label("Restated problem", exact=True).fill("How might each team integrate daily?")
    page.get_by_role("button", name="Restate", exact=True).click()
    expect(page.locator("#ia-restated-text")).to_have_text("How might each team integrate daily?")
    next_step(page, "5. Brainstorm solutions")
    page.get_by_label("Solution", exact=True).fill("A second staging environment")
    page.get_by_role("button", name="Add the solution").click()
    expect(page.locator("#ia-solutions")).to_contain_text("A second staging environment")
    next_step(page, "6. Improvement items")
    page.get_by_label("Title", exact=True).fill("Second staging environment")
    page.get_by_label("Owner", exact=True).select_option(label="Tess Member")
    page.get_by_label("Target PI", exact=True).select_option(label="PI Next")
    page.get_by_label("Measure of done", exact=True).fill("Every team integrates daily")
    page.get_by_role("button", name="Add to the backlog").click()
    item = ImprovementItem.objects.get()
    expect(page.locator("#flash")).to_contain_text(f"is {item.feature.key} in the backlog of PI Next")
    expect(page.locator(".ia-items")).to_contain_text("Proposed")
    assert (item.owner, item.target_pi, Problem.objects.count(), event.pk) == (
        people["team_member"],
        next_pi,
        1,
        item.event_id,
    )

    # The RTE finds it in the next PI's backlog, marked as an improvement.
    page.goto(f"{live_server.url}/arts/{art.slug}/planning/backlog/?pi={next_pi.pk}")
    row = page.locator(f'tr[data-key="{item.feature.key}"]')
    expect(row).to_contain_text("Second staging environment")
    expect(row.locator(".badge-improvement")).to_have_text("Improvement")

    # Placed on the program board of the next PI, it is planned.
    feature = Feature.objects.get(pk=item.feature_id)
    planning.place_feature(feature, team=team, iteration=next_pi.iterations.development().first(), by=people["rte"])
    page.goto(f"{base}/follow-through/")
    expect(page.locator(".ia-items")).to_contain_text("Planned")
    expect(page.locator("#ia-rates")).to_contain_text("1 (100%)")
