"""Downloads for analysts: every return a user may see, and the region's council scorecard."""

from collections.abc import Iterator
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Case, CharField, QuerySet, Value, When
from django.db.models.functions import Cast
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import get_object_or_404, render

from mqis.accounts import scope
from mqis.lib import exports
from mqis.oversight.measures import BY_KEY, show
from mqis.oversight.views_region import region_figures
from mqis.registry.models import Council, Location, Region
from mqis.returns.models import Return
from mqis.risk.market import market_view

YES_NO_FIELDS = ["admissions_closed", "in_outbreak"]
MEASURE_FIELDS = [
    "beds_total", "beds_occupied", "beds_vacant", "admissions_closed", "staff_headcount", "staff_absent",
    "in_outbreak", "ppe_min_days", "unmet_hours", "nurses_headcount", "nurses_absent",
    "care_workers_headcount", "care_workers_absent", "agency_staff",
]
RETURN_COLUMNS = [
    "CQC location ID", "Location", "Provider", "Council", "Return", "Period start", "Period end",
    "Sent at (UTC)", "Channel", "On time", "Beds", "Beds occupied", "Beds vacant", "Closed to admissions",
    "Staff", "Staff absent", "In outbreak", "Days of PPE", "Unmet hours", "Nurses", "Nurses absent",
    "Care workers", "Care workers absent", "Agency staff",
]


def _text(field: str) -> Cast:
    return Cast(field, CharField())


def _yes_no(field: str) -> Case:
    return Case(When(**{field: True}, then=Value("Yes")), When(**{field: False}, then=Value("No")),
                default=Value(""), output_field=CharField())


def _return_fields() -> list[Any]:
    """The columns, dates and yes/no worked out by the database: no conversion per row in Python."""
    measures = [_yes_no(f) if f in YES_NO_FIELDS else f for f in MEASURE_FIELDS]
    return [
        "location__cqc_location_id", "location__name", "location__provider__name", "location__council__name",
        "template__slug", _text("period__start"), _text("period__end"), _text("submitted_at"), "channel",
        _yes_no("on_time"), *measures,
    ]


LOCATIONS_PER_QUERY = 500
SCORECARD_MEASURES = ["beds", "occupancy", "vacant", "absence", "outbreaks", "ppe", "received"]
BEDS_AT_RISK = "Beds at risk"


def return_rows(locations: QuerySet[Location]) -> Iterator[tuple[Any, ...]]:
    """One row per return of these locations, by location then period.

    Read a few hundred locations at a time: each query's sort stays small, so memory stays
    flat however many returns there are.
    """
    ids = list(locations.order_by("cqc_location_id").values_list("pk", flat=True))
    for start in range(0, len(ids), LOCATIONS_PER_QUERY):
        returns = (Return.objects.filter(location_id__in=ids[start:start + LOCATIONS_PER_QUERY])
                   .order_by("location__cqc_location_id", "template__slug", "period__start")
                   .values_list(*_return_fields()))
        yield from returns.iterator(chunk_size=2000)


def _returns_download(request: HttpRequest, locations: QuerySet[Location], name: str) -> HttpResponseBase:
    fmt = "xlsx" if request.path.endswith(".xlsx") else "csv"
    return exports.download(fmt, name, RETURN_COLUMNS, return_rows(locations))


def _council(request: HttpRequest, gss_code: str) -> Council:
    council = get_object_or_404(Council, gss_code=gss_code)
    if not scope.visible_councils(request.user).filter(pk=council.pk).exists():
        raise PermissionDenied
    return council


def _region(request: HttpRequest, code: str) -> Region:
    region = get_object_or_404(Region, code=code)
    if not scope.visible_regions(request.user).filter(pk=region.pk).exists():
        raise PermissionDenied
    return region


@login_required
def council_returns(request: HttpRequest, gss_code: str) -> HttpResponseBase:
    council = _council(request, gss_code)
    locations = scope.visible_locations(request.user).filter(council=council)
    return _returns_download(request, locations, f"returns-{council.gss_code}")


@login_required
def region_returns(request: HttpRequest, code: str) -> HttpResponseBase:
    region = _region(request, code)
    councils = scope.visible_councils(request.user).filter(region=region)
    locations = scope.visible_locations(request.user).filter(council__in=councils)
    return _returns_download(request, locations, f"returns-{region.code}")


def scorecard(request: HttpRequest, region: Region) -> tuple[list[Council], list[dict[str, Any]]]:
    """The councils, and one row per measure with each council's value, in the councils' order."""
    found = region_figures(request.user, region)
    councils = [council for council, _ in found.rows]
    rows = []
    for key in SCORECARD_MEASURES:
        measure = BY_KEY[key]
        values = [measure.value(comparison.now) for _, comparison in found.rows]
        rows.append({"label": measure.label, "values": values, "shown": [show(v, measure.unit) for v in values]})
    visible = scope.visible_locations(request.user)
    at_risk = [market_view(visible.filter(council=council)).beds_at_risk for council in councils]
    rows.append({"label": BEDS_AT_RISK, "values": at_risk, "shown": [show(v, "") for v in at_risk]})
    return councils, rows


@login_required
def region_scorecard(request: HttpRequest, code: str) -> HttpResponseBase:
    region = _region(request, code)
    councils, rows = scorecard(request, region)
    fmt = exports.wanted_format(request)
    if fmt:
        header = ["Measure", *[council.name for council in councils]]
        cells = ([row["label"], *["" if v is None else v for v in row["values"]]] for row in rows)
        return exports.download(fmt, f"scorecard-{region.code}", header, cells)
    context: dict[str, Any] = {"region": region, "councils": councils, "rows": rows}
    return render(request, "oversight/scorecard.html", context)

