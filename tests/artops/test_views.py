"""The core pages and their htmx endpoints: permissions, what they show, bad input, query counts."""

from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse

from artops.models import Iteration, Membership, ProgramIncrement, Role, Team
from tests import helpers
from tests.conftest import PERSONAS, make_member
from tests.factories import ARTFactory, TeamFactory, UserFactory, make_pi
from tests.helpers import HTMX, url

MEMBERS = [p for p in PERSONAS if p not in ("outsider", "anonymous")]
NOT_RTE = [p for p in MEMBERS if p != "rte"]


def expected_status(persona: str, *, member: int, rte: int | None = None) -> int:
    """What a page answers: anonymous → login redirect, outsider → 404, members by capability."""
    if persona == "anonymous":
        return 302
    if persona == "outsider":
        return 404
    if persona == "rte" and rte is not None:
        return rte
    return member


# --- reading pages: every member of the train, nobody else --------------------------------

READ_PAGES = ["art_home", "team_list", "member_list"]


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
@pytest.mark.parametrize("page", READ_PAGES)
def test_read_pages_permission_matrix(client, art, pi, everyone, persona, page, request):
    name = request.node.callspec.params["persona"]
    response = helpers.login(client, persona).get(reverse(page, kwargs={"art_slug": art.slug}))
    assert response.status_code == expected_status(name, member=200)
    if name == "anonymous":
        assert response["Location"].startswith(reverse("login"))


# --- managing pages: the RTE only ----------------------------------------------------------


def manage_requests(art, pi, team, membership):
    """(method, url, data) for every page and htmx endpoint that manages the train."""
    slug = art.slug
    return {
        "pi_create_page": ("get", reverse("pi_create", kwargs={"art_slug": slug}), None),
        "pi_create": (
            "post",
            reverse("pi_create", kwargs={"art_slug": slug}),
            {"name": "PI 2027.1", "start_date": "2027-01-04", "iteration_weeks": 2, "development_iterations": 4},
        ),
        "pi_preview_htmx": (
            "get",
            reverse("pi_preview", kwargs={"art_slug": slug})
            + "?start_date=2027-01-04&iteration_weeks=2&development_iterations=4",
            None,
        ),
        "pi_edit": (
            "post",
            reverse("pi_edit", kwargs={"art_slug": slug, "pi_id": pi.pk}),
            {"name": "PI renamed", "start_date": pi.start_date, "iteration_weeks": 2, "development_iterations": 4},
        ),
        "pi_advance": ("post", reverse("pi_advance", kwargs={"art_slug": slug, "pi_id": pi.pk}), {"state": "planning"}),
        "team_create_htmx": ("post", reverse("team_list", kwargs={"art_slug": slug}), {"name": "Zebras"}),
        "team_edit": (
            "post",
            reverse("team_edit", kwargs={"art_slug": slug, "team_id": team.pk}),
            {"name": "Falcons 2", "active": "on"},
        ),
        "member_add_htmx": (
            "post",
            reverse("member_list", kwargs={"art_slug": slug}),
            {"email": "new@example.com", "display_name": "New Person", "role": Role.BUSINESS_OWNER, "team": ""},
        ),
        "member_remove_htmx": (
            "post",
            reverse("member_remove", kwargs={"art_slug": slug, "membership_id": membership.pk}),
            None,
        ),
        "settings": (
            "post",
            reverse("art_settings", kwargs={"art_slug": slug}),
            {
                "name": "Payments Train",
                "time_zone": "Europe/Paris",
                "iteration_weeks": 2,
                "development_iterations": 5,
                "wip_limit": 8,
            },
        ),
    }


def snapshot(art):
    """Everything a management request could change, to prove a refused one changed nothing."""
    art.refresh_from_db()
    return (
        (art.name, art.time_zone, art.development_iterations, art.wip_limit),
        sorted(ProgramIncrement.objects.filter(art=art).values_list("name", "state", "start_date")),
        sorted(Team.objects.filter(art=art).values_list("name", "active")),
        sorted(Membership.objects.filter(art=art).values_list("user_id", "role", "team_id")),
    )


MANAGE = [
    "pi_create_page",
    "pi_create",
    "pi_preview_htmx",
    "pi_edit",
    "pi_advance",
    "team_create_htmx",
    "team_edit",
    "member_add_htmx",
    "member_remove_htmx",
    "settings",
]


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
@pytest.mark.parametrize("action", MANAGE)
def test_manage_permission_matrix(client, art, pi, team, everyone, persona, action, request):
    name = request.node.callspec.params["persona"]
    extra_bo = make_member(art, Role.BUSINESS_OWNER)
    membership = Membership.objects.get(user=extra_bo, art=art)
    method, url, data = manage_requests(art, pi, team, membership)[action]
    headers = HTMX if action.endswith("_htmx") else {}
    before = snapshot(art)

    response = getattr(helpers.login(client, persona), method)(url, data or {}, headers=headers)

    reading = method == "get"
    # The RTE's read answers the page; a write answers its fragment to htmx, else a redirect.
    rte_status = 200 if reading or action.endswith("_htmx") else 302
    assert response.status_code == expected_status(name, member=403, rte=rte_status)
    if name != "rte":
        assert snapshot(art) == before
    elif not reading:
        assert snapshot(art) != before


# --- the ART home ---------------------------------------------------------------------------


@time_machine.travel("2026-10-21 10:00Z", tick=False)
def test_art_home_is_a_cockpit_of_the_pi_with_today_on_the_timeline(client, art, team, rte, scrum_master, pi):
    client.force_login(rte)

    response = client.get(reverse("art_home", kwargs={"art_slug": art.slug}))

    html = response.content.decode()
    assert response.status_code == 200
    assert "PI 2026.4" in html
    # 21 Oct 2026 falls in Iteration 2 (19 Oct – 1 Nov) of a PI starting 5 Oct.
    current = response.context["timelines"][0]
    assert [slot.is_current for slot in current["slots"]] == [False, True, False, False, False]
    assert [slot.iteration.name for slot in current["slots"]][-1] == "IP"
    assert current["today_at"] is not None
    assert 'aria-current="date" data-iteration="Iteration 2"' in html
    figures = {figure.key: figure for figure in response.context["figures"]}
    # Today counted: 21 Oct to 13 Dec, the PI's last day, and to 1 Nov, the iteration's.
    assert (figures["pi-days"].label, figures["pi-days"].value) == ("Days left in PI 2026.4", 54)
    assert figures["pi-days"].url == reverse("pi_plan", kwargs={"art_slug": art.slug, "pi_id": pi.pk})
    assert (figures["iteration-days"].label, figures["iteration-days"].value) == ("Days left in Iteration 2", 12)
    # The higher apps' figures, each leading to its page (artops.extensions.ART_HOME_FIGURES).
    assert {"readiness", "red-dependencies", "aging-dependencies", "unroamed-risks", "quiet-risks"} <= set(figures)
    assert {"predictability", "wip"} <= set(figures)
    assert "vote" not in figures  # no round open
    for figure in figures.values():
        assert f'href="{figure.url}"'.replace("&", "&amp;") in html
    # People are on the People page, not here.
    assert "Sam Master" not in html
    assert f'href="{reverse("member_list", kwargs={"art_slug": art.slug})}"' in html
    assert "New PI" in html  # the RTE may manage


@time_machine.travel("2026-09-21 10:00Z", tick=False)
def test_before_the_pi_the_home_counts_the_days_to_it(client, art, rte, pi):
    client.force_login(rte)
    figures = {figure.key: figure for figure in client.get(url("art_home", art)).context["figures"]}
    assert (figures["pi-days"].label, figures["pi-days"].value) == ("Days to PI 2026.4", 14)
    assert "iteration-days" not in figures


def test_people_page_groups_people_by_team_with_roles(client, art, team, other_team, rte, scrum_master):
    make_member(art, Role.PRODUCT_OWNER, other_team, display_name="Olga Owner")
    make_member(art, Role.TEAM_MEMBER, team, display_name="Abe Able")
    make_member(art, Role.BUSINESS_OWNER, display_name="Bea Business")
    client.force_login(rte)

    response = client.get(url("member_list", art))

    groups = [
        (group.name, [(m.user.display_name, m.get_role_display()) for m in group.memberships])
        for group in response.context["groups"]
    ]
    assert groups == [
        ("Train roles", [("Riley RTE", "Release Train Engineer"), ("Bea Business", "Business Owner")]),
        ("Falcons", [("Sam Master", "Scrum Master / Team Coach"), ("Abe Able", "Team member")]),
        ("Otters", [("Olga Owner", "Product Owner")]),
    ]
    html = response.content.decode()
    assert html.index("Train roles") < html.index("Falcons") < html.index("Otters")


@time_machine.travel("2026-10-21 10:00Z", tick=False)
def test_art_home_hides_management_from_members(client, art, pi, team_member):
    client.force_login(team_member)
    html = client.get(reverse("art_home", kwargs={"art_slug": art.slug})).content.decode()
    assert "New PI" not in html
    assert "Train settings" not in html


@time_machine.travel("2026-11-20 10:00Z", tick=False)
def test_art_home_shows_the_next_two_pis_after_the_current_one(client, art, rte, pi):
    make_pi(art, name="PI 2027.1", start=date(2026, 12, 14))  # the day after PI 2026.4 ends
    client.force_login(rte)
    response = client.get(reverse("art_home", kwargs={"art_slug": art.slug}))
    names = [line["pi"].name for line in response.context["timelines"]]
    assert names == ["PI 2026.4", "PI 2027.1"]

    make_pi(art, name="PI 2027.2", start=date(2027, 2, 22))
    make_pi(art, name="PI 2027.3", start=date(2027, 5, 3))
    response = client.get(reverse("art_home", kwargs={"art_slug": art.slug}))
    names = [line["pi"].name for line in response.context["timelines"]]
    assert names == ["PI 2026.4", "PI 2027.1", "PI 2027.2"]  # the current PI and the next two


def grow_train(art, *, teams: int, people_per_team: int, pis: int) -> None:
    for _ in range(teams):
        team = TeamFactory(art=art)
        make_member(art, Role.SCRUM_MASTER, team)
        make_member(art, Role.PRODUCT_OWNER, team)
        for _ in range(people_per_team):
            make_member(art, Role.TEAM_MEMBER, team)
    first = ProgramIncrement.objects.filter(art=art).order_by("start_date").first()
    start = first.start_date if first else date(2026, 1, 5)
    for _ in range(pis):
        start -= timedelta(weeks=10)
        make_pi(art, name=f"PI from {start}", start=start)


def page_queries(client, url) -> int:
    """The number of queries of one GET of ``url``, which must answer 200."""
    queries, response = helpers.count_queries(client.get, url)
    assert response.status_code == 200
    return queries


@time_machine.travel("2026-10-21 10:00Z", tick=False)
def test_art_home_query_count_does_not_grow_with_the_train(client, art, rte, pi):
    url = reverse("art_home", kwargs={"art_slug": art.slug})
    client.force_login(rte)
    grow_train(art, teams=1, people_per_team=1, pis=1)
    small = page_queries(client, url)
    grow_train(art, teams=8, people_per_team=6, pis=6)
    large = page_queries(client, url)
    # session, user, train, own memberships, PIs, iterations, and what the apps above add
    # (artops.extensions): the open vote and the readiness (planning), dependencies and risks (one
    # aggregate each), predictability so far and WIP (metrics), the sync panel (one when it has
    # nothing), and the coaching panel (the RTE's due check-ins, in one)
    assert small == large == 14


@pytest.mark.parametrize(("page", "expected"), [("team_list", 5), ("member_list", 6)])
def test_list_pages_query_count_does_not_grow(client, art, rte, page, expected):
    url = reverse(page, kwargs={"art_slug": art.slug})
    client.force_login(rte)
    grow_train(art, teams=1, people_per_team=1, pis=0)
    small = page_queries(client, url)
    grow_train(art, teams=8, people_per_team=6, pis=0)
    # session, user, train, own memberships, the list (and the team choices of the add form)
    assert page_queries(client, url) == small == expected


def test_my_trains_lists_only_my_trains_and_skips_to_a_single_one(client, art, rte, other_art):
    client.force_login(rte)
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == art.get_absolute_url()

    Membership.objects.create(user=rte, art=other_art, role=Role.BUSINESS_OWNER)
    third = ARTFactory(name="Hidden ART")
    response = client.get(reverse("home"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Payments ART" in html and "Lending ART" in html and third.name not in html


# --- creating and editing PIs ---------------------------------------------------------------


def pi_form(**overrides):
    return {
        "name": "PI 2027.1",
        "start_date": "2027-01-04",
        "iteration_weeks": 2,
        "development_iterations": 4,
        **overrides,
    }


def test_rte_creates_a_pi_and_its_iterations(client, art, rte):
    client.force_login(rte)
    response = client.post(reverse("pi_create", kwargs={"art_slug": art.slug}), pi_form())
    assert response.status_code == 302
    pi = ProgramIncrement.objects.get(art=art, name="PI 2027.1")
    assert pi.end_date == date(2027, 3, 14)
    assert list(pi.iterations.values_list("name", flat=True)) == [
        "Iteration 1",
        "Iteration 2",
        "Iteration 3",
        "Iteration 4",
        "IP",
    ]


def test_preview_button_shows_iterations_without_saving(client, art, rte):
    client.force_login(rte)
    response = client.post(reverse("pi_create", kwargs={"art_slug": art.slug}), {**pi_form(), "preview": "1"})
    assert response.status_code == 200
    assert "Mon 4 Jan 2027" in response.content.decode()
    assert not ProgramIncrement.objects.exists()


def test_htmx_preview_answers_the_fragment_only(client, art, rte):
    client.force_login(rte)
    url = reverse("pi_preview", kwargs={"art_slug": art.slug})
    response = client.get(url, pi_form(development_iterations=5), headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert html.count("<tr") == 1 + 6  # header and 5 iterations + IP
    assert "Sun 28 Mar 2027" in html  # end of IP after 6 × 2 weeks


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (pi_form(start_date="2026-10-12"), "overlap PI 2026.4"),
        (pi_form(start_date="2026-02-30"), "Enter a valid date."),
        (pi_form(start_date=""), "This field is required."),
        (pi_form(iteration_weeks="9"), "9 is out of range: give a number from 1 to 4."),
        (pi_form(development_iterations="0"), "0 is out of range: give a number from 1 to"),
        (pi_form(development_iterations="²"), "“²” is not a whole number: write it with the digits 0–9 only."),
        (pi_form(name="pi 2026.4", start_date="2027-06-07"), "already has a PI of that name"),
        (pi_form(start_date="9999-12-01"), "give a date from 1 January 2000 to 31 December 2100"),
        (pi_form(start_date="0146-10-05"), "0146-10-05 is out of range: give a date from 1 January 2000"),
        (pi_form(name="PI\x00 2027.1", start_date="2027-06-07"), "Null characters are not allowed."),
        (pi_form(name="P" * 61, start_date="2027-06-07"), "at most 60 characters"),
    ],
    ids=[
        "overlapping",
        "impossible-date",
        "missing-date",
        "long-iterations",
        "no-iterations",
        "unicode-digit-iterations",
        "duplicate-name",
        "far-future",
        "year-146",
        "nul-in-name",
        "long-name",
    ],
)
def test_bad_pi_input_is_refused_with_a_message(client, art, rte, pi, data, message):
    client.force_login(rte)
    response = client.post(reverse("pi_create", kwargs={"art_slug": art.slug}), data)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert ProgramIncrement.objects.filter(art=art).count() == 1


def test_editing_pi_dates_regenerates_iterations(client, art, rte, pi):
    client.force_login(rte)
    url = reverse("pi_edit", kwargs={"art_slug": art.slug, "pi_id": pi.pk})
    response = client.post(url, pi_form(name=pi.name, start_date="2026-10-12", development_iterations=5))
    assert response.status_code == 302
    assert Iteration.objects.filter(pi=pi).order_by("number").first().start_date == date(2026, 10, 12)
    assert Iteration.objects.filter(pi=pi).count() == 6


def test_pi_of_another_train_is_not_found(client, art, rte, other_art):
    foreign = make_pi(other_art, name="Foreign PI", start=date(2026, 1, 5))
    client.force_login(rte)
    response = client.get(reverse("pi_edit", kwargs={"art_slug": art.slug, "pi_id": foreign.pk}))
    assert response.status_code == 404


def test_advancing_a_pi_skipping_a_state_is_refused(client, art, rte, pi):
    client.force_login(rte)
    url = reverse("pi_advance", kwargs={"art_slug": art.slug, "pi_id": pi.pk})
    response = client.post(url, {"state": "closed"}, follow=True)
    assert "moves only to PI Planning" in response.content.decode()
    pi.refresh_from_db()
    assert pi.state == ProgramIncrement.State.PREPARING


# --- teams and members ----------------------------------------------------------------------


def test_duplicate_team_name_is_refused_in_the_fragment(client, art, rte, team):
    client.force_login(rte)
    response = client.post(reverse("team_list", kwargs={"art_slug": art.slug}), {"name": "falcons"}, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 422 and "<html" not in html
    assert "already has a team of that name" in html
    assert Team.objects.filter(art=art).count() == 1


def test_adding_a_team_with_htmx_returns_the_updated_section(client, art, rte):
    client.force_login(rte)
    response = client.post(reverse("team_list", kwargs={"art_slug": art.slug}), {"name": "Zebras"}, headers=HTMX)
    assert response.status_code == 200
    assert "Zebras" in response.content.decode()
    assert Team.objects.filter(art=art, name="Zebras").exists()


def test_membership_in_a_team_of_another_train_is_refused(client, art, rte, other_art):
    foreign_team = TeamFactory(art=other_art, name="Foreign")
    client.force_login(rte)
    data = {"email": "x@example.com", "display_name": "X", "role": Role.SCRUM_MASTER, "team": foreign_team.pk}
    response = client.post(reverse("member_list", kwargs={"art_slug": art.slug}), data, headers=HTMX)
    assert response.status_code == 422
    assert "Select a valid choice" in response.content.decode()
    assert not Membership.objects.filter(team=foreign_team).exists()


def test_team_scoped_role_needs_a_team(client, art, rte):
    client.force_login(rte)
    data = {"email": "x@example.com", "display_name": "X", "role": Role.SCRUM_MASTER, "team": ""}
    response = client.post(reverse("member_list", kwargs={"art_slug": art.slug}), data)
    assert response.status_code == 422
    assert "belongs to a team" in response.content.decode()
    assert not Membership.objects.filter(user__email="x@example.com").exists()


def test_adding_an_existing_person_to_a_team(client, art, rte, team):
    person = UserFactory(email="kim@example.com")
    client.force_login(rte)
    data = {"email": "KIM@example.com", "display_name": "", "role": Role.TEAM_MEMBER, "team": team.pk}
    response = client.post(reverse("member_list", kwargs={"art_slug": art.slug}), data)
    assert response.status_code == 302
    assert Membership.objects.filter(user=person, art=art, role=Role.TEAM_MEMBER, team=team).exists()


def test_the_last_rte_cannot_be_removed(client, art, rte):
    membership = Membership.objects.get(user=rte, art=art)
    client.force_login(rte)
    url = reverse("member_remove", kwargs={"art_slug": art.slug, "membership_id": membership.pk})
    response = client.post(url, headers=HTMX)
    assert response.status_code == 400
    assert "needs a Release Train Engineer" in response.content.decode()
    assert Membership.objects.filter(pk=membership.pk).exists()


# --- profile and API token ------------------------------------------------------------------


def test_person_creates_and_revokes_an_api_token(client, team_member):
    from rest_framework.authtoken.models import Token

    client.force_login(team_member)
    response = client.post(reverse("token_create"))
    token = Token.objects.get(user=team_member)
    assert token.key in response.content.decode()
    api = client.__class__()
    assert api.get("/api/arts/", headers={"Authorization": f"Token {token.key}"}).status_code == 200

    client.post(reverse("token_revoke"))
    assert not Token.objects.filter(user=team_member).exists()
    assert api.get("/api/arts/", headers={"Authorization": f"Token {token.key}"}).status_code == 401


def test_repeated_failed_logins_lock_the_account(client, team_member):
    url = reverse("login")
    for _ in range(5):
        response = client.post(url, {"username": team_member.email, "password": "wrong"})
    assert response.status_code == 429
    # Even the right password is refused while locked.
    response = client.post(url, {"username": team_member.email, "password": "train-all-the-things"})
    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()


def test_login_with_email_and_password(client, team_member, art):
    response = client.post(reverse("login"), {"username": team_member.email, "password": "train-all-the-things"})
    assert response.status_code == 302
    assert client.get(reverse("art_home", kwargs={"art_slug": art.slug})).status_code == 200
