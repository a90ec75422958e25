"""Shared fixtures: a train with two teams and one person per role (the personas), its PI and
the PI's development iterations, an API client, and a query counter.

Personas: rte, product_manager, system_architect, business_owner, scrum_master,
product_owner, team_member (all on ``art``; the team-scoped ones in ``team``), outsider (the
RTE of another train) and anonymous (``None``).
"""

from datetime import date

import pytest
from rest_framework.test import APIClient

from artops.models import Role
from tests import helpers
from tests.factories import ARTFactory, MembershipFactory, TeamFactory, UserFactory, make_pi

PERSONAS = [
    "rte",
    "product_manager",
    "system_architect",
    "business_owner",
    "scrum_master",
    "product_owner",
    "team_member",
    "outsider",
    "anonymous",
]


def pytest_collection_modifyitems(items):
    """The hostile-input and schema sweeps first: `make test` runs two workers, and one of these
    minutes-long tests starting last would leave the other worker idle while it ends."""
    items.sort(key=lambda item: item.get_closest_marker("hardening") is None)


def make_member(art, role: Role, team=None, **user_fields):
    user = UserFactory(**user_fields)
    MembershipFactory(user=user, art=art, role=role, team=team)
    return user


@pytest.fixture
def art(db):
    return ARTFactory(name="Payments ART", slug="payments", time_zone="Europe/Berlin")


@pytest.fixture
def team(art):
    return TeamFactory(art=art, name="Falcons")


@pytest.fixture
def other_team(art):
    return TeamFactory(art=art, name="Otters")


@pytest.fixture
def pi(art):
    return make_pi(art, name="PI 2026.4", start=date(2026, 10, 5))


@pytest.fixture
def development(pi):
    """The development iterations of ``pi``, in order (``pi.iterations.ip()`` is the last one, IP)."""
    return list(pi.iterations.development())


@pytest.fixture
def api_client():
    """A DRF API client; ``api_client.force_login(user)`` to call the API as someone."""
    return APIClient()


@pytest.fixture
def count_queries():
    """``count_queries(call, *args, **kwargs)``: (number of SQL queries, what the call returned)."""
    return helpers.count_queries


@pytest.fixture
def rte(art):
    return make_member(art, Role.RTE, display_name="Riley RTE")


@pytest.fixture
def product_manager(art):
    return make_member(art, Role.PRODUCT_MANAGEMENT, display_name="Pat Product")


@pytest.fixture
def system_architect(art):
    return make_member(art, Role.SYSTEM_ARCHITECT, display_name="Ari Architect")


@pytest.fixture
def business_owner(art):
    return make_member(art, Role.BUSINESS_OWNER, display_name="Bo Owner")


@pytest.fixture
def scrum_master(art, team):
    return make_member(art, Role.SCRUM_MASTER, team, display_name="Sam Master")


@pytest.fixture
def product_owner(art, team):
    return make_member(art, Role.PRODUCT_OWNER, team, display_name="Polly Owner")


@pytest.fixture
def team_member(art, team):
    return make_member(art, Role.TEAM_MEMBER, team, display_name="Tess Member")


@pytest.fixture
def other_art(db):
    return ARTFactory(name="Lending ART", slug="lending")


@pytest.fixture
def outsider(other_art):
    """The RTE of another train: powerful there, a stranger here."""
    return make_member(other_art, Role.RTE, display_name="Olli Outsider")


@pytest.fixture
def persona(request):
    """Parametrise indirectly with a persona name; 'anonymous' gives None."""
    if request.param == "anonymous":
        return None
    return request.getfixturevalue(request.param)


@pytest.fixture
def everyone(rte, product_manager, system_architect, business_owner, scrum_master, product_owner, team_member):
    """Create every persona, so the train looks the same whoever is asking."""
