"""Read an uploaded CSV or Excel file into a header and numbered rows, whatever Excel did to it.

Everything that can go wrong with the file itself (size, encoding, format) raises
`FileProblem` with a message a care home manager can act on; what is in the cells is
checked later, by the same validation as the web form.
"""

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings

Cell = str | int | float | dt.date | dt.datetime | None
MEGABYTE = 1024 * 1024
# An xlsx file is a zip; refuse one that would unpack to more than this many times the upload limit.
UNPACKED_RATIO = 25
DELIMITERS = (",", ";", "\t")
# In a semicolon-separated file (European Excel) "87,5" means 87.5; "1,234" stays a thousands
# separator, which the validation accepts.
DECIMAL_COMMA = re.compile(r"^-?\d+,\d+$")
THOUSANDS = re.compile(r"^-?\d{1,3}(,\d{3})+$")
CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f]")

SAVE_AS = ("Save it from your spreadsheet as 'CSV UTF-8' or as an Excel workbook (.xlsx) "
           "and try again.")


class FileProblem(Exception):
    """The file cannot be read at all; nothing in it was checked or saved."""

    def __init__(self, message: str, code: str = "unreadable", row: int | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.row = row


@dataclass
class Sheet:
    kind: str  # "csv" or "xlsx"
    header: list[str]
    rows: Iterator[tuple[int, list[Cell]]]  # (spreadsheet row number, cells); header is row 1


def max_upload_bytes() -> int:
    return int(getattr(settings, "MQIS_MAX_UPLOAD_MB", 40)) * MEGABYTE


def size_of(source: bytes | IO[bytes]) -> int:
    if isinstance(source, (bytes, bytearray)):
        return len(source)
    size = getattr(source, "size", None)
    if isinstance(size, int):
        return size
    position = source.tell()
    size = source.seek(0, io.SEEK_END)
    source.seek(position)
    return size


def check_size(size: int, limit: int) -> None:
    if size == 0:
        raise FileProblem("The file is empty.", "empty")
    if size > limit:
        raise FileProblem(
            f"The file is {size / MEGABYTE:.1f} MB; the largest file MQIS accepts is "
            f"{limit // MEGABYTE} MB. Split it into smaller files.",
            "too_large",
        )


def open_sheet(source: bytes | IO[bytes], *, max_bytes: int | None = None) -> Sheet:
    """Check the size before reading a byte, then read CSV or XLSX by content, not by name."""
    limit = max_upload_bytes() if max_bytes is None else max_bytes
    check_size(size_of(source), limit)
    data = bytes(source) if isinstance(source, (bytes, bytearray)) else _read_all(source)
    if data.startswith(b"PK\x03\x04"):
        return _xlsx(data, limit)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileProblem(
            "This is an old Excel (.xls) file or a password-protected workbook, which MQIS "
            "cannot read. " + SAVE_AS, "old_excel")
    return _csv(_decode(data))


def _read_all(source: IO[bytes]) -> bytes:
    chunks = getattr(source, "chunks", None)
    if callable(chunks):  # a Django UploadedFile: read it without loading it twice
        return b"".join(chunks())
    return source.read()


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = _try(data, "utf-16")  # Excel's "Unicode text" format
    elif b"\x00" in data[:65536]:
        raise FileProblem("The file is not a spreadsheet MQIS can read. " + SAVE_AS, "not_text")
    else:
        text = _try(data, "utf-8-sig") or _try(data, "cp1252")
    if text is None or CONTROL.search(text[:65536]):
        raise FileProblem("The file is not a spreadsheet MQIS can read. " + SAVE_AS, "not_text")
    if not text.strip():
        raise FileProblem("The file is empty.", "empty")
    return text


def _try(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv(text: str) -> Sheet:
    first_line = text[: text.find("\n") if "\n" in text else len(text)]
    delimiter = _delimiter(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise FileProblem(f"The header row could not be read ({exc}). " + SAVE_AS, row=1) from None
    return Sheet("csv", [h.strip() for h in header], _csv_rows(reader, delimiter == ";"))


def _csv_rows(reader: Any, decimal_comma: bool) -> Iterator[tuple[int, list[Cell]]]:
    number = 1
    while True:
        number += 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                raise FileProblem(f"Row {number} has a cell longer than {csv.field_size_limit():,} "
                                  "characters, usually because a quote mark (\") is not closed.",
                                  "unclosed_quote", row=number) from None
            raise FileProblem(f"Row {number} could not be read ({exc}). " + SAVE_AS,
                              row=number) from None
        if decimal_comma:
            cells = [_european(c) for c in cells]
        yield number, cells


def _european(cell: str) -> str:
    text = cell.strip()
    if DECIMAL_COMMA.match(text) and not THOUSANDS.match(text):
        return text.replace(",", ".")
    return cell


def _xlsx(data: bytes, limit: int) -> Sheet:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise FileProblem("The file looks like an Excel workbook but is damaged. " + SAVE_AS,
                          "damaged") from None
    if unpacked > UNPACKED_RATIO * limit:
        raise FileProblem("The workbook is too large once unpacked. Split it into smaller files.",
                          "too_large")
    try:
        # data_only=False keeps formulas as text, so a formula is reported, not its cached result.
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds for a zip that is not a workbook
        raise FileProblem("The file is a zip archive but not an Excel workbook. " + SAVE_AS,
                          "not_workbook") from None
    sheet = book.worksheets[0]
    sheet.reset_dimensions()  # some programs write wrong dimensions; read every row there is
    rows = _xlsx_rows(book, sheet.iter_rows(values_only=True))
    try:
        _, first = next(rows)
    except StopIteration:
        book.close()
        raise FileProblem("The file is empty.", "empty") from None
    header = ["" if h is None else str(h).strip() for h in first]
    return Sheet("xlsx", header, rows)


def _xlsx_rows(book: Any, rows: Iterator[tuple[Any, ...]]) -> Iterator[tuple[int, list[Cell]]]:
    try:
        for number, row in enumerate(rows, start=1):
            yield number, [_xlsx_cell(v) for v in row]
    except Exception as exc:
        raise FileProblem(f"The workbook could not be read ({exc}). " + SAVE_AS) from None
    finally:
        book.close()


def _xlsx_cell(value: Any) -> Cell:
    if value is None or isinstance(value, (str, int)):
        return value  # bool is an int: the validation says it is not a number
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time() else value
    if isinstance(value, dt.date):
        return value
    text = getattr(value, "text", None)  # an array formula
    return ("=" + text.lstrip("=")) if isinstance(text, str) else str(value)
