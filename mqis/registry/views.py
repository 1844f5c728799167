import uuid

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render

from mqis.accounts.scope import is_admin
from mqis.lib import exports
from mqis.registry import import_jobs
from mqis.registry.forms import CqcImportForm
from mqis.registry.models import CqcImportJob
from mqis.registry.tasks import start_import
from mqis.registry.views_downloads import recent_imports_table, report_tables, summary_rows

RECENT_JOBS = 10


@login_required
def import_cqc(request: HttpRequest) -> HttpResponseBase:
    """Upload a CQC file into the registry (administrators only); the worker imports it."""
    if not is_admin(request.user):
        raise PermissionDenied
    if request.method == "POST":
        form = CqcImportForm(request.POST, request.FILES)
        if form.is_valid():
            job = start_import(
                form.cleaned_data["file"],
                user=request.user,
                dry_run=form.cleaned_data["dry_run"],
                partial=form.cleaned_data["partial"],
            )
            return redirect("import_cqc_job", job_uuid=job.uuid)
    else:
        form = CqcImportForm()
    recent = [import_jobs.as_shown(job) for job in CqcImportJob.objects.select_related("user")[:RECENT_JOBS]]
    if request.method == "GET":
        found = exports.table_download(request, "cqc-imports", {"recent-imports": recent_imports_table(recent)})
        if found is not None:
            return found
    return render(
        request,
        "registry/import_cqc.html",
        {"form": form, "max_mb": settings.MQIS_MAX_UPLOAD_MB, "recent_jobs": recent},
    )


def _job(request: HttpRequest, job_uuid: uuid.UUID) -> CqcImportJob:
    if not is_admin(request.user):
        raise PermissionDenied
    job = get_object_or_404(CqcImportJob.objects.select_related("user"), uuid=job_uuid)
    return import_jobs.as_shown(job)


@login_required
def import_cqc_job(request: HttpRequest, job_uuid: uuid.UUID) -> HttpResponseBase:
    """One upload's import: its progress while it runs, then its report or what went wrong."""
    job = _job(request, job_uuid)
    report = job.report if job.status == CqcImportJob.Status.FINISHED else None
    found = exports.table_download(request, f"cqc-import-{job.uuid}", report_tables(report))
    if found is not None:
        return found
    context = {
        "job": job,
        "report": report,
        "summary_rows": summary_rows(report) if report else [],
        "progress": import_jobs.read_progress(job),
        "no_worker": import_jobs.worker_missing(job),
    }
    return render(request, "registry/import_cqc_job.html", context)


@login_required
def import_cqc_progress(request: HttpRequest, job_uuid: uuid.UUID) -> JsonResponse:
    """How far the import has got, for the job page's script."""
    job = _job(request, job_uuid)
    response = JsonResponse(import_jobs.progress_payload(job))
    response["Cache-Control"] = "no-store"
    return response
