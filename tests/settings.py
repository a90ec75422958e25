"""Settings for the test suite: production settings with test-friendly environment defaults."""

import os
import uuid

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-use-0123456789")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("SECURE_COOKIES", "false")
os.environ.setdefault("STATIC_MANIFEST", "false")
# One name per test run, inherited by the xdist workers and the servers the tests start.
os.environ.setdefault("ARTOPS_TEST_RUN", uuid.uuid4().hex[:12])

from artops.settings import *  # noqa: F403

# Hashing strength is not under test; speed is welcome.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Static files come from the finders; WhiteNoise wants STATIC_ROOT to exist all the same.
WHITENOISE_USE_FINDERS = True
STATIC_ROOT = BASE_DIR / ".data" / "test-static"  # noqa: F405
STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# Mail and other tasks enqueued by a request run in this process (to the test mail outbox); the tests
# marked ``celery`` start a real worker and turn this off (``tests.workers``).
# A worker or server process started by a test sets TEST_TASKS_EAGER=false: its tasks go through Redis.
CELERY_TASK_ALWAYS_EAGER = os.environ.get("TEST_TASKS_EAGER", "true") == "true"
CELERY_TASK_EAGER_PROPAGATES = True

# The fast cache's keys (artops.fastcache) apart for each run and each xdist worker (each has its own
# database, whose ids repeat the others'); a server a test starts on a database of its own names its own.
FASTCACHE_PREFIX = os.environ.get("FASTCACHE_PREFIX") or "artops-test-{}-{}".format(
    os.environ["ARTOPS_TEST_RUN"], os.environ.get("PYTEST_XDIST_WORKER", "main")
)
