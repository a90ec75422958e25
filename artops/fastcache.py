"""Redis as a fast, optional store for what many requests share: counters and rendered results.

The live program board asks "has anything changed?" every two seconds from every browser in
the room, and a hundred browsers want the same rendered change at once. Both are answered
from here, in Redis, so that neither costs a database query or a render per browser.

Everything here is a cache of something the database knows: when Redis is slow or down, every
call answers "not here" (``None`` or ``False``) at once and the caller asks the database, as
it would without Redis. After a failure Redis is left alone for ``PAUSE`` seconds, so that a
Redis that is down costs no request a connection timeout. Nothing here raises a Redis error.

Keys carry ``settings.FASTCACHE_PREFIX`` (the test suite uses one per run, so that runs on one
Redis never see each other's keys). Values are bytes, integers, or Python objects pickled by
``get_object``/``set_object``: only this application writes them, as Django's own Redis cache does.
"""

from __future__ import annotations

import logging
import pickle
import threading
import time
import zlib
from collections.abc import Callable
from typing import Any, TypeVar

import redis
from django.conf import settings
from redis.backoff import NoBackoff
from redis.retry import Retry

logger = logging.getLogger(__name__)

# How long to leave Redis alone after it failed, in seconds.
PAUSE = 5.0
# Longest wait for Redis on one call, in seconds: a cache that is slower than this is no help.
TIMEOUT = 0.25
# Objects larger than this are stored compressed (a whole board is hundreds of kilobytes of HTML).
COMPRESS_OVER = 4096

# Set a counter to ``value`` unless it already holds more: counters never go back, whatever
# order two processes' updates arrive in. Keys expire, so that a counter that got ahead of the
# database (a restored backup) is read afresh from the database after ``ttl`` seconds.
_SET_MAX = """
local current = tonumber(redis.call('GET', KEYS[1]) or '-1')
local value = tonumber(ARGV[1])
if value > current then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
  return value
end
return current
"""

_client: redis.Redis | None = None
_set_max = None
_client_lock = threading.Lock()
_paused_until = 0.0

T = TypeVar("T")


def _redis() -> redis.Redis | None:
    """The shared client, or ``None`` while Redis is being left alone after a failure."""
    global _client, _set_max
    if time.monotonic() < _paused_until:
        return None
    if _client is None:
        with _client_lock:
            if _client is None:
                _client = redis.Redis.from_url(
                    settings.REDIS_URL,
                    socket_connect_timeout=TIMEOUT,
                    socket_timeout=TIMEOUT,
                    retry=Retry(NoBackoff(), 0),
                    health_check_interval=30,
                )
                _set_max = _client.register_script(_SET_MAX)
    return _client


def _failed(error: Exception) -> None:
    global _paused_until
    _paused_until = time.monotonic() + PAUSE
    logger.warning("Redis is unavailable for the fast cache (%s); asking the database for %s s.", error, PAUSE)


def key(*parts: object) -> str:
    return ":".join([settings.FASTCACHE_PREFIX, *map(str, parts)])


def _ask(command: Callable[[redis.Redis], T], otherwise: T) -> T:
    """``command(client)``'s answer, or ``otherwise`` when Redis is unavailable (left alone for a while)."""
    client = _redis()
    if client is None:
        return otherwise
    try:
        return command(client)
    except (redis.RedisError, OSError) as error:
        _failed(error)
        return otherwise


def get_int(name: str) -> int | None:
    value = _ask(lambda client: client.get(name), None)
    return int(value) if value is not None else None


def raise_int(name: str, value: int, *, ttl: int) -> bool:
    """Set counter ``name`` to ``value`` unless it already holds more (see ``_SET_MAX``)."""
    return _ask(lambda client: _set_max(keys=[name], args=[value, ttl], client=client) is not None, False)


def get_bytes(name: str) -> bytes | None:
    return _ask(lambda client: client.get(name), None)


def set_bytes(name: str, value: bytes, *, ttl: int) -> bool:
    return _ask(lambda client: bool(client.set(name, value, ex=ttl)), False)


def exists(name: str) -> bool:
    return _ask(lambda client: bool(client.exists(name)), False)


def get_object(name: str) -> Any | None:
    stored = get_bytes(name)
    if stored is None:
        return None
    compressed, payload = stored[:1], stored[1:]
    try:
        return pickle.loads(zlib.decompress(payload) if compressed == b"z" else payload)  # noqa: S301 (written by us)
    except (pickle.UnpicklingError, zlib.error, AttributeError, ImportError, EOFError, TypeError, ValueError):
        # Written by another release of the code (a class since renamed or changed): as if not there.
        logger.info("A fast-cache entry of an older release was ignored: %s", name)
        return None


def set_object(name: str, value: Any, *, ttl: int) -> bool:
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    stored = b"z" + zlib.compress(payload, 1) if len(payload) > COMPRESS_OVER else b"p" + payload
    return set_bytes(name, stored, ttl=ttl)


# One computation per key at a time in this process: when a hundred browsers ask for the same
# new change in the same second, the first computes it and the others wait for its result.
_flights: dict[str, threading.Lock] = {}
_flights_lock = threading.Lock()


def once(name: str, compute: Callable[[], tuple[T, bool]], *, ttl: int) -> T:
    """The object stored under ``name``, or ``compute()``'s, stored for the next asker.

    ``compute`` answers the value and whether it may be stored (a result read while the data
    moved under it is answered but not kept). While one thread of this process computes a key,
    the others asking for it wait and then read what it stored.
    """
    found = get_object(name)
    if found is not None:
        return found
    with _flights_lock:
        lock = _flights.setdefault(name, threading.Lock())
    try:
        with lock:
            found = get_object(name)
            if found is not None:
                return found
            value, keep = compute()
            if keep:
                set_object(name, value, ttl=ttl)
            return value
    finally:
        # Whoever arrives after this finds the value stored; those already waiting hold the lock.
        with _flights_lock:
            if _flights.get(name) is lock and not lock.locked():
                del _flights[name]
