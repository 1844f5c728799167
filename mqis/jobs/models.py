"""The worker's own bookkeeping: who is alive, and when each scheduled job last ran."""

from django.db import models


class WorkerHeartbeat(models.Model):
    worker_id = models.CharField(max_length=64, primary_key=True)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Worker {self.worker_id} on {self.host} (pid {self.pid})"


class ScheduledJob(models.Model):
    """One row per scheduled job; a conditional update on it stops two workers both enqueuing."""

    name = models.CharField(max_length=100, primary_key=True)
    last_enqueued_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name
