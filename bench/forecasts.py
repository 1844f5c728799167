"""Time the refresh of every council's forecasts on the demo region, and count where the
method beat its simple baseline over the past.

Usage: MQIS_DATA_DIR=/tmp/fc-demo python bench/forecasts.py [--repeats 3]
Loads the demo region first if the database does not have it yet.

Prints the wall-clock and CPU time of each full refresh (23 councils × 3 measures), the
median, and how many of the forecasts had a lower MASE than the baseline.
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

from django.core.management import call_command  # noqa: E402

from mqis.demo.generator import demo_loaded  # noqa: E402
from mqis.forecasts.models import Forecast  # noqa: E402
from mqis.forecasts.services import refresh_all  # noqa: E402
from mqis.returns.models import Return  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    if not demo_loaded():
        call_command("seed_demo", verbosity=0)
    print(f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"load average {os.getloadavg()[0]:.1f}; {Return.objects.count():,} returns")
    walls = []
    for n in range(args.repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        counts = refresh_all()
        walls.append(time.perf_counter() - wall)
        print(f"refresh {n + 1}: {counts}, {walls[-1]:.1f} s wall, {time.process_time() - cpu:.1f} s CPU")
    print(f"median {statistics.median(walls):.1f} s")
    made = [f.backtest for f in Forecast.objects.filter(status=Forecast.Status.OK)]
    scored = [b for b in made if b.get("mase_method") is not None and b.get("mase_baseline") is not None]
    better = sum(1 for b in scored if b["mase_method"] < b["mase_baseline"])
    print(f"the method beat the baseline over the past in {better} of {len(scored)} forecasts")


if __name__ == "__main__":
    main()
