"""The report as a PDF, by WeasyPrint: A4, charts as SVG, page numbers, nothing from the network.

The PDF's HTML may only load MQIS's own static files (its stylesheet) and `data:` URLs;
any other address, http(s) above all, is refused, so rendering never waits on a network.
"""

import mimetypes
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from mqis.reports.report import Report

BASE_URL = "file:///"


class RefusedURL(ValueError):
    pass


class LocalFetcher(URLFetcher):
    """Serves MQIS's static files and `data:` URLs; refuses every other URL."""

    def fetch(self, url: str, headers: Any = None) -> Any:
        parts = urlsplit(url)
        if parts.scheme == "data":
            return super().fetch(url, headers)
        name = unquote(parts.path).removeprefix(settings.STATIC_URL)
        if parts.scheme == "file" and parts.path.startswith(settings.STATIC_URL) and ".." not in name.split("/"):
            found = finders.find(name)
            if isinstance(found, str):
                kind = mimetypes.guess_type(found)[0] or "application/octet-stream"
                return URLFetcherResponse(url, Path(found).read_bytes(), {"Content-Type": kind})
        raise RefusedURL(f"A report may load only MQIS's own files, not {url}")


def report_html(report: Report) -> str:
    return render_to_string("reports/pdf.html", {"report": report})


def render_pdf(report: Report) -> bytes:
    pdf: bytes = HTML(string=report_html(report), base_url=BASE_URL, url_fetcher=LocalFetcher()).write_pdf()
    return pdf
