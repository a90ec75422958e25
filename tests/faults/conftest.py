"""Fault tests: real servers stopped and started by the test (see ``servers.py``), each bounded in time."""

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from tests.faults.servers import private_postgres


@pytest.fixture
def signed_in(rte):
    """The RTE's API token and session cookie, stored in the database before it is copied."""
    client = Client()
    client.force_login(rte)
    return {
        "api": {"Authorization": f"Token {Token.objects.create(user=rte).key}"},
        "page": {"Cookie": f"sessionid={client.cookies['sessionid'].value}"},
    }


@pytest.fixture
def copy_of_the_test_database(tmp_path):
    """A PostgreSQL server of the test's own holding a restored backup of the test database."""
    from django.core.management import call_command

    dump = tmp_path / "artops.dump"
    call_command("backup", output=dump)
    with private_postgres(tmp_path / "postgres") as server:
        call_command("restore", str(dump), database_url=server.url)
        yield server
