"""What the API accepts and returns. Every error response has the same shape: {"errors": [...]}."""

import datetime as dt
from typing import Any, Literal

from ninja import Field, Schema


class ErrorOut(Schema):
    row: int | None = None
    field: str | None = None
    code: str
    message: str


class ErrorsOut(Schema):
    errors: list[ErrorOut]


def errors(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    return {"errors": [{"row": None, "field": field, "code": code, "message": message}]}


class ReturnIn(Schema):
    cqc_location_id: str = Field(examples=["1-123456789"])
    template: str = Field("care-home", description="The return's slug: care-home or home-care")
    period: dt.date = Field(description="Any date in the period the return is for")
    values: dict[str, Any] = Field(description="Figures by field key, as in the template")


class TemplateRef(Schema):
    slug: str
    version: int


class ReturnOut(Schema):
    cqc_location_id: str
    template: TemplateRef
    period_start: dt.date
    period_end: dt.date
    values: dict[str, Any]
    submitted_at: dt.datetime
    channel: str
    on_time: bool

    @staticmethod
    def resolve_cqc_location_id(obj: Any) -> str:
        return str(obj.location.cqc_location_id)

    @staticmethod
    def resolve_period_start(obj: Any) -> dt.date:
        day: dt.date = obj.period.start
        return day

    @staticmethod
    def resolve_period_end(obj: Any) -> dt.date:
        day: dt.date = obj.period.end
        return day


class ReturnSaved(Schema):
    status: Literal["created", "updated", "unchanged"]
    message: str
    saved: ReturnOut = Field(alias="return")


class BulkErrorOut(Schema):
    row: int | None
    field: str
    code: str
    message: str
    value: str


class BulkResultOut(Schema):
    template: str
    dry_run: bool
    partial: bool
    saved: bool
    message: str
    rows_read: int
    created: int
    updated: int
    unchanged: int
    rows_with_errors: int
    error_count: int = Field(description="All errors found; `errors` lists the first 5,000")
    errors: list[BulkErrorOut]


class ProviderOut(Schema):
    cqc_provider_id: str
    name: str


class CouncilOut(Schema):
    gss_code: str
    name: str


class LocationOut(Schema):
    cqc_location_id: str
    name: str
    provider: ProviderOut
    council: CouncilOut | None
    care_home: bool
    service_types: list[str]
    beds: int
    postcode: str
    rating_overall: str
    deregistered: bool


class LocationDetailOut(LocationOut):
    address: str
    phone: str
    website: str
    specialisms: list[str]
    rating_published: dt.date | None
    registered_on: dt.date | None
