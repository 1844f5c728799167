"""CQC's other shapes: the 15-column directory, active locations (CSV and XLSX), API JSON."""

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from openpyxl import Workbook

from mqis.registry.cqc_formats import DateParser, split_list
from mqis.registry.importer import NO_CHANGES, import_cqc_file
from mqis.registry.models import Location, Provider

from .conftest import FIXTURES

pytestmark = pytest.mark.django_db

DIRECTORY_15 = FIXTURES / "care_directory_15col.csv"
DIRECTORY_15_OLD = FIXTURES / "care_directory_15col_old_headers.csv"
HSCA = FIXTURES / "hsca_active_locations.csv"
API_JSON = FIXTURES / "cqc_api_locations.json"


def test_it_reads_the_15_column_directory_with_preamble_and_multiline_addresses(
    councils: None,
) -> None:
    report = import_cqc_file(DIRECTORY_15, file_name=DIRECTORY_15.name)

    assert report.file_kind == "care_directory"
    assert report.file_format == "CQC care directory (15 columns)"
    assert report.rows_read == 6
    assert report.created == Location.objects.count() == 5
    assert report.skipped == {"Provider rows (the care directory lists each provider as well as its locations)": 1}
    assert Provider.objects.count() == 3
    assert report.care_homes == 2
    assert report.unresolved_authorities == {"Atlantis": 1}

    oak = Location.objects.get(cqc_location_id="1-900000001")
    assert oak.address == "12 Oak Road, Didsbury, Manchester"
    assert oak.postcode == "M20 2AB"
    assert oak.care_home is True
    assert oak.service_types == ["Residential homes", "Nursing homes"]
    assert oak.rating_published == dt.date(2025, 3, 14)
    assert oak.website == "https://oakhouse.example"
    assert oak.council is not None and oak.council.name == "Manchester"
    assert oak.provider.name == "Oak Care Ltd"

    elm = Location.objects.get(cqc_location_id="1-900000002")
    assert elm.name == "Elm Homecare"
    assert elm.address == "Unit 4, Riverside, Carlisle"
    assert elm.postcode == "CA1 1AA"
    assert elm.care_home is False and elm.rating_published is None
    assert elm.council is not None and elm.council.gss_code == "E10000006"  # Cumberland
    birch = Location.objects.get(cqc_location_id="1-900000003")
    assert birch.council is not None and birch.council.gss_code == "E10000006"
    cedar = Location.objects.get(cqc_location_id="1-900000004")
    assert cedar.specialisms == ["Treatment of disease, disorder or injury", "Dementia"]
    assert cedar.council is not None and cedar.council.name == "Bristol, City of"
    unknown = Location.objects.get(cqc_location_id="1-900000005")
    assert unknown.council is None and unknown.local_authority_name == "Atlantis"
    assert Location.objects.filter(council__region__code="E12000002").count() == 3


def test_it_reads_the_old_15_column_headers_and_day_first_dates(councils: None) -> None:
    report = import_cqc_file(DIRECTORY_15_OLD, file_name=DIRECTORY_15_OLD.name)
    assert report.created == 5
    assert Location.objects.get(cqc_location_id="1-900000001").rating_published == dt.date(2025, 3, 14)
    # 05/11/2024 is 5 November: the column's 14/03/2025 shows the dates are day first.
    assert Location.objects.get(cqc_location_id="1-900000003").rating_published == dt.date(2024, 11, 5)
    assert Location.objects.get(cqc_location_id="1-900000004").rating_published == dt.date(2023, 7, 1)
    assert Location.objects.get(cqc_location_id="1-900000002").council.gss_code == "E10000006"


def test_it_treats_both_directory_forms_as_one_kind_of_file(councils: None) -> None:
    import_cqc_file(DIRECTORY_15, file_name=DIRECTORY_15.name)
    again = import_cqc_file(DIRECTORY_15_OLD, file_name=DIRECTORY_15_OLD.name)
    assert again.file_kind == "care_directory"
    assert again.message == NO_CHANGES


def test_it_accepts_a_cp1252_file(councils: None, tmp_path: Path) -> None:
    text = DIRECTORY_15.read_text(encoding="utf-8").replace("Oak House", "Café Rosé – Oak House")
    path = tmp_path / "windows.csv"
    path.write_bytes(text.encode("cp1252"))
    import_cqc_file(path, file_name=path.name)
    assert Location.objects.get(cqc_location_id="1-900000001").name == "Café Rosé – Oak House"


def test_it_reads_the_active_locations_file_with_one_hot_columns(councils: None) -> None:
    report = import_cqc_file(HSCA, file_name=HSCA.name)

    assert report.file_kind == "hsca_active_locations"
    assert report.created == 3 and report.care_homes == 2 and report.dormant == 1
    assert Provider.objects.count() == 2
    maple = Location.objects.get(cqc_location_id="1-700000001")
    assert maple.care_home is True and maple.beds == 40
    assert maple.service_types == ["Care home service without nursing"]
    assert maple.specialisms == ["Dementia", "Older People"]
    assert maple.address == "1 Maple Road, Wigan, Greater Manchester"
    assert maple.postcode == "WN1 1AA" and maple.region_name == "North West"
    assert maple.registered_on == dt.date(2011, 4, 1)
    assert maple.rating_published == dt.date(2024, 5, 1)
    assert maple.provider.companies_house_number == "01234567"
    assert maple.provider.brand_name == "BRAND Maple"
    willow = Location.objects.get(cqc_location_id="1-700000002")
    assert willow.name == "Willow Care at Home"
    assert willow.care_home is False and willow.beds == 0 and willow.dormant is True
    assert willow.rating_overall == "Requires improvement"
    assert willow.service_types == ["Domiciliary care service"]
    assert willow.council is not None and willow.council.gss_code == "E08000013"
    ash = Location.objects.get(cqc_location_id="1-700000003")
    assert ash.service_types == ["Care home service with nursing"] and ash.beds == 60
    assert Location.objects.filter(council__region__code="E12000002").count() == 3


def _xlsx_from_csv(csv_path: Path) -> bytes:
    """The same rows as an Excel workbook, with a title row, real dates and numbers."""
    with csv_path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    wb = Workbook()
    ws = wb.active
    ws.title = "HSCA_Active_Locations"
    ws.append(["HSCA Active Locations"])
    ws.append(header)
    for row in rows[1:]:
        cells: list[object] = []
        for name, value in zip(header, row, strict=True):
            if name in {"Location HSCA start date", "Publication Date"} and value:
                cells.append(dt.datetime.fromisoformat(value))
            elif name == "Care homes beds" and value:
                cells.append(int(value))
            else:
                cells.append(value or None)
        ws.append(cells)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_it_reads_the_active_locations_workbook_the_same_as_the_csv(councils: None) -> None:
    data = _xlsx_from_csv(HSCA)
    first = import_cqc_file(io.BytesIO(data), file_name="HSCA_Active_Locations.xlsx")
    assert first.file_kind == "hsca_active_locations" and first.created == 3
    as_workbook = list(Location.objects.order_by("pk").values())
    again = import_cqc_file(HSCA, file_name=HSCA.name)
    assert again.message == NO_CHANGES
    assert list(Location.objects.order_by("pk").values()) == as_workbook


@pytest.mark.parametrize("shape", ["object", "list"])
def test_it_reads_cqc_api_location_json(councils: None, tmp_path: Path, shape: str) -> None:
    path = API_JSON
    if shape == "list":
        path = tmp_path / "locations.json"
        path.write_text(json.dumps(json.loads(API_JSON.read_text())["locations"]))
    report = import_cqc_file(path, file_name=path.name)

    assert report.file_kind == "cqc_api_json"
    assert report.created == 2 and report.care_homes == 1 and report.dormant == 1
    rowan = Location.objects.get(cqc_location_id="1-500000001")
    assert rowan.care_home is True and rowan.beds == 32
    assert rowan.rating_overall == "Requires improvement"
    assert rowan.rating_safe == "Inadequate" and rowan.rating_well_led == "Requires improvement"
    assert rowan.rating_published == dt.date(2024, 2, 1)
    assert rowan.service_types == ["Nursing homes"]
    assert rowan.specialisms == ["Dementia", "Caring for adults over 65 yrs"]
    assert rowan.primary_inspection_category == "Residential social care"
    assert rowan.address == "1 Rowan Street, Liverpool" and rowan.postcode == "L1 8JQ"
    assert rowan.council is not None and rowan.council.name == "Liverpool"
    # The API gives no provider name: the provider is named by its CQC ID until a file does.
    assert rowan.provider.name == "1-400000001"
    closed = Location.objects.get(cqc_location_id="1-500000002")
    assert closed.deregistered is True and closed.deregistered_on == dt.date(2024, 12, 31)
    assert closed.rating_overall == ""


def test_it_keeps_a_provider_name_the_api_does_not_give(councils: None) -> None:
    Provider.objects.create(cqc_provider_id="1-400000001", name="Rowan Care Group")
    import_cqc_file(API_JSON, file_name=API_JSON.name)
    assert Provider.objects.get(cqc_provider_id="1-400000001").name == "Rowan Care Group"


@pytest.mark.parametrize(
    ("values", "text", "expected"),
    [
        (["6/26/2025 12:00:00 AM"], "1/2/2025 12:00:00 AM", dt.date(2025, 1, 2)),
        (["1/2/2025 12:00:00 AM"], "1/2/2025 12:00:00 AM", dt.date(2025, 1, 2)),
        (["26/06/2025 12:00:00 AM"], "1/2/2025 12:00:00 AM", dt.date(2025, 2, 1)),
        (["01/02/2025 - 10:30"], "01/02/2025 - 10:30", dt.date(2025, 2, 1)),
        (["01/02/2025"], "01/02/2025", dt.date(2025, 2, 1)),
        ([], "2025-01-02", dt.date(2025, 1, 2)),
        ([], "2021-12-10T00:00:00Z", dt.date(2021, 12, 10)),
        ([], "2 January 2025", dt.date(2025, 1, 2)),
        ([], "", None),
    ],
)
def test_it_reads_cqc_dates(values: list[str], text: str, expected: dt.date | None) -> None:
    assert DateParser([*values, text]).parse(text) == (expected, True)


def test_it_says_when_a_date_cannot_be_read() -> None:
    assert DateParser(["soon"]).parse("soon") == (None, False)
    assert DateParser(["31/02/2025"]).parse("31/02/2025") == (None, False)


@pytest.mark.parametrize(
    ("text", "style", "expected"),
    [
        (
            "Domiciliary care service, Supported living service",
            "comma-space",
            ["Domiciliary care service", "Supported living service"],
        ),
        ("Dementia,  Dementia, ", "comma-space", ["Dementia"]),
        (
            "Treatment of disease, disorder or injury, Surgical procedures",
            "comma-space",
            ["Treatment of disease, disorder or injury", "Surgical procedures"],
        ),
        (
            "Treatment of disease, disorder or injury,Surgical procedures",
            "comma-only",
            ["Treatment of disease, disorder or injury", "Surgical procedures"],
        ),
        ("Doctors/GPs,Doctors/GPs", "comma-only", ["Doctors/GPs"]),
        ("", "comma-only", []),
    ],
)
def test_it_splits_comma_joined_lists(text: str, style: str, expected: list[str]) -> None:
    assert split_list(text, style) == expected
