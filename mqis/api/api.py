"""The MQIS JSON API, version 1: submit returns one at a time or as a file; read locations.

Every operation needs a bearer token (`Authorization: Bearer mqis_…`) and sees only
what the token's user may see, through `mqis.accounts.scope`. Returns go through the
same checks and the same write path as the web form.
"""

from typing import Any

from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import File, Form, NinjaAPI, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.files import UploadedFile
from ninja.pagination import LimitOffsetPagination, paginate

from mqis.accounts import scope
from mqis.accounts.models import Role
from mqis.api.auth import ApiTokenAuth
from mqis.api.schemas import (
    BulkResultOut,
    ErrorsOut,
    LocationDetailOut,
    LocationOut,
    ReturnIn,
    ReturnOut,
    ReturnSaved,
    errors,
)
from mqis.registry.models import Location
from mqis.returns.bulk import import_bulk
from mqis.returns.bulk_rows import PeriodFinder
from mqis.returns.models import Channel, Return
from mqis.returns.services import check_submission, store
from mqis.returns.templates import TemplateNotFound, current_template

api = NinjaAPI(
    title="MQIS API",
    version="1",
    urls_namespace="api",
    auth=ApiTokenAuth(),
    description=__doc__,
)
UPLOADERS = frozenset({Role.PROVIDER.value, Role.ADMIN.value})
HTTP_CODES = {400: "bad_request", 401: "unauthorised", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 429: "too_many_requests"}


@api.exception_handler(AuthenticationError)
def _unauthorised(request: HttpRequest, exc: Exception) -> HttpResponse:
    message = "Send a valid API token in the Authorization header: 'Bearer <token>'"
    response = api.create_response(request, errors("unauthorised", message), status=401)
    response["WWW-Authenticate"] = 'Bearer realm="MQIS"'
    return response


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = HTTP_CODES.get(exc.status_code, "error")
    return api.create_response(request, errors(code, str(exc)), status=exc.status_code)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(request, errors("not_found", "Not found"), status=404)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    found = []
    for error in exc.errors:
        place = [str(p) for p in error.get("loc", ()) if p not in {"body", "payload", "query",
                                                                    "path", "form", "file"}]
        found.append({"row": None, "field": ".".join(place) or None,
                      "code": error.get("type", "invalid"), "message": error.get("msg", "")})
    return api.create_response(request, {"errors": found}, status=422)


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]  # set by ApiTokenAuth


def _location_error(cqc_location_id: str) -> Status[dict[str, Any]]:
    return Status(404, errors("unknown_location", f"There is no location with CQC location ID "
                              f"{cqc_location_id} in MQIS", "cqc_location_id"))


@api.post("/returns", response={200: ReturnSaved, 201: ReturnSaved, 403: ErrorsOut,
                                404: ErrorsOut, 409: ErrorsOut, 422: ErrorsOut},
          by_alias=True, summary="Submit one return")
def submit_return(request: HttpRequest, payload: ReturnIn) -> Status[dict[str, Any]]:
    """Save a return for a location and period; sending the same figures again changes nothing."""
    location = Location.objects.filter(cqc_location_id=payload.cqc_location_id.strip()).first()
    if location is None:
        return _location_error(payload.cqc_location_id)
    try:
        template = current_template(payload.template)
    except TemplateNotFound as exc:
        return Status(422, errors("unknown_template", str(exc), "template"))
    periods = PeriodFinder(template)
    now = timezone.now()
    submission, found = check_submission(_user(request), location, template,
                                         periods.containing(payload.period), payload.values,
                                         now=now)
    if submission is None:
        code = 403 if any(e.code == "forbidden" for e in found) else 422
        return Status(code, {"errors": [{"row": None, "field": e.field, "code": e.code,
                                           "message": e.message} for e in found]})
    try:
        with transaction.atomic():
            submission.period = periods.saved(submission.period)
            summary = store([submission], user=_user(request), channel=Channel.API, now=now)
    except IntegrityError:
        return Status(409, errors("conflict", "Another return for this location and period was "
                                  "saved at the same moment. Send it again."))
    saved = Return.objects.select_related("location", "period", "template").get(
        pk=summary.return_ids[0])
    status = "created" if summary.created else "updated" if summary.updated else "unchanged"
    return Status(201 if summary.created else 200,
                  {"status": status, "message": summary.describe(), "return": saved})


@api.post("/returns/bulk", response={200: BulkResultOut, 403: ErrorsOut, 422: BulkResultOut},
          summary="Submit many returns in a CSV or Excel file")
# File(...) and Form(...) in defaults are how django-ninja declares multipart fields (B008).
def submit_file(request: HttpRequest, file: UploadedFile = File(...),  # noqa: B008
                template: str = Form("care-home"), dry_run: bool = Form(False),  # noqa: B008
                partial: bool = Form(False)) -> Status[dict[str, Any]]:  # noqa: B008
    """Check every row; save all of them, or only the correct ones with `partial`, or none
    with `dry_run`. Errors give the spreadsheet row (the header is row 1) and column."""
    if scope.role_of(_user(request)) not in UPLOADERS:
        return Status(403, errors("forbidden", "Your account cannot submit returns"))
    result = import_bulk(file, user=_user(request), template_slug=template, dry_run=dry_run,
                         partial=partial, channel=Channel.API)
    body = {**{k: getattr(result, k) for k in BulkResultOut.model_fields if k != "errors"},
            "errors": [{"row": e.row, "field": e.column, "code": e.code, "message": e.message,
                        "value": e.value} for e in result.errors]}
    return Status(422 if result.errors and not result.partial else 200, body)


def _visible(request: HttpRequest, cqc_location_id: str) -> Location:
    """A location the user may see; any other, existing or not, is simply not found."""
    return get_object_or_404(
        scope.visible_locations(_user(request)).select_related("provider", "council"),
        cqc_location_id=cqc_location_id,
    )


@api.get("/locations", response=list[LocationOut], summary="Locations you can see")
@paginate(LimitOffsetPagination)
def list_locations(request: HttpRequest, council: str | None = None,
                   care_home: bool | None = None) -> Any:
    """Filter by `council` (its ONS GSS code, e.g. E08000003) and `care_home` (true/false)."""
    locations = scope.visible_locations(_user(request)).select_related("provider", "council")
    if council:
        locations = locations.filter(council__gss_code=council)
    if care_home is not None:
        locations = locations.filter(care_home=care_home)
    return locations.order_by("cqc_location_id")


@api.get("/locations/{cqc_location_id}", response={200: LocationDetailOut, 404: ErrorsOut},
         summary="One location")
def get_location(request: HttpRequest, cqc_location_id: str) -> Location:
    return _visible(request, cqc_location_id)


@api.get("/locations/{cqc_location_id}/returns", response=list[ReturnOut],
         summary="A location's returns, latest first")
@paginate(LimitOffsetPagination)
def location_returns(request: HttpRequest, cqc_location_id: str) -> Any:
    location = _visible(request, cqc_location_id)
    return (Return.objects.filter(location=location)
            .select_related("location", "period", "template")
            .order_by("-period__start", "period__template_slug"))
