"""Freshness: how long after a return's commit its effect shows on the council dashboard and
in the alert inbox, measured against the real server on the demo region.

Usage: DATABASE_URL=... MQIS_DATA_DIR=... python bench/freshness.py [--changes 100] [--port 8791]

For each change, the administrator's API client saves a Manchester care home's return with
gloves for 1 day (then, next time, back to its figures); as soon as the API has answered
(the transaction has committed), a Manchester officer's client fetches the council
dashboard and the alert inbox, again and again, until each shows the change. The time
from the API's answer to the first page that shows it is the freshness. Results per
percentile; the target is under 1 second at the 99th.
"""

import argparse
import html
import json
import os
import platform
import statistics
import time
from typing import Any

from dashboards_load import Browser, percentile, prepare_writes, start_server  # also sets Django up
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection

from mqis.registry.models import Location
from mqis.returns.models import Return

COUNCIL = "E08000003"
SHOWN_ON_DASHBOARD = "PPE under 3 days"


def visible_after(browser: Browser, path: str, test: Any, timeout: float = 10.0) -> float:
    """Fetch `path` until `test(page)` holds; return the seconds that took."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        status, page, _ = browser.request("GET", path)
        if status == 200 and test(page):
            return time.perf_counter() - started
    raise SystemExit(f"{path} did not show the change within {timeout} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--changes", type=int, default=100)
    parser.add_argument("--port", type=int, default=8791)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    if not User.objects.filter(username="nw.analyst").exists():
        call_command("seed_demo")
    writes = prepare_writes()
    manchester = {r["cqc_location_id"] for r in writes.returns
                  if Location.objects.filter(cqc_location_id=r["cqc_location_id"], council__gss_code=COUNCIL,
                                             care_home=True).exists()}
    homes = [r for r in writes.returns if r["cqc_location_id"] in manchester
             and min(int(v) for k, v in r["values"].items() if k.startswith("ppe_days_")) >= 3][:50]
    names = dict(Location.objects.filter(cqc_location_id__in=[h["cqc_location_id"] for h in homes])
                 .values_list("cqc_location_id", "name"))
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"database: {engine}; locations {Location.objects.count():,}, returns {Return.objects.count():,}")
    connection.close()
    server = start_server(args.port, 8)
    dashboard, inbox = [], []
    try:
        api, officer = Browser(args.port), Browser(args.port)
        officer.sign_in("manchester.officer")
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {writes.token}"}
        council_page = f"/councils/{COUNCIL}/"
        for n in range(args.changes):
            home = homes[(n // 2) % len(homes)]
            short = n % 2 == 0
            values = {**home["values"], "ppe_days_gloves": 1} if short else home["values"]
            name = html.escape(names[home["cqc_location_id"]])
            _, before, _ = officer.request("GET", council_page)
            shown = before.count(SHOWN_ON_DASHBOARD)
            status, text, _ = api.request("POST", "/api/v1/returns", json.dumps({**home, "values": values}), headers)
            assert status in (200, 201), text
            # The API has answered: the return is committed. How soon do the pages show it?
            want = shown + (1 if short else -1)
            dashboard.append(visible_after(officer, council_page, lambda p, w=want: p.count(SHOWN_ON_DASHBOARD) == w))
            inbox.append(visible_after(officer, "/alerts/?rule=ppe_short",
                                       lambda p, s=short, nm=name: (nm in p) == s))
    finally:
        server.terminate()
        server.wait(10)
    print(f"{args.changes} changes (gloves down to 1 day, then back), Manchester officer watching")
    print(f"{'shown on':<18}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for label, samples in (("council dashboard", dashboard), ("alert inbox", inbox)):
        ms = [s * 1000 for s in samples]
        print(f"{label:<18}{statistics.median(ms):>9.1f}{percentile(ms, 95):>9.1f}"
              f"{percentile(ms, 99):>9.1f}{max(ms):>9.1f}")


if __name__ == "__main__":
    main()
