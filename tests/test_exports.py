"""Downloads: every table as CSV and XLSX, scoped as its page, safe in a spreadsheet, streamed.

The market (mqis.lib.testing.build_market) with this week's care home returns from
Oak House (Manchester: 48 beds, 40 occupied, 6 vacant, 30 care workers of whom 3 absent),
Birch Court (Manchester: 60 beds, 45 occupied, 13 vacant, 2 closed, 40 care workers, 10 absent,
an outbreak), Elm Lodge (Salford: 30 beds, 27 occupied, 3 vacant, 20 care workers, 2 absent,
1 day of masks) and Moor View (Leeds, in another region). Birch Court's risk is high.
"""

import csv
import io
import tracemalloc

import openpyxl
import pytest
from django.http import Http404
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.utils import timezone

from mqis.accounts import scope
from mqis.lib import exports
from mqis.lib.testing import build_market, care_home_values
from mqis.oversight.tests.html_tables import table_with
from mqis.returns.models import Return
from mqis.returns.periods import current_period
from mqis.returns.services import submit_return
from mqis.returns.templates import current_template
from mqis.risk.models import Band, RiskScore

pytestmark = pytest.mark.django_db

RETURN_HEADER = [
    "CQC location ID", "Location", "Provider", "Council", "Return", "Period start", "Period end",
    "Sent at (UTC)", "Channel", "On time", "Beds", "Beds occupied", "Beds vacant", "Closed to admissions",
    "Staff", "Staff absent", "In outbreak", "Days of PPE", "Unmet hours", "Nurses", "Nurses absent",
    "Care workers", "Care workers absent", "Agency staff",
]


@pytest.fixture
def market():
    market = build_market()
    template = current_template("care-home")
    period = current_period(template)
    sent = [
        (market.home_a, market.provider_user, care_home_values()),
        (market.rival_home, market.rival_user, care_home_values(
            beds_total="60", beds_occupied="45", beds_closed="2", beds_vacant="13",
            care_workers_headcount="40", care_workers_absent="10", outbreak_status="confirmed")),
        (market.home_b, market.provider_user, care_home_values(
            beds_total="30", beds_occupied="27", beds_closed="0", beds_vacant="3",
            care_workers_headcount="20", care_workers_absent="2", ppe_days_masks="1")),
        (market.far_home, market.admin_user, care_home_values(beds_total="40", beds_occupied="30",
                                                              beds_closed="0", beds_vacant="10")),
    ]
    for location, user, values in sent:
        submit_return(user, location, template, period, values, channel="web")
    # Returns are scored as they arrive; only Birch Court is made high risk here.
    RiskScore.objects.update(band=Band.LOW, score=10.0)
    RiskScore.objects.update_or_create(location=market.rival_home, defaults={
        "score": 80.0, "band": Band.HIGH, "computed_at": timezone.now()})
    return market


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content)
    assert body.startswith("\ufeff".encode())  # Excel then reads it as UTF-8
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def xlsx_rows(response) -> list[list[object]]:
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return [list(row) for row in book.active.iter_rows(values_only=True)]


# Formula injection


FORMULAS = ["=HYPERLINK(\"http://evil\")", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


def test_it_neutralises_every_formula_start_in_a_csv():
    response = exports.stream_csv("t.csv", ["=Header"], ([text, 7, None] for text in FORMULAS))
    rows = csv_rows(response)
    assert rows[0] == ["'=Header"]
    assert [row[0] for row in rows[1:]] == ["'" + text for text in FORMULAS]
    assert rows[1][1:] == ["7", ""]  # numbers and blanks are left alone
    assert response["Content-Disposition"] == 'attachment; filename="t.csv"'


def test_it_neutralises_a_formula_anywhere_in_a_long_csv():
    """Wherever the cell falls in the stream: a batch's first row, a quoted cell, the last column."""
    rows = [["Home", "M1 1AA", 48] for _ in range(3000)]
    rows[exports.BATCH][0] = "=1+1"
    rows[1500][1] = "-2, Low Road"
    rows[2999][2] = "\r=3"
    out = csv_rows(exports.stream_csv("t.csv", ["Name", "Postcode", "Beds"], iter(rows)))
    assert len(out) == 3001
    assert out[1 + exports.BATCH][0] == "'=1+1"
    assert out[1501][1] == "'-2, Low Road"
    assert out[3000][2] == "'\r=3"
    assert sum(cell.startswith("'") for row in out for cell in row) == 3


def test_it_neutralises_every_formula_start_in_a_workbook():
    response = exports.stream_xlsx("t.xlsx", ["Name", "Beds"], ([text, -3] for text in FORMULAS))
    rows = xlsx_rows(response)
    assert rows[0] == ["Name", "Beds"]
    # XML keeps a carriage return as a line feed; the apostrophe still comes first.
    assert [row[0] for row in rows[1:]] == ["'" + text.replace("\r", "\n") for text in FORMULAS]
    assert rows[1][1] == -3  # a negative number is a number, not a formula
    assert response["Content-Type"] == exports.XLSX_TYPE


def test_a_location_name_that_looks_like_a_formula_is_neutralised_in_the_returns(market):
    market.home_a.name = "=cmd|' /C calc'!A0"
    market.home_a.save()
    rows = csv_rows(signed_in(market.council_user).get("/councils/E08000003/returns.csv"))
    assert "'=cmd|' /C calc'!A0" in [row[1] for row in rows]


# Scope


def test_a_council_officers_returns_hold_only_their_councils_locations(market):
    rows = csv_rows(signed_in(market.council_user).get("/councils/E08000003/returns.csv"))
    assert rows[0] == RETURN_HEADER
    assert [(row[0], row[3]) for row in rows[1:]] == [("1-101", "Manchester"), ("1-201", "Manchester")]


def test_a_regions_returns_leave_out_other_regions(market):
    rows = csv_rows(signed_in(market.region_user).get("/regions/E12000002/returns.csv"))
    assert [row[0] for row in rows[1:]] == ["1-101", "1-102", "1-201"]


def test_nobody_downloads_another_councils_tables(market):
    leeds = signed_in(market.other_council_user)
    for url in ["/councils/E08000003/returns.csv", "/councils/E08000003/returns.xlsx",
                "/councils/E08000003/?format=csv", "/regions/E12000002/returns.csv",
                "/regions/E12000002/scorecard/?format=xlsx"]:
        assert leeds.get(url).status_code == 403, url
    provider = signed_in(market.provider_user)
    for url in ["/councils/E08000003/returns.csv", "/regions/E12000002/scorecard/"]:
        assert provider.get(url).status_code == 403, url


def test_a_returns_row_has_the_figures_sent(market):
    rows = csv_rows(signed_in(market.council_user).get("/councils/E08000003/returns.csv"))
    birch = dict(zip(RETURN_HEADER, rows[2], strict=True))
    saved = Return.objects.get(location=market.rival_home)
    assert birch["Location"] == "Birch Court"
    assert birch["Provider"] == "Bolt Homes Ltd"
    assert birch["Period start"] == saved.period.start.isoformat()
    assert (birch["Beds"], birch["Beds occupied"], birch["Beds vacant"]) == ("60", "45", "13")
    assert (birch["Care workers"], birch["Care workers absent"], birch["In outbreak"]) == ("40", "10", "Yes")


def test_the_returns_workbook_opens_with_the_header_and_rows(market):
    response = signed_in(market.council_user).get("/councils/E08000003/returns.xlsx")
    assert 'filename="returns-E08000003.xlsx"' in response["Content-Disposition"]
    rows = xlsx_rows(response)
    assert rows[0] == RETURN_HEADER
    assert [(row[0], row[10], row[11]) for row in rows[1:]] == [("1-101", 48, 40), ("1-201", 60, 45)]


# The downloads hold exactly the page's rows


def test_the_region_csv_has_the_pages_councils_in_the_pages_order(market):
    client = signed_in(market.region_user)
    page = table_with(client.get("/regions/E12000002/?sort=beds&order=desc").content.decode(), "")
    shown = [row[0] for row in page.rows[1:]]
    rows = csv_rows(client.get("/regions/E12000002/?sort=beds&order=desc&format=csv"))
    assert [row[0] for row in rows[1:]] == shown == ["Manchester", "Salford"]
    by_council = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert (by_council["Manchester"]["Beds"], by_council["Salford"]["Beds"]) == ("108", "30")


def test_the_council_csv_has_every_location_of_both_tables(market):
    client = signed_in(market.council_user)
    rows = csv_rows(client.get("/councils/E08000003/?format=csv"))
    html = client.get("/councils/E08000003/").content.decode()
    listed = [row[0] for row in rows[1:]]
    assert sorted(listed) == ["Acme Homecare Manchester", "Birch Court", "Oak House"]
    assert all(name in html for name in listed)
    birch = dict(zip(rows[0], next(row for row in rows if row[0] == "Birch Court"), strict=True))
    assert "outbreak" in birch["Needs attention"].lower()
    assert (birch["Beds occupied"], birch["Beds"], birch["Vacant beds"]) == ("45", "60", "13")


def test_the_alert_inbox_download_keeps_its_filters_and_scope(market):
    from mqis.alerts.models import Alert, AlertRule

    rule = AlertRule.objects.order_by("key").first()
    for location in (market.home_a, market.home_b, market.far_home):
        Alert.objects.create(rule=rule, location=location, message="=Outbreak", opened_at=timezone.now())
    rows = csv_rows(signed_in(market.council_user).get("/alerts/?show=new&format=csv"))
    assert rows[0] == ["Opened", "Location", "CQC location ID", "Council", "Alert", "Message", "Status"]
    assert ["1-101", "'=Outbreak", "New"] in [[row[2], row[5], row[6]] for row in rows[1:]]
    assert {row[2] for row in rows[1:]} <= {"1-101", "1-103", "1-201"}  # Manchester's only
    assert len(rows) - 1 == scope.visible_alerts(market.council_user).filter(
        cleared_at=None, acknowledged_at=None, resolved_at=None).count()
    region = csv_rows(signed_in(market.region_user).get(f"/alerts/?council=E08000006&rule={rule.key}&format=csv"))
    assert [row[2] for row in region[1:]] == ["1-102"]


def test_the_chase_list_downloads_as_a_workbook(market):
    response = signed_in(market.council_user).get("/councils/E08000003/chase/?format=xlsx")
    rows = xlsx_rows(response)
    assert rows[0][:3] == ["Location", "CQC location ID", "Provider"]
    assert "Oak House" not in [row[0] for row in rows[1:]]  # it has sent this week's return


def test_a_locations_history_downloads_as_its_table(market):
    client = signed_in(market.council_user)
    rows = csv_rows(client.get("/locations/1-101/?weeks=4&template=care-home&format=csv"))
    assert rows[0][:2] == ["Section", "Figure"]
    assert len(rows[0]) == 2 + 4  # one column a week
    assert rows[1][:2] == ["", "Return sent"]
    beds = next(row for row in rows if row[1] == "Total beds")
    assert beds[2] == "48"  # this week, newest first
    assert client.get("/locations/1-101/?template=nonsense&format=csv").status_code == 404


# The scorecard


def test_the_scorecard_puts_the_councils_side_by_side(market):
    client = signed_in(market.region_user)
    page = table_with(client.get("/regions/E12000002/scorecard/").content.decode(), "Measures by council")
    assert page.rows[0] == ["Measure", "Manchester", "Salford"]
    # Manchester: Oak House 48 beds (40 occupied, 6 vacant) + Birch Court 60 (45, 13) = 108 beds,
    # 85 occupied = 78.7%, 19 vacant; 13 of 70 care workers absent = 18.6%; 1 outbreak; Birch Court's
    # 60 beds at risk. Salford: Elm Lodge 30 beds, 27 occupied = 90.0%, 3 vacant, 2 of 20 absent = 10.0%,
    # 1 day of masks. Returns received: Manchester 2 of 3 expected (the agency sends none) = 66.7%.
    assert page.row("Beds") == ["108", "30"]
    assert page.row("Occupancy") == ["78.7%", "90.0%"]
    assert page.row("Vacant beds") == ["19", "3"]
    assert page.row("Staff absence") == ["18.6%", "10.0%"]
    assert page.row("In outbreak") == ["1", "0"]
    assert page.row("PPE under 3 days") == ["0", "1"]
    assert page.row("Returns received") == ["66.7%", "100.0%"]
    assert page.row("Beds at risk") == ["60", "0"]
    rows = csv_rows(client.get("/regions/E12000002/scorecard/?format=csv"))
    assert rows[0] == ["Measure", "Manchester", "Salford"]
    assert rows[1] == ["Beds", "108", "30"]
    assert rows[-1] == ["Beds at risk", "60", "0"]


# Streaming


def test_half_a_million_rows_stream_with_flat_memory():
    """500,000 rows go through without being held: memory stays far below the table's size."""
    def rows():
        for n in range(500_000):
            yield (f"1-{n}", f"Home number {n}", "Manchester", "2026-11-16", 48, 40, 6, True, 14.0)

    tracemalloc.start()
    try:
        response = exports.stream_csv("big.csv", ["id", "name", "council", "week", "a", "b", "c", "d", "e"],
                                      rows())
        size = lines = 0
        for chunk in response.streaming_content:
            size += len(chunk)
            lines += chunk.count(b"\n")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert lines == 500_001
    assert size > 30_000_000  # the file is tens of megabytes...
    assert peak < 5_000_000  # ...but no more than a few batches were ever in memory


def _get(query: str):
    return RequestFactory().get("/councils/E08000003/completeness/" + query)


def _tables():
    return {"by-period": lambda: (["Period", "Received"], [["2026-11-16", 3], ["2026-11-09", "=1+1"]])}


def test_a_pages_table_downloads_by_its_key_with_formulas_neutralised():
    response = exports.table_download(_get("?weeks=8&table=by-period&format=csv"), "completeness-E08000003",
                                      _tables())
    assert response is not None
    assert response["Content-Disposition"] == 'attachment; filename="completeness-E08000003-by-period.csv"'
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text))) == [["Period", "Received"], ["2026-11-16", "3"],
                                                   ["2026-11-09", "'=1+1"]]


def test_a_page_without_a_format_asked_for_is_not_a_download():
    assert exports.table_download(_get("?table=by-period"), "completeness", _tables()) is None


def test_an_unknown_table_is_not_found():
    with pytest.raises(Http404):
        exports.table_download(_get("?table=nothing&format=xlsx"), "completeness", _tables())


def test_the_download_links_keep_the_pages_choices():
    html = Template('{% load downloads %}{% download_links "by-period" "the periods table" %}').render(
        Context({"request": _get("?weeks=8&format=csv&template=care-home")}))
    assert 'href="?weeks=8&amp;template=care-home&amp;table=by-period&amp;format=csv"' in html
    assert 'href="?weeks=8&amp;template=care-home&amp;table=by-period&amp;format=xlsx"' in html
    assert "of the periods table" in html
