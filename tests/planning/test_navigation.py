"""The main navigation of a train: every planning section is one click away and marks where you are."""

import time_machine
from django.urls import reverse

from artops.models import ProgramIncrement


def test_navigation_marks_the_current_section(client, art, pi, team_member):
    client.force_login(team_member)
    planning, risks = "PI Planning", "Risks &amp; dependencies"
    pages = {
        ("Backlog", planning): reverse("backlog", kwargs={"art_slug": art.slug}),
        ("Roadmap", planning): reverse("roadmap", kwargs={"art_slug": art.slug}),
        ("Team plans", planning): reverse("pi_plan", kwargs={"art_slug": art.slug, "pi_id": pi.pk}),
        ("Objectives", planning): reverse("art_objectives", kwargs={"art_slug": art.slug, "pi_id": pi.pk}),
        ("Program board", planning): reverse("program_board", kwargs={"art_slug": art.slug, "pi_id": pi.pk}),
        ("ROAM board", risks): reverse("roam_board", kwargs={"art_slug": art.slug}),
        ("Dependencies", risks): reverse("dependency_list", kwargs={"art_slug": art.slug}),
        ("Dependency map", risks): reverse("dependency_map", kwargs={"art_slug": art.slug}) + f"?pi={pi.pk}",
    }
    for (label, group), url in pages.items():
        html = client.get(url).content.decode()
        current = html.split('aria-current="page">', 1)[1].split("<", 1)[0]
        assert current == label, url
        # Its group of the navigation says it holds the current page.
        assert f'<summary>{group}<span class="visually-hidden"> (current section)</span></summary>' in html, url


@time_machine.travel("2026-10-20 09:00Z", tick=False)
def test_objectives_link_opens_the_current_pis_objectives(client, art, pi, team_member):
    client.force_login(team_member)
    response = client.get(reverse("objectives_home", kwargs={"art_slug": art.slug}))
    assert response.url == reverse("art_objectives", kwargs={"art_slug": art.slug, "pi_id": pi.pk})


def test_objectives_link_without_a_pi_explains_on_the_plan_page(client, art, team_member):
    assert not ProgramIncrement.objects.exists()
    client.force_login(team_member)
    response = client.get(reverse("objectives_home", kwargs={"art_slug": art.slug}), follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[0][0] == reverse("planning_home", kwargs={"art_slug": art.slug})


def test_objectives_link_is_for_members_only(client, art, pi, outsider):
    client.force_login(outsider)
    assert client.get(reverse("objectives_home", kwargs={"art_slug": art.slug})).status_code == 404


@time_machine.travel("2026-10-20 09:00Z", tick=False)
def test_program_board_link_opens_the_current_pis_board(client, art, pi, team_member):
    client.force_login(team_member)
    response = client.get(reverse("program_board_home", kwargs={"art_slug": art.slug}))
    assert response.url == reverse("program_board", kwargs={"art_slug": art.slug, "pi_id": pi.pk})


def test_team_board_leads_to_its_objectives_and_to_raising_a_dependency(client, art, pi, team, scrum_master):
    client.force_login(scrum_master)
    html = client.get(reverse("team_board", kwargs={"art_slug": art.slug, "pi_id": pi.pk, "team_id": team.pk})).content
    objectives = reverse("team_objectives", kwargs={"art_slug": art.slug, "pi_id": pi.pk, "team_id": team.pk})
    raise_url = reverse("dependency_list", kwargs={"art_slug": art.slug}) + f"?pi={pi.pk}&amp;needing_team={team.pk}"
    assert objectives.encode() in html and raise_url.encode() in html


def test_art_home_leads_to_each_shown_pis_board_plan_and_objectives(client, art, pi, team_member):
    client.force_login(team_member)
    with time_machine.travel("2026-10-20 09:00Z", tick=False):
        html = client.get(reverse("art_home", kwargs={"art_slug": art.slug})).content.decode()
    for name in ("program_board", "pi_plan", "art_objectives"):
        assert reverse(name, kwargs={"art_slug": art.slug, "pi_id": pi.pk}) in html
