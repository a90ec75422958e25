"""ART execution in a real browser, on the demo train (``manage.py seed_demo``):

- the RTE runs the ART Sync: opens it, sees the top 5 chosen from the data, moves the timer on,
  records a decision and an action item with owner and due date, ROAMs a risk, closes it; the next
  sync shows the open action item carried over;
- a Scrum Master posts the team's status and escalates an impediment to the train, and the RTE
  brings it onto the next sync's top 5;
- a Business Owner adds feedback at a System Demo and turns it into a backlog item, which is then in
  the backlog's funnel.
"""

import re
from datetime import date

import pytest
import time_machine
from django.core.management import call_command
from playwright.sync_api import expect

from artops.models import User
from planning.models import Feature
from risks.models import Risk
from sync import agenda
from sync.models import ActionItem, AgendaItem, Decision, DemoFeedback, Impediment, SyncMeeting, TeamStatus

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_train():
    """The demo train on Thursday 26 November 2026 (time moves on from there): its next ART Sync is planned
    for Tuesday 1 December with its top 5 chosen, and four of six teams have posted their status."""
    with time_machine.travel("2026-11-26 09:00Z", tick=True):
        call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
        yield


def person(key: str) -> User:
    return User.objects.get(email=f"{key}@payments.example")


def next_art_sync() -> SyncMeeting:
    return SyncMeeting.objects.get(kind="art_sync", state__in=["planned", "running"])


def test_the_rte_runs_an_art_sync_and_the_next_one_carries_the_open_action(page, live_server, log_in, demo_train):
    meeting = next_art_sync()
    chosen = [candidate.subject.description for candidate in agenda.candidates(meeting)[:5]]
    log_in(page, person("rte"))
    page.goto(f"{live_server.url}/arts/payments/sync/")
    page.get_by_role("link", name="ART Sync · Tue 1 Dec 2026, 10:00").click()

    # The top 5, chosen from the data: the impediment escalated beyond the train first.
    items = page.locator("#top5 > li")
    expect(items).to_have_count(5)
    expect(items.first).to_contain_text("No PSD3 test cards from the acquirer's sandbox")
    expect(items.first).to_contain_text("Impediment escalated beyond the train")
    shown = [items.nth(index).locator(".top5-title").inner_text() for index in range(5)]
    assert [text.strip() for text in shown] == chosen
    expect(page.locator("#not-posted")).to_contain_text("Platform, Wallet")

    # The timer: start, then on to the top 5.
    page.get_by_role("button", name="Start the sync").click()
    expect(page.locator("#timer-section")).to_have_text("Metrics snapshot")
    page.get_by_role("button", name="Next section").click()
    expect(page.locator("#timer-section")).to_have_text("Cross-team blockers and dependencies (top 5)")
    expect(page.locator("#section-blockers")).to_have_class(re.compile("is-current"))

    # A decision and an action item on the first of the five.
    first = page.locator("#top5 > li").first
    first.locator("summary").filter(has_text="Decide or assign").click()
    first.get_by_label("Decision").fill("Buy test cards from the second acquirer")
    first.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_role("status").filter(has_text="Decision recorded.")).to_be_visible()
    first = page.locator("#top5 > li").first
    first.locator("summary").filter(has_text="Decide or assign").click()
    first.get_by_label("Next action").fill("Order the test cards")
    first.get_by_label("Owner").select_option(label="Jonas Weber")
    first.get_by_label("Due date").fill("2026-12-04")
    first.get_by_role("button", name="Add the action").click()
    expect(page.get_by_role("status").filter(has_text="Action for Jonas Weber, due 04 Dec 2026.")).to_be_visible()
    first = page.locator("#top5 > li").first
    expect(first).to_contain_text("Decision: Buy test cards from the second acquirer")
    expect(first).to_contain_text("Action: Order the test cards — Jonas Weber, due 4 Dec")

    # ROAM an unroamed risk, as on the ROAM board: Accepted needs a rationale.
    risk = page.locator("#section-risks .sync-risk").first
    title = risk.locator("h3 a").inner_text()
    risk.locator("summary").filter(has_text="ROAM").click()
    risk.get_by_label("Move to").select_option(label="Accepted")
    risk.get_by_label("Rationale").fill("The regulator publishes the final text after go-live.")
    risk.get_by_role("button", name=f"ROAM “{title}”").click()
    expect(page.get_by_role("status").filter(has_text=f"“{title}” is Accepted now.")).to_be_visible()

    # Close it.
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Close the sync").click()
    expect(page.get_by_role("status").filter(has_text="closed. Its open action items carry")).to_be_visible()
    expect(page.locator("#sync-timer")).to_contain_text("Closed")

    meeting.refresh_from_db()
    assert meeting.state == "closed" and meeting.closed_at is not None
    decision = Decision.objects.get(meeting=meeting)
    assert (decision.text, decision.agenda_item.position, decision.section) == (
        "Buy test cards from the second acquirer",
        1,
        "blockers",
    )
    action = ActionItem.objects.get(meeting=meeting)
    assert (action.text, action.owner.display_name, action.due_date, action.state) == (
        "Order the test cards",
        "Jonas Weber",
        date(2026, 12, 4),
        "open",
    )
    assert Risk.objects.get(title=title).state == "accepted"

    # The next ART Sync carries the open action item in.
    page.goto(f"{live_server.url}/arts/payments/sync/")
    page.get_by_label("Date").fill("2026-12-08")
    page.get_by_role("button", name="Open the sync").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("ART Sync · Tue 8 Dec 2026, 10:00")
    carried = page.locator("#carried")
    expect(carried).to_contain_text("Order the test cards")
    expect(carried).to_contain_text("Jonas Weber")
    following = SyncMeeting.objects.get(date=date(2026, 12, 8))
    assert action in ActionItem.objects.open_for(following)


def test_a_scrum_master_posts_status_and_escalates_and_it_reaches_the_top_5(page, live_server, log_in, demo_train):
    meeting = next_art_sync()
    log_in(page, person("sm"))
    page.goto(f"{live_server.url}/arts/payments/sync/meetings/{meeting.pk}/")
    page.get_by_role("link", name="Team status").click()

    ledger = page.locator("section.status-post").filter(has_text="Ledger")
    ledger.get_by_label("At risk").check()
    ledger.get_by_label("Note").fill("Reviews wait two days for the one DBA.")
    ledger.get_by_role("button", name="Update the status of Ledger").click()
    expect(page.get_by_role("status").filter(has_text="Ledger: at risk, posted.")).to_be_visible()
    status = TeamStatus.objects.get(meeting=meeting, team__name="Ledger")
    assert (status.status, status.note, status.posted_by) == (
        "at_risk",
        "Reviews wait two days for the one DBA.",
        person("sm"),
    )

    page.get_by_role("link", name="Escalate or resolve them").click()
    row = page.locator("tr").filter(has_text="Code reviews wait two days for the one DBA")
    row.locator("summary").filter(has_text="Escalate").click()
    row.get_by_label("Escalate to").select_option(label="Train")
    row.get_by_role("button", name="Escalate").click()
    expect(page.get_by_role("status").filter(has_text="Escalated to the level “Train”")).to_be_visible()
    impediment = Impediment.objects.get(description="Code reviews wait two days for the one DBA")
    assert impediment.level == "train" and impediment.escalations.get().by == person("sm")

    # The RTE sees it among the candidates of the next sync and brings it onto the top 5.
    page.locator(".topnav-user > summary").click()
    page.get_by_role("button", name="Log out").click()
    log_in(page, person("rte"))
    page.goto(f"{live_server.url}/arts/payments/sync/meetings/{meeting.pk}/")
    fifth = page.locator("#top5 > li").nth(4)
    fifth.locator("summary").filter(has_text="Arrange").click()
    swap_with = fifth.get_by_label("Swap with")
    expect(swap_with.locator("option", has_text="Code reviews wait two days for the one DBA")).to_have_count(1)
    swap_with.select_option(value=f"impediment-{impediment.pk}")
    fifth.get_by_role("button", name="Swap").click()
    fifth = page.locator("#top5 > li").nth(4)
    expect(fifth).to_contain_text("Code reviews wait two days for the one DBA")
    expect(fifth).to_contain_text("Impediment escalated to the train")
    expect(fifth).to_contain_text("pinned")
    item = AgendaItem.objects.get(meeting=meeting, position=5)
    assert (item.impediment, item.pinned) == (impediment, True)


def test_a_business_owner_turns_demo_feedback_into_a_backlog_item(page, live_server, log_in, demo_train):
    log_in(page, person("bo"))
    page.goto(f"{live_server.url}/arts/payments/sync/demos/")
    page.get_by_role("link", name=re.compile(r"· Iteration 1$")).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("System Demo")
    expect(page.locator(".integration-summary")).to_contain_text("not fully integrated")

    page.get_by_label("Your feedback").fill("Let merchants export their payouts as CSV")
    page.get_by_role("button", name="Add the feedback").click()
    expect(page.get_by_role("status").filter(has_text="Feedback added.")).to_be_visible()

    entry = page.locator("#feedback li").filter(has_text="Let merchants export their payouts as CSV")
    entry.locator("summary").filter(has_text="Make it a backlog item").click()
    entry.get_by_label("Feature title").fill("Payout export")
    entry.get_by_role("button", name="Add to the backlog's funnel").click()
    expect(page.get_by_role("status").filter(has_text="“Payout export” is in the backlog's funnel.")).to_be_visible()

    feedback = DemoFeedback.objects.get(text="Let merchants export their payouts as CSV")
    feature = feedback.backlog_feature
    assert (feedback.state, feedback.handled_by) == ("backlog", person("bo"))
    assert (feature.title, feature.state, feature.type, feature.pi) == ("Payout export", "funnel", "business", None)

    page.goto(f"{live_server.url}/arts/payments/planning/backlog/?state=funnel")
    expect(page.locator("#feature-table")).to_contain_text("Payout export")
    assert Feature.objects.filter(state="funnel", title="Payout export").count() == 1
