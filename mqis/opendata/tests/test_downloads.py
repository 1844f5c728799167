"""Each table of the open data page as CSV and XLSX, for anyone: exactly the published cells,
"[c]" wherever the page hides a figure, never the true count behind it.

The market and its published cells are worked out by hand in test_open_data.py.
"""

import csv
import io
import re

import openpyxl
import pytest
from django.test import Client

from mqis.opendata.tests.market import build_open_data_market
from mqis.opendata.tests.test_open_data import ALL_REGIONS, HEADINGS, NORTH_WEST, YORKSHIRE
from mqis.oversight.tests.html_tables import tables as html_tables
from mqis.registry.models import Council

pytestmark = pytest.mark.django_db

PAGE = "/open-data/"
C = "[c]"
# table key -> (first heading, {row heading: the page's cells})
TABLES = {
    "all-regions": ("Area", {"All regions": ALL_REGIONS}),
    "region-e12000002": ("Council", NORTH_WEST),
    "region-e12000003": ("Council", YORKSHIRE),
}


@pytest.fixture
def market():
    return build_open_data_market()


def download(key: str, fmt: str = "csv", client: Client | None = None):
    return (client or Client()).get(PAGE, {"table": key, "format": fmt})


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))


def xlsx_rows(response) -> list[list[object]]:
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [list(row) for row in book.active.iter_rows(values_only=True)]


def figure(cell: str) -> object:
    """A page cell as the XLSX holds it: "[c]" and "[z]" as they are, a count a whole number."""
    if cell.startswith("["):
        return cell
    return float(cell) if "." in cell else int(cell.replace(",", ""))


@pytest.mark.parametrize("key", TABLES)
def test_a_table_downloads_with_exactly_the_published_cells(market, key):
    first, rows = TABLES[key]
    expected = [[first, *HEADINGS], *([name, *cells] for name, cells in rows.items())]
    response = download(key)
    start = market.last_week.start.isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="mqis-open-data-{start}-{key}.csv"'
    assert csv_rows(response) == expected
    book = xlsx_rows(download(key, "xlsx"))
    assert book == [expected[0], *([name, *map(figure, cells)] for name, *cells in expected[1:])]


def test_the_xlsx_holds_c_wherever_the_csv_does_and_never_the_hidden_count(market):
    csv_salford = csv_rows(download("region-e12000002"))[3]
    xlsx_salford = xlsx_rows(download("region-e12000002", "xlsx"))[3]
    assert csv_salford == ["Salford", C, "55", C, C, C, C, C, C, C, C]
    assert xlsx_salford == ["Salford", C, 55, C, C, C, C, C, C, C, C]  # truly 2 homes, 55 beds, 47 occupied...
    for key in TABLES:
        text, book = csv_rows(download(key)), xlsx_rows(download(key, "xlsx"))
        assert [[cell == C for cell in row] for row in text] == [[cell == C for cell in row] for row in book]


def test_the_page_links_each_table_to_its_download(market):
    html = Client().get(PAGE).content.decode()
    keys = re.findall(r'href="\?table=([a-z0-9-]+)&amp;format=csv"', html)
    assert keys == list(TABLES)
    assert len(html_tables(html)) == len(keys)
    for key in keys:
        assert f'href="?table={key}&amp;format=xlsx"' in html
    assert 'href="/open-data/councils.csv"' in html  # every row at once, with the area codes, as before


def test_anyone_may_download_without_signing_in_and_signed_in_users_get_the_same(market):
    signed_in = Client()
    signed_in.force_login(market.council_user)
    assert csv_rows(download("region-e12000003", client=signed_in)) == csv_rows(download("region-e12000003"))


def test_an_unknown_table_is_not_found(market):
    assert download("region-e12000001").status_code == 404
    assert download("councils").status_code == 404


def test_with_nothing_published_there_is_no_table_to_download():
    assert download("all-regions").status_code == 404


def test_a_formula_in_a_councils_name_is_written_as_text(market):
    Council.objects.filter(gss_code="E08000001").update(name='=HYPERLINK("http://x.example","y")')
    assert csv_rows(download("region-e12000002"))[1][0] == '\'=HYPERLINK("http://x.example","y")'
    assert xlsx_rows(download("region-e12000002", "xlsx"))[1][0] == '\'=HYPERLINK("http://x.example","y")'
