"""The public open data page and CSV: exact figures, small numbers hidden, and nothing disclosed.

The market (mqis.lib.testing.build_market, plus homes and agencies: tests/market.py), with
these returns for last week (whose deadline has passed; this week's is moved into the
future, so last week is the latest complete week):

North West
  Bolton (new)     6 homes B1-B6, 10 registered beds each; each returns 10 beds, 9 occupied,
                   1 vacant; B1-B5 in a confirmed outbreak. No agencies.
  Manchester       Oak House (48 registered): 48 beds, 40 occupied, 6 vacant (2 closed);
                   Birch Court (60): 60, 50, 10, closed to admissions, confirmed outbreak;
                   M3-M6 (20 each): 20, 18, 2; M7 (20): no return last week (one 2 weeks ago).
                   Agencies: Acme Homecare and 4 more, all 5 return.
                   Oak House's return for this week (not yet due) is not counted.
  Salford          Elm Lodge (30): 30, 27, 3; S2 (25): 25, 20, 5, 2 days of masks (short of PPE).
                   1 agency returns.
Yorkshire and The Humber
  Bradford (new)   1 home (15 registered beds), no return; 1 agency returns.
  Leeds            Moor View (40): 40, 35, 5; L2-L5 (10 each): 10, 10, 0.
                   A deregistered home (50 beds) returned in an outbreak: not counted.

True figures (care homes reporting, registered beds, beds reported, occupied, vacant,
in outbreak, closed to admissions, short of PPE, agencies reporting):
  Bolton       6   60   60   54   6   5  0  0  0
  Manchester   6  208  188  162  24   1  1  0  5
  Salford      2   55   55   47   8   0  0  1  1
  North West  14  323  303  263  38   6  1  1  6
  Bradford     0   15    0    0   0   0  0  0  1
  Leeds        5   80   80   75   5   0  0  0  0
  Yorkshire    5   95   80   75   5   0  0  0  1
  All         19  418  383  338  43   6  1  1  7

What is hidden, and why:
- Salford has 2 homes reporting: that count, and all its figures from returns, are [c].
- Care homes reporting: Salford's 2 would be 14 - 6 - 6; Bolton (the first of two equal
  smallest) is hidden too.
- Beds: Salford's would be the region's less the others; Bolton's (60 beds, fewer than
  Manchester's 188) are hidden with them.
- In outbreak: Manchester's 1 and Salford's (small group) would be 6 - 5 = 1, so one each;
  hiding Bolton's 5 is not enough (a hidden 5 beside a [c] of at least 1 adding up to 6
  gives both away), so the region's total goes, and then the overall total (Yorkshire's is 0).
- Closed to admissions and short of PPE: the 1s of the region and of all regions are small
  counts themselves, so they are hidden and nothing more is needed.
- Agencies: Salford's 1 and Bradford's 1 (Yorkshire's total is 1 too); Manchester's 5 and
  then the North West's 6 and the overall 7 go with them.
"""

import datetime as dt
import re

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mqis.opendata import council_week, tables
from mqis.opendata.disclosure import INF, Range, hierarchy
from mqis.opendata.tests.audit import disclosed
from mqis.opendata.tests.market import beds, build_open_data_market, valid
from mqis.oversight.tests.html_tables import table_with
from mqis.oversight.tests.html_tables import tables as html_tables
from mqis.registry.models import Council, Location, Provider
from mqis.returns.models import Period
from mqis.returns.services import Submission, store
from mqis.returns.templates import current_template

pytestmark = pytest.mark.django_db

PAGE, CSV = "/open-data/", "/open-data/councils.csv"
C, Z = "[c]", "[z]"
HEADINGS = ["Care homes reporting", "Registered beds", "Beds reported", "Occupied beds", "Vacant beds",
            "Occupancy (%)", "Care homes in outbreak", "Care homes closed to admissions",
            "Care homes short of PPE", "Home care agencies reporting"]
NORTH_WEST = {
    "Bolton": [C, "60", C, C, C, C, C, "0", "0", "0"],
    "Manchester": ["6", "208", "188", "162", "24", "86.2", C, C, "0", C],
    "Salford": [C, "55", C, C, C, C, C, C, C, C],
    "Total for North West": ["14", "323", "303", "263", "38", "86.8", C, C, C, C],
}
YORKSHIRE = {
    "Bradford": ["0", "15", "0", "0", "0", Z, "0", "0", "0", C],
    "Leeds": ["5", "80", "80", "75", "5", "93.8", "0", "0", "0", "0"],
    "Total for Yorkshire and The Humber": ["5", "95", "80", "75", "5", "93.8", "0", "0", "0", C],
}
ALL_REGIONS = ["19", "418", "383", "338", "43", "88.3", C, C, C, C]
# The true figures, by row code, in the order of tables.COUNTED.
TRUE = {
    "E08000001": [6, 60, 60, 54, 6, 5, 0, 0, 0],
    "E08000003": [6, 208, 188, 162, 24, 1, 1, 0, 5],
    "E08000006": [2, 55, 55, 47, 8, 0, 0, 1, 1],
    "E12000002": [14, 323, 303, 263, 38, 6, 1, 1, 6],
    "E08000032": [0, 15, 0, 0, 0, 0, 0, 0, 1],
    "E08000035": [5, 80, 80, 75, 5, 0, 0, 0, 0],
    "E12000003": [5, 95, 80, 75, 5, 0, 0, 0, 1],
    "ALL": [19, 418, 383, 338, 43, 6, 1, 1, 7],
}
RELATIONS = hierarchy({"E12000002": ["E08000001", "E08000003", "E08000006"],
                       "E12000003": ["E08000032", "E08000035"]}, "ALL")


@pytest.fixture
def market():
    return build_open_data_market()


def rows_of(table):
    return {row[0]: row[1:] for row in table.rows[1:]}


def page_html(client=None):
    response = (client or Client()).get(PAGE)
    assert response.status_code == 200
    return response.content.decode()


def csv_rows(client=None):
    response = (client or Client()).get(CSV)
    assert response.status_code == 200
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return [line.split(",") for line in text.removeprefix("\ufeff").splitlines()]


# The figures


def test_it_publishes_each_councils_figures_with_small_numbers_hidden(market):
    html = page_html()
    north_west = table_with(html, "each council in North West")
    assert north_west.rows[0] == ["Council", *HEADINGS]
    assert rows_of(north_west) == NORTH_WEST
    assert rows_of(table_with(html, "each council in Yorkshire and The Humber")) == YORKSHIRE
    assert rows_of(table_with(html, "all regions together")) == {"All regions": ALL_REGIONS}


def test_it_is_for_the_latest_week_whose_returns_are_due(market):
    html = page_html()
    start, end = market.last_week.start, market.last_week.end
    assert f"{start.day}" in html and f"{end:%-d %B %Y}" in html
    rows = csv_rows()
    assert {(r[5], r[6]) for r in rows[1:]} == {(start.isoformat(), end.isoformat())}


def test_it_moves_to_this_week_once_its_deadline_passes(market):
    page_html()  # cached for last week
    Period.objects.filter(start=market.this_week.start).update(due_at=timezone.now() - dt.timedelta(minutes=1))
    rows = csv_rows()
    manchester = next(r for r in rows if r[1] == "E08000003")
    assert manchester[5] == market.this_week.start.isoformat()
    # Only Oak House has sent this week’s return: a count of 1, and every figure from it hidden.
    assert manchester[7:17] == [C, "208", C, C, C, C, C, C, C, "0"]


def test_a_return_saved_after_a_view_is_in_the_next_view(market):
    page_html()
    care = current_template("care-home")
    late = Location.objects.get(cqc_location_id="1-217")
    store([Submission(late, market.last_week, care, valid(care, beds(20, 18, 2)))], user=None, channel="demo")
    assert rows_of(table_with(page_html(), "each council in North West"))["Manchester"][:5] == [
        "7", "208", "208", "180", "26"]


def test_it_lists_only_councils_with_an_active_location(market):
    wigan = Council.objects.create(gss_code="E08000010", name="Wigan", region=market.region)
    Location.objects.create(cqc_location_id="1-999", name="Gone", provider=market.acme, council=wigan,
                            care_home=True, beds=10, deregistered=True)
    Council.objects.create(gss_code="E08000011", name="Empty", region=market.region)
    assert set(rows_of(table_with(page_html(), "each council in North West"))) == set(NORTH_WEST)


def test_it_says_so_when_there_is_nothing_to_publish():
    assert "There are no figures to publish yet" in page_html()
    assert csv_rows() == [tables_header()]


def tables_header():
    from mqis.opendata.views import CSV_AREA_COLUMNS

    return CSV_AREA_COLUMNS + [m.key for m in tables.MEASURES]


# The disclosure test


def published_table(rows):
    """The CSV's counted figures: column -> row code -> figure, None where hidden."""
    header = rows[0]
    found = {key: {} for key in tables.COUNTED}
    for row in rows[1:]:
        code = row[1] or "ALL"
        for key in tables.COUNTED:
            cell = row[header.index(key)]
            found[key][code] = None if cell == C else int(cell)
    return found


def attacker_knows(key, code, true_value):
    """What someone who knows the rules can tell about a hidden figure, given the truth.

    A small group (1 to 4 homes reporting) hides its counts (0 to 4) and its beds (any
    number); a count of 1 to 4 is 1 to 4; a figure hidden to protect another is at least
    the smallest that could have been published (5 for a count, 1 for beds reported).
    """
    reporting = TRUE[code][0]
    small_group = 1 <= reporting <= 4
    if key in tables.BEDS:
        if small_group:
            return Range(0)
        return Range(1 if key == "beds_reported" and true_value else 0)
    if small_group and key in tables.HOME_COUNTS:
        return Range(0, 4)
    if 1 <= true_value <= 4:
        return Range(1, 4)
    return Range(5) if true_value else Range(0)


def test_no_published_cell_lets_a_hidden_figure_be_worked_out(market):
    published = published_table(csv_rows())
    truth = {key: {code: TRUE[code][i] for code in TRUE} for i, key in enumerate(tables.COUNTED)}
    known = {}
    for key, column in published.items():
        known[key] = {code: attacker_knows(key, code, truth[key][code]) for code, v in column.items() if v is None}
        for code, value in column.items():
            # Every published figure is true, and every small count is hidden.
            assert value is None or value == truth[key][code]
            if key not in tables.PUBLIC and 1 <= truth[key][code] <= 4:
                assert value is None
        for code, rows in known[key].items():
            assert rows.low <= truth[key][code] <= rows.high
    # In each sum (councils -> region -> all), a hidden figure never stands alone.
    for key, column in published.items():
        for relation in RELATIONS:
            hidden = [row for row in (relation.total, *relation.parts) if column[row] is None]
            assert len(hidden) != 1, f"{key}: {hidden[0]} is the only hidden figure in its sum"
    # And no hidden figure has only one possible value, even with the links between columns.
    at_most = [(["care_homes_in_outbreak"], "care_homes_reporting"),
               (["care_homes_closed_to_admissions"], "care_homes_reporting"),
               (["care_homes_short_of_ppe"], "care_homes_reporting"),
               (["occupied_beds", "vacant_beds"], "beds_reported")]
    assert disclosed(published, known, RELATIONS, at_most) == []


def test_the_algorithms_ranges_are_true_and_no_wider_than_the_rules_say(market):
    week = council_week.latest_due_week()
    assert week is not None
    figures = council_week.by_council(week)
    councils = list(Council.objects.filter(pk__in=list(figures)).select_related("region")
                    .order_by("region__name", "name"))
    table = tables.true_table(councils, figures)
    assert {code: [table.values[k][code] for k in tables.COUNTED] for code in TRUE} == TRUE
    for key, hidden in tables.hide(table).items():
        for code, known in hidden.items():
            assert known.low <= table.values[key][code] <= known.high
            assert known.high in (4, INF)


# Access, the CSV, and what is never shown


def test_anyone_may_see_the_page_and_the_csv_without_signing_in(market):
    for url in (PAGE, CSV):
        assert Client().get(url).status_code == 200
    signed_in = Client()
    signed_in.force_login(market.council_user)
    assert signed_in.get(PAGE).status_code == 200
    assert Client().post(PAGE).status_code == 405


def test_the_page_shows_no_private_menu_to_an_anonymous_visitor(market):
    html = page_html()
    for private in ("Sign out", "Alerts", "Submit a return", "Bulk upload", "Import CQC file", "Dashboard"):
        assert private not in html


def test_it_names_no_location_or_provider(market):
    html, text = page_html(), Client().get(CSV).content.decode()
    names = list(Location.objects.values_list("name", flat=True)) + list(
        Provider.objects.values_list("name", flat=True))
    ids = list(Location.objects.values_list("cqc_location_id", flat=True))
    for name in names + ids:
        assert name not in html and name not in text


def test_the_csv_has_the_pages_cells(market):
    rows = csv_rows()
    assert rows[0] == tables_header()
    html = page_html()
    on_page = {}
    for table in html_tables(html):
        on_page |= {row[0]: row[1:] for row in table.rows[1:]}
    names = {"region": "Total for {}", "total": "{}", "council": "{}"}
    for row in rows[1:]:
        heading = names[row[0]].format(row[2])
        assert [cell.replace(",", "") for cell in on_page[heading]] == row[7:], heading
    assert [r[:5] for r in rows[1:]] == [
        ["council", "E08000001", "Bolton", "E12000002", "North West"],
        ["council", "E08000003", "Manchester", "E12000002", "North West"],
        ["council", "E08000006", "Salford", "E12000002", "North West"],
        ["region", "E12000002", "North West", "E12000002", "North West"],
        ["council", "E08000032", "Bradford", "E12000003", "Yorkshire and The Humber"],
        ["council", "E08000035", "Leeds", "E12000003", "Yorkshire and The Humber"],
        ["region", "E12000003", "Yorkshire and The Humber", "E12000003", "Yorkshire and The Humber"],
        ["total", "", "All regions", "", ""],
    ]


def test_the_csv_is_a_named_text_csv_download(market):
    response = Client().get(CSV)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    start = market.last_week.start.isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="mqis-open-data-councils-{start}.csv"'


def test_the_csv_never_starts_a_cell_with_a_formula(market):
    Council.objects.filter(gss_code="E08000001").update(name="=HYPERLINK(\"x\")")
    Council.objects.filter(gss_code="E08000006").update(name="@Salford")
    text = Client().get(CSV).content.decode()
    assert "'=HYPERLINK" in text and ",'@Salford," in text
    assert not re.search(r"(^|,)[=+\-@]", text, re.MULTILINE)


def test_the_page_states_its_method_licence_and_sources(market):
    html = page_html()
    assert "Contains data from MQIS returns, published under the" in html
    assert ">Open Government Licence v3.0</a>" in html
    assert "Contains CQC data © Care Quality Commission" in html
    assert "are not checked by the council" in html
    assert 'href="/open-data/councils.csv"' in html
    assert '<abbr title="confidential">[c]</abbr>' in html
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=\"https?://", html)


# Speed


def test_it_costs_a_few_queries_and_three_once_cached(market):
    with CaptureQueriesContext(connection) as cold:
        page_html()
    with CaptureQueriesContext(connection) as warm:
        page_html()
    # The templates and the week's periods, the data version; then the locations, the care
    # home returns and the agency returns, grouped by council, the templates again and the councils.
    assert len(cold) == 8
    assert len(warm) == 3


def test_signed_in_visitors_share_the_cached_figures(market):
    page_html()
    client = Client()
    client.force_login(User.objects.get(username="nw.analyst"))
    with CaptureQueriesContext(connection) as warm:
        client.get(PAGE)
    assert not any("returns_return" in q["sql"] and "GROUP BY" in q["sql"] for q in warm)
