"""Inviting a person, end to end: the RTE's page, a real Celery worker, a real SMTP server, the link in a browser."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from artops.models import Membership, Role, User
from artops.onboarding.models import Invitation
from tests.factories import PASSWORD, ARTFactory, MembershipFactory, TeamFactory, UserFactory
from tests.mailserver import Inbox, smtp_server
from tests.workers import celery_worker_process

pytestmark = [pytest.mark.e2e, pytest.mark.celery, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "Velvet-harbour-2031"


@pytest.fixture
def inbox():
    with smtp_server() as inbox:
        yield inbox


@pytest.fixture
def mail_worker(inbox, settings, tmp_path):
    """A real worker that sends through the test's SMTP server."""
    env = {"EMAIL_URL": f"smtp://127.0.0.1:{inbox.port}"}
    with celery_worker_process(settings.REDIS_URL, tmp_path / "worker.log", extra_env=env) as log_path:
        yield log_path


def test_invited_person_sets_a_password_with_the_emailed_link_and_is_signed_in(
    page, live_server, log_in, inbox, mail_worker, settings
):
    settings.SITE_URL = live_server.url
    art = ARTFactory(name="Payments ART", slug="payments", time_zone="Europe/Berlin")
    TeamFactory(art=art, name="Falcons")
    rte = UserFactory(email="riley@payments.example", display_name="Riley RTE")
    MembershipFactory(user=rte, art=art, role=Role.RTE)

    # The RTE invites Ada from the people page.
    log_in(page, rte, PASSWORD)
    page.goto(f"{live_server.url}/arts/payments/members/")
    page.get_by_role("link", name="Invite people by email").click()
    page.get_by_label("Email").fill("Ada@Example.com")
    page.get_by_label("Name").fill("Ada Lovelace")
    page.get_by_label("Role").select_option(label="Team member")
    page.get_by_label("Team").select_option(label="Falcons")
    page.get_by_role("button", name="Invite").click()
    expect(page.get_by_role("status")).to_contain_text("an email is on its way to ada@example.com")
    expect(page.locator("#pending-table")).to_contain_text("Ada Lovelace")

    # One message, delivered by the worker through the SMTP server, with one link.
    messages = inbox.wait_for(1, timeout=90)
    assert len(messages) == 1, "no mail within 90 s; the worker's log:\n" + mail_worker.read_text()
    time.sleep(1.5)  # nothing else is on its way
    assert len(inbox.messages) == 1
    message = messages[0]
    assert message["X-Envelope-To"] == "ada@example.com"
    assert message["Subject"] == "Riley RTE invited you to Payments ART on ARTops"
    assert "as Team member of Falcons" in Inbox.body_of(message)
    [link] = Inbox.links_in(message)
    assert link.startswith(f"{live_server.url}/accounts/welcome/")
    ada = User.objects.get(email="ada@example.com")
    assert not ada.has_usable_password()

    # Ada, in a browser of her own, follows the link and chooses her password.
    context = page.context.browser.new_context()
    ada_page = context.new_page()
    ada_page.set_default_timeout(10_000)
    ada_page.goto(link)
    expect(ada_page.get_by_role("heading", name="Welcome to ARTops, Ada")).to_be_visible()
    ada_page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    ada_page.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    ada_page.get_by_role("button", name="Set my password").click()

    # Signed in, on her train.
    expect(ada_page.get_by_text("Welcome to ARTops, Ada: your password is set.")).to_be_visible()
    expect(ada_page.get_by_role("heading", name="Payments ART", level=1)).to_be_visible()
    ada.refresh_from_db()
    assert ada.check_password(NEW_PASSWORD)
    assert Invitation.objects.get(user=ada, art=art).accepted_at is not None
    assert Membership.objects.filter(user=ada, art=art, role=Role.TEAM_MEMBER, team__name="Falcons").exists()

    # The same link again: refused, with the reason; the password stays.
    answer = ada_page.goto(link)
    assert answer.status == 400
    expect(ada_page.locator("#link-refused")).to_contain_text("This invitation link has already been used")
    ada.refresh_from_db()
    assert ada.check_password(NEW_PASSWORD)

    # The RTE now sees her as accepted.
    page.goto(f"{live_server.url}/arts/payments/invitations/")
    expect(page.locator("#pending-table")).to_contain_text("Everyone invited has accepted.")
    expect(page.locator("#accepted-list")).to_contain_text("Ada Lovelace")
    context.close()
