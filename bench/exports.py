"""Benchmark: 500,000 returns streamed as CSV (and XLSX) through the real council returns view.

    .venv/bin/python bench/exports.py                    # 10,000 locations x 50 weeks
    .venv/bin/python bench/exports.py --locations 1000   # smaller

On a fresh SQLite file under /tmp a child process builds one council with --locations care
homes and --weeks weekly periods and inserts one return per location and week with plain
executemany (so building the data does not count towards the peak memory measured); this
process then signs a council officer in and reads GET /councils/<gss>/returns.csv to the end with Django's test client:
the full stack (URL, scope check, queryset iterator, csv writer, StreamingHttpResponse).
It prints rows/s and the peak resident memory (resource.getrusage), and whether the target
(50,000 rows/s, under 200 MB) is met. --xlsx also times the XLSX download, which openpyxl
writes to a temporary file first (write-only mode keeps its memory flat too).
"""

import argparse
import datetime as dt
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

WORK = Path(os.environ.get("MQIS_BENCH_WORK") or tempfile.mkdtemp(prefix="mqis-bench-exports-"))
TARGET_ROWS_PER_SECOND = 50_000
TARGET_PEAK_MB = 200
GSS = "E08000003"


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def setup_django() -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{WORK / 'bench.sqlite3'}"
    os.environ.setdefault("MQIS_DATA_DIR", str(WORK))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mqis.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import django

    django.setup()


def build(locations: int, weeks: int) -> Any:
    """The council, its homes, the periods and every return; the council officer who may see them."""
    from django.contrib.auth.models import User
    from django.db import connection, transaction

    from mqis.accounts.models import Membership, Role
    from mqis.registry.models import Council, Location, Provider, Region
    from mqis.returns.periods import period_for
    from mqis.returns.templates import current_template

    region = Region.objects.create(code="E12000002", name="North West")
    council = Council.objects.create(gss_code=GSS, name="Manchester", region=region)
    provider = Provider.objects.create(cqc_provider_id="1-000000001", name="Bench Care Group")
    Location.objects.bulk_create(
        [Location(cqc_location_id=f"1-{100000000 + i}", name=f"Bench Home {i}", provider=provider,
                  council=council, care_home=True, beds=60, is_synthetic=True) for i in range(locations)],
        batch_size=2000,
    )
    template = current_template("care-home")
    today = dt.date.today()
    periods = [period_for(template, today - dt.timedelta(weeks=w)).pk for w in range(weeks)]
    location_ids = list(Location.objects.values_list("pk", flat=True))
    now = connection.ops.adapt_datetimefield_value(dt.datetime.now(dt.UTC))

    def rows() -> Iterator[tuple[Any, ...]]:
        for n, period in enumerate(periods):
            for i, location in enumerate(location_ids):
                occupied = 30 + (i + n) % 30
                yield (location, period, template.pk, "{}", now, "upload", True,
                       60, occupied, 60 - occupied, 40, (i * n) % 7, (i + n) % 11 == 0, 14.0)

    with transaction.atomic():
        connection.ensure_connection()
        cursor = connection.connection.cursor()
        cursor.executemany(
            "INSERT INTO returns_return (location_id, period_id, template_id, \"values\", submitted_at, "
            "channel, on_time, beds_total, beds_occupied, beds_vacant, care_workers_headcount, "
            "care_workers_absent, in_outbreak, ppe_min_days) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows(),
        )
        cursor.close()
    user = User.objects.create_user("bench.officer", "bench@example.org", "bench")
    Membership.objects.create(user=user, role=Role.COUNCIL, council=council)
    return user


def download(user: Any, suffix: str, gss: str = GSS) -> tuple[int, int, float, float]:
    """Read the whole download: (bytes, lines, wall seconds, CPU seconds)."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    started, cpu = time.perf_counter(), time.process_time()
    response = client.get(f"/councils/{gss}/returns.{suffix}")
    if not response.streaming:
        return 0, 0, 0.0, 0.0
    size = lines = 0
    for chunk in response.streaming_content:
        size += len(chunk)
        lines += chunk.count(b"\n")
    response.close()
    return size, lines, time.perf_counter() - started, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--locations", type=int, default=10_000)
    parser.add_argument("--weeks", type=int, default=50)
    parser.add_argument("--xlsx", action="store_true", help="also time the XLSX download")
    parser.add_argument("--build", action="store_true", help=argparse.SUPPRESS)  # the child's job
    args = parser.parse_args()
    if args.build:
        setup_django()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        build(args.locations, args.weeks)
        return
    started = time.perf_counter()
    subprocess.run([sys.executable, __file__, "--build", f"--locations={args.locations}", f"--weeks={args.weeks}"],
                   check=True, env={**os.environ, "MQIS_BENCH_WORK": str(WORK)})
    setup_django()
    from django.contrib.auth.models import User
    from django.db import connection

    try:
        user = User.objects.get(username="bench.officer")
        rows = args.locations * args.weeks
        print(f"database: {connection.vendor}; built {rows:,} returns in {time.perf_counter() - started:.1f} s "
              "(in a child process)")
        download(user, "csv", GSS[:-1] + "0")  # first request: loads the views (404: no such council)
        print(f"peak RSS before the export (Django loaded, one request served): {peak_mb():.0f} MB")
        size, lines, seconds, cpu = download(user, "csv")
        assert lines == rows + 1, f"{lines:,} lines for {rows:,} returns"
        csv_peak = peak_mb()
        print(f"CSV:  {rows:,} rows, {size / 1024 / 1024:.1f} MB in {seconds:.2f} s = {rows / seconds:,.0f} rows/s "
              f"(CPU {rows / cpu:,.0f} rows/s); peak RSS {csv_peak:.0f} MB")
        met = rows / seconds >= TARGET_ROWS_PER_SECOND and csv_peak < TARGET_PEAK_MB
        print(f"target {TARGET_ROWS_PER_SECOND:,} rows/s under {TARGET_PEAK_MB} MB: {'met' if met else 'NOT met'}")
        if args.xlsx:
            size, _, seconds, cpu = download(user, "xlsx")
            print(f"XLSX: {rows:,} rows, {size / 1024 / 1024:.1f} MB in {seconds:.2f} s = "
                  f"{rows / seconds:,.0f} rows/s (CPU {rows / cpu:,.0f} rows/s); peak RSS {peak_mb():.0f} MB")
    finally:
        connection.close()
        shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
