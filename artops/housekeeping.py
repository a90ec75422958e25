"""Housekeeping of the core: records that only matter for a while."""

from __future__ import annotations

from datetime import datetime, timedelta

from axes.models import AccessAttempt, AccessLog
from django.conf import settings


def prune_login_records(now: datetime) -> dict[str, int]:
    """Delete failed-login counters past the lockout window and login records past retention.

    Set-based: two DELETE statements whatever the number of rows. Safe to re-run.
    """
    expired_attempts, _ = AccessAttempt.objects.filter(attempt_time__lt=now - settings.AXES_COOLOFF_TIME).delete()
    retention = timedelta(days=settings.LOGIN_RECORD_RETENTION_DAYS)
    old_logs, _ = AccessLog.objects.filter(attempt_time__lt=now - retention).delete()
    return {"attempts": expired_attempts, "logs": old_logs}
