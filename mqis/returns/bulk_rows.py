"""The row-by-row part of a bulk upload: dates, locations, periods, duplicates, every error."""

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from openpyxl.utils import get_column_letter

from mqis.accounts import scope
from mqis.lib.bulk import batched
from mqis.registry.models import Location
from mqis.returns.models import Period, ReturnTemplate
from mqis.returns.periods import describe, period_bounds, period_for, schedule_times
from mqis.returns.services import Submission, check_submission
from mqis.returns.spreadsheet import Cell
from mqis.returns.validation import FieldCache, FieldError, validate_values

LOCATION, PERIOD = "cqc_location_id", "period"
# Shown in the downloadable template so people can tell their rows apart; never imported.
REFERENCE_COLUMNS = ("location_name",)
MAX_REPORTED_ERRORS = 5000
CHUNK = 5000
ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$")
UK_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})(?: .*)?$")
DATE_HINT = "Enter the period as a date within it, like 23/11/2026 or 2026-11-23"


@dataclass(frozen=True)
class BulkError:
    row: int | None  # the spreadsheet row number; the header is row 1
    column: str
    value: str
    code: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class BulkResult:
    template: str
    dry_run: bool = False
    partial: bool = False
    rows_read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[BulkError] = field(default_factory=list)
    error_count: int = 0
    rows_with_errors: int = 0
    saved: bool = False
    message: str = ""

    def add(self, error: BulkError) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(error)

    def fail(self, error: BulkError) -> "BulkResult":
        self.add(error)
        self.message = "Nothing was saved. " + error.message
        return self


def _display(value: Cell) -> str:
    if value is None:
        return ""
    text = value.isoformat() if isinstance(value, dt.date) else str(value).strip()
    return text if len(text) <= 40 else text[:37] + "..."


def parse_day(raw: Cell) -> dt.date | tuple[str, str]:
    """The date in a period cell, or (error code, message)."""
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    text = "" if raw is None else str(raw).strip()
    if not text:
        return "required", DATE_HINT
    if text.startswith("="):
        return "formula", (f"The period contains a spreadsheet formula ({_display(raw)}); "
                           "enter the date only")
    iso, uk = ISO_DATE.match(text), UK_DATE.match(text)
    if iso:
        year, month, day = (int(p) for p in iso.groups())
    elif uk:
        day, month, year = (int(p) for p in uk.groups())
        year += 2000 if year < 100 else 0
    else:
        return "invalid_date", f"{DATE_HINT} (you entered '{_display(raw)}')"
    try:
        return dt.date(year, month, day)
    except ValueError:
        return "invalid_date", f"The period '{_display(raw)}' is not a real date"


class PeriodFinder:
    """Periods by start date, found once per file. A period not yet in the database is
    made in memory only, so checking a file (or refusing it) writes nothing."""

    def __init__(self, template: ReturnTemplate):
        self.template = template
        self._by_start: dict[dt.date, Period] = {}
        self._by_day: dict[dt.date, Period] = {}

    def containing(self, day: dt.date) -> Period:
        period = self._by_day.get(day)
        if period is None:
            period = self._by_day[day] = self._find(day)
        return period

    def _find(self, day: dt.date) -> Period:
        start, end = period_bounds(self.template.frequency, day)
        period = self._by_start.get(start)
        if period is None:
            slug = self.template.slug
            times = schedule_times(self.template, start, end)
            period = Period.objects.filter(template_slug=slug, start=start).first() or Period(
                template_slug=slug, start=start, end=end, **times
            )
            self._by_start[start] = period
        return period

    def saved(self, period: Period) -> Period:
        """The stored period with this start, created now if need be (only when saving)."""
        if period.pk is None:
            period = self._by_start[period.start]
        if period.pk is None:
            period = period_for(self.template, period.start)
            self._by_start[period.start] = period
        return period


class RowChecker:
    """Check rows against the registry, the user's scope, the periods and the template."""

    def __init__(self, user: Any, template: ReturnTemplate, header: list[str],
                 columns: dict[str, int], now: dt.datetime, result: BulkResult):
        self.user, self.template, self.now, self.result = user, template, now, result
        self.location_at, self.period_at = columns[LOCATION], columns[PERIOD]
        self.column_at = columns
        self.fields = [(spec["key"], columns.get(spec["key"])) for spec in template.fields]
        self.width = len(header)
        self.unnamed = [i for i, name in enumerate(header) if not name.strip()]
        self.reported_unnamed: set[int] = set()
        self.periods = PeriodFinder(template)
        self.days: dict[Cell, dt.date | tuple[str, str]] = {}
        self.locations: dict[str, Location | None] = {}
        self.allowed = set(scope.submittable_locations(user).values_list("pk", flat=True))
        self.refusals: dict[tuple[str, dt.date], str | None] = {}
        self.field_cache: FieldCache = {}
        self.first_row: dict[tuple[int, dt.date], int] = {}
        self.submissions: list[Submission] = []
        # Called with each chunk's correct rows as soon as they are checked (see bulk_save).
        self.on_chunk: Callable[[list[Submission]], None] | None = None

    def check(self, rows: Iterable[tuple[int, list[Cell]]]) -> None:
        for chunk in batched(rows, CHUNK):
            checked = len(self.submissions)
            chunk = [(n, cells) for n, cells in chunk if any(_filled(c) for c in cells)]
            self._resolve({_text(cells[self.location_at]) for _, cells in chunk
                           if self.location_at < len(cells)})
            for number, cells in chunk:
                self.result.rows_read += 1
                if len(cells) < self.width:
                    cells = cells + [None] * (self.width - len(cells))
                errors = self._row(number, cells)
                if errors:
                    self.result.rows_with_errors += 1
                    for error in errors:
                        self.result.add(error)
            if self.on_chunk is not None:
                self.on_chunk(self.submissions[checked:])

    def _resolve(self, ids: set[str]) -> None:
        wanted = sorted(i for i in ids - self.locations.keys() if i)
        for start in range(0, len(wanted), 2000):
            part = wanted[start : start + 2000]
            matches = Location.objects.filter(cqc_location_id__in=part)
            found = {loc.cqc_location_id: loc for loc in matches}
            self.locations.update({i: found.get(i) for i in part})

    def _row(self, number: int, cells: list[Cell]) -> list[BulkError]:
        errors = self._unnamed(number, cells)
        location = self._location(number, cells[self.location_at], errors)
        raw_day = cells[self.period_at]
        day = self.days.get(raw_day) if isinstance(raw_day, (str, dt.date)) else None
        if day is None:
            day = parse_day(raw_day)
            if isinstance(raw_day, (str, dt.date)):
                self.days[raw_day] = day
        if isinstance(day, tuple):
            errors.append(BulkError(number, PERIOD, _display(raw_day), *day))
        values = {key: cells[i] for key, i in self.fields if i is not None}
        if location is None or isinstance(day, tuple):
            # Still check the figures, so that every error in the row is reported at once.
            _, found = validate_values(self.template.fields, self.template.rules, values,
                                       self.field_cache)
            return errors + [_bulk_error(number, e, cells, self.column_at) for e in found]
        period = self.periods.containing(day)
        key = (location.pk, period.start)
        if key in self.first_row:
            message = (f"Row {self.first_row[key]} is also for {location.cqc_location_id} in the "
                       f"period {describe(period)}; keep one of the two rows")
            return errors + [BulkError(number, LOCATION, location.cqc_location_id, "duplicate",
                                       message)]
        self.first_row[key] = number
        submission, found = check_submission(
            self.user, location, self.template, period, values,
            row=number, now=self.now, allowed_location_ids=self.allowed, refusals=self.refusals,
            field_cache=self.field_cache,
        )
        if submission is not None and not errors:
            self.submissions.append(submission)
        return errors + [_bulk_error(number, e, cells, self.column_at) for e in found]

    def _unnamed(self, number: int, cells: list[Cell]) -> list[BulkError]:
        """A value in a column without a heading, reported once for each such column."""
        errors = []
        for i in [*self.unnamed, *range(self.width, len(cells))]:
            if i not in self.reported_unnamed and _filled(cells[i]):
                self.reported_unnamed.add(i)
                letter = get_column_letter(i + 1)
                errors.append(BulkError(number, letter, _display(cells[i]), "no_heading",
                                        f"Column {letter} has a value in row {number} but no "
                                        "heading; add a heading or delete the column"))
        return errors

    def _location(self, number: int, raw: Cell, errors: list[BulkError]) -> Location | None:
        text = _text(raw)
        if not text:
            errors.append(BulkError(number, LOCATION, "", "required", "Enter the CQC location ID"))
        elif text.startswith("="):
            errors.append(BulkError(number, LOCATION, _display(raw), "formula",
                                    "The CQC location ID contains a spreadsheet formula; "
                                    "enter the ID only"))
        elif self.locations.get(text) is None:
            errors.append(BulkError(number, LOCATION, text, "unknown_location",
                                    f"There is no location with CQC location ID {text} in MQIS; "
                                    "check the ID"))
        else:
            return self.locations[text]
        return None


def _bulk_error(number: int, error: FieldError, cells: list[Cell], at: dict[str, int]) -> BulkError:
    """The validation's error, placed in the file: its row, its column and what the cell holds."""
    column = {"template": LOCATION}.get(error.field, error.field)
    value = error.value
    if value is None:
        index = at.get(column)
        value = _display(cells[index]) if index is not None else ""
    return BulkError(number, column, value, error.code, error.message)


def _filled(cell: Cell) -> bool:
    return cell is not None and not (isinstance(cell, str) and not cell.strip())


def _text(cell: Cell) -> str:
    return "" if cell is None else str(cell).strip()
