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
}
