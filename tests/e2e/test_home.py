"""The train's home as the RTE's cockpit, and the main navigation at a laptop's and a tablet's width."""

from datetime import UTC, datetime

import pytest
import time_machine
from playwright.sync_api import expect

from artops.demo import DEMO_PASSWORD
from artops.models import Role
from planning.models import VoteRound
from risks.models import Dependency
from tests.conftest import make_member
from tests.factories import ARTFactory, TeamFactory, make_dependency, make_pi

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Wednesday 21 October 2026, in Iteration 2 (19 Oct – 1 Nov) of PI 2026.4 (5 Oct – 13 Dec).
NOW = datetime(2026, 10, 21, 8, 0, tzinfo=UTC)


@pytest.fixture
def train():
    with time_machine.travel(NOW, tick=True):
        art = ARTFactory(name="Payments ART", slug="payments", time_zone="Europe/Berlin")
        falcons, otters = TeamFactory(art=art, name="Falcons"), TeamFactory(art=art, name="Otters")
        pi = make_pi(art, name="PI 2026.4", start=datetime(2026, 10, 5).date())
        rte = make_member(art, Role.RTE, display_name="Riley RTE", password=DEMO_PASSWORD)
        make_member(art, Role.SCRUM_MASTER, falcons, display_name="Sam Master")
        first, second, third = pi.iterations.development()[:3]
        # Needed in Iteration 1, planned for Iteration 2: red. The other is on track.
        late = make_dependency(
            art, pi, needing=falcons, providing=otters, owner=rte, needed_by=first, planned=second,
            description="Card tokens from the vault",
        )  # fmt: skip
        make_dependency(art, pi, needing=otters, providing=falcons, owner=rte, needed_by=third, planned=first)
        vote = VoteRound.objects.create(pi=pi, team=None, opened_at=NOW, opened_by=rte)
        yield {"art": art, "pi": pi, "rte": rte, "late": late, "vote": vote}


def figure(page, key):
    return page.locator(f'[data-figure="{key}"]')


def test_the_rte_reads_how_the_pi_goes_and_follows_the_red_dependencies(page, live_server, log_in, train):
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in(page, train["rte"])

    expect(page.get_by_role("heading", name="Payments ART", level=1)).to_be_visible()
    # Today counted: 21 Oct to 13 Dec, and to 1 Nov.
    expect(figure(page, "pi-days")).to_contain_text("54 Days left in PI 2026.4")
    expect(figure(page, "iteration-days")).to_contain_text("12 Days left in Iteration 2")
    expect(figure(page, "vote")).to_contain_text("1 Confidence vote open")
    expect(figure(page, "vote").get_by_role("link")).to_have_attribute(
        "href", f"/arts/payments/planning/vote/{train['vote'].pk}/"
    )
    red = figure(page, "red-dependencies")
    expect(red).to_contain_text("1 Red dependencies")
    expect(red).to_contain_text("Act now")  # said in words, not by colour alone
    # The people are on the People page, not on the home.
    expect(page.get_by_text("Sam Master")).to_have_count(0)

    red.get_by_role("link").click()
    expect(page).to_have_url(
        f"{live_server.url}/arts/payments/risks/dependencies/?pi={train['pi'].pk}&status=open&health=red"
    )
    rows = page.locator("#dependency-rows tbody tr[data-dependency]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Card tokens from the vault")
    # What the figure counted is what is stored.
    assert [d.pk for d in Dependency.objects.filter(pi=train["pi"]) if d.health == "red"] == [train["late"].pk]

    # From the navigation, the People page lists the people by team with their roles.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="People").click()
    falcons = page.get_by_role("table", name="Falcons")
    expect(falcons.get_by_role("row", name="Sam Master")).to_contain_text("Scrum Master / Team Coach")


def test_the_navigation_is_one_line_at_1280_and_a_menu_at_768(page, live_server, log_in, train):
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in(page, train["rte"])
    navigation = page.get_by_role("navigation", name="Main")
    home_link = navigation.get_by_role("link", name="Home", exact=True)
    row = home_link.bounding_box()
    box = navigation.bounding_box()
    # One row: every entry of the bar sits on the Home link's line, and the bar is no taller than one.
    for name in ("PI Planning", "Execution", "Risks & dependencies", "Metrics"):
        entry = navigation.locator("summary", has_text=name).bounding_box()
        assert abs(entry["y"] - row["y"]) < 4, name
    assert navigation.get_by_role("link", name="People", exact=True).bounding_box()["y"] == pytest.approx(
        row["y"], abs=4
    )
    assert box["height"] < 2 * row["height"] + 24
    expect(navigation.locator(".nav-menu > summary")).to_be_hidden()
    # A group opens as a drop-down, one at a time, closes on Escape, and leads to its page.
    navigation.locator("summary", has_text="PI Planning").click()
    expect(navigation.get_by_role("link", name="Backlog")).to_be_visible()
    navigation.locator("summary", has_text="Execution").click()
    expect(navigation.get_by_role("link", name="Backlog")).to_be_hidden()
    page.keyboard.press("Escape")
    expect(navigation.get_by_role("link", name="ART Sync")).to_be_hidden()
    navigation.locator("summary", has_text="Risks & dependencies").click()
    navigation.get_by_role("link", name="Dependencies", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dependencies")

    page.set_viewport_size({"width": 768, "height": 1024})
    page.goto(f"{live_server.url}/arts/payments/")
    menu = navigation.locator(".nav-menu > summary")
    expect(menu).to_be_visible()
    expect(navigation.get_by_role("link", name="Home", exact=True)).to_be_hidden()
    # Nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    menu.click()
    expect(navigation.get_by_role("link", name="Home", exact=True)).to_be_visible()
    navigation.locator("summary", has_text="PI Planning").click()
    navigation.get_by_role("link", name="Program board").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Program board")
