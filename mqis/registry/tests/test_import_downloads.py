"""Downloads of the CQC import pages' tables: the report of one import, and the recent imports.

An administrator uploads the 400-location sample, then the sample a month on:
  - Location 0 (a "Good" home) is now "Requires improvement": 1 changed;
  - the last two locations are missing: 2 gone (marked deregistered);
  - a new location 1-999999999 named =HYPERLINK(...) in the local authority "Atlantis":
    1 new, and 1 location in an authority matched to no council;
  - a row with no location ID and a second copy of location 1's row: 2 rows skipped.
So the file has 401 rows and 399 locations; of those, 215 list a "Care home" service type and 30
are dormant (counted in the sample's columns: the new location is a copy of the first, a care home).
"""

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from mqis.oversight.tests.html_tables import Table, table_with
from mqis.registry.models import CqcImportJob

from .conftest import ASC_SAMPLE, run_queued_import

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("data_dir")]
URL = "/admin-tools/import-cqc/"
NEW_ID = "1-999999999"
FORMULA = '=HYPERLINK("http://x","New Care")'


def _sample() -> tuple[list[str], list[list[str]]]:
    with ASC_SAMPLE.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, quoting=csv.QUOTE_ALL).writerows([header, *rows])
    return out.getvalue().encode()


def _newer_file() -> tuple[bytes, dict[str, list[str]]]:
    """The sample a month on (see the module's docstring); and the rows it changed."""
    header, rows = _sample()
    col = {name: i for i, name in enumerate(header)}
    worse = next(r for r in rows if r[col["Location Latest Overall Rating"]] == "Good")
    worse[col["Location Latest Overall Rating"]] = "Requires improvement"
    new = list(rows[0])
    new[col["Location ID"]], new[col["Location Name"]] = NEW_ID, FORMULA
    new[col["Location Local Authority"]] = "Atlantis"
    no_id = list(rows[3])
    no_id[col["Location ID"]] = ""
    kept = [*rows[:-2], new, no_id, rows[1]]
    ids = {"worse": [worse[col["Location ID"]], worse[col["Location Name"]]],
           **{f"gone{n}": [r[col["Location ID"]], r[col["Location Name"]]] for n, r in enumerate(rows[-2:])}}
    return _csv(header, kept), ids


def _upload(client: Client, data: bytes, name: str) -> CqcImportJob:
    response = client.post(URL, {"file": SimpleUploadedFile(name, data, "text/csv")})
    assert response.status_code == 302
    job = CqcImportJob.objects.latest("pk")
    run_queued_import(job)
    return job


@pytest.fixture
def imported(client: Client, mqis_admin: User) -> dict[str, Any]:
    client.force_login(mqis_admin)
    _upload(client, ASC_SAMPLE.read_bytes(), "cqc_asc_locations_sample.csv")
    data, ids = _newer_file()
    job = _upload(client, data, "asc_next_month.csv")
    return {"client": client, "url": reverse("import_cqc_job", args=[job.uuid]), "ids": ids, "job": job}


def _csv_rows(client: Client, url: str, key: str, query: str = "") -> list[list[str]]:
    response = client.get(f"{url}?{query}table={key}&format=csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def _xlsx_rows(client: Client, url: str, key: str) -> list[list[Any]]:
    response = client.get(f"{url}?table={key}&format=xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def _shown(table: Table) -> list[list[str]]:
    """The table's rows as the page shows them, figures without their thousands commas."""
    return [[cell.replace(",", "") if cell.replace(",", "").isdigit() else cell for cell in row]
            for row in table.rows]


def _expected(ids: dict[str, list[str]]) -> dict[str, tuple[str, list[list[str]]]]:
    """Each report table: its caption, and its rows as the download holds them (header first)."""
    worse_id, worse_name = ids["worse"]
    return {
        "summary": ("Summary", [
            ["Measure", "Value"], ["File", "CQC adult social care locations extract"],
            ["Rows read", "401"], ["Locations in the file", "399"], ["of which care homes", "215"],
            ["of which dormant", "30"], ["New locations", "1"], ["Changed locations", "1"],
            ["Unchanged locations", "397"], ["Gone (marked deregistered)", "2"],
            ["New providers", "0"], ["Changed providers", "0"], ["Rows skipped", "2"]]),
        "skipped": ("Rows skipped", [
            ["Reason", "Rows"], ["Rows with no CQC location ID", "1"],
            ["Location ID repeated in the file (first row kept, service types and specialisms merged)", "1"]]),
        "unmatched-authorities": ("Local authorities not matched", [
            ["Local authority in the file", "Locations"], ["Atlantis", "1"]]),
        "new-locations": ("New locations", [["CQC location ID", "Name"], [NEW_ID, "'" + FORMULA]]),
        "changed-locations": ("Changed locations", [
            ["CQC location ID", "Location", "Field", "Was", "Now"],
            [worse_id, worse_name, "rating_overall", "Good", "Requires improvement"]]),
        "gone-locations": ("no longer in CQC", [["CQC location ID", "Name"], ids["gone0"], ids["gone1"]]),
    }


KEYS = ["summary", "skipped", "unmatched-authorities", "new-locations", "changed-locations", "gone-locations"]


@pytest.mark.parametrize("key", KEYS)
def test_it_downloads_each_report_table_as_the_page_shows_it(imported: dict[str, Any], key: str) -> None:
    client, url = imported["client"], imported["url"]
    caption, expected = _expected(imported["ids"])[key]
    as_csv = _csv_rows(client, url, key)
    assert as_csv == expected
    html = client.get(url).content.decode()
    assert f"?table={key}&amp;format=csv" in html and f"?table={key}&amp;format=xlsx" in html
    shown = _shown(table_with(html, caption))
    if key == "changed-locations":  # the page puts the name and ID in one cell
        assert shown[1:] == [[f"{r[1]} {r[0]}", *r[2:]] for r in expected[1:]]
    elif key == "new-locations":  # the page shows the name as it is; the file neutralises it
        assert shown == [expected[0], [NEW_ID, FORMULA]]
    elif key == "summary":  # the summary's rows are headed, with no header row
        assert shown == expected[1:]
    else:
        assert shown == expected
    as_xlsx = _xlsx_rows(client, url, key)
    assert [[str(c) for c in row] for row in as_xlsx] == expected


def test_it_keeps_counts_as_numbers_in_the_workbook(imported: dict[str, Any]) -> None:
    rows = _xlsx_rows(imported["client"], imported["url"], "summary")
    assert rows[2] == ["Rows read", 401] and rows[-1] == ["Rows skipped", 2]


def test_it_names_the_file_for_the_import(imported: dict[str, Any]) -> None:
    response = imported["client"].get(imported["url"] + "?table=gone-locations&format=csv")
    name = f"cqc-import-{imported['job'].uuid}-gone-locations.csv"
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'


def test_it_refuses_an_unknown_table_and_anyone_but_an_administrator(
        imported: dict[str, Any], council_officer: User) -> None:
    client, url = imported["client"], imported["url"]
    assert client.get(url + "?table=everything&format=csv").status_code == 404
    officer = Client()
    officer.force_login(council_officer)
    assert officer.get(url + "?table=summary&format=csv").status_code == 403
    assert officer.get(URL + "?table=recent-imports&format=csv").status_code == 403
    assert Client().get(url + "?table=summary&format=csv").status_code == 302


def test_it_has_no_report_tables_before_the_import_has_run(client: Client, mqis_admin: User) -> None:
    client.force_login(mqis_admin)
    client.post(URL, {"file": SimpleUploadedFile("waiting.csv", ASC_SAMPLE.read_bytes(), "text/csv")})
    url = reverse("import_cqc_job", args=[CqcImportJob.objects.latest("pk").uuid])
    assert client.get(url + "?table=summary&format=csv").status_code == 404
    assert "format=csv" not in client.get(url).content.decode()


def test_it_downloads_the_recent_imports_as_listed(imported: dict[str, Any]) -> None:
    client = imported["client"]
    html = client.get(URL).content.decode()
    assert "?table=recent-imports&amp;format=csv" in html
    jobs = list(CqcImportJob.objects.order_by("-created_at", "-pk"))

    def uploaded(job: CqcImportJob) -> str:
        return f"{timezone.localtime(job.created_at):%Y-%m-%d %H:%M:%S}"

    assert _csv_rows(client, URL, "recent-imports") == [
        ["File", "Dry run", "Uploaded", "By", "Status"],
        ["asc_next_month.csv", "No", uploaded(jobs[0]), "ada.admin", "Finished"],
        ["cqc_asc_locations_sample.csv", "No", uploaded(jobs[1]), "ada.admin", "Finished"],
    ]
    shown = table_with(html, "Recent imports").rows
    assert [row[0] for row in shown[1:]] == ["asc_next_month.csv", "cqc_asc_locations_sample.csv"]
    assert _xlsx_rows(client, URL, "recent-imports")[1][2] == timezone.localtime(
        jobs[0].created_at).replace(tzinfo=None, microsecond=0)


def test_it_shows_the_report_with_its_links_in_a_browser(page: Any, live_server: Any, axe_check: Any,
                                                         screenshot_dir: Path, mqis_admin: User) -> None:
    client = Client()
    client.force_login(mqis_admin)
    _upload(client, ASC_SAMPLE.read_bytes(), "cqc_asc_locations_sample.csv")
    job = _upload(client, _newer_file()[0], "asc_next_month.csv")
    page.goto(f"{live_server.url}/sign-in/")
    page.fill("#id_username", "ada.admin")
    page.fill("#id_password", "a-long-test-password")
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}{reverse('import_cqc_job', args=[job.uuid])}")
    page.get_by_text("Show the new locations").click()
    assert page.locator(".mqis-download").count() == len(KEYS)
    assert axe_check() == []
    page.screenshot(path=str(screenshot_dir / "cqc-import-report.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(screenshot_dir / "cqc-import-report-phone.png"), full_page=True)
    page.goto(f"{live_server.url}{URL}")
    assert axe_check() == []
    page.screenshot(path=str(screenshot_dir / "cqc-import-recent-phone.png"), full_page=True)
