"""Onboarding: creating a train, invitations (one, a roster, resend, accept), forgot-password, owner notices.

Mail runs in this process (tests.settings runs tasks eagerly) into Django's test outbox, once the
transaction commits (``django_capture_on_commit_callbacks``); the real worker and SMTP server are in
``tests/e2e/test_onboarding.py``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from artops.env import parse_email_url
from artops.models import ART, Membership, Role, User
from artops.onboarding import roster, services
from artops.onboarding.models import Invitation
from risks import services as risk_services
from tests.conftest import PERSONAS
from tests.factories import PASSWORD, MembershipFactory, UserFactory
from tests.helpers import HTMX, expected, login, url

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)


def link_in(message) -> str:
    [link] = re.findall(r"https?://\S+", message.body)
    return link


def path_of(link: str) -> str:
    return re.sub(r"^https?://[^/]+", "", link)


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("admin@example.com", PASSWORD, display_name="Ada Admin")


@pytest.fixture
def train_creator(db):
    """Not a superuser: granted "Can add ART" by an administrator."""
    user = UserFactory(display_name="Cody Creator")
    user.user_permissions.add(Permission.objects.get(codename="add_art", content_type__app_label="artops"))
    return User.objects.get(pk=user.pk)


TRAIN = {
    "name": "Lending ART",
    "slug": "lending",
    "time_zone": "Europe/Paris",
    "iteration_weeks": "2",
    "development_iterations": "5",
    "rte_email": "Rita@Lending.example",
    "rte_name": "Rita RTE",
}


def invited_person() -> User:
    """Somebody invited who has not set a password yet."""
    return UserFactory(password=None)


# --- creating a train ----------------------------------------------------------------------


def test_a_superuser_creates_a_train_whose_new_rte_is_invited(superuser, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        art = services.create_art(
            by=superuser, name="Lending ART", slug="Lending", time_zone="Europe/Paris",
            iteration_weeks=3, development_iterations=5, rte_email="Rita@Lending.example", rte_name="Rita RTE",
        )  # fmt: skip
    art = ART.objects.get(pk=art.pk)
    assert (art.slug, art.time_zone, art.iteration_weeks, art.development_iterations) == (
        "lending",
        "Europe/Paris",
        3,
        5,
    )
    rita = User.objects.get(email="rita@lending.example")
    assert not rita.has_usable_password()
    assert list(Membership.objects.filter(art=art).values_list("user__email", "role")) == [
        ("rita@lending.example", "rte")
    ]
    assert Invitation.objects.get(art=art).user == rita
    [message] = mail.outbox
    assert message.to == ["rita@lending.example"]
    assert message.subject == "Ada Admin invited you to Lending ART on ARTops"
    assert "/accounts/welcome/" in link_in(message)


def test_an_existing_person_made_rte_gets_a_note_not_an_invitation(
    train_creator, rte, art, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        new = services.create_art(by=train_creator, name="Cards ART", slug="cards", rte_email=rte.email.upper())
    assert Membership.objects.get(art=new).user == rte
    assert not Invitation.objects.filter(art=new).exists()
    [message] = mail.outbox
    assert message.subject == "You are now on Cards ART on ARTops"
    assert link_in(message).endswith("/arts/cards/")


@pytest.mark.parametrize("key", ["payments", "PAYMENTS"])
def test_a_duplicate_key_is_refused_and_nothing_is_saved(superuser, art, key, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as refused:
        services.create_art(by=superuser, name="Other ART", slug=key, rte_email="new@example.com", rte_name="New")
    assert refused.value.message_dict == {
        "slug": ["A train with the key “payments” already exists: choose another key."]
    }
    assert ART.objects.count() == 1
    assert not User.objects.filter(email="new@example.com").exists()
    assert mail.outbox == []


def test_a_new_rte_needs_a_name_and_nothing_is_saved(superuser):
    with pytest.raises(ValidationError) as refused:
        services.create_art(by=superuser, name="Other ART", slug="other", rte_email="new@example.com")
    assert "rte_name" in refused.value.message_dict
    assert not ART.objects.exists()


@pytest.mark.parametrize("persona", ["rte", "outsider"])
def test_train_members_without_the_permission_create_no_train(persona, request):
    user = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        services.create_art(by=user, name="Other ART", slug="other", rte_email=user.email)


# --- invitations -----------------------------------------------------------------------------


def test_inviting_a_person_already_on_the_train_is_refused(art, rte, team_member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as refused:
        services.invite_person(art, by=rte, email=team_member.email.upper(), role=Role.BUSINESS_OWNER)
    assert refused.value.message_dict == {"email": [f"{team_member.email} is already on this train (Tess Member)."]}
    assert Membership.objects.filter(user=team_member).count() == 1
    assert mail.outbox == []


def test_a_new_person_given_a_role_on_the_people_page_is_invited(
    client, art, rte, business_owner, django_capture_on_commit_callbacks
):
    client.force_login(rte)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            url("member_list", art), {"email": "new@example.com", "display_name": "New", "role": "business_owner"}
        )
        # A second role for somebody who signs in already sends nothing.
        client.post(url("member_list", art), {"email": business_owner.email, "role": "product_management"})
    assert Membership.objects.filter(user=business_owner).count() == 2
    [message] = mail.outbox
    assert message.to == ["new@example.com"] and "/accounts/welcome/" in link_in(message)
    assert Invitation.objects.get().user.email == "new@example.com"


def test_resending_counts_and_sends_a_fresh_link(art, rte, team, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.invite_person(
            art, by=rte, email="ada@example.com", display_name="Ada", role=Role.TEAM_MEMBER, team=team
        )
    invitation = Invitation.objects.get(user__email="ada@example.com")
    with time_machine.travel(NOW + timedelta(days=3), tick=False), django_capture_on_commit_callbacks(execute=True):
        services.resend_invitation(invitation, by=rte)
    invitation.refresh_from_db()
    assert (invitation.send_count, invitation.last_sent_at) == (2, NOW + timedelta(days=3))
    assert len(mail.outbox) == 2 and link_in(mail.outbox[0]) != link_in(mail.outbox[1])


def test_an_expired_link_is_refused_with_the_reason_and_sets_nothing(
    client, art, rte, team, settings, django_capture_on_commit_callbacks
):
    settings.INVITATION_TIMEOUT_DAYS = 7
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        services.invite_person(
            art, by=rte, email="ada@example.com", display_name="Ada", role=Role.TEAM_MEMBER, team=team
        )
    link = path_of(link_in(mail.outbox[0]))
    with time_machine.travel(NOW + timedelta(days=7, minutes=-1), tick=False):
        assert client.get(link).status_code == 200
    with time_machine.travel(NOW + timedelta(days=7, minutes=1), tick=False):
        shown = client.get(link)
        posted = client.post(link, {"new_password1": "Velvet-harbour-2031", "new_password2": "Velvet-harbour-2031"})
    assert shown.status_code == posted.status_code == 400
    assert "This invitation link has expired: links work for 7 days." in posted.content.decode()
    assert not User.objects.get(email="ada@example.com").has_usable_password()
    assert Invitation.objects.get().accepted_at is None


def test_a_used_or_forged_link_is_refused(client, art, rte, team, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.invite_person(
            art, by=rte, email="ada@example.com", display_name="Ada", role=Role.TEAM_MEMBER, team=team
        )
    link = path_of(link_in(mail.outbox[0]))
    forged = link.rstrip("/")[:-3] + "abc/"
    assert "is not valid" in client.get(forged).content.decode()
    weak = client.post(link, {"new_password1": "123", "new_password2": "123"})
    assert weak.status_code == 422 and not User.objects.get(email="ada@example.com").has_usable_password()
    done = client.post(link, {"new_password1": "Velvet-harbour-2031", "new_password2": "Velvet-harbour-2031"})
    assert done.status_code == 302 and done["Location"] == reverse("home")
    assert client.get(reverse("profile")).status_code == 200  # signed in
    client.logout()
    again = client.post(link, {"new_password1": "Other-harbour-2032", "new_password2": "Other-harbour-2032"})
    assert again.status_code == 400 and "already been used" in again.content.decode()
    assert User.objects.get(email="ada@example.com").check_password("Velvet-harbour-2031")


def test_forgot_password_mails_a_link_that_sets_a_new_one(client, rte, django_capture_on_commit_callbacks):
    assert "Forgot your password?" in client.get(reverse("login")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(reverse("password_reset"), {"email": rte.email.upper()})
    assert answer.status_code == 302
    [message] = mail.outbox
    assert message.to == [rte.email] and message.subject == "Choose a new ARTops password"
    confirm = client.get(path_of(link_in(message)), follow=True)
    assert confirm.status_code == 200 and "Choose a new password" in confirm.content.decode()
    done = client.post(
        confirm.redirect_chain[-1][0], {"new_password1": "Quiet-meadow-2044", "new_password2": "Quiet-meadow-2044"}
    )
    assert done.status_code == 302
    rte.refresh_from_db()
    assert rte.check_password("Quiet-meadow-2044")


# --- owner notices -----------------------------------------------------------------------------


def test_the_new_owner_of_a_risk_is_emailed_unless_they_turned_it_off(
    art, pi, rte, team_member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        risk = risk_services.raise_risk(art, by=rte, pi=pi, title="Card vendor late", owner=team_member)
        risk_services.raise_risk(art, by=rte, pi=pi, title="Mine", owner=rte)  # nobody is told of their own doing
    [message] = mail.outbox
    assert message.to == [team_member.email]
    assert message.subject == "[Payments ART] You are now the owner of the risk “Card vendor late”"
    assert link_in(message).endswith(risk.get_absolute_url())

    services.set_assignment_notices(team_member, enabled=False)
    with django_capture_on_commit_callbacks(execute=True):
        risk_services.update_risk(risk, by=rte, expected_version=risk.version, owner=rte)
        risk = risk_services.update_risk(risk, by=rte, expected_version=risk.version + 1, owner=team_member)
    assert len(mail.outbox) == 1


def test_the_new_owner_of_a_dependency_is_emailed(
    art, pi, development, rte, scrum_master, product_owner, team, other_team, django_capture_on_commit_callbacks
):
    from tests.factories import make_dependency

    dependency = make_dependency(art, pi, needing=team, providing=other_team, owner=scrum_master)
    with django_capture_on_commit_callbacks(execute=True):
        risk_services.update_dependency(dependency, by=rte, expected_version=dependency.version, owner=product_owner)
    [message] = mail.outbox
    assert message.to == [product_owner.email] and "the dependency of Falcons on Otters" in message.subject


def test_the_profile_turns_notices_off_and_on(client, team_member):
    client.force_login(team_member)
    assert "Email me when someone makes me the owner" in client.get(reverse("profile")).content.decode()
    client.post(reverse("notices_update"), {})
    team_member.refresh_from_db()
    assert team_member.assignment_notices is False
    client.post(reverse("notices_update"), {"assignment_notices": "on"})
    team_member.refresh_from_db()
    assert team_member.assignment_notices is True


# --- the roster ------------------------------------------------------------------------------

ROSTER = (
    "\ufeffEmail;Name;Team;Role\r\n"
    "ada@example.com;Ada Lovelace;falcons;Team member\r\n"
    "grace@example.com;Grace Hopper;Falcons;PO\r\n"
    "linus@example.com;Linus;;Business Owner\r\n"
)


def upload(text: str | bytes, name: str = "roster.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode() if isinstance(text, str) else text, content_type="text/csv")


def test_a_roster_is_previewed_then_everyone_is_invited(client, art, rte, team, django_capture_on_commit_callbacks):
    client.force_login(rte)
    preview = client.post(url("roster_import", art), {"file": upload(ROSTER)})
    assert preview.status_code == 200
    page = preview.content.decode()
    assert "Invite 3 people" in page and "Product Owner" in page
    assert not User.objects.filter(email="ada@example.com").exists()
    with django_capture_on_commit_callbacks(execute=True):
        saved = client.post(url("roster_import", art), {"csv_text": ROSTER})
    assert saved.status_code == 302
    assert set(
        Membership.objects.filter(art=art).exclude(user=rte).values_list("user__email", "role", "team__name")
    ) == {
        ("ada@example.com", "team_member", "Falcons"),
        ("grace@example.com", "product_owner", "Falcons"),
        ("linus@example.com", "business_owner", None),
    }
    assert sorted(message.to[0] for message in mail.outbox) == [
        "ada@example.com",
        "grace@example.com",
        "linus@example.com",
    ]
    assert Invitation.objects.filter(art=art).count() == 3


def test_roster_rows_with_errors_are_all_shown_and_nothing_is_saved(client, art, rte, team, team_member):
    client.force_login(rte)
    text = (
        "email,name,team,role\n"
        "ada@example.com,Ada,Falcons,Team member\n"
        "bob@example.com,Bob,Badgers,Team member\n"
        "cy@example.com,Cy,Falcons,Wizard\n"
        f"{team_member.email},Tess,Falcons,Team member\n"
        "not-an-email,Dee,,RTE\n"
        "eve@example.com,,,Business Owner\n"
    )
    answer = client.post(url("roster_import", art), {"file": upload(text)})
    assert answer.status_code == 422
    page = answer.content.decode()
    assert "Line 3: Unknown team “Badgers”: this train&#x27;s teams are Falcons." in page
    assert "Line 4: Unknown role “Wizard”" in page
    assert f"Line 5: {team_member.email} is already on this train." in page
    assert "Line 6: “not-an-email” is not an email address." in page
    assert "Line 7: Nobody has this email yet: give the person&#x27;s name." in page
    assert "Invite 6" not in page
    # Sending the text to be saved anyway saves nobody.
    again = client.post(url("roster_import", art), {"csv_text": text})
    assert again.status_code == 422
    assert not User.objects.filter(email="ada@example.com").exists()
    assert not Invitation.objects.exists()


def test_a_roster_refused_while_saving_saves_nobody(art, rte, team, product_owner, django_capture_on_commit_callbacks):
    preview = roster.preview(ROSTER, art=art)
    assert preview.is_valid
    # Between the preview and the save, Grace is put on the train by someone else.
    services.invite_person(art, by=rte, email="grace@example.com", display_name="Grace", role=Role.BUSINESS_OWNER)
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(roster.RosterRefused):
        roster.save(preview, art=art, by=rte)
    assert not User.objects.filter(email__in=["ada@example.com", "linus@example.com"]).exists()
    assert callbacks == [] and mail.outbox == []
    assert "grace@example.com is already on this train" in preview.messages[0]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "file is empty."),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "This is not a CSV file (it contains binary data)."),
        ("email,name\n".encode("utf-16"), "The file is UTF-16 text."),
        (b"email,nom,role\nada@example.com,Ada,RTE\n", "Unknown column nom"),
        (b"email,name,team,role\n", "The file has a header but no people."),
    ],
)
def test_an_unusable_roster_file_is_refused_with_a_reason(client, art, rte, content, message):
    client.force_login(rte)
    answer = client.post(url("roster_import", art), {"file": upload(content)})
    assert answer.status_code == 422
    assert message in answer.content.decode()
    assert Membership.objects.filter(art=art).count() == 1


# --- pages: who may do what ---------------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "member", "superuser", "train_creator"])
def test_who_may_create_a_train_on_the_page(client, art, rte, superuser, train_creator, who):
    user = {"anonymous": None, "member": rte, "superuser": superuser, "train_creator": train_creator}[who]
    login(client, user)
    allowed = who in ("superuser", "train_creator")
    status = 302 if who == "anonymous" else 200 if allowed else 403
    assert client.get(reverse("art_create")).status_code == status
    posted = client.post(reverse("art_create"), TRAIN)
    assert posted.status_code == (302 if who != "member" else 403)
    assert ART.objects.filter(slug="lending").exists() == allowed
    if user is not None:
        assert ("Create a train" in client.get(reverse("profile")).content.decode()) == allowed


def test_the_train_page_refuses_a_duplicate_key_with_the_reason(client, art, superuser):
    client.force_login(superuser)
    answer = client.post(reverse("art_create"), {**TRAIN, "slug": "Payments"})
    assert answer.status_code == 422
    assert "A train with the key “payments” already exists: choose another key." in answer.content.decode()
    assert ART.objects.count() == 1


def test_the_creator_who_is_the_rte_goes_on_to_invite_people(client, superuser):
    client.force_login(superuser)
    answer = client.post(reverse("art_create"), {**TRAIN, "rte_email": superuser.email, "rte_name": ""})
    assert answer["Location"] == reverse("invitation_list", kwargs={"art_slug": "lending"})


@pytest.mark.parametrize("htmx", [False, True])
@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_who_may_invite_on_the_pages(
    client, art, team, rte, persona, htmx, request, django_capture_on_commit_callbacks
):
    name = request.node.callspec.params["persona"]
    pending = Invitation.objects.create(art=art, user=invited_person(), invited_by=rte, last_sent_at=NOW)
    login(client, persona)
    allowed = name == "rte"
    headers = HTMX if htmx else {}
    assert client.get(url("invitation_list", art), headers=headers).status_code == expected(name, allowed)
    assert client.get(url("roster_import", art)).status_code == expected(name, allowed)
    with django_capture_on_commit_callbacks(execute=True):
        invited = client.post(
            url("invitation_list", art),
            {"email": "ada@example.com", "display_name": "Ada", "role": "business_owner"},
            headers=headers,
        )
        resent = client.post(url("invitation_resend", art, invitation_id=pending.pk), headers=headers)
    done = 200 if htmx else 302
    assert invited.status_code == expected(name, allowed, done)
    assert resent.status_code == expected(name, allowed, done)
    assert User.objects.filter(email="ada@example.com").exists() == allowed
    pending.refresh_from_db()
    assert pending.send_count == (2 if allowed else 1)
    assert len(mail.outbox) == (2 if allowed else 0)
    if member := (name not in ("anonymous", "outsider")):
        page = client.get(url("member_list", art)).content.decode()
        assert ("Invite people by email" in page) == allowed
    assert member or name in ("anonymous", "outsider")


def test_an_invalid_invitation_answers_the_form_with_its_errors(client, art, rte, team_member):
    client.force_login(rte)
    answer = client.post(
        url("invitation_list", art), {"email": team_member.email, "role": "team_member", "team": ""}, headers=HTMX
    )
    assert answer.status_code == 422
    assert b"<html" not in answer.content
    assert "A Team member belongs to a team: choose one." in answer.content.decode()


@pytest.mark.parametrize("size", [2, 12])
def test_the_invitation_page_has_constant_queries(client, art, rte, size, django_assert_num_queries):
    for _ in range(size):
        user = UserFactory()
        MembershipFactory(user=user, art=art, role=Role.BUSINESS_OWNER)
        Invitation.objects.create(art=art, user=user, invited_by=rte, last_sent_at=NOW)
    client.force_login(rte)
    with django_assert_num_queries(6):
        answer = client.get(url("invitation_list", art))
    assert answer.content.decode().count("Send again") == size


# --- the API ------------------------------------------------------------------------------------

ARTS = "/api/arts/"
INVITATIONS = "/api/invitations/"


@pytest.mark.parametrize("who", ["anonymous", "member", "superuser", "train_creator"])
def test_who_may_create_a_train_by_api(api_client, art, rte, superuser, train_creator, who):
    user = {"anonymous": None, "member": rte, "superuser": superuser, "train_creator": train_creator}[who]
    login(api_client, user)
    answer = api_client.post(ARTS, {**TRAIN, "iteration_weeks": 2, "development_iterations": 5}, format="json")
    assert answer.status_code == {"anonymous": 401, "member": 403}.get(who, 201)
    if answer.status_code == 201:
        assert answer.json()["slug"] == "lending"
        duplicate = api_client.post(ARTS, {**TRAIN, "name": "Other"}, format="json")
        assert duplicate.status_code == 400
        assert "already exists" in str(duplicate.json())
    assert ART.objects.filter(slug="lending").exists() == (who in ("superuser", "train_creator"))


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_who_may_invite_by_api(api_client, art, team, rte, persona, request):
    name = request.node.callspec.params["persona"]
    pending = Invitation.objects.create(art=art, user=invited_person(), invited_by=rte, last_sent_at=NOW)
    login(api_client, persona)
    allowed = name == "rte"
    listed = api_client.get(INVITATIONS)
    assert listed.status_code == (401 if name == "anonymous" else 200)
    if name != "anonymous":
        assert [row["id"] for row in listed.json()["results"]] == ([pending.pk] if allowed else [])
    created = api_client.post(
        INVITATIONS, {"art": art.slug, "email": "ada@example.com", "display_name": "Ada", "role": "business_owner"}
    )
    resent = api_client.post(f"{INVITATIONS}{pending.pk}/resend/")
    if name == "anonymous":
        assert (created.status_code, resent.status_code) == (401, 401)
    elif name == "outsider":
        assert (created.status_code, resent.status_code) == (400, 404)  # the train is not one of theirs
    elif allowed:
        assert (created.status_code, resent.status_code) == (201, 200)
    else:
        assert (created.status_code, resent.status_code) == (403, 404)
    assert User.objects.filter(email="ada@example.com").exists() == allowed


def test_a_roster_by_api_previews_refuses_and_confirms(api_client, art, rte, team):
    api_client.force_login(rte)
    preview = api_client.post(f"{INVITATIONS}roster/", {"art": art.slug, "file": upload(ROSTER)}, format="multipart")
    assert preview.status_code == 200 and preview.json()["valid"] is True
    assert [row["email"] for row in preview.json()["rows"]] == [
        "ada@example.com",
        "grace@example.com",
        "linus@example.com",
    ]
    assert not User.objects.filter(email="ada@example.com").exists()
    bad = api_client.post(
        f"{INVITATIONS}roster/",
        {"art": art.slug, "file": upload(ROSTER.replace("falcons", "Badgers")), "confirm": "true"},
        format="multipart",
    )
    assert bad.status_code == 400 and bad.json()["rows"][0]["errors"][0].startswith("Unknown team “Badgers”")
    empty = api_client.post(f"{INVITATIONS}roster/", {"art": art.slug, "file": upload(b"")}, format="multipart")
    assert empty.status_code == 400 and "empty" in str(empty.json())
    assert not User.objects.filter(email="ada@example.com").exists()
    saved = api_client.post(
        f"{INVITATIONS}roster/", {"art": art.slug, "file": upload(ROSTER), "confirm": "true"}, format="multipart"
    )
    assert saved.status_code == 201 and len(saved.json()) == 3
    assert Invitation.objects.filter(art=art).count() == 3


@pytest.mark.parametrize("size", [2, 12])
def test_the_invitation_api_list_has_constant_queries(api_client, art, rte, size, django_assert_num_queries):
    for _ in range(size):
        Invitation.objects.create(art=art, user=UserFactory(), invited_by=rte, last_sent_at=NOW)
    api_client.force_login(rte)
    with django_assert_num_queries(4):
        answer = api_client.get(INVITATIONS)
    assert answer.json()["count"] == size


# --- mail settings --------------------------------------------------------------------------------


def test_email_url_is_read_strictly():
    assert parse_email_url("smtp+tls://me%40example.com:p%3Ass@mail.example.com") == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "mail.example.com",
        "EMAIL_PORT": 587,
        "EMAIL_HOST_USER": "me@example.com",
        "EMAIL_HOST_PASSWORD": "p:ss",
        "EMAIL_USE_TLS": True,
        "EMAIL_USE_SSL": False,
    }
    assert parse_email_url("smtps://mail.example.com:2465")["EMAIL_PORT"] == 2465
    assert parse_email_url("file:///var/mail/artops")["EMAIL_FILE_PATH"] == "/var/mail/artops"
    for wrong in (
        "smtp://",
        "smtp://host:port",
        "imap://host",
        "smtp://host?tls=1",
        "file://relative",
        "mail.example.com",
    ):
        with pytest.raises(ImproperlyConfigured):
            parse_email_url(wrong)
