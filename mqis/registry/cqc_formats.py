"""Reading CQC's files: which of CQC's shapes a file is, and each row as MQIS fields.

Nothing here touches the database. `parse_cqc_bytes` turns the bytes of a file into a
`ParsedFile`: one normalised record per location, plus what was skipped and why.

Shapes understood:

* the adult social care locations extract (45 columns, "Location ID", "Location ADASS
  Region", "Service users supported", ...);
* the care directory, in its 18-column form (split address lines) and its 15-column form
  (4 lines of preamble, one quoted multi-line address; old header spellings too);
* the "care directory with filters" / HSCA active locations file (~122 columns with
  one-hot "Service type - ..." columns), as CSV or XLSX;
* the CQC API's location JSON (a list of locations, or {"locations": [...]}).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models

from mqis.registry.models import Location, Provider

KIND_ASC = "asc_locations"
KIND_DIRECTORY = "care_directory"
KIND_HSCA = "hsca_active_locations"
KIND_API = "cqc_api_json"

KIND_LABELS = {
    KIND_ASC: "CQC adult social care locations extract",
    KIND_DIRECTORY: "CQC care directory",
    KIND_HSCA: "CQC care directory with filters (HSCA active locations)",
    KIND_API: "CQC API locations (JSON)",
}

RATING_FIELDS = (
    "rating_overall",
    "rating_safe",
    "rating_effective",
    "rating_caring",
    "rating_responsive",
    "rating_well_led",
)
DATE_FIELDS = ("registered_on", "deregistered_on", "rating_published")
LIST_FIELDS = ("service_types", "specialisms")
BOOL_FIELDS = ("care_home", "dormant", "deregistered")
LOCATION_FIELDS = (
    "name",
    "local_authority_name",
    "region_name",
    "care_home",
    "service_types",
    "specialisms",
    "primary_inspection_category",
    "beds",
    "address",
    "postcode",
    "phone",
    "website",
    *RATING_FIELDS,
    "rating_published",
    "dormant",
    "registered_on",
    "deregistered_on",
    "deregistered",
)
# record key -> Provider model field
PROVIDER_FIELDS = {
    "provider_name": "name",
    "ownership_type": "ownership_type",
    "companies_house_number": "companies_house_number",
    "brand_id": "brand_id",
    "brand_name": "brand_name",
}

SKIP_PROVIDER_ROW = "Provider rows (the care directory lists each provider as well as its locations)"
SKIP_NO_LOCATION_ID = "Rows with no CQC location ID"
SKIP_NO_PROVIDER_ID = "Rows with no CQC provider ID"
SKIP_DUPLICATE = "Location ID repeated in the file (first row kept, service types and specialisms merged)"
SKIP_ID_TOO_LONG = "CQC IDs longer than MQIS allows (20 characters)"

CANONICAL_RATINGS = {
    "outstanding": "Outstanding",
    "good": "Good",
    "requires improvement": "Requires improvement",
    "inadequate": "Inadequate",
    "insufficient evidence to rate": "Insufficient evidence to rate",
    "not rated": "Not rated",
}
# Service types that make a location a care home when a file has no "Care home?" column.
CARE_HOME_SERVICE_TYPES = {"residential homes", "nursing homes"}  # the care directory's terms
# Items that contain a comma themselves, so a comma-joined list must not be split inside them.
ITEMS_WITH_COMMAS = ("Treatment of disease, disorder or injury",)


class CqcImportError(Exception):
    """A file MQIS cannot import. The message is written for the person who chose the file."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class ParsedFile:
    kind: str
    label: str
    columns: list[str]
    rows_read: int = 0
    records: list[dict[str, Any]] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    problems: Counter[str] = field(default_factory=Counter)
    location_fields: set[str] = field(default_factory=set)
    provider_fields: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class TableSpec:
    kind: str
    fields: dict[str, tuple[str, ...]]  # record key -> normalised header aliases
    required: tuple[str, ...]
    address_parts: tuple[str, ...] = ()
    one_hot: dict[str, str] = field(default_factory=dict)  # header prefix -> list field
    list_style: str = "comma-space"


def normalise_header(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", str(text).casefold()).strip()


_PROVIDER_COLUMNS = {
    "provider_name": ("provider name",),
    "provider_id": ("provider id",),
    "ownership_type": ("provider ownership type",),
    "companies_house_number": ("provider companies house number",),
    "brand_name": ("brand name",),
    "brand_id": ("brand id",),
}

ASC_SPEC = TableSpec(
    kind=KIND_ASC,
    fields={
        "cqc_location_id": ("location id",),
        "name": ("location name",),
        "phone": ("location telephone number",),
        "website": ("location web address",),
        "local_authority_name": ("location local authority",),
        "region_name": ("location adass region", "location region"),
        "primary_inspection_category": (
            "primary inspection category",
            "location primary inspection category",
        ),
        "service_types": ("service types",),
        "beds": ("care homes beds",),
        "registered_on": ("location hsca start date",),
        "deregistered_on": ("location hsca end date",),
        "dormant": ("dormant", "dormant y n"),
        "care_home": ("care home",),
        "rating_overall": ("location latest overall rating",),
        "rating_published": ("publication date",),
        "specialisms": ("service users supported",),
        "rating_safe": ("location safe rating",),
        "rating_effective": ("location effective rating",),
        "rating_caring": ("location caring rating",),
        "rating_responsive": ("location responsive rating",),
        "rating_well_led": ("location well led rating",),
        **_PROVIDER_COLUMNS,
    },
    required=("cqc_location_id", "name", "provider_id", "provider_name"),
)

DIRECTORY_SPEC = TableSpec(
    kind=KIND_DIRECTORY,
    fields={
        "name": ("name",),
        "address": ("address",),
        "postcode": ("postcode",),
        "phone": ("phone number",),
        "website": ("website", "service s website if available"),
        "service_types": ("service types",),
        "rating_published": ("report publication date", "date of latest check"),
        "specialisms": ("specialisms services",),
        "provider_name": ("provider name",),
        "local_authority_name": ("local authority",),
        "region_name": ("region",),
        "url": ("url", "location url"),
        "cqc_location_id": (
            "cqc location id for office use only",
            "cqc location for office use only",
            "cqc location id",
            "location id",
        ),
        "provider_id": (
            "cqc provider id for office use only",
            "cqc provider for office use only",
            "cqc provider id",
            "provider id",
        ),
    },
    required=("name", "cqc_location_id", "provider_id", "provider_name"),
    address_parts=("address 1", "address 2", "town city", "county"),
    list_style="comma-only",
)

HSCA_SPEC = TableSpec(
    kind=KIND_HSCA,
    fields={
        "cqc_location_id": ("location id",),
        "name": ("location name",),
        "registered_on": ("location hsca start date",),
        "deregistered_on": ("location hsca end date",),
        "dormant": ("dormant y n", "dormant"),
        "care_home": ("care home",),
        "phone": ("location telephone number",),
        "website": ("location web address",),
        "beds": ("care homes beds",),
        "primary_inspection_category": (
            "location primary inspection category",
            "primary inspection category",
        ),
        "rating_overall": ("location latest overall rating",),
        "rating_published": ("publication date",),
        "region_name": ("location region",),
        "local_authority_name": ("location local authority",),
        "postcode": ("location postal code",),
        **_PROVIDER_COLUMNS,
    },
    required=("cqc_location_id", "name", "provider_id", "provider_name"),
    address_parts=(
        "location street address",
        "location address line 2",
        "location city",
        "location county",
    ),
    one_hot={"service type ": "service_types", "service user band ": "specialisms"},
)

SPECS = {spec.kind: spec for spec in (ASC_SPEC, DIRECTORY_SPEC, HSCA_SPEC)}

# What each record key is called in CQC's files, for error messages.
COLUMN_TITLES = {
    KIND_ASC: {
        "cqc_location_id": "Location ID",
        "name": "Location Name",
        "provider_id": "Provider ID",
        "provider_name": "Provider Name",
    },
    KIND_DIRECTORY: {
        "cqc_location_id": "CQC Location ID (for office use only)",
        "name": "Name",
        "provider_id": "CQC Provider ID (for office use only)",
        "provider_name": "Provider name",
    },
    KIND_HSCA: {
        "cqc_location_id": "Location ID",
        "name": "Location Name",
        "provider_id": "Provider ID",
        "provider_name": "Provider Name",
    },
}


def detect_kind(headers: Iterable[str]) -> str | None:
    """Which CQC file a row of (normalised) headers starts, or None."""
    hs = set(headers)
    if "location id" in hs or "location name" in hs:
        if any(h.startswith("service type ") for h in hs) or {"care home", "dormant y n"} & hs:
            return KIND_HSCA
        return KIND_ASC
    if "name" in hs and ({"address", "address 1", "postcode"} & hs or any(h.startswith("cqc location") for h in hs)):
        return KIND_DIRECTORY
    return None


# ---------------------------------------------------------------------------- reading


def decode_text(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise CqcImportError("The file says it is UTF-16 text but cannot be read as such.") from exc
    if b"\x00" in data[:65536]:
        raise _not_text_error()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise _not_text_error() from exc
    sample = text[:65536]
    control = sum(1 for ch in sample if (ord(ch) < 32 and ch not in "\t\r\n") or 0x7F <= ord(ch) < 0xA0)
    if sample and control / len(sample) > 0.01:
        raise _not_text_error()
    return text


def _not_text_error() -> CqcImportError:
    return CqcImportError(
        "This file is not a text (CSV) file, an Excel .xlsx workbook or JSON, so MQIS cannot "
        "read it. Download the file from CQC again, or open it in a spreadsheet and save it "
        "as 'CSV UTF-8'."
    )


def _csv_rows(text: str) -> list[list[str]]:
    lines = text.splitlines()[:15]
    delimiter = ","
    if lines and max(line.count("\t") for line in lines) > max(line.count(",") for line in lines):
        delimiter = "\t"
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise CqcImportError(
            f"MQIS could not read this file as CSV ({exc}). Check it is the file CQC published."
        ) from exc


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx_rows(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds of error for a damaged file
        raise CqcImportError(
            "This looks like an Excel workbook but MQIS cannot open it. Save it again as "
            "an .xlsx workbook or as 'CSV UTF-8' and try again."
        ) from exc
    try:
        first: list[list[str]] | None = None
        for ws in wb.worksheets:
            rows = [[_cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
            if first is None:
                first = rows
            if _find_header(rows) is not None:
                return rows
        return first or []
    finally:
        wb.close()


def _find_header(rows: list[list[str]]) -> tuple[int, str] | None:
    for i, row in enumerate(rows[:15]):
        kind = detect_kind(normalise_header(c) for c in row if c)
        if kind:
            return i, kind
    return None


def parse_cqc_bytes(data: bytes) -> ParsedFile:
    """Read a CQC file's bytes. Raises CqcImportError with a plain-English message."""
    if not data.strip():
        raise CqcImportError("The file is empty.")
    if data.startswith(b"PK\x03\x04"):
        return _parse_table(_xlsx_rows(data))
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise CqcImportError(
            "This is an old-style Excel .xls workbook. Open it in a spreadsheet and save it as "
            "an .xlsx workbook or as 'CSV UTF-8', then import that."
        )
    text = decode_text(data)
    if text.lstrip()[:1] in ("[", "{"):
        return _parse_json(text)
    return _parse_table(_csv_rows(text))


# ---------------------------------------------------------------------------- tables


def _parse_table(rows: list[list[str]]) -> ParsedFile:
    if not any(any(c.strip() for c in row) for row in rows):
        raise CqcImportError("The file is empty.")
    found = _find_header(rows)
    if found is None:
        first = next(row for row in rows if any(c.strip() for c in row))
        shown = ", ".join(c.strip() for c in first if c.strip())[:300]
        raise CqcImportError(
            "MQIS does not recognise this file. It expects one of CQC's files: the adult "
            "social care locations extract, the care directory, the care directory with "
            "filters (active locations) or CQC API location JSON. "
            f"The first line of this file reads: {shown}"
        )
    header_index, kind = found
    spec = SPECS[kind]
    header = [c.strip() for c in rows[header_index]]
    norm = [normalise_header(c) for c in header]
    index: dict[str, int] = {}
    for i, h in enumerate(norm):
        index.setdefault(h, i)

    columns: dict[str, int] = {}
    for key, aliases in spec.fields.items():
        for alias in aliases:
            if alias in index:
                columns[key] = index[alias]
                break
    missing = [key for key in spec.required if key not in columns]
    if missing:
        titles = COLUMN_TITLES[kind]
        names = ", ".join(f"'{titles.get(k, k)}'" for k in missing)
        found_cols = ", ".join(f"'{c}'" for c in header if c)
        raise CqcImportError(
            f"This looks like the {KIND_LABELS[kind]}, but it has no {names} column, which "
            f"MQIS needs. Columns found: {found_cols}."
        )
    parts = [index[p] for p in spec.address_parts if p in index]
    one_hot: dict[str, list[tuple[int, str]]] = {}
    for prefix, key in spec.one_hot.items():
        cols = [
            (i, header[i].split("-", 1)[1].strip() if "-" in header[i] else header[i])
            for i, h in enumerate(norm)
            if h.startswith(prefix)
        ]
        if cols:
            one_hot[key] = cols

    width = len(header)
    data_rows = [row for row in rows[header_index + 1 :] if any(c.strip() for c in row)]
    if not data_rows:
        raise CqcImportError(f"The file has the {KIND_LABELS[kind]}'s column headings but no rows of data.")
    label = KIND_LABELS[kind]
    if kind == KIND_DIRECTORY:
        label += f" ({width} columns)"
    parsed = ParsedFile(kind=kind, label=label, columns=header, rows_read=len(data_rows))

    raws: list[dict[str, Any]] = []
    for row in data_rows:
        if len(row) < width:
            row = row + [""] * (width - len(row))
        raw: dict[str, Any] = {key: row[i] for key, i in columns.items()}
        if "address" not in columns and parts:
            raw["address"] = [row[i] for i in parts]
        for key, cols in one_hot.items():
            raw[key] = [title for i, title in cols if _truthy(row[i])]
        raws.append(raw)

    supplied = set(columns) | set(one_hot)
    if parts:
        supplied.add("address")
    _finish(parsed, raws, supplied, list_style=spec.list_style)
    return parsed


# ---------------------------------------------------------------------------- JSON


def _names(items: Any) -> list[str]:
    out = []
    for item in items or []:
        if isinstance(item, dict):
            item = item.get("name") or item.get("description") or ""
        if item:
            out.append(str(item))
    return out


def _parse_json(text: str) -> ParsedFile:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CqcImportError(f"The file looks like JSON but cannot be read: {exc.msg} at line {exc.lineno}.") from exc
    items: Any = None
    if isinstance(data, list):
        items = data
    elif isinstance(data, dict):
        items = data.get("locations") if "locations" in data else ([data] if "locationId" in data else None)
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise CqcImportError(
            "The JSON file is not a list of CQC locations. MQIS expects a list of location "
            "objects, or an object with a 'locations' list, as CQC's API returns."
        )
    if not items:
        raise CqcImportError("The JSON file has no locations in it.")
    if not any("locationId" in i for i in items):
        raise CqcImportError(
            "The JSON file's objects have no 'locationId', so they are not CQC locations. "
            f"Keys found: {', '.join(sorted(items[0]))[:300]}."
        )
    simple = {
        "cqc_location_id": "locationId",
        "provider_id": "providerId",
        "name": "name",
        "provider_name": "providerName",
        "care_home": "careHome",
        "beds": "numberOfBeds",
        "postcode": "postalCode",
        "local_authority_name": "localAuthority",
        "region_name": "region",
        "phone": "mainPhoneNumber",
        "website": "website",
        "registered_on": "registrationDate",
        "deregistered_on": "deregistrationDate",
        "dormant": "dormancy",
    }
    address_keys = (
        "postalAddressLine1",
        "postalAddressLine2",
        "postalAddressTownCity",
        "postalAddressCounty",
    )
    key_questions = {
        "safe": "rating_safe",
        "effective": "rating_effective",
        "caring": "rating_caring",
        "responsive": "rating_responsive",
        "well-led": "rating_well_led",
        "well led": "rating_well_led",
    }
    raws = []
    supplied: set[str] = set()
    for item in items:
        raw: dict[str, Any] = {key: item[src] for key, src in simple.items() if src in item}
        if "registrationStatus" in item:
            raw["deregistered"] = str(item["registrationStatus"]).strip().lower() == "deregistered"
        if any(k in item for k in address_keys):
            raw["address"] = [item.get(k) or "" for k in address_keys]
        if "gacServiceTypes" in item:
            raw["service_types"] = _names(item["gacServiceTypes"])
        if "specialisms" in item:
            raw["specialisms"] = _names(item["specialisms"])
        if "inspectionCategories" in item:
            primary = [
                c.get("name", "")
                for c in item["inspectionCategories"] or []
                if isinstance(c, dict) and str(c.get("primary", "")).lower() == "true"
            ]
            raw["primary_inspection_category"] = primary[0] if primary else ""
        overall = (item.get("currentRatings") or {}).get("overall")
        if isinstance(overall, dict):
            raw["rating_overall"] = overall.get("rating") or ""
            raw["rating_published"] = overall.get("reportDate") or ""
            for kq in overall.get("keyQuestionRatings") or []:
                key = key_questions.get(str(kq.get("name", "")).strip().lower())
                if key:
                    raw[key] = kq.get("rating") or ""
        supplied |= set(raw)
        raws.append(raw)
    parsed = ParsedFile(kind=KIND_API, label=KIND_LABELS[KIND_API], columns=[], rows_read=len(raws))
    _finish(parsed, raws, supplied, list_style="comma-space")
    return parsed


# ---------------------------------------------------------------------------- values


def _truthy(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value or "").strip().casefold() in {"y", "yes", "true", "1", "x"}


def clean_text(value: Any) -> str:
    """Trimmed, with runs of spaces, tabs and line breaks made one space."""
    if value is None:
        return ""
    text = (value if isinstance(value, str) else str(value)).strip()
    if "  " in text or "\t" in text or "\n" in text or "\r" in text or "\xa0" in text:
        return " ".join(text.split())
    return text


def clean_rating(value: Any) -> str:
    text = clean_text(value)
    return CANONICAL_RATINGS.get(text.casefold(), text)


def clean_region(value: Any) -> str:
    return re.sub(r"\s*\(ADASS Region\)\s*$", "", clean_text(value), flags=re.I)


def clean_postcode(value: Any) -> str:
    return clean_text(value).upper()


def clean_address(value: Any) -> str:
    parts = value if isinstance(value, list) else [value]
    lines: list[str] = []
    for part in parts:
        for line in str(part or "").splitlines():
            line = clean_text(line).strip(", ")
            if line:
                lines.append(line)
    return ", ".join(lines)


def clean_int(value: Any) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return 0
    try:
        number = float(str(value).strip().replace(",", ""))
    except ValueError:
        return None
    return max(int(number), 0)


def split_list(value: Any, style: str) -> list[str]:
    if isinstance(value, list):
        items = [clean_text(v) for v in value]
    else:
        text = str(value or "")
        if style == "comma-only":
            # The care directory joins with "," and its items may contain ", ".
            items = re.split(r",(?!\s)", text)
        else:
            protected = text
            for n, item in enumerate(ITEMS_WITH_COMMAS):
                protected = protected.replace(item, f"\x00{n}\x00")
            items = re.split(r",\s*", protected)
            for n, item in enumerate(ITEMS_WITH_COMMAS):
                items = [i.replace(f"\x00{n}\x00", item) for i in items]
        items = [clean_text(i) for i in items]
    return list(dict.fromkeys(i for i in items if i))


def is_care_home_service(service_type: str) -> bool:
    s = service_type.casefold()
    return "care home" in s or s in CARE_HOME_SERVICE_TYPES


_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$")
_SLASH_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(.*)$")
_TEXT_DATE_FORMATS = ("%d %B %Y", "%d %b %Y", "%d-%b-%Y", "%d-%b-%y", "%d %B %Y %H:%M")


class DateParser:
    """Parses one column's dates. Whether d/m/Y or m/d/Y is decided from the whole column.

    CQC's locations extract writes `6/26/2025 12:00:00 AM` (month first, as .NET does in
    US English); the older care directory writes `26/06/2025 - 10:30` (day first). A
    column with a first number above 12 is day first, one with a second number above 12
    is month first; otherwise AM/PM times mean month first and anything else day first.
    """

    def __init__(self, values: Iterable[Any]) -> None:
        day_first_seen = month_first_seen = ampm = False
        for value in values:
            m = _SLASH_DATE.match(str(value or "").strip())
            if not m:
                continue
            a, b = int(m[1]), int(m[2])
            day_first_seen |= a > 12
            month_first_seen |= b > 12
            ampm |= bool(re.search(r"\b[AP]M\b", m[4], re.I))
        if day_first_seen != month_first_seen:
            self.day_first = day_first_seen
        else:
            self.day_first = not ampm

    def parse(self, value: Any) -> tuple[dt.date | None, bool]:
        """(date or None, whether the value was readable)."""
        if isinstance(value, dt.datetime):
            return value.date(), True
        if isinstance(value, dt.date):
            return value, True
        text = clean_text(value)
        if not text:
            return None, True
        m = _ISO_DATE.match(text)
        if m:
            return _make_date(int(m[1]), int(m[2]), int(m[3]))
        m = _SLASH_DATE.match(text)
        if m:
            a, b, year = int(m[1]), int(m[2]), int(m[3])
            first = (year, b, a) if self.day_first else (year, a, b)
            result = _make_date(*first)
            if result[0] is None:
                result = _make_date(*((year, a, b) if self.day_first else (year, b, a)))
            return result
        for fmt in _TEXT_DATE_FORMATS:
            try:
                return dt.datetime.strptime(text, fmt).date(), True
            except ValueError:
                continue
        return None, False


def _make_date(year: int, month: int, day: int) -> tuple[dt.date | None, bool]:
    try:
        return dt.date(year, month, day), True
    except ValueError:
        return None, False


def _max_length(model: type[models.Model], name: str) -> int | None:
    return getattr(model._meta.get_field(name), "max_length", None)


_LOCATION_MAX = {f: _max_length(Location, f) for f in LOCATION_FIELDS}
_PROVIDER_MAX = {k: _max_length(Provider, f) for k, f in PROVIDER_FIELDS.items()}


def _converters(
    parsed: ParsedFile,
    fields: Iterable[str],
    date_parsers: dict[str, DateParser],
    list_style: str,
) -> list[tuple[str, Callable[[Any], Any]]]:
    """One function per location field, turning a raw value into the model's value."""

    def dates(f: str) -> Callable[[Any], Any]:
        parser = date_parsers[f]

        def convert(value: Any) -> dt.date | None:
            date, ok = parser.parse(value)
            if not ok:
                parsed.problems["dates MQIS could not read (left blank)"] += 1
            return date

        return convert

    def beds(value: Any) -> int:
        number = clean_int(value)
        if number is None:
            parsed.problems["bed numbers that are not numbers (taken as 0)"] += 1
        return number or 0

    def limited(f: str, convert: Callable[[Any], str]) -> Callable[[Any], str]:
        limit = _LOCATION_MAX.get(f)
        if not limit:
            return convert

        def shorten(value: Any) -> str:
            text = convert(value)
            if len(text) > limit:
                parsed.problems[f"values too long for MQIS (shortened): {f}"] += 1
                return text[:limit]
            return text

        return shorten

    special: dict[str, Callable[[Any], Any]] = {
        "beds": beds,
        "deregistered": lambda v: v if isinstance(v, bool) else False,
        "care_home": _truthy,
        "dormant": _truthy,
        "service_types": lambda v: split_list(v, list_style),
        "specialisms": lambda v: split_list(v, list_style),
    }
    text_cleaners: dict[str, Callable[[Any], str]] = {
        "address": clean_address,
        "postcode": clean_postcode,
        "region_name": clean_region,
        **{f: clean_rating for f in RATING_FIELDS},
    }
    out: list[tuple[str, Callable[[Any], Any]]] = []
    for f in sorted(fields):
        if f in DATE_FIELDS:
            out.append((f, dates(f)))
        elif f in special:
            out.append((f, special[f]))
        else:
            out.append((f, limited(f, text_cleaners.get(f, clean_text))))
    return out


def _finish(parsed: ParsedFile, raws: list[dict[str, Any]], supplied: set[str], *, list_style: str) -> None:
    """Normalise raw rows into records, skipping provider rows and merging repeats."""
    date_parsers = {f: DateParser(r.get(f) for r in raws) for f in DATE_FIELDS if f in supplied}
    derive_care_home = "care_home" not in supplied and "service_types" in supplied
    loc_fields = {f for f in LOCATION_FIELDS if f in supplied}
    loc_fields.add("deregistered")
    converters = _converters(parsed, loc_fields, date_parsers, list_style)
    if derive_care_home:
        loc_fields.add("care_home")
    parsed.location_fields = loc_fields
    parsed.provider_fields = {PROVIDER_FIELDS[k] for k in PROVIDER_FIELDS if k in supplied}
    provider_keys = [(k, _PROVIDER_MAX.get(k)) for k in PROVIDER_FIELDS if k in supplied]
    is_directory = parsed.kind == KIND_DIRECTORY
    by_id: dict[str, dict[str, Any]] = {}

    for raw in raws:
        location_id = clean_text(raw.get("cqc_location_id"))
        if is_directory and (not location_id or "/provider/" in str(raw.get("url") or "")):
            parsed.skipped[SKIP_PROVIDER_ROW] += 1
            continue
        if not location_id:
            parsed.skipped[SKIP_NO_LOCATION_ID] += 1
            continue
        provider_id = clean_text(raw.get("provider_id"))
        if not provider_id:
            parsed.skipped[SKIP_NO_PROVIDER_ID] += 1
            continue
        if len(location_id) > 20 or len(provider_id) > 20:
            parsed.skipped[SKIP_ID_TOO_LONG] += 1
            continue
        rec: dict[str, Any] = {"cqc_location_id": location_id, "provider_id": provider_id}
        for f, convert in converters:
            rec[f] = convert(raw.get(f))
        for key, limit in provider_keys:
            value = clean_text(raw.get(key))
            rec[key] = value[:limit] if limit else value
        if derive_care_home:
            rec["care_home"] = any(is_care_home_service(s) for s in rec["service_types"])
        first = by_id.get(location_id)
        if first is not None:
            parsed.skipped[SKIP_DUPLICATE] += 1
            for f in LIST_FIELDS:
                if f in first:
                    first[f] = list(dict.fromkeys([*first[f], *rec.get(f, [])]))
            if derive_care_home:
                first["care_home"] = any(is_care_home_service(s) for s in first["service_types"])
            continue
        by_id[location_id] = rec
    parsed.records = list(by_id.values())
