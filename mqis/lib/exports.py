"""Tables downloaded as CSV or XLSX: streamed, never limited, safe to open in a spreadsheet.

Rows are any iterable (a generator over `queryset.iterator()` keeps memory flat).
"""

import csv
import io
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponseBase, StreamingHttpResponse
from openpyxl import Workbook

# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Where a CSV cell starting with one of them would be: after a line's end or a comma, quoted
# or not (the csv module always quotes a cell holding a carriage return: an unquoted one ends a line).
MAYBE_FORMULA = re.compile(r'[,\n](?:"[=+\-@\t\r]|[=+\-@\t])')
FIRST_CHARACTERS = {"=", "+", "-", "@", "\t"}
QUOTED_FIRST = {'"' + c for c in FORMULA_STARTS}
FORMATS = ("csv", "xlsx")
BATCH = 1000  # rows written per chunk of the CSV stream
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

Cell = Any
Row = Sequence[Cell]


def neutralise(value: Cell) -> Cell:
    """Stop a spreadsheet reading a cell as a formula: prefix such text with an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def wanted_format(request: HttpRequest) -> str | None:
    """"csv" or "xlsx" when ?format= asks for a download, else None."""
    chosen = request.GET.get("format", "")
    return chosen if chosen in FORMATS else None


def _disposition(filename: str) -> str:
    return f'attachment; filename="{filename}"'


def _batches(rows: Iterable[Row]) -> Iterator[list[Row]]:
    batch: list[Row] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    yield batch


def neutralised(rows: list[Row]) -> list[Row]:
    """The rows with every formula-like text cell neutralised."""
    return [[neutralise(cell) for cell in row] for row in rows]


def _may_hold_formula(text: str, start: int) -> bool:
    """Whether any cell of the CSV text from `start` (a line's start) may begin a formula."""
    first = text[start:start + 2]
    return first[:1] in FIRST_CHARACTERS or first in QUOTED_FIRST or bool(MAYBE_FORMULA.search(text, start))


def csv_chunks(header: Row, rows: Iterable[Row]) -> Iterator[bytes]:
    """The CSV as UTF-8 bytes with a byte order mark, a batch of rows at a time.

    A batch is written as it is when no cell in its text could start with a formula character
    (one regular expression over the batch); otherwise it is written again cell by cell,
    neutralised. Most batches have none, so most rows cost no Python work per cell.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")  # so Excel reads the file as UTF-8
    writer.writerow([neutralise(cell) for cell in header])
    for batch in _batches(rows):
        start = buffer.tell()
        writer.writerows(batch)
        if _may_hold_formula(buffer.getvalue(), start):
            buffer.seek(start)
            buffer.truncate()
            writer.writerows(neutralised(batch))
        yield buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()


def stream_csv(filename: str, header: Row, rows: Iterable[Row]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_chunks(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = _disposition(filename)
    return response


def _xlsx_cell(value: Cell) -> Cell:
    value = neutralise(value)
    # Excel holds no time zones: a timezone-aware time is written as its UTC wall-clock time.
    if hasattr(value, "tzinfo") and getattr(value, "tzinfo", None) is not None:
        return value.replace(tzinfo=None)
    return value


def xlsx_file(header: Row, rows: Iterable[Row]) -> Any:
    """A temporary file holding the workbook, rewound; write-only mode keeps memory flat."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Data")
    sheet.append([neutralise(cell) for cell in header])
    for row in rows:
        sheet.append([_xlsx_cell(cell) for cell in row])
    handle = tempfile.TemporaryFile(suffix=".xlsx")
    book.save(handle)
    handle.seek(0)
    return handle


def stream_xlsx(filename: str, header: Row, rows: Iterable[Row]) -> FileResponse:
    """Built in a temporary file (openpyxl cannot stream a workbook), then streamed from it."""
    response = FileResponse(xlsx_file(header, rows), as_attachment=True, filename=filename,
                            content_type=XLSX_TYPE)
    return response


def download(fmt: str, name: str, header: Row, rows: Iterable[Row]) -> HttpResponseBase:
    """The table as `name`.csv or `name`.xlsx."""
    if fmt == "xlsx":
        return stream_xlsx(f"{name}.xlsx", header, rows)
    return stream_csv(f"{name}.csv", header, rows)


Table = tuple[Row, Iterable[Row]]  # a header and its rows


def table_download(request: HttpRequest, name: str,
                   tables: Mapping[str, Callable[[], Table]]) -> HttpResponseBase | None:
    """The page's table `?table=key` as `?format=`, or None when no download is asked for.

    `tables` maps each table's key to a function that builds its header and rows, so only
    the table asked for is built. The file is named `name-key`. An unknown key is a 404.
    """
    fmt = wanted_format(request)
    if fmt is None:
        return None
    key = request.GET.get("table", "")
    if key not in tables:
        raise Http404(f"This page has no table called {key!r} to download.")
    header, rows = tables[key]()
    return download(fmt, f"{name}-{key}", header, rows)
