"""Every error of a bulk upload, downloaded as CSV or XLSX by the person who uploaded the file.

The result page answers a POST and shows the first 1,000 errors; the errors are kept for a day
under DATA_DIR/upload-errors so that the page can link to all of them.
"""

import csv
import datetime as dt
import io
import json
import os
import re
import time
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from mqis.accounts.models import Membership, Role
from mqis.lib.testing import build_market
from mqis.returns import upload_errors
from mqis.returns.tests.bulk_market import care_home_row, csv_bytes

UPLOAD = "/returns/upload/"
HEADER = ["Row", "Column", "Value", "What is wrong", "Error code"]
LINK = re.compile(r'href="(/returns/upload/errors/([0-9a-f]{32})/)\?format=csv"')
FORMULA = '=HYPERLINK("http://x","Oak")'


@pytest.fixture
def market(db: None, settings: Any, tmp_path: Path) -> Any:
    settings.DATA_DIR = tmp_path
    return build_market()


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload(client: Client, rows: list[list[Any]]) -> str:
    data = io.BytesIO(csv_bytes(rows))
    data.name = "returns.csv"
    response = client.post(UPLOAD, {"template": "care-home", "file": data})
    assert response.status_code == 200
    return response.content.decode()


def link(html: str) -> str:
    """The address of the errors on the result page (without ?format=)."""
    found = LINK.findall(html)
    assert len(found) == 1
    return found[0][0]


def token_of(html: str) -> str:
    return LINK.findall(html)[0][1]


def content(response: Any) -> bytes:
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def csv_rows(client: Client, url: str) -> list[list[str]]:
    response = client.get(url, {"format": "csv"})
    return list(csv.reader(io.StringIO(content(response).decode("utf-8-sig"))))


def xlsx_rows(client: Client, url: str) -> list[list[Any]]:
    response = client.get(url, {"format": "xlsx"})
    book = load_workbook(io.BytesIO(content(response)))
    return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def unknown(ident: str) -> str:
    return f"There is no location with CQC location ID {ident} in MQIS; check the ID"


FORTY = "Total beds must be a whole number, like 12 (you entered 'forty')"


def big_file() -> tuple[list[list[Any]], list[list[Any]]]:
    """1,200 rows for locations MQIS does not know; every 100th row also has beds_total "forty".

    The rows, and the 1,212 errors expected: spreadsheet row numbers start at 2 (the header is row 1).
    """
    rows, errors = [], []
    for i in range(1200):
        ident = f"9-{i:06d}"
        forty = i % 100 == 0
        rows.append(care_home_row(ident, **({"beds_total": "forty"} if forty else {})))
        errors.append([i + 2, "cqc_location_id", ident, unknown(ident), "unknown_location"])
        if forty:
            errors.append([i + 2, "beds_total", "forty", FORTY, "invalid"])
    return rows, errors


def test_it_downloads_every_error_in_row_order_though_the_page_shows_1000(market: Any) -> None:
    client = signed_in(market.provider_user)
    rows, expected = big_file()
    html = upload(client, rows)
    assert len(expected) == 1212
    assert html.count('<tr class="govuk-table__row" id="error-') == 1000
    assert "The table below lists the first 1,000 of 1,212 errors. The download under it holds all of them." in html
    assert "Download all 1,212 errors:" in html
    assert "212 more errors are not shown here: the download holds every error." in html
    assert "Only you can download them, for 24 hours." in html
    url = link(html)

    as_csv = csv_rows(client, url)
    assert as_csv[0] == HEADER
    assert as_csv[1:] == [[str(cell) for cell in row] for row in expected]
    as_xlsx = xlsx_rows(client, url)
    assert as_xlsx == [HEADER, *expected]


def test_it_names_the_file_for_the_day_of_the_upload(market: Any) -> None:
    client = signed_in(market.provider_user)
    url = link(upload(client, [care_home_row("1-999")]))
    today = timezone.localdate().isoformat()
    response = client.get(url, {"format": "csv"})
    assert response["Content-Disposition"] == f'attachment; filename="upload-errors-{today}.csv"'
    response = client.get(url, {"format": "xlsx"})
    assert f'filename="upload-errors-{today}.xlsx"' in response["Content-Disposition"]


def test_it_says_so_when_there_is_one_error(market: Any) -> None:
    client = signed_in(market.provider_user)
    html = upload(client, [care_home_row("1-101"), care_home_row("1-999")])
    assert "Download the error:" in html and "Only you can download it, for 24 hours." in html
    assert csv_rows(client, link(html)) == [
        HEADER, ["3", "cqc_location_id", "1-999", unknown("1-999"), "unknown_location"]]


def test_it_says_how_many_errors_it_keeps_when_a_file_has_more(market: Any) -> None:
    """MQIS keeps 5,000 errors from one file; 2,501 rows with two errors each make 5,002."""
    client = signed_in(market.provider_user)
    rows = [care_home_row(f"9-{i:06d}", beds_total="forty") for i in range(2501)]
    html = upload(client, rows)
    assert "Download the first 5,000 of the 5,002 errors:" in html
    assert "The download under it holds the first 5,000." in html
    assert "MQIS keeps no more than 5,000 errors from one file" in html
    kept = csv_rows(client, link(html))
    assert len(kept) == 1 + 5000
    assert kept[-1] == ["2501", "beds_total", "forty", FORTY, "invalid"]  # row 2,501 holds errors 4,999-5,000


def test_it_gives_the_errors_to_no_one_else(market: Any) -> None:
    client = signed_in(market.provider_user)
    url = link(upload(client, [care_home_row("1-999")]))
    colleague = User.objects.create_user("acme.deputy", password="a-long-test-password")
    Membership.objects.create(user=colleague, role=Role.PROVIDER, provider=market.acme)
    others = [colleague, market.rival_user, market.council_user, market.region_user, market.admin_user]
    for user in others:
        for fmt in ("csv", "xlsx"):
            assert signed_in(user).get(url, {"format": fmt}).status_code == 404, user.username
    anonymous = Client().get(url, {"format": "csv"})
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))
    assert client.get(url, {"format": "csv"}).status_code == 200  # still there for its owner


def test_it_refuses_a_token_it_did_not_make_and_a_missing_format(market: Any) -> None:
    client = signed_in(market.provider_user)
    url = link(upload(client, [care_home_row("1-999")]))
    assert client.get(url).status_code == 404
    assert client.get(url, {"format": "pdf"}).status_code == 404
    assert client.get("/returns/upload/errors/" + "0" * 32 + "/", {"format": "csv"}).status_code == 404
    assert client.get("/returns/upload/errors/..%2Fsecret_key/", {"format": "csv"}).status_code == 404


def _age(path: Path, hours: float) -> None:
    """Make the kept errors as old as this, as if they had been written then."""
    data = json.loads(path.read_text())
    data["created"] = (timezone.now() - dt.timedelta(hours=hours)).isoformat()
    path.write_text(json.dumps(data))


def test_it_refuses_and_deletes_errors_older_than_a_day(market: Any) -> None:
    client = signed_in(market.provider_user)
    html = upload(client, [care_home_row("1-999")])
    path = upload_errors.folder() / f"{token_of(html)}.json"
    _age(path, 23.9)
    assert client.get(link(html), {"format": "csv"}).status_code == 200
    _age(path, 24.1)
    assert client.get(link(html), {"format": "csv"}).status_code == 404
    assert not path.exists()


def test_it_sweeps_old_errors_away_when_it_keeps_new_ones(market: Any) -> None:
    client = signed_in(market.provider_user)
    first = upload_errors.folder() / f"{token_of(upload(client, [care_home_row('1-999')]))}.json"
    day_ago = time.time() - 24 * 3600 - 60
    os.utime(first, (day_ago, day_ago))
    second = upload_errors.folder() / f"{token_of(upload(client, [care_home_row('1-998')]))}.json"
    assert not first.exists() and second.exists()


def test_it_neutralises_a_formula_from_the_file(market: Any) -> None:
    client = signed_in(market.provider_user)
    html = upload(client, [care_home_row(FORMULA)])
    url = link(html)
    as_csv = csv_rows(client, url)
    assert as_csv[1][:3] == ["2", "cqc_location_id", "'" + FORMULA]
    assert as_csv[1][4] == "formula"
    as_xlsx = xlsx_rows(client, url)
    assert as_xlsx[1][:3] == [2, "cqc_location_id", "'" + FORMULA]


def test_it_offers_no_download_after_a_clean_upload(market: Any) -> None:
    html = upload(signed_in(market.provider_user), [care_home_row("1-101"), care_home_row("1-102")])
    assert "Returns saved" in html
    assert "/returns/upload/errors/" not in html and 'id="errors-download"' not in html
    assert not upload_errors.folder().exists() or not any(upload_errors.folder().iterdir())


def test_it_downloads_the_errors_in_a_browser(page: Any, live_server: Any, axe_check: Any,
                                              screenshot_dir: Path, settings: Any, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path
    build_market()
    from mqis.lib.testing import PASSWORD

    page.goto(f"{live_server.url}/sign-in/")
    page.fill("#id_username", "acme.manager")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    bad = tmp_path / "returns.csv"
    bad.write_bytes(csv_bytes([care_home_row("1-101", beds_total="forty"), care_home_row("1-999")]))
    page.goto(f"{live_server.url}{UPLOAD}")
    page.get_by_label("Care home return").check()
    page.set_input_files("#id_file", str(bad))
    page.get_by_role("button", name="Upload file").click()
    assert "Download all 2 errors" in page.locator("#errors-download").inner_text()
    assert axe_check() == []
    page.screenshot(path=str(screenshot_dir / "bulk-upload-error-download.png"), full_page=True)
    with page.expect_download() as waiting:
        page.get_by_role("link", name="CSV of the errors in the file").click()
    saved = Path(waiting.value.path()).read_text(encoding="utf-8-sig")
    assert list(csv.reader(io.StringIO(saved))) == [
        HEADER,
        ["2", "beds_total", "forty", FORTY, "invalid"],
        ["3", "cqc_location_id", "1-999", unknown("1-999"), "unknown_location"],
    ]
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(screenshot_dir / "bulk-upload-error-download-phone.png"), full_page=True)
