"""The weekly report's web page (and each of its tables as CSV or XLSX), its PDF, and
subscribing to it by e-mail."""

import io

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from mqis.accounts import scope
from mqis.lib import exports
from mqis.registry.models import Council, Region
from mqis.reports.models import ReportSubscription
from mqis.reports.pdf import render_pdf
from mqis.reports.report import build_report

Area = tuple[Council | None, Region | None]


def _area(request: HttpRequest, gss_code: str | None = None, code: str | None = None) -> Area:
    """The council or region asked for, if the user may see it; 403 if not."""
    if gss_code is not None:
        council = get_object_or_404(Council.objects.select_related("region"), gss_code=gss_code)
        if not scope.visible_councils(request.user).filter(pk=council.pk).exists():
            raise PermissionDenied
        return council, None
    region = get_object_or_404(Region, code=code)
    if not scope.visible_regions(request.user).filter(pk=region.pk).exists():
        raise PermissionDenied
    return None, region


def _links(council: Council | None, region: Region | None) -> dict[str, str]:
    if council is not None:
        args, prefix = [council.gss_code], "council"
    else:
        assert region is not None
        args, prefix = [region.code], "region"
    return {name: reverse(f"{prefix}_{name}", args=args)
            for name in ("report", "report_pdf", "report_subscription", "dashboard")}


def _user(request: HttpRequest) -> User:
    """The signed-in user (every view here requires one)."""
    assert isinstance(request.user, User)
    return request.user


def _subscribed(request: HttpRequest, council: Council | None, region: Region | None) -> bool:
    mine = ReportSubscription.objects.filter(user=_user(request), council=council, region=region, active=True)
    return mine.exists()


def _download_name(council: Council | None, region: Region | None) -> str:
    """"weekly-report-E08000003": the start of a table's file name."""
    if council is not None:
        return f"weekly-report-{council.gss_code}"
    assert region is not None
    return f"weekly-report-{region.code}"


def _page(request: HttpRequest, council: Council | None, region: Region | None) -> HttpResponseBase:
    report = build_report(request.user, council=council, region=region)
    found = exports.table_download(request, _download_name(council, region), report.downloads())
    if found is not None:
        return found
    can_open_region = council is not None and scope.visible_regions(request.user).filter(pk=council.region_id).exists()
    return render(request, "reports/report.html", {
        "report": report,
        "links": _links(council, region),
        "subscribed": _subscribed(request, council, region),
        "send_hour": f"{settings.MQIS_REPORT_SEND_HOUR:02d}:00",
        "council": council,
        "region": region or (council.region if council else None),
        "can_open_region": can_open_region,
    })


def _pdf(request: HttpRequest, council: Council | None, region: Region | None) -> FileResponse:
    report = build_report(request.user, council=council, region=region)
    return FileResponse(io.BytesIO(render_pdf(report)), as_attachment=True, filename=report.filename,
                        content_type="application/pdf")


def _subscription(request: HttpRequest, council: Council | None, region: Region | None) -> HttpResponse:
    links = _links(council, region)
    action = request.POST.get("action")
    if action not in {"subscribe", "unsubscribe"}:
        messages.error(request, "Choose whether to get this report by e-mail.")
        return redirect(links["report"])
    if action == "subscribe":
        if not _user(request).email:
            messages.error(request, "Your account has no e-mail address, so the report cannot be sent to you. "
                                    "Ask your administrator to add one.")
            return redirect(links["report"])
        ReportSubscription.objects.update_or_create(user=_user(request), council=council, region=region,
                                                    defaults={"active": True})
        messages.success(request, f"You will get this report by e-mail every Monday from "
                                  f"{settings.MQIS_REPORT_SEND_HOUR:02d}:00.")
    else:
        mine = ReportSubscription.objects.filter(user=_user(request), council=council, region=region)
        mine.update(active=False)
        messages.success(request, "You will no longer get this report by e-mail.")
    return redirect(links["report"])


@login_required
def council_report(request: HttpRequest, gss_code: str) -> HttpResponseBase:
    return _page(request, *_area(request, gss_code=gss_code))


@login_required
def region_report(request: HttpRequest, code: str) -> HttpResponseBase:
    return _page(request, *_area(request, code=code))


@login_required
def council_report_pdf(request: HttpRequest, gss_code: str) -> FileResponse:
    return _pdf(request, *_area(request, gss_code=gss_code))


@login_required
def region_report_pdf(request: HttpRequest, code: str) -> FileResponse:
    return _pdf(request, *_area(request, code=code))


@login_required
@require_POST
def council_report_subscription(request: HttpRequest, gss_code: str) -> HttpResponse:
    return _subscription(request, *_area(request, gss_code=gss_code))


@login_required
@require_POST
def region_report_subscription(request: HttpRequest, code: str) -> HttpResponse:
    return _subscription(request, *_area(request, code=code))
