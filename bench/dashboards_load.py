"""Dashboards under load: signed-in clients against the real server, with and without writes.

Usage: DATABASE_URL=... MQIS_DATA_DIR=... python bench/dashboards_load.py [--seconds 30]
           [--clients 20] [--port 8790] [--threads 8] [--pages region,council,location]

Loads the demo region if the database does not have it, starts `mqis serve` on
127.0.0.1, signs in `--clients` clients as the demo users (each its own session), and has
each fetch its region, council and location pages in turn, with no pause, for
`--seconds`. Then it does the same again while a writer saves one return a second through
the API (as the administrator; a care home in any council), so that the region's pages
and the pages of that return's council go stale each second. It reports per page the
server time (the `Server-Timing` header that mqis.lib.timing adds: wall-clock and CPU
time in Django) and the time the client waited, which includes queueing for a thread.
"""

import argparse
import http.client
import json
import os
import platform
import random
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mqis.settings")

# Django must be set up before models are imported, hence the E402 exceptions below.
import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from mqis.accounts import scope  # noqa: E402
from mqis.accounts.models import ApiToken  # noqa: E402
from mqis.demo.users import DEMO_PASSWORD  # noqa: E402
from mqis.registry.models import Council, Location  # noqa: E402
from mqis.returns.models import Return  # noqa: E402
from mqis.returns.periods import current_period  # noqa: E402
from mqis.returns.templates import current_template  # noqa: E402

REGION = "E12000002"
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SERVER_TIME = re.compile(r"app;dur=([0-9.]+)")
CPU_TIME = re.compile(r"cpu;dur=([0-9.]+)")
# Who the clients are, in turn: regional analysts and the administrator look at the whole
# region, council officers at their council, the provider manager at their own homes.
USERS = ["nw.analyst", "manchester.officer", "liverpool.officer", "admin", "provider.manager"]


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))
    return ordered[index]


class Browser:
    """One client: a kept-alive connection and its cookies."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, str, tuple[float, float] | None]:
        """(status, body, (server time, server CPU time) in ms)."""
        sent = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), **(headers or {})}
        self.conn.request(method, path, body=body, headers=sent)
        response = self.conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        header = response.headers.get("Server-Timing", "")
        wall, cpu = SERVER_TIME.search(header), CPU_TIME.search(header)
        return response.status, text, (float(wall.group(1)), float(cpu.group(1))) if wall and cpu else None

    def sign_in(self, username: str) -> None:
        status, page, _ = self.request("GET", "/sign-in/")
        token = CSRF_FIELD.search(page)
        assert status == 200 and token, "the sign-in page has no CSRF token"
        form = urlencode({"username": username, "password": DEMO_PASSWORD,
                          "csrfmiddlewaretoken": token.group(1)})
        status, _, _ = self.request("POST", "/sign-in/", form,
                                    {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 302 and "sessionid" in self.cookies, f"{username} could not sign in ({status})"


@dataclass
class Results:
    server: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    cpu: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    client: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, page: str, timing: tuple[float, float] | None, client_ms: float) -> None:
        with self.lock:
            if timing is not None:
                self.server[page].append(timing[0])
                self.cpu[page].append(timing[1])
            self.client[page].append(client_ms)


def _locations(**where: Any) -> list[str]:
    found = (Location.objects.filter(deregistered=False, returns__isnull=False, **where)
             .distinct().order_by("cqc_location_id").values_list("cqc_location_id", flat=True)[:40])
    return [f"/locations/{cid}/" for cid in list(found)[::8]]


def pages_for(username: str) -> list[tuple[str, str]]:
    """(kind, path) for each page this user looks at, mixed so every kind comes round often."""
    membership = scope.membership(User.objects.select_related("membership").get(username=username))
    assert membership is not None, f"{username} has no role"
    if membership.council_id:
        gss = membership.council.gss_code
        councils = [f"/councils/{gss}/", f"/councils/{gss}/?weeks=52",
                    f"/councils/{gss}/?service=care-homes&rating=good"]
        locations = _locations(council_id=membership.council_id)
        return [("council", c) for c in councils] + [("location", loc) for loc in locations]
    if membership.provider_id:
        return [("location", loc) for loc in _locations(provider_id=membership.provider_id)]
    regions = [f"/regions/{REGION}/", f"/regions/{REGION}/?sort=absence&order=desc&measure=occupancy"]
    names = ["Manchester", "Lancashire", "Bolton", "Wirral"]
    councils = [f"/councils/{c.gss_code}/" for c in Council.objects.filter(name__in=names)]
    locations = _locations(council__region__code=REGION)
    mixed: list[tuple[str, str]] = []
    for i in range(max(len(councils), len(locations))):
        mixed.append(("region", regions[i % len(regions)]))
        if i < len(councils):
            mixed.append(("council", councils[i]))
        if i < len(locations):
            mixed.append(("location", locations[i]))
    return mixed


def reader(browser: Browser, pages: list[tuple[str, str]], stop: threading.Event, results: Results) -> None:
    n = 0
    while not stop.is_set():
        kind, path = pages[n % len(pages)]
        n += 1
        started = time.perf_counter()
        try:
            status, _, timing = browser.request("GET", path)
        except (OSError, http.client.HTTPException) as exc:
            results.errors.append(f"{path}: {exc}")
            browser.conn.close()
            continue
        if status != 200:
            results.errors.append(f"{path}: HTTP {status}")
        results.add(kind, timing, (time.perf_counter() - started) * 1000)


@dataclass
class Writes:
    token: str
    returns: list[dict[str, Any]]
    saved: int = 0
    failed: list[str] = field(default_factory=list)


def prepare_writes() -> Writes:
    """An API token for the administrator, and this week's returns to change one at a time."""
    template = current_template("care-home")
    period = current_period(template)
    rows = list(Return.objects.filter(period=period, location__deregistered=False)
                .select_related("location").order_by("location__cqc_location_id"))
    rows = random.Random(2026).sample(rows, min(500, len(rows)))  # from every council
    returns = [{"cqc_location_id": r.location.cqc_location_id, "template": "care-home",
                "period": period.start.isoformat(), "values": dict(r.values)} for r in rows]
    _, token = ApiToken.issue(User.objects.get(username="admin"))
    return Writes(token, returns)


def _nudged(values: dict[str, Any]) -> dict[str, Any]:
    """The same return with one more (or one fewer) care worker absent."""
    changed = dict(values)
    absent, headcount = int(changed.get("care_workers_absent") or 0), int(changed["care_workers_headcount"])
    changed["care_workers_absent"] = absent + 1 if absent < headcount else absent - 1
    return changed


def writer(port: int, writes: Writes, stop: threading.Event, results: Results) -> None:
    browser = Browser(port)
    n = 0
    while not stop.wait(1.0):
        body = writes.returns[n % len(writes.returns)]
        n += 1
        body["values"] = _nudged(body["values"])
        started = time.perf_counter()
        status, text, timing = browser.request("POST", "/api/v1/returns", json.dumps(body), {
            "Content-Type": "application/json", "Authorization": f"Bearer {writes.token}"})
        results.add("write", timing, (time.perf_counter() - started) * 1000)
        if status in (200, 201) and '"updated"' in text:
            writes.saved += 1
        else:
            writes.failed.append(f"{status} {text[:200]}")


def run(port: int, browsers: list[tuple[Browser, list[tuple[str, str]]]], seconds: float,
        writes: Writes | None) -> Results:
    results = Results()
    stop = threading.Event()
    threads = [threading.Thread(target=reader, args=(b, pages, stop, results)) for b, pages in browsers]
    if writes is not None:
        threads.append(threading.Thread(target=writer, args=(port, writes, stop, results)))
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    return results


def report(title: str, results: Results, seconds: float) -> None:
    total = sum(len(v) for k, v in results.client.items() if k != "write")
    print(f"\n{title}: {total:,} requests in {seconds:.0f} s ({total / seconds:,.0f} a second)")
    print(f"{'page':<10}{'requests':>10}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'cpu p50':>9}{'cpu p95':>9}"
          f"{'client p95':>12}")
    for page in ("region", "council", "location", "write"):
        server, cpu, client = results.server[page], results.cpu[page], results.client[page]
        if not server:
            continue
        print(f"{page:<10}{len(server):>10,}{statistics.median(server):>9.1f}{percentile(server, 95):>9.1f}"
              f"{percentile(server, 99):>9.1f}{statistics.median(cpu):>9.1f}{percentile(cpu, 95):>9.1f}"
              f"{percentile(client, 95):>12.1f}")
    if results.errors:
        print(f"errors: {len(results.errors)}, e.g. {results.errors[:3]}")


def start_server(port: int, threads: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "django", "serve", "--host", "127.0.0.1", "--port", str(port),
               "--threads", str(threads)]
    # Waitress warns "Task queue depth is N" whenever every thread is busy: all the time here.
    # Left open on purpose: the server process writes to it until it stops.
    log = open(Path(settings.DATA_DIR) / "bench-server.log", "wb")
    server = subprocess.Popen(command, env={**os.environ, "DJANGO_SETTINGS_MODULE": "mqis.settings"},
                              stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit(f"The server did not start on port {port}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--port", type=int, default=8790)
    parser.add_argument("--threads", type=int, default=8, help="the server's worker threads")
    parser.add_argument("--pages", default="region,council,location",
                        help="which kinds of page the clients fetch (to look at one kind alone)")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    if not User.objects.filter(username="nw.analyst").exists():
        call_command("seed_demo")
    usernames = [USERS[i % len(USERS)] for i in range(args.clients)]
    kinds = set(args.pages.split(","))
    pages = {name: [p for p in pages_for(name) if p[0] in kinds] for name in set(usernames)}
    usernames = [name for name in usernames if pages[name]]
    writes = prepare_writes()
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"database: {engine}; locations {Location.objects.count():,}, returns {Return.objects.count():,}")
    print(f"server: mqis serve, {args.threads} threads; {args.clients} clients: "
          + ", ".join(f"{usernames.count(u)} {u}" for u in USERS if u in usernames))
    connection.close()
    server = start_server(args.port, args.threads)
    try:
        browsers = []
        for i, name in enumerate(usernames):
            browser = Browser(args.port)
            browser.sign_in(name)
            # Clients of the same user start at different pages.
            own = pages[name]
            start = usernames[:i].count(name) * 3 % len(own)
            browsers.append((browser, own[start:] + own[:start]))
        run(args.port, browsers, 3, None)  # warm up: templates, connections, first cache fill
        report("Reading only", run(args.port, browsers, args.seconds, None), args.seconds)
        results = run(args.port, browsers, args.seconds, writes)
        report("Reading while one return is saved each second", results, args.seconds)
        print(f"returns saved through the API: {writes.saved}"
              + (f"; failed: {len(writes.failed)}, e.g. {writes.failed[:2]}" if writes.failed else ""))
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
