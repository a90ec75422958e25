"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

Where Chromium is missing they skip with the reason, except under CI=true, where they fail.
"""

import os
import re
import shutil
import time
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe

from artops.demo import DEMO_PASSWORD

# Playwright's sync API runs an event loop in this thread; the ORM calls of the tests are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(config, items):
    if os.path.exists(CHROMIUM):
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.exit(f"Browser tests need Chromium at {CHROMIUM}; .ci/run installs it.", returncode=1)
    skip = pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM}: apt-get install chromium")
    for item in items:
        if "e2e" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


# --- accessibility: axe-core on every page state the browser tests visit ------------------------

AXE = Axe()
# The impacts that fail a test; "minor" and "moderate" findings are left to review.
FAILING_IMPACTS = ("serious", "critical")
# Each page state is checked once per session: its path with the ids as N, and its query's keys.
CHECKED: set[str] = set()
AXE_SECONDS = [0.0]


def page_state(url: str) -> str:
    parts = urlsplit(url)
    keys = sorted({pair.split("=", 1)[0] for pair in parts.query.split("&") if pair})
    return re.sub(r"\d+", "N", parts.path) + ("?" + "&".join(keys) if keys else "")


def axe_problems(page) -> list[str]:
    """The serious and critical axe-core violations of the document ``page`` shows, one line each."""
    started = time.perf_counter()
    results = AXE.run(page)
    AXE_SECONDS[0] += time.perf_counter() - started
    return [
        f"{page.url}: {violation['impact']} {violation['id']} ({violation['help']}): "
        + "; ".join(" ".join(node["target"]) if isinstance(node["target"][0], str) else str(node["target"])
                   for node in violation["nodes"][:5])
        for violation in results.response["violations"]
        if violation["impact"] in FAILING_IMPACTS
    ]  # fmt: skip


def check_accessibility(page, visited: list[str]) -> list[str]:
    """axe-core on the document the test ends on, then on each other new page state it loaded,
    re-opened in a second tab of the same session (same login), as the data stands at the end."""
    problems: list[str] = []
    current = page.url if not page.is_closed() else ""
    if current.startswith("http") and page_state(current) not in CHECKED:
        CHECKED.add(page_state(current))
        page.wait_for_load_state()
        problems += axe_problems(page)
    pending = []
    for url in visited:
        if page_state(url) not in CHECKED and url not in pending:
            pending.append(url)
    if not pending:
        return problems
    other = page.context.new_page()
    try:
        for url in pending:
            if page_state(url) in CHECKED:
                continue
            response = other.goto(url)
            # Logged out since, or the thing is gone: a later test checks this state.
            if response is None or response.status >= 400 or page_state(other.url) != page_state(url):
                continue
            CHECKED.add(page_state(url))
            problems += axe_problems(other)
    finally:
        other.close()
    return problems


@pytest.fixture
def page(page):
    """Playwright's page, quick to time out, and checked with axe-core at the end of the test: the
    page it ends on and every other page it loaded (once per page state in the session)."""
    page.set_default_timeout(10_000)
    visited: list[str] = []
    page.on("load", lambda loaded: visited.append(loaded.url))
    yield page
    problems = check_accessibility(page, visited)
    assert not problems, "Accessibility (axe-core) violations:\n" + "\n".join(problems)


def pytest_terminal_summary(terminalreporter):
    if CHECKED:
        terminalreporter.write_line(f"axe-core: {len(CHECKED)} page states checked in {AXE_SECONDS[0]:.1f}s")


@pytest.fixture
def log_in(live_server):
    """Log ``page`` in as ``user`` through the login form."""

    def log_in(page, user, password: str = DEMO_PASSWORD):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Email").fill(user.email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_load_state()

    return log_in
