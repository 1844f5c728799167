from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from mqis.accounts.scope import is_admin
from mqis.registry.forms import CqcImportForm
from mqis.registry.importer import CqcImportError, import_cqc_file


@login_required
def import_cqc(request: HttpRequest) -> HttpResponse:
    """Upload a CQC file into the registry (administrators only)."""
    if not is_admin(request.user):
        raise PermissionDenied
    report = None
    if request.method == "POST":
        form = CqcImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                report = import_cqc_file(
                    upload,
                    file_name=upload.name,
                    dry_run=form.cleaned_data["dry_run"],
                    user=request.user,
                    mark_missing_as_gone=not form.cleaned_data["partial"],
                    max_bytes=settings.MQIS_MAX_UPLOAD_MB * 1024 * 1024,
                )
            except CqcImportError as exc:
                form.add_error("file", exc.message)
            else:
                form = CqcImportForm(initial={"dry_run": False})
    else:
        form = CqcImportForm()
    return render(
        request,
        "registry/import_cqc.html",
        {"form": form, "report": report, "max_mb": settings.MQIS_MAX_UPLOAD_MB},
    )
