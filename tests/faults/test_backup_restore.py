"""`make backup` / `make restore`: a restore into a fresh database is identical, table by table, and serves the app."""

import dj_database_url
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from artops.backup import Target
from tests.faults.servers import app_server

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]


def table_checksums(cursor) -> dict[str, tuple[int, str]]:
    """Every table of the database: its row count and an MD5 of its rows in a fixed order."""
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    checksums = {}
    for (table,) in cursor.fetchall():
        # Table names come from the catalogue of our own database.
        cursor.execute(
            f"SELECT count(*), md5(coalesce(string_agg(t::text, chr(10) ORDER BY t::text), '')) FROM \"{table}\" t"  # noqa: S608
        )
        checksums[table] = cursor.fetchone()
    return checksums


def checksums_of(url: str) -> dict[str, tuple[int, str]]:
    target = Target.of(dj_database_url.parse(url))
    restored = target.connect()
    try:
        with restored.cursor() as cursor:
            return table_checksums(cursor)
    finally:
        restored.close()


def test_a_backup_restored_into_a_fresh_database_is_identical_and_serves_the_app(
    art, pi, team, scrum_master, signed_in, copy_of_the_test_database, tmp_path
):
    with connection.cursor() as cursor:
        original = table_checksums(cursor)
    restored = checksums_of(copy_of_the_test_database.url)

    assert original["artops_art"][0] == 1 and original["artops_membership"][0] == 2
    assert restored == original

    with app_server(copy_of_the_test_database.url, tmp_path / "web.log", redis_url=settings.REDIS_URL) as app:
        status, _, body = app.get("/api/arts/", signed_in["api"])
        assert status == 200 and art.name.encode() in body
        status, _, body = app.get(f"/arts/{art.slug}/teams/", signed_in["page"])
        assert status == 200 and team.name.encode() in body


def test_a_restore_refuses_a_database_that_holds_data_unless_told_to_replace_it(art, tmp_path):
    dump = tmp_path / "artops.dump"
    call_command("backup", output=dump)
    with pytest.raises(CommandError, match="is not empty") as refused:
        call_command("restore", str(dump))
    assert refused.value.returncode == 2

    call_command("restore", str(dump), replace=True)
    connection.close()
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM artops_art")
        assert cursor.fetchall() == [(art.name,)]


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "is not a file"), (b"", "is not a backup"), (b"name,key\nPayments,PAY\n", "is not a backup")],
    ids=["missing", "empty", "a CSV"],
)
def test_a_restore_of_something_that_is_not_a_backup_changes_nothing(art, tmp_path, content, message):
    path = tmp_path / "not-a-backup.dump"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(CommandError, match=message) as refused:
        call_command("restore", str(path), replace=True)
    assert refused.value.returncode == 2
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM artops_art")
        assert cursor.fetchall() == [(art.name,)]


def test_a_backup_never_overwrites_a_file(art, tmp_path):
    existing = tmp_path / "kept.dump"
    existing.write_bytes(b"an earlier backup")
    with pytest.raises(CommandError, match="already exists") as refused:
        call_command("backup", output=existing)
    assert refused.value.returncode == 2 and existing.read_bytes() == b"an earlier backup"


def test_a_restore_into_an_unreachable_database_is_refused_clearly(tmp_path, art):
    dump = tmp_path / "artops.dump"
    call_command("backup", output=dump)
    with pytest.raises(CommandError, match="Cannot reach the database nowhere") as refused:
        call_command("restore", str(dump), database_url="postgres://postgres@127.0.0.1:1/nowhere")
    assert refused.value.returncode == 2
