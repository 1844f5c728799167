"""What the worker runs on a schedule, and how often (seconds, from the settings)."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from mqis.jobs.models import ScheduledJob


@dataclass(frozen=True)
class Every:
    name: str
    seconds: Callable[[], float]
    task_path: str


SCHEDULE = [
    Every("evaluate-alerts", lambda: settings.MQIS_ALERT_EVALUATION_SECONDS,
          "mqis.alerts.tasks.evaluate_alerts"),
    Every("send-reminders", lambda: settings.MQIS_REMINDER_CHECK_SECONDS,
          "mqis.alerts.tasks.send_reminders"),
    Every("retry-deliveries", lambda: settings.MQIS_DELIVERY_RETRY_SECONDS,
          "mqis.alerts.tasks.send_deliveries"),
    Every("refresh-forecasts", lambda: settings.MQIS_FORECAST_REFRESH_SECONDS,
          "mqis.forecasts.tasks.refresh_forecasts"),
    Every("score-risk", lambda: settings.MQIS_RISK_SCORING_SECONDS,
          "mqis.risk.tasks.score_all"),
    # Hourly; the task itself waits for Monday's send time and sends each report once a week.
    Every("send-weekly-reports", lambda: 3600, "mqis.reports.tasks.send_weekly_reports"),
]


def due_jobs(now: dt.datetime | None = None) -> list[str]:
    """Claim the jobs that are due, returning their task paths; each is claimed by one worker."""
    now = now or timezone.now()
    claimed = []
    for job in SCHEDULE:
        ScheduledJob.objects.get_or_create(name=job.name)
        cutoff = now - dt.timedelta(seconds=job.seconds())
        waiting = Q(last_enqueued_at__isnull=True) | Q(last_enqueued_at__lte=cutoff)
        if ScheduledJob.objects.filter(waiting, name=job.name).update(last_enqueued_at=now):
            claimed.append(job.task_path)
    return claimed
