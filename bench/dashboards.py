"""Time the dashboard pages on the demo region, one request at a time: 100 requests a page,
each computed afresh (the dashboard cache emptied first) and then answered from the cache.

Usage: DATABASE_URL=... MQIS_DATA_DIR=... python bench/dashboards.py [--requests 100]
Loads the demo region first if the database does not have it yet. For many clients at
once against the real server, see bench/dashboards_load.py.
"""

import argparse
import os
import platform
import statistics
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mqis.settings")

# Django must be set up before models are imported, hence the E402 exceptions below.
import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from mqis.registry.models import Council, Location  # noqa: E402
from mqis.returns.models import Return  # noqa: E402


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))
    return ordered[index]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    if not User.objects.filter(username="nw.analyst").exists():
        call_command("seed_demo")
    client = Client()
    client.force_login(User.objects.get(username="nw.analyst"))
    manchester = Council.objects.get(gss_code="E08000003")
    home = (
        Location.objects.filter(council=manchester, care_home=True, returns__isnull=False)
        .distinct()
        .first()
    )
    assert home is not None
    pages = {
        "region": "/regions/E12000002/",
        "council (Manchester)": "/councils/E08000003/",
        "council (Lancashire)": "/councils/E10000017/",
        "location": f"/locations/{home.cqc_location_id}/",
    }
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"database: {engine}; locations {Location.objects.count()}, returns {Return.objects.count()}")
    print(f"{'page':<24}{'fresh p50':>11}{'fresh p95':>11}{'cached p50':>12}{'cached p95':>12}")
    for name, url in pages.items():
        assert client.get(url).status_code == 200, url
        fresh = timed(client, url, args.requests, empty_cache=True)
        cached = timed(client, url, args.requests, empty_cache=False)
        print(f"{name:<24}{statistics.median(fresh):>11.1f}{percentile(fresh, 95):>11.1f}"
              f"{statistics.median(cached):>12.1f}{percentile(cached, 95):>12.1f}")


def timed(client: Client, url: str, requests: int, *, empty_cache: bool) -> list[float]:
    samples = []
    for _ in range(requests):
        if empty_cache:
            cache.clear()
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return samples


if __name__ == "__main__":
    main()
