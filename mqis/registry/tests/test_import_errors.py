"""Files MQIS cannot import get a plain-English message, and the registry is untouched."""

import csv
import io
import random
from pathlib import Path

import pytest
from django.db import DatabaseError

from mqis.registry import importer
from mqis.registry.importer import CqcImportError, import_cqc_file
from mqis.registry.models import ImportRun, Location, Provider

from .conftest import ASC_SAMPLE, DIRECTORY_SAMPLE

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry(councils: None) -> list[dict[str, object]]:
    """A registry with the ASC sample in it; returns its rows to compare after."""
    import_cqc_file(ASC_SAMPLE, file_name=ASC_SAMPLE.name)
    return _snapshot()


def _snapshot() -> list[dict[str, object]]:
    return [
        *Location.objects.order_by("pk").values(),
        *Provider.objects.order_by("pk").values(),
        *ImportRun.objects.order_by("pk").values("pk", "summary"),
    ]


def _import_bytes(data: bytes, name: str = "upload.csv") -> str:
    with pytest.raises(CqcImportError) as caught:
        import_cqc_file(io.BytesIO(data), file_name=name)
    return caught.value.message


def test_it_names_a_missing_column_and_lists_those_found(registry, tmp_path: Path) -> None:
    with ASC_SAMPLE.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    drop = rows[0].index("Location ID")
    out = io.StringIO()
    csv.writer(out).writerows([r[:drop] + r[drop + 1 :] for r in rows])

    message = _import_bytes(out.getvalue().encode())
    assert message.startswith(
        "This looks like the CQC adult social care locations extract, but it has no "
        "'Location ID' column, which MQIS needs. Columns found: 'Location Name', "
    )
    assert "'Provider ID'" in message
    assert _snapshot() == registry


def test_it_names_a_missing_directory_column(registry) -> None:
    text = DIRECTORY_SAMPLE.read_text(encoding="utf-8-sig")
    text = text.replace("CQC Provider ID (for office use only)", "Provider reference", 1)
    message = _import_bytes(text.encode())
    assert "no 'CQC Provider ID (for office use only)' column" in message
    assert _snapshot() == registry


def test_it_refuses_a_binary_file(registry) -> None:
    garbage = random.Random(7).randbytes(4096)
    message = _import_bytes(garbage, "photo.jpg")
    assert message.startswith("This file is not a text (CSV) file, an Excel .xlsx workbook or JSON")
    assert _snapshot() == registry


def test_it_refuses_text_full_of_control_characters(registry) -> None:
    message = _import_bytes(bytes(range(1, 9)) * 500)
    assert "not a text (CSV) file" in message


@pytest.mark.parametrize("data", [b"", b"\n\n  \r\n", b"\xef\xbb\xbf"])
def test_it_refuses_an_empty_file(registry, data: bytes) -> None:
    assert _import_bytes(data) == "The file is empty."
    assert _snapshot() == registry


def test_it_refuses_headings_with_no_rows(registry) -> None:
    header = ASC_SAMPLE.read_text(encoding="utf-8-sig").splitlines()[0]
    message = _import_bytes((header + "\r\n").encode())
    assert message == (
        "The file has the CQC adult social care locations extract's column headings but no rows of data."
    )
    assert _snapshot() == registry


def test_it_refuses_a_file_it_does_not_recognise(registry) -> None:
    message = _import_bytes(b"home,beds,vacancies\nOak House,40,3\n")
    assert message.startswith("MQIS does not recognise this file.")
    assert message.endswith("The first line of this file reads: home, beds, vacancies")
    assert _snapshot() == registry


def test_it_refuses_a_directory_with_only_provider_rows(registry) -> None:
    lines = DIRECTORY_SAMPLE.read_text(encoding="utf-8-sig").splitlines()
    providers = [line for line in lines[1:] if "/provider/" in line]
    message = _import_bytes("\n".join([lines[0], *providers]).encode())
    assert message.startswith("The file has 170 rows but none of them is a CQC location")
    assert _snapshot() == registry


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old-style Excel .xls workbook"),
        (b"PK\x03\x04not really a workbook", "looks like an Excel workbook but MQIS cannot open it"),
        (b'[{"locationId": "1-1",', "looks like JSON but cannot be read"),
        (b'{"results": []}', "not a list of CQC locations"),
        (b"[]", "has no locations in it"),
        (b'[{"id": "1-1"}]', "have no 'locationId'"),
    ],
)
def test_it_explains_other_unreadable_files(registry, data: bytes, expected: str) -> None:
    assert expected in _import_bytes(data)
    assert _snapshot() == registry


def test_it_refuses_a_file_over_the_size_limit(registry) -> None:
    with pytest.raises(CqcImportError, match="larger than the 100 KB MQIS accepts"):
        import_cqc_file(ASC_SAMPLE, file_name="big.csv", max_bytes=100 * 1024)
    with pytest.raises(CqcImportError, match="larger than the 100 KB MQIS accepts"):
        import_cqc_file(io.BytesIO(ASC_SAMPLE.read_bytes()), file_name="big.csv", max_bytes=100 * 1024)
    assert _snapshot() == registry


def test_it_rolls_everything_back_if_the_database_fails_part_way(
    registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Location.objects.all().delete()
    Provider.objects.all().delete()
    ImportRun.objects.all().delete()
    empty = _snapshot()

    def fail(*args: object, **kwargs: object) -> list[str]:
        raise DatabaseError("disk I/O error")

    monkeypatch.setattr(importer, "_mark_gone", fail)
    with pytest.raises(CqcImportError, match="Nothing was imported: the database refused a change"):
        import_cqc_file(ASC_SAMPLE, file_name=ASC_SAMPLE.name)
    assert _snapshot() == empty


def test_it_reports_a_missing_path(db: None) -> None:
    with pytest.raises(CqcImportError, match="There is no file at"):
        import_cqc_file("/no/such/file.csv", file_name="file.csv")
