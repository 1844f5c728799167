"""Benchmark: a 100,000-row bulk upload, end to end, against a plain load as the ceiling.

    .venv/bin/python bench/bulk_upload.py                       # temporary SQLite file
    DATABASE_URL=postgresql://user@127.0.0.1:54391/postgres .venv/bin/python bench/bulk_upload.py

What it does, on a fresh database (a temporary SQLite file, or a new database created
on the PostgreSQL server named by DATABASE_URL and dropped afterwards):

1. builds a registry of --locations synthetic care homes (default 2,000) run by one
   provider, and that provider's user;
2. writes a CSV with one row per location for each of --weeks recent weeks (default
   50, so 100,000 rows), every row valid;
3. times `import_bulk` (read, validate, store with audit rows) on it, then again on
   the same file (which must change nothing), then `import_bulk(dry_run=True)`;
4. deletes the returns and times the ceiling: the same rows read with the csv module
   and written with one plain COPY (PostgreSQL) or `executemany` (SQLite) per table (no
   validation, no audit logic);
5. prints rows/s (wall clock, and CPU time, which is steadier on a shared machine), the
   ratio to the ceiling, the peak resident memory of the process so far, and whether
   the target (5,000 rows/s for new returns, under 1 GB) is met.

Fifty weekly periods reach back almost a year, and a weekly period normally closes
14 days after it ends. So the benchmark publishes a new version of the care home
template whose schedule keeps periods open for 400 days ("closes_days_after_end": 400);
periods are then created by the normal code from that schedule.
"""

import argparse
import csv
import datetime as dt
import json
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

WORK = Path(tempfile.mkdtemp(prefix="mqis-bench-"))
TARGET_ROWS_PER_SECOND = 5000
PPE = ("masks", "gloves", "aprons", "eye", "hand_hygiene")
HEADER = ["cqc_location_id", "period", "beds_total", "beds_occupied", "beds_closed",
          "beds_vacant", "admissions_status", "admissions_closed_reason", "nurses_headcount",
          "nurses_absent", "care_workers_headcount", "care_workers_absent", "agency_hours",
          "residents_confirmed", "staff_confirmed", "outbreak_status",
          *(f"ppe_days_{item}" for item in PPE), "residents_vaccinated_pct", "support_needed"]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine_speed() -> float:
    """Seconds for a fixed pure-Python loop: this shared machine's speed varies by up to two
    times from hour to hour, so each run says how fast the machine was when it ran."""
    started = time.perf_counter()
    total = 0
    for i in range(10_000_000):
        total += i
    return time.perf_counter() - started


def fresh_database() -> tuple[str, str | None]:
    """Return (DATABASE_URL for the run, name of a PostgreSQL database to drop after)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return f"sqlite:///{WORK / 'bench.sqlite3'}", None
    import psycopg

    name = f"mqis_bench_{os.getpid()}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}")), name


def drop_database(name: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(os.environ["MQIS_BENCH_ADMIN_URL"], autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def build_registry(count: int) -> object:
    from django.contrib.auth.models import User

    from mqis.accounts.models import Membership, Role
    from mqis.registry.models import Council, Location, Provider, Region
    from mqis.returns.templates import current_template, definition_of, publish_version

    region = Region.objects.create(code="E12000002", name="North West")
    council = Council.objects.create(gss_code="E08000003", name="Manchester", region=region)
    provider = Provider.objects.create(cqc_provider_id="1-000000001", name="Bench Care Group")
    Location.objects.bulk_create(
        [Location(cqc_location_id=f"1-{100000000 + i}", name=f"Bench Home {i}", provider=provider,
                  council=council, care_home=True, beds=60, is_synthetic=True)
         for i in range(count)],
        batch_size=1000,
    )
    user = User.objects.create_user("bench", "bench@example.org", "bench")
    Membership.objects.create(user=user, role=Role.PROVIDER, provider=provider)
    definition = definition_of(current_template("care-home"))
    definition["schedule"] = {**definition["schedule"], "closes_days_after_end": 400}
    publish_version("care-home", definition)
    return user


def row_values(rng: random.Random) -> list[object]:
    total = rng.randint(30, 90)
    closed = rng.randint(0, 3)
    occupied = rng.randint(0, total - closed)
    vacant = total - occupied - closed
    nurses, carers = rng.randint(0, 15), rng.randint(20, 60)
    closed_to_admissions = rng.random() < 0.1
    return [total, occupied, closed, vacant, "closed" if closed_to_admissions else "open",
            "staffing" if closed_to_admissions else "", nurses, rng.randint(0, nurses),
            carers, rng.randint(0, carers // 4), rng.randint(0, 400), rng.randint(0, occupied // 10),
            rng.randint(0, 3), rng.choice(["none", "none", "none", "suspected", "confirmed"]),
            *(rng.randint(0, 30) for _ in PPE), round(rng.uniform(60, 100), 1),
            rng.choice(["", "", "", "Agency nurses at weekends", "More masks, please"])]


def write_csv(path: Path, locations: int, weeks: int) -> int:
    rng = random.Random(2026)
    monday = dt.date.today() - dt.timedelta(days=dt.date.today().weekday())
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for week in range(weeks):
            day = (monday - dt.timedelta(weeks=week)).isoformat()
            for i in range(locations):
                writer.writerow([f"1-{100000000 + i}", day, *row_values(rng)])
    return locations * weeks


def timed(label: str, rows: int, work: Callable[[], object]) -> float:
    started, cpu = time.perf_counter(), time.process_time()
    outcome = work()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"{label:<32} {seconds:6.2f} s {rows / seconds:8,.0f} rows/s   "
          f"(CPU {cpu:6.2f} s {rows / cpu:8,.0f} rows/s)   peak RSS {peak_mb():5.0f} MB")
    if outcome is not None:
        print(f"{'':<32} {outcome}")
    return seconds


def plain_cursor() -> Any:
    """The driver's own cursor: sqlite3's, or psycopg's with server-side binding (Django's
    PostgreSQL cursor binds on the client, which makes executemany send unprepared queries)."""
    from django.db import connection

    connection.ensure_connection()
    if connection.vendor == "postgresql":
        import psycopg

        return psycopg.Cursor(connection.connection), "%s"
    return connection.connection.cursor(), "?"


def ceiling(path: Path) -> None:
    """The same rows, read with csv and written by COPY or executemany: no validation, no audit logic."""
    from django.db import connection, transaction
    from django.utils import timezone

    from mqis.registry.models import Location
    from mqis.returns.models import Period
    from mqis.returns.templates import current_template

    location_ids = dict(Location.objects.values_list("cqc_location_id", "pk"))
    period_ids = {p.start.isoformat(): p.pk for p in Period.objects.all()}
    template_id = current_template("care-home").pk
    to_json, to_time = connection.ops.adapt_json_value, connection.ops.adapt_datetimefield_value
    now = to_time(timezone.now())
    with path.open(newline="", encoding="utf-8") as source, transaction.atomic():
        reader = csv.reader(source)
        header = next(reader)
        params = []
        for row in reader:
            values = {k: v for k, v in zip(header[2:], row[2:], strict=True) if v != ""}
            params.append((location_ids[row[0]], period_ids[row[1]], template_id,
                           to_json(values, None), now, "upload", True))
        if connection.vendor == "postgresql":
            copy_ceiling(params, now)
            return
        cursor, mark = plain_cursor()
        with closing(cursor):
            marks = ", ".join([mark] * 7)
            cursor.executemany(
                "INSERT INTO returns_return (location_id, period_id, template_id, \"values\", "
                f"submitted_at, channel, on_time) VALUES ({marks})", params)
            cursor.execute('SELECT id, "values" FROM returns_return')
            changes = [(rid, now, "upload", 2, to_json(json.loads(v) if isinstance(v, str) else v,
                                                       None))
                       for rid, v in cursor.fetchall()]
            marks = ", ".join([mark] * 5)
            cursor.executemany(
                "INSERT INTO returns_returnchange (return_obj_id, changed_at, channel, "
                f"template_version, diff) VALUES ({marks})", changes)


def copy_ceiling(params: list[tuple[Any, ...]], now: Any) -> None:
    """PostgreSQL's plain load: one COPY per table, in the caller's transaction."""
    from django.db import connection

    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy("COPY returns_return (location_id, period_id, template_id, \"values\", "
                      "submitted_at, channel, on_time) FROM STDIN") as copy:
            for row in params:
                copy.write_row(row)
        raw.execute('SELECT id, "values" FROM returns_return')
        changes = raw.fetchall()
        with raw.copy("COPY returns_returnchange (return_obj_id, changed_at, channel, "
                      "template_version, diff) FROM STDIN") as copy:
            for rid, values in changes:
                copy.write_row((rid, now, "upload", 2, connection.ops.adapt_json_value(values, None)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--locations", type=int, default=2000)
    parser.add_argument("--weeks", type=int, default=50)
    parser.add_argument("--profile", action="store_true",
                        help="profile the first import with cProfile and print where its time goes")
    args = parser.parse_args()

    admin_url = os.environ.get("DATABASE_URL", "")
    url, pg_name = fresh_database()
    os.environ["MQIS_BENCH_ADMIN_URL"] = admin_url
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("MQIS_DATA_DIR", str(WORK))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mqis.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from mqis.returns.bulk import import_bulk
    from mqis.returns.models import Return, ReturnChange

    try:
        call_command("migrate", verbosity=0)
        print(f"database: {connection.vendor} ({connection.settings_dict['NAME']}); "
              f"reference loop {machine_speed():.2f} s (lower is a faster machine)")
        user = build_registry(args.locations)
        path = WORK / "returns.csv"
        rows = write_csv(path, args.locations, args.weeks)
        size = path.stat().st_size / 1024 / 1024
        print(f"file: {rows:,} rows, {size:.1f} MB; baseline peak RSS {peak_mb():.0f} MB")

        def upload(**options: Any) -> str:
            with path.open("rb") as source:
                result = import_bulk(source, user=user, template_slug="care-home", **options)
            assert not result.errors, result.errors[:5]
            return result.message

        if args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            first = timed("import_bulk (new returns, profiled)", rows, lambda: profiler.runcall(upload))
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
        else:
            first = timed("import_bulk (new returns)", rows, upload)
        timed("import_bulk (same file again)", rows, upload)
        timed("import_bulk (dry run)", rows, lambda: upload(dry_run=True))
        import_peak = peak_mb()
        stored = Return.objects.count(), ReturnChange.objects.count()
        ReturnChange.objects.all().delete()
        Return.objects.all().delete()
        plain = "COPY" if connection.vendor == "postgresql" else "executemany"
        floor = timed(f"ceiling: csv + {plain}", rows, lambda: ceiling(path))
        assert Return.objects.count() == stored[0], "the ceiling must write the same rows"
        print(f"import_bulk reaches {floor / first:.0%} of the ceiling's speed "
              f"({first / floor:.1f}x slower); stored {stored[0]:,} returns, "
              f"{stored[1]:,} audit rows")
        verdict = "met" if rows / first >= TARGET_ROWS_PER_SECOND else "NOT met"
        print(f"target {TARGET_ROWS_PER_SECOND:,} rows/s for new returns: {verdict}; "
              f"peak RSS during the imports {import_peak:.0f} MB (limit 1,024 MB)")
    finally:
        connection.close()
        if pg_name:
            drop_database(pg_name)
        shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
