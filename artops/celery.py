"""The Celery app. Broker: REDIS_URL, or the embedded Redis (see settings).

The beat schedule lives here, in code; each entry is named and its time explained.
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "artops.settings")

app = Celery("artops")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Nightly jobs run in the server's TIME_ZONE; each job works per train in the train's own zone.
app.conf.beat_schedule = {
    # 00:05 every night: forget expired login failures and login records past their retention.
    "prune-login-records": {
        "task": "artops.tasks.prune_login_records",
        "schedule": crontab(hour=0, minute=5),
    },
    # Every hour at :15 (server time). Each train's day is computed by the first run after that
    # train's own local midnight, so within the hour whatever its UTC offset (half-hour zones
    # included), and a missed run is caught up by the next; a run with nothing due costs two queries.
    # Every minute: the outbox's tasks recorded while Redis was down reach the workers within a
    # minute of its return (each commit also relays at once; an empty outbox costs one query).
    "relay-outbox": {
        "task": "artops.tasks.relay_outbox",
        "schedule": crontab(),
    },
    "recompute-due-metrics": {
        "task": "metrics.tasks.recompute_due_metrics",
        "schedule": crontab(minute=15),
    },
}
