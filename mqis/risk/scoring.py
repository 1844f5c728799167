"""Score locations and store the results: the score, its band, each indicator's part, and
a row for each band that changed.

Score = 100 × Σ(weight × risk) / Σ(weights of the indicators with data). Runs inside the
transaction that saved the returns (so the alert rules that run next see the new score),
and on a schedule for everything.
"""

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from mqis.lib.bulk import insert_rows, upsert_rows
from mqis.returns.signals import returns_stored
from mqis.risk.config import Settings, current
from mqis.risk.indicators import REGISTRY, Bundle
from mqis.risk.inputs import load_bundles
from mqis.risk.models import RiskBandChange, RiskScore

# Locations scored together; a larger upload is scored in chunks of this many.
CHUNK = 2000
# Demo data is history: seed_demo scores everything once at the end of loading.
QUIET_CHANNELS = {"demo"}


@dataclass
class Result:
    score: float
    band: str
    contributions: dict[str, dict[str, Any]]
    coverage: float  # per cent of all the weight carried by indicators with data


@dataclass
class Outcome:
    scored: int = 0
    band_changes: int = 0
    removed: int = 0


def score_bundle(bundle: Bundle, settings: Settings) -> Result | None:
    """The score of one location, or None when no weighted indicator about it has data."""
    readings = {key: unit.compute(bundle) for key, unit in REGISTRY.items()}
    weighted = {key for key, reading in readings.items() if reading is not None and settings.weights[key] > 0}
    if not any(not REGISTRY[key].about_group for key in weighted):
        return None
    total = sum(settings.weights[key] for key in weighted)
    parts: dict[str, dict[str, Any]] = {}
    score = 0.0
    for key, reading in readings.items():
        weight = settings.weights[key]
        if reading is None:
            parts[key] = {"value": None, "shown": "No data", "risk": None, "weight": weight, "points": 0.0}
            continue
        points = 100.0 * weight * reading.risk / total
        score += points
        parts[key] = {"value": reading.value, "shown": reading.shown, "risk": round(reading.risk, 4),
                      "weight": weight, "points": round(points, 2)}
    score = round(score, 1)
    coverage = round(100.0 * total / sum(settings.weights.values()), 1)
    return Result(score, settings.band(score), parts, coverage)


def _store(results: dict[int, Result], old: dict[int, str], now: dt.datetime) -> int:
    upsert_rows(RiskScore, ["location", "score", "band", "computed_at", "contributions", "coverage"],
                [(pk, r.score, r.band, now, r.contributions, r.coverage) for pk, r in results.items()],
                unique=["location"])
    changes = [(pk, old.get(pk, ""), r.band, r.score, now)
               for pk, r in results.items() if old.get(pk) != r.band]
    insert_rows(RiskBandChange, ["location", "old_band", "new_band", "score", "at"], changes)
    return len(changes)


def _rescore(ids: Collection[int] | None, settings: Settings, now: dt.datetime) -> Outcome:
    bundles = load_bundles(ids, now, settings.break_even)
    results = {pk: r for pk, b in bundles.items() if (r := score_bundle(b, settings)) is not None}
    existing = RiskScore.objects.all() if ids is None else RiskScore.objects.filter(location_id__in=list(ids))
    old = dict(existing.values_list("location_id", "band"))
    outcome = Outcome(scored=len(results), band_changes=_store(results, old, now))
    # Deregistered, or nothing to go on any more: no score rather than a stale one.
    gone = set(old) - set(results)
    if gone:
        outcome.removed = RiskScore.objects.filter(location_id__in=gone).delete()[0]
    return outcome


@transaction.atomic
def rescore(location_ids: Collection[int] | None = None, *, now: dt.datetime | None = None) -> Outcome:
    """Score these locations (all when None), store the scores and record band changes."""
    now = now or timezone.now()
    settings = current()
    if location_ids is None:
        return _rescore(None, settings, now)
    ids = sorted(set(location_ids))
    total = Outcome()
    for start in range(0, len(ids), CHUNK):
        part = _rescore(ids[start : start + CHUNK], settings, now)
        total.scored += part.scored
        total.band_changes += part.band_changes
        total.removed += part.removed
    return total


def score_all(*, now: dt.datetime | None = None) -> Outcome:
    return rescore(None, now=now)


def connect() -> None:
    returns_stored.connect(_on_returns_stored, dispatch_uid="risk-rescore")


def _on_returns_stored(sender: Any, location_ids: Collection[int], channel: str,
                       now: dt.datetime, **_: Any) -> None:
    if channel not in QUIET_CHANNELS:
        rescore(location_ids, now=now)
