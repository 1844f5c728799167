"""The worker loop: heartbeat, recover jobs from dead workers, enqueue scheduled jobs, run jobs.

Jobs are django-tasks tasks stored by django-tasks-db, so the queue is the database: no
extra server. django-tasks-db leaves a job "running" for ever if its worker dies; here a
job whose worker has stopped beating is put back in the queue (up to MAX_TRIES times).
Every job MQIS runs is safe to run again: deliveries are claimed one by one with a lease.
"""

import datetime as dt
import logging
import os
import socket
import threading
import time

from django.db import DatabaseError, close_old_connections, connection
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from mqis.jobs.models import WorkerHeartbeat
from mqis.jobs.schedule import due_jobs

log = logging.getLogger("mqis.worker")
STALE_AFTER = dt.timedelta(seconds=30)
BEAT_SECONDS = 5
MAX_TRIES = 3


def beat(worker_id: str, started_at: dt.datetime) -> None:
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={"host": socket.gethostname(), "pid": os.getpid(), "started_at": started_at,
                  "seen_at": timezone.now()},
    )


def recover(now: dt.datetime | None = None) -> int:
    """Requeue jobs left running by workers that stopped beating; give up after MAX_TRIES."""
    now = now or timezone.now()
    alive = set(WorkerHeartbeat.objects.filter(seen_at__gte=now - STALE_AFTER)
                .values_list("worker_id", flat=True))
    requeued = 0
    for job in DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING):
        if job.worker_ids and job.worker_ids[-1] in alive:
            continue
        if len(job.worker_ids) >= MAX_TRIES:
            job.status = TaskResultStatus.FAILED
            job.finished_at = now
            job.exception_class_path = "mqis.jobs.WorkerDied"
            job.traceback = f"The worker running this job stopped {MAX_TRIES} times."
            job.save(update_fields=["status", "finished_at", "exception_class_path", "traceback"])
            continue
        log.warning("Requeuing job %s (%s): its worker stopped", job.pk, job.task_path)
        job.status = TaskResultStatus.READY
        job.save(update_fields=["status"])
        requeued += 1
    return requeued


def enqueue_due(now: dt.datetime | None = None) -> list[str]:
    paths = due_jobs(now)
    for path in paths:
        import_string(path).enqueue()
    return paths


def _keep_beating(worker_id: str, started_at: dt.datetime, stop: threading.Event) -> None:
    """Beat from a thread of its own, so a long job does not make its worker look dead."""
    while not stop.wait(BEAT_SECONDS):
        try:
            beat(worker_id, started_at)
        except DatabaseError as error:  # e.g. SQLite busy under a long import: try again soon
            log.info("Heartbeat skipped: %s", error)
        finally:
            connection.close()


def make_worker(worker_id: str) -> Worker:
    return Worker(queue_names=["*"], interval=0, batch=True, backend_name="default",
                  startup_delay=False, max_tasks=None, worker_id=worker_id, excluded_queue_names=[])


def run(worker_id: str, *, interval: float = 1.0, once: bool = False, worker: Worker | None = None) -> None:
    """Run until stopped (or, with once, until the queue is empty).

    To stop gracefully, set `worker.running = False`: a job in progress finishes first.
    """
    started_at = timezone.now()
    worker = worker or make_worker(worker_id)
    beat(worker_id, started_at)
    stop = threading.Event()
    threading.Thread(target=_keep_beating, args=(worker_id, started_at, stop), daemon=True).start()
    try:
        while worker.running:
            close_old_connections()
            recover()
            enqueue_due()
            worker.run()
            if once:
                return
            time.sleep(interval)
    finally:
        stop.set()
