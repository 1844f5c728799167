"""The bulk upload page, its result, and the spreadsheet templates to fill in."""

import csv
import io
from typing import Any, cast

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from mqis.accounts import scope
from mqis.accounts.models import Role
from mqis.lib import exports
from mqis.returns import upload_errors
from mqis.returns.bulk import import_bulk
from mqis.returns.bulk_rows import LOCATION, PERIOD, REFERENCE_COLUMNS
from mqis.returns.models import Channel, ReturnTemplate
from mqis.returns.periods import current_period, describe
from mqis.returns.spreadsheet import max_upload_bytes
from mqis.returns.templates import TemplateNotFound, applies_to, current_template

ERRORS_SHOWN = 1000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UploadForm(forms.Form):
    template = forms.ChoiceField(
        widget=forms.RadioSelect, error_messages={"required": "Choose which return the file holds"}
    )
    file = forms.FileField(
        allow_empty_file=True,  # import_bulk says "The file is empty", like every other problem
        error_messages={"required": "Choose a CSV or Excel file to upload"},
    )
    dry_run = forms.BooleanField(required=False)
    partial = forms.BooleanField(required=False)

    def __init__(self, *args: object, templates: list[ReturnTemplate], **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        choice = cast(forms.ChoiceField, self.fields["template"])
        choice.choices = [(t.slug, t.name) for t in templates]


def _require_uploader(request: HttpRequest) -> None:
    if scope.role_of(request.user) not in {Role.PROVIDER, Role.ADMIN}:
        raise PermissionDenied


def _templates() -> list[ReturnTemplate]:
    return list(ReturnTemplate.objects.filter(is_current=True).order_by("slug"))


@login_required
def bulk_upload(request: HttpRequest) -> HttpResponse:
    _require_uploader(request)
    templates = _templates()
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES, templates=templates)
    else:
        form = UploadForm(templates=templates,
                          initial={"template": templates[0].slug if templates else None})
    if form.is_bound and form.is_valid():
        upload = form.cleaned_data["file"]
        result = import_bulk(
            upload, user=request.user, template_slug=form.cleaned_data["template"],
            dry_run=form.cleaned_data["dry_run"], partial=form.cleaned_data["partial"],
            channel=Channel.UPLOAD,
        )
        template = next(t for t in templates if t.slug == result.template)
        return render(request, "returns/bulk_result.html", {
            "result": result, "template": template, "file_name": upload.name,
            "errors_shown": result.errors[:ERRORS_SHOWN],
            "errors_hidden": result.error_count - min(len(result.errors), ERRORS_SHOWN),
            "summary_errors": result.errors[:10],
            "errors_token": upload_errors.save(request.user, result.errors) if result.errors else None,
            "errors_kept": len(result.errors),
        })
    error_links = [(f"#id_{name}" if name != "template" else "#id_template_0", message)
                   for name, messages in form.errors.items() for message in messages]
    return render(request, "returns/bulk_upload.html", {
        "form": form, "templates": templates, "error_links": error_links,
        "max_mb": max_upload_bytes() // (1024 * 1024),
    })


@login_required
@require_GET
def bulk_upload_errors(request: HttpRequest, token: str) -> HttpResponseBase:
    """Every error kept from one upload, as CSV or XLSX, for the person who uploaded it."""
    created, rows = upload_errors.load(request.user, token)
    _require_uploader(request)
    fmt = exports.wanted_format(request)
    if fmt is None:
        raise Http404("Ask for ?format=csv or ?format=xlsx.")
    name = f"upload-errors-{timezone.localtime(created):%Y-%m-%d}"
    return exports.download(fmt, name, upload_errors.HEADER, rows)


@login_required
@require_GET
def bulk_template(request: HttpRequest, fmt: str) -> HttpResponse:
    """A file to fill in: one row per location the user may submit for, this period's date."""
    _require_uploader(request)
    try:
        template = current_template(request.GET.get("template", "care-home"))
    except TemplateNotFound:
        raise Http404 from None
    period = current_period(template)
    locations = [loc for loc in scope.submittable_locations(request.user).order_by("name")
                 if applies_to(template, loc)]
    keys = [spec["key"] for spec in template.fields]
    header = [LOCATION, *REFERENCE_COLUMNS, PERIOD, *keys]
    rows: list[list[Any]] = [[loc.cqc_location_id, _as_text(loc.name), period.start,
                              *([""] * len(keys))] for loc in locations]
    name = f"mqis-{template.slug}-{period.start:%Y-%m-%d}.{fmt}"
    if fmt == "xlsx":
        response = HttpResponse(_workbook(template, header, rows, describe(period)),
                                content_type=XLSX)
    else:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows([[row[0], row[1], row[2].isoformat(), *row[3:]] for row in rows])
        # A byte order mark, so that Excel opens names with accents correctly.
        response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _as_text(text: str) -> str:
    """Text that a spreadsheet will not run as a formula (names come from outside data)."""
    return "'" + text if text[:1] in FORMULA_STARTS else text


def _workbook(template: ReturnTemplate, header: list[str], rows: list[list[Any]],
              period_label: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    sheet = book.create_sheet(template.name[:31])
    sheet.freeze_panes = "A2"
    for index, key in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, min(len(key) + 2, 30))
    bold = Font(bold=True)
    cells = []
    for key in header:
        cell = WriteOnlyCell(sheet, value=key)
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    for row in rows:
        day = WriteOnlyCell(sheet, value=row[2])
        day.number_format = "dd/mm/yyyy"
        sheet.append([row[0], row[1], day, *row[3:]])
    guide = book.create_sheet("Field guide")
    guide.append([f"{template.name}, version {template.version}. The period is {period_label}; "
                  "MQIS reads the first sheet only."])
    guide.append(["Column", "Question", "Required", "Allowed values"])
    guide.append([LOCATION, "CQC location ID", "yes", "As registered with CQC, e.g. 1-123456789"])
    guide.append([PERIOD, "Any date in the period", "yes", "A date, e.g. 23/11/2026"])
    for spec in template.fields:
        guide.append([spec["key"], spec["label"], "yes" if spec.get("required") else "no",
                      _allowed(spec)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _allowed(spec: dict[str, Any]) -> str:
    if spec["type"] == "choice":
        return ", ".join(str(key) for key, _ in spec["choices"])
    if spec["type"] == "text":
        return f"Text, up to {spec.get('max_length', 1000)} characters"
    kind = "A whole number" if spec["type"] == "integer" else "A number"
    low, high = spec.get("minimum"), spec.get("maximum")
    return f"{kind} from {low} to {high}" if low is not None and high is not None else kind
