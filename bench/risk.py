"""Time risk scoring on the demo region and check the ranking against what the demo planted.

Usage: MQIS_DATA_DIR=/tmp/risk-demo python bench/risk.py [--repeats 5] [--saves 100]
Loads the demo region first if the database does not have it yet (seed-demo writes the
list of homes it made fragile to demo-truth.json in the data directory).

Prints: the time to score every location (target under 5 s); the time to re-score one
location after a return is saved (target under 50 ms at the 95th percentile); and the
validation: precision at 20 of the region's "where to look first" ranking against the
fragile homes, and the rank of each fragile home.
"""

import argparse
import os
import platform
import statistics
import time
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mqis.settings")

# Django must be set up before models are imported, hence the E402 exceptions below.
import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from mqis.demo.generator import read_truth  # noqa: E402
from mqis.registry.models import Location  # noqa: E402
from mqis.returns.models import Return  # noqa: E402
from mqis.returns.services import Submission, store  # noqa: E402
from mqis.risk.models import RiskScore  # noqa: E402
from mqis.risk.profile import reasons  # noqa: E402
from mqis.risk.scoring import rescore, score_all  # noqa: E402

K = 20


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def time_score_all(repeats: int) -> list[float]:
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        outcome = score_all()
        samples.append(time.perf_counter() - started)
    print(f"score every location: {outcome.scored:,} scored; best {min(samples):.2f} s, "
          f"median {statistics.median(samples):.2f} s over {repeats} runs (target under 5 s)")
    return samples


def _changed_return(location: Location) -> Submission:
    """The location's latest return with one more occupied bed (or one fewer), as a new save."""
    latest = Return.objects.filter(location=location).select_related("period", "template").order_by(
        "-period__start").first()
    assert latest is not None
    values = dict(latest.values)
    step = -1 if values["beds_vacant"] == 0 else 1
    values["beds_occupied"] += step
    values["beds_vacant"] -= step
    return Submission(location, latest.period, latest.template, values)


def time_one_location(saves: int) -> None:
    """Save a changed return and re-score its location, `saves` times, each rolled back."""
    homes = list(Location.objects.filter(care_home=True, is_synthetic=True, returns__isnull=False)
                 .distinct().order_by("pk")[:saves])
    rescoring, whole_save = [], []
    for home in homes:
        submission = _changed_return(home)
        with transaction.atomic():
            # Stored as "demo", so the receivers stay out of it and the re-score is timed alone.
            store([submission], user=None, channel="demo")
            started = time.perf_counter()
            rescore([home.pk])
            rescoring.append((time.perf_counter() - started) * 1000)
            transaction.set_rollback(True)
        with transaction.atomic():
            started = time.perf_counter()
            store([submission], user=None, channel="form")  # re-scores, then evaluates the alerts
            whole_save.append((time.perf_counter() - started) * 1000)
            transaction.set_rollback(True)
    print(f"re-score one location after a return ({len(homes)} locations): "
          f"p50 {statistics.median(rescoring):.1f} ms, p95 {percentile(rescoring, 95):.1f} ms (target under 50 ms)")
    print(f"  the whole save with its receivers (store, re-score, alert rules): "
          f"p50 {statistics.median(whole_save):.1f} ms, p95 {percentile(whole_save, 95):.1f} ms")


def ranks_by(scores: list[RiskScore], fragile: set[str]) -> dict[str, int]:
    return {s.location.cqc_location_id: n for n, s in enumerate(scores, start=1)
            if s.location.cqc_location_id in fragile}


def _occupancy(score: RiskScore) -> float:
    value = score.contributions.get("occupancy", {}).get("value")
    return float(value) if value is not None else 101.0


def validate(truth: dict[str, Any]) -> None:
    fragile = set(truth["fragile_homes"])
    scores = list(RiskScore.objects.select_related("location").order_by("-score", "location__name"))
    ranks = ranks_by(scores, fragile)
    hits = sum(1 for rank in ranks.values() if rank <= K)
    print(f"\nvalidation: {len(fragile)} fragile homes planted by the demo; {len(scores):,} locations ranked")
    print(f"precision at {K}: {hits}/{K} = {hits / K:.2f} (the most it can be is "
          f"{min(K, len(fragile))}/{K}); recall at {K}: {hits}/{len(fragile)}")
    print(f"{'rank':>5} {'score':>6} {'band':<9} location")
    by_id = {s.location.cqc_location_id: s for s in scores}
    for cid in sorted(fragile, key=lambda c: ranks.get(c, 10**9)):
        s = by_id.get(cid)
        if s is None:
            print(f"{'-':>5} {'-':>6} {'-':<9} {cid} (no score)")
            continue
        print(f"{ranks[cid]:>5} {s.score:>6.1f} {s.band:<9} {cid} {s.location.name}: {'; '.join(reasons(s))}")
    others = [s for s in scores[:K] if s.location.cqc_location_id not in fragile]
    print(f"\nthe other {len(others)} of the top {K}:")
    for s in others:
        print(f"  {s.score:>5.1f} {s.band:<9} {s.location.name} ({'care home' if s.location.care_home else 'other'}):"
              f" {'; '.join(reasons(s))}")
    homes = [s for s in scores if s.location.care_home]
    home_ranks = ranks_by(homes, fragile)
    home_hits = sum(1 for rank in home_ranks.values() if rank <= K)
    print(f"\ncare homes ranked alone ({len(homes):,}, as the market page's 'Care homes' list does): "
          f"precision at {K} {home_hits}/{K} = {home_hits / K:.2f}; ranks {sorted(home_ranks.values())}")
    baseline = sorted(scores, key=_occupancy)
    base_hits = sum(1 for rank in ranks_by(baseline, fragile).values() if rank <= K)
    print(f"baseline, latest occupancy alone: precision at {K} {base_hits}/{K} = {base_hits / K:.2f}")
    bands: dict[str, int] = {}
    for s in scores:
        bands[s.band] = bands.get(s.band, 0) + 1
    print("bands:", ", ".join(f"{band} {bands.get(band, 0):,}" for band in ("low", "medium", "high", "critical")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--saves", type=int, default=100)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    if not User.objects.filter(username="nw.analyst").exists():
        call_command("seed_demo")
    truth = read_truth()
    if truth is None:
        raise SystemExit(f"No demo truth file in {settings.DATA_DIR}: load the demo into an empty data directory.")
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"database: {engine}; locations {Location.objects.count():,}, returns {Return.objects.count():,}; "
          f"scored at {timezone.localtime():%-d %B %Y %H:%M}")
    time_score_all(args.repeats)
    time_one_location(args.saves)
    validate(truth)


if __name__ == "__main__":
    main()
