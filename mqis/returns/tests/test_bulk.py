"""Bulk upload: a file of returns is checked in full, then saved in full, in part or not at all."""

import datetime as dt
import io
import time
from collections.abc import Callable

import pytest
from openpyxl import Workbook

from mqis.returns.bulk import BulkError, import_bulk
from mqis.returns.models import Period, Return, ReturnChange
from mqis.returns.tests.bulk_market import (
    CARE_HOME_HEADER,
    HOME_CARE_VALUES,
    Market,
    build_market,
    care_home_row,
    csv_bytes,
    today,
)


@pytest.fixture
def market(db: None) -> Market:
    return build_market()


@pytest.fixture
def unchanged() -> Callable[[], None]:
    """Call the returned function after a refused file: it checks nothing was stored."""
    before = (Return.objects.count(), ReturnChange.objects.count(), Period.objects.count())

    def check() -> None:
        after = (Return.objects.count(), ReturnChange.objects.count(), Period.objects.count())
        assert after == before

    return check


def upload(market: Market, data: bytes, **options: object):
    options.setdefault("user", market.provider_user)
    return import_bulk(data, **options)


def only_error(result) -> BulkError:
    assert len(result.errors) == 1, result.errors
    return result.errors[0]


def workbook(rows: list[list[object]], header: list[str] = CARE_HOME_HEADER) -> bytes:
    book = Workbook()
    sheet = book.worksheets[0]
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# A clean file, and the same file again


def test_it_imports_a_clean_csv(market: Market):
    result = upload(market, csv_bytes([care_home_row("1-101"), care_home_row("1-102")]))
    assert result.errors == []
    assert (result.rows_read, result.created, result.updated, result.saved) == (2, 2, 0, True)
    assert result.message == "Saved 2 rows: 2 new returns."
    ret = Return.objects.get(location=market.oak_house)
    assert ret.channel == "upload"
    assert ret.submitted_by == market.provider_user
    assert ret.values["beds_total"] == 48 and ret.values["admissions_status"] == "open"
    assert ret.beds_vacant == 6
    assert ReturnChange.objects.count() == 2


def test_it_says_no_changes_when_the_same_file_is_sent_again(market: Market):
    data = csv_bytes([care_home_row("1-101"), care_home_row("1-102")])
    upload(market, data)
    returns, changes = Return.objects.count(), ReturnChange.objects.count()
    result = upload(market, data)
    assert result.message == "No changes: all 2 rows match what is already stored."
    assert (result.created, result.updated, result.unchanged, result.saved) == (0, 0, 2, False)
    assert (Return.objects.count(), ReturnChange.objects.count()) == (returns, changes)


def test_it_updates_a_changed_row_and_records_the_change(market: Market):
    upload(market, csv_bytes([care_home_row("1-101"), care_home_row("1-102")]))
    result = upload(market, csv_bytes([
        care_home_row("1-101"), care_home_row("1-102", beds_occupied="41", beds_vacant="5"),
    ]))
    assert result.message == "Saved 2 rows: 1 updated, 1 unchanged."
    change = ReturnChange.objects.filter(return_obj__location=market.elm_court).first()
    assert change is not None and change.diff == {"beds_occupied": [40, 41], "beds_vacant": [6, 5]}


def test_it_imports_a_home_care_file(market: Market):
    header = ["cqc_location_id", "period", *HOME_CARE_VALUES]
    data = csv_bytes([["1-103", today().isoformat(), *HOME_CARE_VALUES.values()]], header)
    result = upload(market, data, template_slug="home-care")
    assert result.created == 1, result.errors
    assert Return.objects.get(location=market.helping_hands).values["hours_delivered"] == 1500.5


# What Excel and other programs do to files


def test_it_reads_a_windows_1252_file(market: Market):
    note = "Café staff need £50 vouchers – and masks"
    data = csv_bytes([care_home_row("1-101", support_needed=note)], encoding="cp1252")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    result = upload(market, data)
    assert result.created == 1, result.errors
    assert Return.objects.get().values["support_needed"] == note


def test_it_reads_utf8_with_a_byte_order_mark(market: Market):
    data = "\ufeff".encode() + csv_bytes([care_home_row("1-101", support_needed="Crème")])
    result = upload(market, data)
    assert result.created == 1, result.errors
    assert Return.objects.get().values["support_needed"] == "Crème"


def test_it_reads_a_semicolon_separated_file_with_decimal_commas(market: Market):
    header = [*CARE_HOME_HEADER, "residents_vaccinated_pct"]
    data = csv_bytes([[*care_home_row("1-101", support_needed="Masks; gloves"), "87,5"]],
                     header, delimiter=";")
    result = upload(market, data)
    assert result.created == 1, result.errors
    values = Return.objects.get().values
    assert values["residents_vaccinated_pct"] == 87.5
    assert values["support_needed"] == "Masks; gloves"


def test_it_reads_excel_unicode_text_files(market: Market):
    data = csv_bytes([care_home_row("1-101")], delimiter="\t", encoding="utf-16")
    assert data[:2] == b"\xff\xfe"
    assert upload(market, data).created == 1


def test_it_reads_uk_dates_thousands_separators_and_loose_headings(market: Market):
    header = ["CQC Location ID", " Period ", *(h.upper() for h in CARE_HOME_HEADER[2:]),
              "agency_hours", "location_name"]
    row = care_home_row("1-102", today().strftime("%d/%m/%Y"))
    result = upload(market, csv_bytes([[*row, "1,234", "Elm Court"]], header))
    assert result.created == 1, result.errors
    assert Return.objects.get().values["agency_hours"] == 1234


def test_it_reads_an_xlsx_file_with_excel_dates_and_float_numbers(market: Market):
    row = care_home_row("1-101", today())
    row[2:6] = [48.0, 40.0, 2.0, 6.0]  # what Excel stores for whole numbers
    result = upload(market, workbook([row]))
    assert result.created == 1, result.errors
    ret = Return.objects.get()
    assert ret.values["beds_total"] == 48 and isinstance(ret.values["beds_total"], int)
    assert ret.period.start <= today() <= ret.period.end


def test_it_skips_blank_rows_and_counts_rows_as_the_spreadsheet_does(market: Market):
    data = csv_bytes([care_home_row("1-101"), [""] * 16, [], care_home_row("1-102", beds_total="x")])
    result = upload(market, data)
    assert result.rows_read == 2
    assert [(e.row, e.column) for e in result.errors] == [(5, "beds_total")]


# Files that are refused, with a reason, and nothing stored


def test_it_refuses_an_empty_file(market: Market, unchanged: Callable[[], None]):
    for data in (b"", b"  \r\n"):
        result = upload(market, data)
        assert only_error(result).message == "The file is empty."
        assert result.message == "Nothing was saved. The file is empty."
    unchanged()


def test_it_refuses_a_file_that_is_too_large_before_reading_it(
    market: Market, unchanged: Callable[[], None], tmp_path
):
    path = tmp_path / "huge.csv"
    with path.open("wb") as out:
        out.truncate(50 * 1024 * 1024)
    started = time.perf_counter()
    with path.open("rb") as source:
        result = upload(market, source)
        assert source.tell() == 0
    assert time.perf_counter() - started < 1
    assert only_error(result).message == (
        "The file is 50.0 MB; the largest file MQIS accepts is 40 MB. Split it into smaller files."
    )
    unchanged()


def test_it_refuses_binary_files_and_old_excel_files(market: Market, unchanged: Callable[[], None]):
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20
    assert only_error(upload(market, png)).message.startswith(
        "The file is not a spreadsheet MQIS can read. Save it from your spreadsheet as 'CSV UTF-8'"
    )
    xls = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600
    assert only_error(upload(market, xls)).message.startswith(
        "This is an old Excel (.xls) file or a password-protected workbook"
    )
    zipped = b"PK\x03\x04" + b"\x00" * 100
    assert "damaged" in only_error(upload(market, zipped)).message
    unchanged()


def test_it_names_a_missing_column(market: Market, unchanged: Callable[[], None]):
    header = [h for h in CARE_HOME_HEADER if h != "beds_total"]
    rows = [[v for h, v in zip(CARE_HOME_HEADER, care_home_row("1-101"), strict=True)
             if h != "beds_total"]]
    error = only_error(upload(market, csv_bytes(rows, header)))
    assert (error.row, error.column, error.code) == (1, "beds_total", "missing_column")
    assert error.message == "The file has no column 'beds_total' (total beds), which is required"
    unchanged()


def test_it_names_unknown_columns_and_suggests_the_one_meant(
    market: Market, unchanged: Callable[[], None]
):
    header = [*CARE_HOME_HEADER, "bed_total", "Notes"]
    result = upload(market, csv_bytes([[*care_home_row("1-101"), "48", "x"]], header))
    assert [e.message for e in result.errors] == [
        "Column 'bed_total' is not a field of the care home return. Did you mean 'beds_total'?",
        "Column 'Notes' is not a field of the care home return.",
    ]
    assert [(e.row, e.column) for e in result.errors] == [(1, "bed_total"), (1, "Notes")]
    unchanged()


def test_it_says_when_the_columns_are_another_returns(market: Market, unchanged: Callable[[], None]):
    header = ["cqc_location_id", "period", *HOME_CARE_VALUES]
    data = csv_bytes([["1-103", today().isoformat(), *HOME_CARE_VALUES.values()]], header)
    result = upload(market, data, template_slug="care-home")
    assert result.errors[0].message == (
        "The columns are those of the home care return, not the care home return: "
        "choose that return and upload the file again"
    )
    unchanged()


def test_it_rejects_negative_and_non_numeric_values(market: Market, unchanged: Callable[[], None]):
    data = csv_bytes([care_home_row("1-101", ppe_days_masks="-1", care_workers_headcount="thirty")])
    result = upload(market, data)
    assert [(e.row, e.column, e.value, e.message) for e in result.errors] == [
        (2, "care_workers_headcount", "thirty",
         "Care workers employed must be a whole number, like 12 (you entered 'thirty')"),
        (2, "ppe_days_masks", "-1", "Days of masks in stock must be 0 or more (you entered -1)"),
    ]
    assert result.message == (
        "Nothing was saved. The file has 2 errors in its only row. Correct them and upload the file again."
    )
    unchanged()


def test_it_rejects_a_formula_in_a_csv_cell(market: Market, unchanged: Callable[[], None]):
    link = '=HYPERLINK("http://x","y")'
    result = upload(market, csv_bytes([care_home_row("1-101", beds_total=link, support_needed=link)]))
    found = {(e.row, e.column, e.code) for e in result.errors}
    assert {(2, "beds_total", "formula"), (2, "support_needed", "formula")} <= found
    assert result.errors[0].message.startswith("Total beds contains a spreadsheet formula")
    unchanged()


def test_it_rejects_a_formula_in_an_xlsx_cell(market: Market, unchanged: Callable[[], None]):
    row = care_home_row("1-101", today())
    row[CARE_HOME_HEADER.index("beds_occupied")] = '=HYPERLINK("http://x","y")'
    error = upload(market, workbook([row])).errors[0]
    assert (error.row, error.column, error.code) == (2, "beds_occupied", "formula")
    assert error.value == '=HYPERLINK("http://x","y")'
    unchanged()


def test_it_reports_values_in_a_column_without_a_heading(market: Market, unchanged: Callable[[], None]):
    result = upload(market, csv_bytes([[*care_home_row("1-101"), "stray"]]))
    error = only_error(result)
    assert (error.row, error.column, error.code) == (2, "Q", "no_heading")
    assert error.message == (
        "Column Q has a value in row 2 but no heading; add a heading or delete the column"
    )
    unchanged()


# Rows that are refused


def test_it_reports_a_duplicate_row_against_the_earlier_one(
    market: Market, unchanged: Callable[[], None]
):
    monday = today() - dt.timedelta(days=today().weekday())
    data = csv_bytes([care_home_row("1-101", monday.isoformat()), care_home_row("1-102"),
                      care_home_row("1-101", (monday + dt.timedelta(days=1)).isoformat())])
    error = only_error(upload(market, data))
    assert (error.row, error.column, error.code) == (4, "cqc_location_id", "duplicate")
    assert error.message.startswith("Row 2 is also for 1-101 in the period ")
    unchanged()


def test_it_reports_unknown_and_out_of_scope_locations(
    market: Market, unchanged: Callable[[], None]
):
    result = upload(market, csv_bytes([care_home_row("1-999"), care_home_row("1-201"),
                                       care_home_row("1-103")]))
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (2, "cqc_location_id", "There is no location with CQC location ID 1-999 in MQIS; "
                               "check the ID"),
        (3, "cqc_location_id", "You cannot submit returns for 1-201"),
        (4, "cqc_location_id", "The care home return does not apply to Helping Hands Manchester"),
    ]
    unchanged()


def test_it_refuses_a_closed_period_with_its_reason(market: Market, unchanged: Callable[[], None]):
    long_ago = today() - dt.timedelta(days=70)
    error = only_error(upload(market, csv_bytes([care_home_row("1-101", long_ago.isoformat())])))
    assert (error.row, error.column, error.code) == (2, "period", "period_closed")
    assert " closed on " in error.message and "Ask your council to reopen it" in error.message
    unchanged()


def test_it_explains_a_date_it_cannot_read(market: Market, unchanged: Callable[[], None]):
    result = upload(market, csv_bytes([care_home_row("1-101", "next week"),
                                       care_home_row("1-102", "31/11/2026")]))
    assert [e.message for e in result.errors] == [
        "Enter the period as a date within it, like 23/11/2026 or 2026-11-23 "
        "(you entered 'next week')",
        "The period '31/11/2026' is not a real date",
    ]
    unchanged()


def test_it_collects_every_error_in_the_file_at_once(market: Market, unchanged: Callable[[], None]):
    data = csv_bytes([care_home_row("1-101", beds_total="forty", ppe_days_masks="-3"),
                      care_home_row("1-102"), care_home_row("1-999", outbreak_status="maybe")])
    result = upload(market, data)
    assert {(e.row, e.column) for e in result.errors} == {
        (2, "beds_total"), (2, "ppe_days_masks"), (4, "cqc_location_id"), (4, "outbreak_status")
    }
    assert result.rows_with_errors == 2
    unchanged()


# Dry runs and partial imports


def test_it_saves_nothing_on_a_dry_run_but_says_what_it_would_do(
    market: Market, unchanged: Callable[[], None]
):
    result = upload(market, csv_bytes([care_home_row("1-101"), care_home_row("1-102")]),
                    dry_run=True)
    assert (result.created, result.saved, result.dry_run) == (2, False, True)
    assert result.message == (
        "This was a check: nothing was saved. Uploading the file would save 2 new returns."
    )
    unchanged()


def test_it_saves_the_correct_rows_in_partial_mode(market: Market):
    data = csv_bytes([care_home_row("1-101"), care_home_row("1-102", beds_total="lots"),
                      care_home_row("1-201")])
    result = upload(market, data, partial=True)
    assert (result.created, result.rows_with_errors, result.saved) == (1, 2, True)
    assert result.message == "Saved 1 row: 1 new return. 2 rows with errors were not saved."
    assert list(Return.objects.values_list("location__cqc_location_id", flat=True)) == ["1-101"]


def test_it_saves_nothing_when_one_row_is_wrong(market: Market, unchanged: Callable[[], None]):
    data = csv_bytes([care_home_row("1-101"), care_home_row("1-102", beds_total="lots")])
    result = upload(market, data)
    assert result.saved is False and result.created == 0
    unchanged()


def test_it_says_a_dry_run_of_a_stored_file_would_change_nothing(market: Market):
    data = csv_bytes([care_home_row("1-101")])
    upload(market, data)
    result = upload(market, data, dry_run=True)
    assert (result.unchanged, result.created) == (1, 0)
    assert result.message == (
        "This was a check: nothing was saved. Every correct row matches what is already stored: "
        "uploading the file would change nothing."
    )


def test_it_lists_the_errors_found_on_a_dry_run(market: Market, unchanged: Callable[[], None]):
    data = csv_bytes([care_home_row("1-101"), care_home_row("1-102", beds_total="lots")])
    result = upload(market, data, dry_run=True)
    assert result.message == (
        "This was a check: nothing was saved. The file has 1 error in 1 of its 2 rows. "
        "Correct it and upload the file again. The other row is correct."
    )
    assert [(e.row, e.column) for e in result.errors] == [(3, "beds_total")]
    unchanged()


def test_it_refuses_a_file_with_a_quote_that_is_never_closed(
    market: Market, unchanged: Callable[[], None]
):
    data = csv_bytes([care_home_row("1-101"), care_home_row("1-102", support_needed="x")])
    data = data.replace(b",x\r\n", b',"x' + b"y" * 200_000 + b"\r\n")
    error = only_error(upload(market, data))
    assert (error.row, error.code) == (3, "unclosed_quote")
    assert error.message == ("Row 3 has a cell longer than 131,072 characters, usually because "
                             'a quote mark (") is not closed.')
    unchanged()


def test_a_file_saved_in_chunks_is_announced_once_for_all_its_locations(market: Market, monkeypatch):
    """Alerts and risk scores are worked out once per upload, not once per chunk of rows."""
    from mqis.returns import bulk_save
    from mqis.returns.signals import returns_stored

    heard: list[set[int]] = []

    def listener(sender, location_ids, **kwargs):
        heard.append(set(location_ids))

    monkeypatch.setattr(bulk_save, "STORE_CHUNK", 1)  # two chunks
    returns_stored.connect(listener)
    try:
        upload(market, csv_bytes([care_home_row("1-101"), care_home_row("1-102")]))
    finally:
        returns_stored.disconnect(listener)
    assert heard == [{market.oak_house.pk, Return.objects.get(location__cqc_location_id="1-102").location_id}]
