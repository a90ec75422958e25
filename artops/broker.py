"""Is Redis (the Celery broker) reachable right now? Asked without redis-py's retries.

redis-py retries a refused connection with a growing pause (seconds in all): right for a worker,
wrong for a request that only wants to know whether to hand work over now or leave it waiting.
"""

from __future__ import annotations

import redis
from django.conf import settings
from redis.backoff import NoBackoff
from redis.retry import Retry


def reachable(timeout: float = 1.0) -> bool:
    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=timeout, socket_timeout=timeout, retry=Retry(NoBackoff(), 0)
    )
    try:
        return bool(client.ping())
    except (redis.RedisError, OSError):
        return False
    finally:
        client.close()
