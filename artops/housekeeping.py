"""Housekeeping of the core: records that only matter for a while."""

from __future__ import annotations

from datetime import datetime, timedelta

from axes.models import AccessAttempt, AccessLog
from django.conf import settings


def prune_login_records(now: datetime) -> dict[str, int]:
    """Delete failed-login counters past the lockout window and login records past retention.

    Set-based: two DELETE statements whatever the number of rows. Safe to re-run.
    """
    _, attempts = AccessAttempt.objects.filter(attempt_time__lt=now - settings.AXES_COOLOFF_TIME).delete()
    retention = timedelta(days=settings.LOGIN_RECORD_RETENTION_DAYS)
    _, logs = AccessLog.objects.filter(attempt_time__lt=now - retention).delete()
    # Count only the rows of these tables, not what the deletes cascaded to.
    return {"attempts": attempts.get(AccessAttempt._meta.label, 0), "logs": logs.get(AccessLog._meta.label, 0)}
