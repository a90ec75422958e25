"""Fifty people move the same card at once, from the same version: exactly one move wins.

Real concurrent transactions: each thread has its own database connection; a barrier lets
them go together. Once through the service, once through real HTTP requests to the live server.
"""

import threading
import time
import urllib.error
import urllib.request
from datetime import date
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.urls import reverse

from artops.models import Role, User
from planning import services
from planning.models import FeaturePlacement, PlacementChange
from tests.conftest import make_member
from tests.factories import ARTFactory, TeamFactory, make_pi
from tests.planning.factories import FeatureFactory, PlacementFactory

pytestmark = pytest.mark.django_db(transaction=True)

MOVERS = 50
# A fixed 32-character CSRF secret, sent as the cookie and the header alike.
CSRF_SECRET = "abcdefghijklmnopqrstuvwxyz012345"


@pytest.fixture
def board():
    art = ARTFactory(name="Payments ART", slug="payments")
    team = TeamFactory(art=art, name="Falcons")
    pi = make_pi(art, name="PI 2026.4", start=date(2026, 10, 5))
    iterations = list(pi.iterations.development())
    placement = PlacementFactory(feature=FeatureFactory(art=art, pi=pi), team=team, iteration=iterations[0])
    rte = make_member(art, Role.RTE, display_name="Riley RTE")
    return {"art": art, "pi": pi, "iterations": iterations, "placement": placement, "rte": rte}


def run_together(work) -> list:
    """Run ``work(index)`` in MOVERS threads released at once; their results, in order."""
    barrier = threading.Barrier(MOVERS)
    results = [None] * MOVERS

    def run(index):
        try:
            barrier.wait(timeout=30)
            results[index] = work(index)
        except Exception as error:  # the test asserts on what each thread met
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(MOVERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return results


def assert_one_move(board, to) -> None:
    stored = FeaturePlacement.objects.get(pk=board["placement"].pk)
    assert (stored.iteration_id, stored.version) == (to.pk, 2)
    changes = PlacementChange.objects.filter(feature_id=stored.feature_id)
    assert changes.count() == 1
    assert changes.get().to_iteration_id == to.pk


def test_fifty_simultaneous_service_moves_one_wins(board):
    target = board["iterations"][2]

    def work(index):
        placement = FeaturePlacement.objects.select_related("feature", "team__art", "iteration").get(
            pk=board["placement"].pk
        )
        mover = User.objects.get(pk=board["rte"].pk)
        return services.move_placement(placement, by=mover, expected_version=1, iteration=target)

    results = run_together(work)

    moved = [result for result in results if isinstance(result, FeaturePlacement)]
    stale = [result for result in results if isinstance(result, services.StaleVersion)]
    assert len(moved) == 1 and len(stale) == MOVERS - 1, [
        r for r in results if not isinstance(r, (FeaturePlacement, services.StaleVersion))
    ]
    assert all("a moment ago" in str(error) for error in stale)
    assert_one_move(board, target)


def test_fifty_simultaneous_http_moves_one_wins(board, live_server, client):
    client.force_login(board["rte"])
    session = client.cookies["sessionid"].value
    target = board["iterations"][1]
    path = reverse("program_board_move", kwargs={"art_slug": board["art"].slug, "pi_id": board["pi"].pk})
    body = urlencode({"placement": board["placement"].pk, "version": 1, "iteration": target.pk}).encode()

    def work(index):
        request = urllib.request.Request(  # noqa: S310 (the live server's http URL)
            live_server.url + path,
            data=body,
            method="POST",
            headers={
                "Cookie": f"sessionid={session}; csrftoken={CSRF_SECRET}",
                "X-CSRFToken": CSRF_SECRET,
                "HX-Request": "true",
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        # The test server's listen queue is short and may reset a connection before reading its
        # request: such a request is sent again. Had the server read it, the second try would be
        # a stale 409 and the count of 200s below would show it.
        for attempt in range(10):
            try:
                with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (the live server)
                    return response.status, response.read().decode()
            except urllib.error.HTTPError as error:
                return error.code, error.read().decode()
            except (ConnectionResetError, ConnectionRefusedError):
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("The live server did not accept the request.")

    results = run_together(work)

    assert all(isinstance(result, tuple) for result in results), results
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] + [409] * (MOVERS - 1)
    conflicts = [html for status, html in results if status == 409]
    assert all("Someone changed the placement of" in html and 'id="program-board"' in html for html in conflicts)
    assert_one_move(board, target)
