"""The PDF: it renders, its pages turn into PNGs, it has the six sections and numbered pages,
it holds only the reader's data, and rendering it fetches nothing from a network."""

import re
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from weasyprint import HTML

from mqis.reports.pdf import BASE_URL, LocalFetcher, RefusedURL, render_pdf
from mqis.reports.report import build_report
from mqis.reports.tests.market import MONDAY, NOW

pytestmark = pytest.mark.django_db
SECTIONS = ["Capacity and occupancy", "Workforce", "Outbreaks and PPE", "Risk", "Completeness", "Forecast"]


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout
    return text.replace("\f", "\n")  # a form feed starts each new page


def page_count(pdf: bytes, tmp_path: Path) -> int:
    path = tmp_path / "count.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    found = re.search(r"^Pages:\s+(\d+)$", info, re.MULTILINE)
    assert found
    return int(found.group(1))


def to_pngs(pdf: bytes, folder: Path, name: str) -> list[Path]:
    path = folder / f"{name}.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(path), str(folder / name)], check=True)
    return sorted(folder.glob(f"{name}-*.png"))


@pytest.fixture
def region_pdf(market) -> bytes:
    return render_pdf(build_report(market.region_user, region=market.region, now=NOW))


@pytest.fixture
def council_pdf(market) -> bytes:
    return render_pdf(build_report(market.council_user, council=market.manchester, now=NOW))


def test_it_renders_a_pdf_whose_every_page_turns_into_a_png(region_pdf, tmp_path):
    assert region_pdf.startswith(b"%PDF")
    pages = page_count(region_pdf, tmp_path)
    pngs = to_pngs(region_pdf, tmp_path, "region")
    assert pages >= 2 and len(pngs) == pages
    assert all(png.read_bytes().startswith(b"\x89PNG") and png.stat().st_size > 5_000 for png in pngs)


def test_it_has_the_cover_the_six_sections_and_numbered_pages(council_pdf, tmp_path):
    text = pdf_text(council_pdf, tmp_path)
    pages = page_count(council_pdf, tmp_path)
    assert "Weekly market report: Manchester" in text
    assert f"Data as at {MONDAY:%-d %B %Y} 01:00" in text
    assert f"Generated {NOW:%-d %B %Y} 12:00" in text
    for heading in SECTIONS:
        assert re.search(rf"^{re.escape(heading)}$", text, re.MULTILINE), heading
    for page in range(1, pages + 1):
        assert f"Page {page} of {pages}" in text
    assert f"Page {pages + 1} of" not in text


def test_a_region_pdf_compares_its_councils(region_pdf, tmp_path):
    text = pdf_text(region_pdf, tmp_path)
    assert "Councils compared" in text
    assert re.search(r"Manchester\s+108\s+83\.3%\s+16\s+16\.2%\s+1\s+1\s+66\.7%\s+2", text)
    assert re.search(r"Salford\s+30\s+90\.0%\s+3\s+10\.0%\s+0\s+1\s+100\.0%\s+0", text)


def test_a_council_officers_pdf_holds_only_their_council(council_pdf, tmp_path):
    text = pdf_text(council_pdf, tmp_path)
    assert "Oak House" in text and "Birch Court" in text
    for elsewhere in ("Salford", "Elm Lodge", "Leeds", "Moor View", "Far Away Care", "North West"):
        assert elsewhere not in text, elsewhere
    # Salford's occupancy (90.0%) and the region's (84.8%) are nowhere either.
    assert "90.0%" not in text and "84.8%" not in text


def test_the_region_pdf_pages_are_kept_for_people_to_look_at(region_pdf, tmp_path, screenshot_dir):
    pngs = to_pngs(region_pdf, tmp_path, "region")
    for number, png in enumerate(pngs[:2], start=1):
        (screenshot_dir / f"report-region-page{number}.png").write_bytes(png.read_bytes())
    assert (screenshot_dir / "report-region-page2.png").exists()


def test_the_fetcher_serves_mqis_own_stylesheet_and_refuses_everything_else():
    fetcher = LocalFetcher()
    css = fetcher.fetch("file:///static/reports/pdf.css")
    assert b"@page" in css.read() and css.content_type == "text/css"
    for url in ("https://fonts.example.org/font.css", "http://127.0.0.1:9/x.png", "file:///etc/passwd",
                "file:///static/../../settings.py", "ftp://example.org/x"):
        with pytest.raises(RefusedURL):
            fetcher.fetch(url)


class Counter(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
        Counter.hits.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        return None


def test_rendering_never_asks_a_server_for_anything():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Counter)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        html = (f'<link rel="stylesheet" href="{url}/style.css"><p>Text</p><img src="{url}/logo.png" alt="">'
                f'<p style="background: url({url}/bg.png)">More</p>')
        pdf = HTML(string=html, base_url=BASE_URL, url_fetcher=LocalFetcher()).write_pdf()
    finally:
        server.shutdown()
        server.server_close()
    assert pdf.startswith(b"%PDF")
    assert Counter.hits == []
