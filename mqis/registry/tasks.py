"""Background jobs about the registry, run by `mqis worker`: CQC files uploaded on the web page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django_tasks import task

from mqis.registry import import_jobs
from mqis.registry.importer import CqcImportError, ImportReport, import_cqc_file
from mqis.registry.models import CqcImportJob

Status = CqcImportJob.Status
FILE_GONE = "Nothing was imported: the uploaded file is no longer on the server. Upload it again."
UNEXPECTED = (
    "Nothing was imported: MQIS stopped because of an unexpected error ({name}). "
    "The details are in the background worker's log."
)
STOPPED = "Nothing was imported: the background worker was stopped while importing this file. Upload it again."


def start_import(upload: UploadedFile, *, user: Any, dry_run: bool, partial: bool) -> CqcImportJob:
    """Keep the upload, record the job and queue it for the worker."""
    path = import_jobs.save_upload(upload)
    job = CqcImportJob.objects.create(
        user=user, file_name=(upload.name or "upload")[:255], stored_path=str(path), dry_run=dry_run, partial=partial
    )
    job.task_id = str(run_cqc_import.enqueue(job.pk).id)
    job.save(update_fields=["task_id"])
    return job


@task()
def run_cqc_import(job_id: int) -> str:
    """Import an uploaded file, writing progress for the job page.

    Safe to run again after a worker died part-way: the import is one transaction and
    idempotent, and the upload is kept until the import has ended.
    """
    job = CqcImportJob.objects.select_related("user").get(pk=job_id)
    if job.is_done:
        return job.status
    _save(job, status=Status.RUNNING, started_at=timezone.now())
    progress = import_jobs.ProgressFile(import_jobs.progress_path(job))
    progress.write(0, 0, import_jobs.READING)
    try:
        report = _import(job, progress)
    except CqcImportError as exc:
        _save(job, status=Status.FAILED, error=exc.message, finished_at=timezone.now())
    except Exception as exc:
        _save(job, status=Status.FAILED, error=UNEXPECTED.format(name=type(exc).__name__),
              finished_at=timezone.now())
        raise  # the worker records the traceback
    except BaseException:
        _save(job, status=Status.FAILED, error=STOPPED, finished_at=timezone.now())
        raise  # the worker is being stopped (Ctrl+C or SIGTERM)
    else:
        total = report.locations_in_file
        progress.write(total, total, import_jobs.FINISHED)
        _save(job, status=Status.FINISHED, report=report.as_dict(), finished_at=timezone.now())
    finally:
        import_jobs.remove_upload(job)
    return job.status


def _import(job: CqcImportJob, progress: import_jobs.ProgressFile) -> ImportReport:
    if not job.stored_path or not Path(job.stored_path).is_file():
        raise CqcImportError(FILE_GONE)
    return import_cqc_file(
        job.stored_path,
        file_name=job.file_name,
        dry_run=job.dry_run,
        user=job.user,
        progress=progress.update,
        mark_missing_as_gone=not job.partial,
        max_bytes=settings.MQIS_MAX_UPLOAD_MB * 1024 * 1024,
    )


def _save(job: CqcImportJob, **changes: Any) -> None:
    for name, value in changes.items():
        setattr(job, name, value)
    job.save(update_fields=list(changes))
