"""The confidence vote in real browsers: three people vote, the RTE watches the tally move and closes the round."""

from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from artops.demo import DEMO_PASSWORD
from artops.models import Role
from planning.models import Vote, VoteRound
from tests.conftest import make_member
from tests.factories import ARTFactory, TeamFactory, make_pi

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def train():
    art = ARTFactory(name="Payments ART", slug="payments", time_zone="Europe/Berlin")
    team = TeamFactory(art=art, name="Falcons")
    pi = make_pi(art, name="PI 2026.4", start=date(2026, 10, 5))
    people = {
        "rte": make_member(art, Role.RTE, display_name="Riley RTE", password=DEMO_PASSWORD),
        "team_member": make_member(art, Role.TEAM_MEMBER, team, display_name="Tess Member", password=DEMO_PASSWORD),
        "scrum_master": make_member(art, Role.SCRUM_MASTER, team, display_name="Sam Master", password=DEMO_PASSWORD),
        "business_owner": make_member(art, Role.BUSINESS_OWNER, display_name="Bo Owner", password=DEMO_PASSWORD),
    }
    return art, pi, people


@pytest.fixture
def new_page(browser):
    """Pages in browser contexts of their own: one person each, as on their own phone or laptop."""
    contexts = []

    def new_page(**context_options):
        context = browser.new_context(**context_options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield new_page
    for context in contexts:
        context.close()


def bar_count(page, value: int):
    return page.locator(f'#vote-tally [data-value="{value}"] .tally-count')


def test_three_members_vote_and_the_rte_sees_the_tally_live_then_a_re_plan(page, new_page, live_server, log_in, train):
    art, pi, people = train
    vote_url = f"{live_server.url}/arts/{art.slug}/planning/pis/{pi.pk}/vote/"

    # The RTE opens a round of the whole train and lands on its live tally.
    log_in(page, people["rte"])
    page.goto(vote_url)
    page.get_by_label("Who votes").select_option(label="The whole train")
    page.get_by_role("button", name="Open the round").click()
    expect(page.get_by_role("heading", name="Live tally")).to_be_visible()
    expect(page.locator("#tally-votes")).to_have_text("0")
    vote_round = VoteRound.objects.get()
    assert (vote_round.team, vote_round.is_open) == (None, True)
    # A marker on the window survives htmx swaps but not a page load.
    page.evaluate("window.tallyMarker = 'still here'")

    voters = [("team_member", 2, "Ledger has no capacity"), ("scrum_master", 2, ""), ("business_owner", 3, "")]
    voter_pages = {}
    for number, (persona, value, concern) in enumerate(voters, start=1):
        # The first voter is on a phone.
        voter_page = new_page(viewport=PHONE) if number == 1 else new_page()
        voter_pages[persona] = voter_page
        log_in(voter_page, people[persona])
        voter_page.goto(vote_url)
        ballot = voter_page.locator(f"#ballot-{vote_round.pk}")
        # Four members on the train: the count says who has voted so far, then follows the own vote.
        turnout = voter_page.locator(f"#round-{vote_round.pk}-turnout")
        expect(turnout).to_have_text(f"{number - 1} of 4 members voted")
        voter_page.evaluate("window.voteMarker = 'no reload'")
        if concern:
            ballot.get_by_label("If you vote 1 or 2, tell us your concern (optional)").fill(concern)
        ballot.locator(f'button.vote-button[value="{value}"]').click()
        ballot = voter_page.locator(f"#ballot-{vote_round.pk}")
        expect(ballot.locator(".my-vote")).to_have_text(str(value))
        expect(ballot.locator('button[aria-pressed="true"]')).to_have_count(1)
        expect(ballot.locator('button[aria-pressed="true"]')).to_have_attribute("value", str(value))
        expect(turnout).to_have_text(f"{number} of 4 members voted")
        assert voter_page.evaluate("window.voteMarker") == "no reload"
        assert Vote.objects.filter(round=vote_round).count() == number

        # The RTE's page follows without a reload.
        expect(page.locator("#tally-votes")).to_have_text(str(number))
        expect(page.locator(f"#round-{vote_round.pk}-turnout")).to_have_text(f"{number} of 4 members voted")
    expect(bar_count(page, 2)).to_have_text("2")
    expect(bar_count(page, 3)).to_have_text("1")
    expect(bar_count(page, 1)).to_have_text("0")
    expect(page.locator("#tally-average")).to_have_text("2.33")
    expect(page.locator(".concerns")).to_contain_text("Ledger has no capacity")
    assert page.evaluate("window.tallyMarker") == "still here"
    # Anonymous: the RTE's page names no voter.
    tally = page.locator("#vote-tally").inner_text()
    for persona, _, _ in voters:
        assert people[persona].display_name not in tally

    # On the phone, the five buttons are big enough for a thumb and fit the screen.
    phone = voter_pages["team_member"]
    for value in range(1, 6):
        box = phone.locator(f'#ballot-{vote_round.pk} button.vote-button[value="{value}"]').bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    overflowing = phone.evaluate(
        "Array.from(document.querySelectorAll('#main *'))"
        ".filter(element => element.getBoundingClientRect().right > window.innerWidth).length"
    )
    assert overflowing == 0

    # The RTE closes the round (after confirming) and sees the result: re-plan.
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Close the round").click()
    expect(page.get_by_role("heading", name="Result")).to_be_visible()
    expect(page.locator("#tally-average")).to_have_text("2.33")
    expect(page.locator("#vote-result")).to_contain_text("Re-plan")
    expect(page.get_by_role("button", name="Open a new round")).to_be_visible()
    closed = VoteRound.objects.get()
    assert (closed.is_open, closed.average, closed.replan) == (False, Decimal("2.33"), True)

    # A member's page still shows the ballot; voting again is refused, and nothing changes.
    member = voter_pages["team_member"]
    member.locator(f'#ballot-{vote_round.pk} button.vote-button[value="5"]').click()
    expect(member.locator(f"#ballot-{vote_round.pk}").get_by_role("alert")).to_have_text(
        "This round is closed: votes can no longer change."
    )
    expect(member.locator(f"#ballot-{vote_round.pk} button.vote-button")).to_have_count(0)
    assert sorted(Vote.objects.values_list("value", flat=True)) == [2, 2, 3]
    assert Vote.objects.get(voter=people["team_member"]).concern == "Ledger has no capacity"
