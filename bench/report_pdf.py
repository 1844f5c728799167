"""Time the weekly report on the demo region: the region's PDF (the target: under 20 s) and a
council's, each built from the regional analyst's scope and rendered by WeasyPrint.

Usage: MQIS_DATA_DIR=/tmp/report-demo python bench/report_pdf.py [--runs 3]
Loads the demo region first if the database does not have it yet.
"""

import argparse
import os
import platform
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mqis.settings")

# Django must be set up before models are imported, hence the E402 exceptions below.
import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402

from mqis.registry.models import Council, Location, Region  # noqa: E402
from mqis.reports.pdf import render_pdf  # noqa: E402
from mqis.reports.report import build_report  # noqa: E402
from mqis.returns.models import Return  # noqa: E402

TARGET_SECONDS = 20.0


def pages(pdf: bytes) -> int:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        Path(file.name).write_bytes(pdf)
        info = subprocess.run(["pdfinfo", file.name], check=True, capture_output=True, text=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def timed(user: User, runs: int, area: Council | Region) -> tuple[list[float], list[float], bytes]:
    """(seconds to build the report, seconds to render it, the last PDF) over `runs` runs."""
    built, rendered, pdf = [], [], b""
    for _ in range(runs):
        started = time.perf_counter()
        if isinstance(area, Council):
            report = build_report(user, council=area)
        else:
            report = build_report(user, region=area)
        middle = time.perf_counter()
        pdf = render_pdf(report)
        built.append(middle - started)
        rendered.append(time.perf_counter() - middle)
    return built, rendered, pdf


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    if not User.objects.filter(username="nw.analyst").exists():
        call_command("seed_demo")
    analyst = User.objects.get(username="nw.analyst")
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"database: {engine}; locations {Location.objects.count()}, returns {Return.objects.count()}")
    print(f"{'report':<24}{'build':>9}{'render':>9}{'total p50':>11}{'total max':>11}{'pages':>7}{'size':>9}")
    areas: dict[str, Council | Region] = {"region (North West)": Region.objects.get(code="E12000002"),
                                          "council (Manchester)": Council.objects.get(gss_code="E08000003")}
    region_worst = 0.0
    for name, area in areas.items():
        built, rendered, pdf = timed(analyst, args.runs, area)
        totals = [b + r for b, r in zip(built, rendered, strict=True)]
        print(f"{name:<24}{statistics.median(built):>8.2f}s{statistics.median(rendered):>8.2f}s"
              f"{statistics.median(totals):>10.2f}s{max(totals):>10.2f}s{pages(pdf):>7}{len(pdf) / 1024:>7.0f}KB")
        region_worst = max(totals) if "region" in name else region_worst
    verdict = "met" if region_worst < TARGET_SECONDS else "NOT met"
    print(f"target: the region's PDF under {TARGET_SECONDS:.0f} s at worst: {verdict}")


if __name__ == "__main__":
    main()
