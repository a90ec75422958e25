from django.db import models
from django.utils import timezone


class OutboxTask(models.Model):
    """A Celery task to run, recorded in the transaction of the change that asked for it."""

    task = models.CharField(max_length=200, help_text="The Celery task's name, e.g. artops.tasks.send_email.")
    args = models.JSONField(default=list, blank=True, help_text="Its positional arguments (JSON).")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True, help_text="When it was handed to the broker.")
    done_at = models.DateTimeField(null=True, blank=True, help_text="When a worker finished (or claimed) it.")

    class Meta:
        app_label = "artops"
        ordering = ["pk"]
        indexes = [
            # The relay reads only what is still waiting: a small index whatever the history.
            models.Index(fields=["id"], condition=models.Q(sent_at__isnull=True), name="outbox_waiting"),
        ]
        constraints = [
            models.CheckConstraint(condition=~models.Q(task=""), name="outbox_task_named"),
        ]

    def __str__(self) -> str:
        return f"{self.task} #{self.pk}"

    @property
    def celery_id(self) -> str:
        """The id the task carries in Celery: how a worker finds its row again."""
        return f"outbox-{self.pk}"
