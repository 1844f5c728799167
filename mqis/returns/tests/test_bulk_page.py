"""The bulk upload page: who may use it, what it shows, and the files to fill in."""

import csv
import datetime as dt
import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from mqis.returns.models import Period, Return, ReturnChange
from mqis.returns.periods import current_period
from mqis.returns.templates import current_template
from mqis.returns.tests.bulk_market import Market, build_market, care_home_row, csv_bytes, today

UPLOAD = "/returns/upload/"


@pytest.fixture
def market(db: None) -> Market:
    return build_market()


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post_file(client: Client, data: bytes, name: str = "returns.csv", **fields: str):
    upload = io.BytesIO(data)
    upload.name = name
    return client.post(UPLOAD, {"template": "care-home", "file": upload, **fields})


def test_it_lives_at_the_agreed_addresses():
    assert reverse("bulk_upload") == UPLOAD
    assert reverse("bulk_template", args=["xlsx"]) == "/returns/upload/template.xlsx"


def test_it_shows_the_form_to_providers_and_admins(market: Market):
    for user in (market.provider_user, market.admin_user):
        page = signed_in(user).get(UPLOAD)
        assert page.status_code == 200
        html = page.content.decode()
        assert 'class="govuk-radios__input"' in html and "Home care return" in html
        assert "Check the file without saving (dry run)" in html
        assert 'enctype="multipart/form-data"' in html


def test_it_refuses_everyone_else(market: Market):
    for user in (market.council_user, market.region_user, market.no_role_user):
        client = signed_in(user)
        assert client.get(UPLOAD).status_code == 403
        assert client.get(reverse("bulk_template", args=["csv"])).status_code == 403
        assert post_file(client, csv_bytes([care_home_row("1-101")])).status_code == 403
    assert Client().get(UPLOAD).status_code == 302  # to sign in
    assert Return.objects.count() == 0


def test_it_saves_a_file_and_confirms_with_the_counts(market: Market):
    page = post_file(signed_in(market.provider_user),
                     csv_bytes([care_home_row("1-101"), care_home_row("1-102")]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "govuk-panel--confirmation" in html and "Returns saved" in html
    assert "Saved 2 rows: 2 new returns." in html
    assert "govuk-error-summary" not in html
    assert set(Return.objects.values_list("channel", flat=True)) == {"upload"}


def test_it_lists_every_error_under_an_error_summary_and_saves_nothing(market: Market):
    data = csv_bytes([care_home_row("1-101", beds_total="forty"), care_home_row("1-999")])
    page = post_file(signed_in(market.provider_user), data)
    html = page.content.decode()
    assert html.index("govuk-error-summary") < html.index("govuk-table")
    assert "Nothing was saved. The file has 2 errors in 2 of its 2 rows." in html
    assert "govuk-panel--confirmation" not in html
    for cell in ("<td class=\"govuk-table__cell\">beds_total</td>",
                 "<td class=\"govuk-table__cell\">forty</td>",
                 "Total beds must be a whole number, like 12 (you entered &#x27;forty&#x27;)",
                 "There is no location with CQC location ID 1-999 in MQIS; check the ID"):
        assert cell in html
    assert '<a href="#error-1">Row 2, beds_total: ' in html
    assert Return.objects.count() == ReturnChange.objects.count() == 0


def test_it_checks_a_file_without_saving_on_a_dry_run(market: Market):
    page = post_file(signed_in(market.provider_user), csv_bytes([care_home_row("1-101")]),
                     dry_run="on")
    html = page.content.decode()
    assert "Your file has been checked" in html
    assert "Uploading the file would save 1 new return." in html
    assert Return.objects.count() == 0


def test_it_asks_for_a_file_when_none_is_chosen(market: Market):
    page = signed_in(market.provider_user).post(UPLOAD, {"template": "care-home"})
    html = page.content.decode()
    assert "govuk-error-summary" in html
    assert '<a href="#id_file">Choose a CSV or Excel file to upload</a>' in html
    assert "govuk-form-group--error" in html


def test_it_reports_a_file_that_is_too_large(market: Market, settings):
    settings.MQIS_MAX_UPLOAD_MB = 1
    data = csv_bytes([care_home_row("1-101", support_needed="x" * 900)] * 1200)
    html = post_file(signed_in(market.provider_user), data).content.decode()
    assert "the largest file MQIS accepts is 1 MB. Split it into smaller files." in html
    assert Return.objects.count() == 0


def test_it_offers_a_csv_to_fill_in_with_a_row_per_location(market: Market):
    response = signed_in(market.provider_user).get(
        reverse("bulk_template", args=["csv"]), {"template": "care-home"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    start = current_period(current_template("care-home")).start
    assert f'filename="mqis-care-home-{start:%Y-%m-%d}.csv"' in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:4] == ["cqc_location_id", "location_name", "period", "beds_total"]
    assert [row[:3] for row in rows[1:]] == [["1-102", "Elm Court", start.isoformat()],
                                             ["1-101", "Oak House", start.isoformat()]]


def test_it_imports_its_own_csv_once_filled_in(market: Market):
    client = signed_in(market.provider_user)
    text = client.get(reverse("bulk_template", args=["csv"])).content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    for row in rows:
        row.update({k: v for k, v in zip(
            ["beds_total", "beds_occupied", "beds_closed", "beds_vacant", "admissions_status",
             "care_workers_headcount", "care_workers_absent", "outbreak_status",
             "ppe_days_masks", "ppe_days_gloves", "ppe_days_aprons", "ppe_days_eye",
             "ppe_days_hand_hygiene"],
            ["48", "40", "2", "6", "open", "30", "3", "none", "9", "9", "9", "9", "9"], strict=True)})
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    html = post_file(client, out.getvalue().encode()).content.decode()
    assert "Saved 2 rows: 2 new returns." in html


def test_it_offers_an_excel_file_with_date_cells_and_a_field_guide(market: Market):
    response = signed_in(market.provider_user).get(
        reverse("bulk_template", args=["xlsx"]), {"template": "home-care"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0][:4] == ("cqc_location_id", "location_name", "period", "packages_delivered")
    assert len(rows) == 2 and rows[1][0] == "1-103"  # only the home care agency
    start = current_period(current_template("home-care")).start
    assert rows[1][2] == dt.datetime.combine(start, dt.time())
    assert book.sheetnames[1] == "Field guide"


def test_it_imports_its_own_excel_file_once_filled_in(market: Market):
    client = signed_in(market.provider_user)
    book = load_workbook(io.BytesIO(client.get(
        reverse("bulk_template", args=["xlsx"]), {"template": "home-care"}).content))
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    figures = {"packages_delivered": 120, "hours_delivered": 1500.5, "unmet_hours": 40,
               "staff_headcount": 50, "staff_absent": 5, "ppe_days_masks": 10,
               "ppe_days_gloves": 10, "ppe_days_aprons": 10, "ppe_days_eye": 10,
               "ppe_days_hand_hygiene": 10}
    for key, value in figures.items():
        sheet.cell(row=2, column=header.index(key) + 1, value=value)
    out = io.BytesIO()
    book.save(out)
    html = post_file(client, out.getvalue(), name="returns.xlsx", template="home-care").content.decode()
    assert "Saved 1 row: 1 new return." in html
    assert Return.objects.get().values["hours_delivered"] == 1500.5


def test_it_does_not_create_periods_when_a_file_is_refused(market: Market):
    before = Period.objects.count()
    post_file(signed_in(market.provider_user),
              csv_bytes([care_home_row("1-101", (today() + dt.timedelta(days=1000)).isoformat())]))
    assert Period.objects.count() == before


@pytest.mark.django_db(transaction=True)
def test_it_works_and_is_accessible_in_a_browser(page, live_server, axe_check, screenshot_dir,
                                                 tmp_path):
    build_market()
    page.goto(f"{live_server.url}/sign-in/")
    page.fill("#id_username", "provider")
    page.fill("#id_password", "correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}{UPLOAD}")
    assert axe_check() == []

    bad = tmp_path / "returns.csv"
    bad.write_bytes(csv_bytes([care_home_row("1-101", beds_total="forty"), care_home_row("1-999")]))
    page.get_by_label("Care home return").check()
    page.set_input_files("#id_file", str(bad))
    page.get_by_role("button", name="Upload file").click()
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible()
    assert "Row 2, beds_total" in summary.inner_text()
    assert page.title().startswith("Error: ")
    assert axe_check() == []
    page.screenshot(path=str(screenshot_dir / "bulk-upload-errors.png"), full_page=True)

    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes([care_home_row("1-101"), care_home_row("1-102")]))
    page.goto(f"{live_server.url}{UPLOAD}")
    page.get_by_label("Care home return").check()
    page.set_input_files("#id_file", str(good))
    page.get_by_role("button", name="Upload file").click()
    assert "Saved 2 rows: 2 new returns." in page.locator(".govuk-panel").inner_text()
    assert axe_check() == []
    page.screenshot(path=str(screenshot_dir / "bulk-upload-saved.png"), full_page=True)


def test_it_never_writes_a_location_name_as_a_formula(market: Market):
    market.oak_house.name = '=HYPERLINK("http://x","Oak House")'
    market.oak_house.save()
    client = signed_in(market.provider_user)
    text = client.get(reverse("bulk_template", args=["csv"])).content.decode("utf-8-sig")
    assert '"\'=HYPERLINK(""http://x"",""Oak House"")"' in text
    book = load_workbook(io.BytesIO(client.get(reverse("bulk_template", args=["xlsx"])).content))
    names = [row[1] for row in book.worksheets[0].iter_rows(min_row=2, values_only=True)]
    assert "'=HYPERLINK(\"http://x\",\"Oak House\")" in names
