"""What a CQC import started on the web page keeps on disk, and how far it has got.

The upload waits under DATA_DIR/uploads until `mqis worker` imports it. The import runs in
one transaction, so nothing it writes to the database is visible to the web process until
it ends: the worker writes its progress to a small JSON file, DATA_DIR/jobs/<uuid>.json,
which the job page polls.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from mqis.jobs.models import WorkerHeartbeat
from mqis.registry.models import CqcImportJob

WRITE_EVERY = 0.25  # seconds: the page polls every second; more writes would be wasted
NO_WORKER_AFTER = dt.timedelta(seconds=30)

WAITING = "Waiting for the background worker"
READING = "Reading the file"
CHECKING = "Checking locations against the registry"
SAVING = "Saving the changes"
FINISHED = "Finished"
WAITING_HINTS = {
    WAITING: "The import starts as soon as the background worker picks it up.",
    READING: "Counting the locations in the file.",
}
WORKER_GAVE_UP = (
    "Nothing was imported: the background worker stopped before it had imported this file. "
    "Check the worker's log, then upload the file again."
)


def upload_dir() -> Path:
    return Path(settings.DATA_DIR) / "uploads"


def progress_path(job: CqcImportJob) -> Path:
    return Path(settings.DATA_DIR) / "jobs" / f"{job.uuid}.json"


def save_upload(upload: UploadedFile) -> Path:
    """Copy an uploaded file to the uploads folder under a random name."""
    folder = upload_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{secrets.token_hex(16)}{Path(upload.name or '').suffix.lower()[:10]}"
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return path


def remove_upload(job: CqcImportJob) -> None:
    if job.stored_path:
        Path(job.stored_path).unlink(missing_ok=True)
        job.stored_path = ""
        job.save(update_fields=["stored_path"])


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    stage: str

    @property
    def percent(self) -> int:
        return math.floor(100 * self.done / self.total) if self.total else 0

    @property
    def label(self) -> str:
        """E.g. "12,000 of 48,000 locations (25%)"; before the total is known, what is happening."""
        if not self.total:
            return WAITING_HINTS.get(self.stage, "")
        return f"{self.done:,} of {self.total:,} locations ({self.percent}%)"


class ProgressFile:
    """Writes an import's progress atomically, at most every WRITE_EVERY seconds."""

    def __init__(self, path: Path, clock: Callable[[], float] = time.monotonic) -> None:
        self.path = path
        self.clock = clock
        self.last_write = -math.inf

    def write(self, done: int, total: int, stage: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps({"done": done, "total": total, "stage": stage}), encoding="utf-8")
        os.replace(temporary, self.path)  # readers see the old file or the new one, never half
        self.last_write = self.clock()

    def update(self, done: int, total: int) -> None:
        """The importer's progress callback; the last call (done == total) is always written."""
        if done < total and self.clock() - self.last_write < WRITE_EVERY:
            return
        self.write(done, total, CHECKING if done < total else SAVING)


def read_progress(job: CqcImportJob) -> Progress:
    if job.status == CqcImportJob.Status.QUEUED:
        return Progress(0, 0, WAITING)
    if job.status == CqcImportJob.Status.FINISHED and job.report:
        total = int(job.report.get("locations_in_file", 0))
        return Progress(total, total, FINISHED)
    try:
        data = json.loads(progress_path(job).read_text(encoding="utf-8"))
        return Progress(int(data["done"]), int(data["total"]), str(data["stage"]))
    except (OSError, ValueError, KeyError, TypeError):
        return Progress(0, 0, READING)


def worker_missing(job: CqcImportJob, now: dt.datetime | None = None) -> bool:
    """True if the job has waited NO_WORKER_AFTER and no worker has been seen for as long."""
    now = now or timezone.now()
    if job.status != CqcImportJob.Status.QUEUED or job.created_at > now - NO_WORKER_AFTER:
        return False
    return not WorkerHeartbeat.objects.filter(seen_at__gte=now - NO_WORKER_AFTER).exists()


def given_up(job: CqcImportJob) -> bool:
    """True if the worker gave the job's task up (e.g. it died running it too often): nothing will finish it."""
    if job.is_done or not job.task_id:
        return False
    return DBTaskResult.objects.filter(pk=job.task_id, status=TaskResultStatus.FAILED).exists()


def as_shown(job: CqcImportJob) -> CqcImportJob:
    """The job as the page shows it: one the worker gave up on is shown as failed (not saved)."""
    if given_up(job):
        job.status = CqcImportJob.Status.FAILED
        job.error = WORKER_GAVE_UP
    return job


def progress_payload(job: CqcImportJob) -> dict[str, Any]:
    """What the job page's script polls for."""
    progress = read_progress(job)
    return {
        "status": job.status,
        "status_label": job.get_status_display(),
        "finished": job.is_done,
        "done": progress.done,
        "total": progress.total,
        "percent": progress.percent,
        "stage": progress.stage,
        "label": progress.label,
        "no_worker": worker_missing(job),
    }
