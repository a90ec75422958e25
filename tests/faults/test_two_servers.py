"""Two web servers on one database and one Redis, as docker compose runs its web replicas behind
the proxy: a browser may reach either one on any request, so neither may keep anything to itself.

A person signs in on server A and opens the program board there; the same browser moves a card
through server B; a poll to A and a poll to B both answer the change set for that move, then both
"nothing changed" for the new version, and the board A serves afterwards shows the card in its new
cell. Each server is gunicorn with artops/gunicorn_conf.py (one worker with threads), and the
browser keeps one connection open to each, as a real one polling every 2 s does.
"""

from __future__ import annotations

import gzip
import http.client
import json
from dataclasses import dataclass
from email.message import Message
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

import pytest
from django.db import connection

from artops.models import ART, ProgramIncrement, Role, Team, User
from planning.program_board import cell_dom_id, team_row_key
from tests.conftest import make_member
from tests.factories import PASSWORD
from tests.faults.servers import AppServer, app_server, private_redis
from tests.planning.factories import FeatureFactory, PlacementFactory
from tests.workers import database_url_of

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

# Elements that never have a closing tag: they are not parents of what follows them.
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass
class Answer:
    status: int
    headers: Message
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode()

    def json(self) -> dict:
        assert self.headers.get_content_type() == "application/json", (self.status, self.headers, self.body[:300])
        return json.loads(self.body)


class Browser:
    """One person's browser: its cookies, and one kept-alive connection to each server it talks to.

    Both servers get the same cookies, as they would behind one address. Redirects are not
    followed (the test looks at them), and a gzipped answer is unpacked as a browser does.
    """

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}
        self.connections: dict[str, http.client.HTTPConnection] = {}

    def request(
        self, server: AppServer, method: str, path: str, *, form: dict | None = None, headers: dict | None = None
    ) -> Answer:
        address = urlsplit(server.url)
        if server.url not in self.connections:
            self.connections[server.url] = http.client.HTTPConnection(address.hostname, address.port, timeout=15)
        sent = {"Accept-Encoding": "gzip", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            # A browser's form post says where it comes from; Django checks that against the host.
            sent |= {"Content-Type": "application/x-www-form-urlencoded", "Origin": server.url}
        connection_ = self.connections[server.url]
        connection_.request(method, path, body=body, headers=sent)
        response = connection_.getresponse()
        content = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        if response.headers.get("Content-Encoding") == "gzip":
            content = gzip.decompress(content)
        return Answer(response.status, response.headers, content)

    def get(self, server: AppServer, path: str, **headers: str) -> Answer:
        return self.request(
            server, "GET", path, headers={key.replace("_", "-"): value for key, value in headers.items()}
        )

    def log_in(self, server: AppServer, user: User) -> None:
        """Through the login form, as a person does."""
        page = self.get(server, "/accounts/login/")
        assert page.status == 200
        form = {"username": user.email, "password": PASSWORD, "csrfmiddlewaretoken": self.cookies["csrftoken"]}
        answer = self.request(server, "POST", "/accounts/login/", form=form)
        assert answer.status == 302, answer.text[:500]
        assert "sessionid" in self.cookies

    def close(self) -> None:
        for connection_ in self.connections.values():
            connection_.close()


class _Elements(HTMLParser):
    """Every element's attributes by DOM id, with the id of the nearest ancestor that is a board cell."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[tuple[str, str | None]] = []
        self.found: dict[str, dict] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        element_id = attrs.get("id")
        if element_id:
            cells = [ancestor for _, ancestor in self.open if ancestor and ancestor.startswith("cell-")]
            self.found.setdefault(element_id, {**attrs, "cell": cells[-1] if cells else None})
        if tag not in VOID:
            self.open.append((tag, element_id))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.open.pop()

    def handle_endtag(self, tag):
        # Close up to the matching element (tolerates an element the template leaves to be closed implicitly).
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index][0] == tag:
                del self.open[index:]
                break


def elements(html: str) -> dict[str, dict]:
    parser = _Elements()
    parser.feed(html)
    return parser.found


def poll(browser: Browser, server: AppServer, changes_url: str, since: int, token: str) -> Answer:
    """What the board's script asks every 2 seconds."""
    separator = "&" if "?" in changes_url else "?"
    return browser.get(server, f"{changes_url}{separator}since={since}", X_Board_Token=token, Accept="application/json")


def test_a_move_through_one_server_reaches_a_browser_polling_the_other(
    art: ART, pi: ProgramIncrement, team: Team, development, tmp_path
):
    rte = make_member(art, Role.RTE, display_name="Riley RTE")
    card = PlacementFactory(feature=FeatureFactory(art=art, pi=pi, title="Instant payouts"), team=team,
                            iteration=development[0])  # fmt: skip
    other = PlacementFactory(feature=FeatureFactory(art=art, pi=pi, title="Refunds"), team=team,
                             iteration=development[1])  # fmt: skip
    card_id, other_id = f"card-{card.pk}", f"card-{other.pk}"
    old_cell = cell_dom_id(team_row_key(team.pk), development[0].pk)
    new_cell = cell_dom_id(team_row_key(team.pk), development[2].pk)
    board_path = f"/arts/{art.slug}/planning/pis/{pi.pk}/board/"

    browser = Browser()
    database_url = database_url_of(connection.settings_dict)
    with (
        private_redis(tmp_path / "redis") as redis,
        app_server(database_url, tmp_path / "a.log", redis_url=redis.url) as a,
        app_server(database_url, tmp_path / "b.log", redis_url=redis.url) as b,
    ):
        try:
            # Signed in on A, the person opens the board there.
            browser.log_in(a, rte)
            page = browser.get(a, board_path)
            assert page.status == 200
            # Compressed by the app: the proxy in front of the replicas adds no compression of its own.
            assert page.headers["Content-Encoding"] == "gzip"
            found = elements(page.text)
            board = found["program-board"]
            version, token = int(board["data-version"]), board["data-poll-token"]
            changes_url, board_url = board["data-changes-url"], board["data-board-url"]
            assert found[card_id]["cell"] == old_cell and found[other_id]["cell"] == cell_dom_id(
                team_row_key(team.pk), development[1].pk
            )

            # Nothing has changed, whichever server the poll reaches: the session is in the database.
            for server in (a, b):
                quiet = poll(browser, server, changes_url, version, token)
                assert (quiet.status, quiet.headers["X-Board-Version"], quiet.body) == (204, str(version), b"")

            # The same browser moves the card through B, with the CSRF token it was given on A.
            moved = browser.request(
                b,
                "POST",
                f"{board_path}move/",
                form={
                    "placement": card.pk,
                    "version": card.version,
                    "iteration": development[2].pk,
                    "team": team.pk,
                    "csrfmiddlewaretoken": browser.cookies["csrftoken"],
                },
            )
            assert moved.status in (302, 303), moved.text[:500]

            # A poll to A gets the change set: the moved card's part in its new cell, not the board.
            from_a = poll(browser, a, changes_url, version, token)
            assert from_a.status == 200, from_a.text[:500]
            changes = from_a.json()
            assert changes["reload"] is False
            assert changes["since"] == version and changes["version"] > version
            parts = {part["id"]: part for part in changes["parts"]}
            assert parts[card_id]["container"] == new_cell
            assert f'id="{card_id}"' in parts[card_id]["html"] and "Instant payouts" in parts[card_id]["html"]
            assert other_id not in parts  # what did not change is not sent
            assert card_id in changes["order"][new_cell] and card_id not in changes["order"].get(old_cell, [])

            # B answers the same change set.
            from_b = poll(browser, b, changes_url, version, token)
            assert from_b.status == 200, from_b.text[:500]
            same = from_b.json()
            assert same["version"] == changes["version"]
            assert same["parts"] == changes["parts"]
            assert same["removed"] == changes["removed"] and same["order"] == changes["order"]

            # Then nothing more has changed, on either server, for the new version.
            for server in (a, b):
                quiet = poll(browser, server, changes_url, changes["version"], changes["token"])
                assert quiet.status == 204, quiet.text[:500]
                assert quiet.headers["X-Board-Version"] == str(changes["version"])

            # The whole board, as the browser reloads it, shows the card in its new cell on either server:
            # B renders it first, and A may answer with that render, shared through Redis.
            for server in (b, a):
                fragment = browser.get(server, board_url, HX_Request="true")
                assert fragment.status == 200
                found = elements(fragment.text)
                assert found["program-board"]["data-version"] == str(changes["version"])
                assert found[card_id]["cell"] == new_cell
                assert found[other_id]["cell"] == cell_dom_id(team_row_key(team.pk), development[1].pk)
        finally:
            browser.close()

    for log in ("a.log", "b.log"):
        text = (tmp_path / log).read_text()
        assert "Traceback" not in text and '" 500 ' not in text, text[-2000:]
