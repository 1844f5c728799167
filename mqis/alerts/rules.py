"""The alert rules: each is a small function from a location's recent returns to a message.

The thresholds are data (`AlertRule.thresholds`, edited in the admin); the shipped defaults
are in data/rules.json. A rule returns None when its condition does not hold.
"""

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mqis.alerts.models import AlertRule

DEFAULTS = Path(__file__).parent / "data" / "rules.json"


@dataclass
class Recent:
    """What a rule may look at: the location's latest return and the one before it."""

    latest: dict[str, Any] | None
    previous: dict[str, Any] | None
    labels: dict[str, str]
    overdue_period: str | None = None
    # The location's risk score and band (mqis.risk), e.g. {"score": 62.5, "band": "high"}.
    risk: dict[str, Any] | None = None


def _pct(part: int | None, whole: int | None) -> float | None:
    if part is None or not whole:
        return None
    return 100.0 * part / whole


def _n(value: float) -> str:
    return f"{value:g}"


def _item(label: str) -> str:
    """ "Days of gloves in stock" → "gloves"."""
    return label.removeprefix("Days of ").removesuffix(" in stock").lower()


def ppe_short(recent: Recent, t: dict[str, Any]) -> str | None:
    latest = recent.latest
    if latest is None or latest["ppe_min_days"] is None or latest["ppe_min_days"] >= t["days"]:
        return None
    short = [
        f"{_item(recent.labels.get(key, key))} ({_n(value)} day{'' if value == 1 else 's'})"
        for key, value in sorted(latest["values"].items())
        if key.startswith("ppe_days_") and isinstance(value, int | float) and value < t["days"]
    ]
    return f"PPE for under {_n(t['days'])} days: " + ", ".join(short)


def outbreak(recent: Recent, t: dict[str, Any]) -> str | None:
    if recent.latest is None or not recent.latest["in_outbreak"]:
        return None
    return "Outbreak reported"


def staff_absence(recent: Recent, t: dict[str, Any]) -> str | None:
    latest = recent.latest
    if latest is None:
        return None
    parts = []
    everyone = _pct(latest["staff_absent"], latest["staff_headcount"])
    if everyone is not None and everyone > t["all_staff_pct"]:
        parts.append(f"{everyone:.0f}% of staff absent")
    nurses = _pct(latest["nurses_absent"], latest["nurses_headcount"])
    if nurses is not None and nurses > t["nurses_pct"]:
        parts.append(f"{nurses:.0f}% of nurses absent")
    return "; ".join(parts).capitalize() or None


def admissions_closed(recent: Recent, t: dict[str, Any]) -> str | None:
    if recent.latest is None or not recent.latest["admissions_closed"]:
        return None
    return "Closed to admissions"


def capacity_drop(recent: Recent, t: dict[str, Any]) -> str | None:
    now, before = recent.latest, recent.previous
    if now is None or before is None:
        return None
    parts = []
    occ_now = _pct(now["beds_occupied"], now["beds_total"])
    occ_before = _pct(before["beds_occupied"], before["beds_total"])
    if occ_now is not None and occ_before is not None and occ_before - occ_now >= t["occupancy_points"]:
        parts.append(f"occupancy fell from {occ_before:.0f}% to {occ_now:.0f}%")
    vac_now, vac_before = now["beds_vacant"], before["beds_vacant"]
    if (
        vac_now is not None and vac_before is not None
        and vac_before >= t["min_previous_vacancies"]
        and 100.0 * (vac_before - vac_now) / vac_before >= t["vacancies_pct"]
    ):
        parts.append(f"vacant beds fell from {vac_before} to {vac_now}")
    return "; ".join(parts).capitalize() or None


def overdue(recent: Recent, t: dict[str, Any]) -> str | None:
    if recent.overdue_period is None:
        return None
    return f"Return for {recent.overdue_period} not received"


def risk_band(recent: Recent, t: dict[str, Any]) -> str | None:
    risk = recent.risk
    if risk is None or risk["score"] < t["min_score"]:
        return None
    # The band, not the score: the message (and so the alert) changes when the band does.
    return f"Risk band {risk['band']}"


RULES: dict[str, Callable[[Recent, dict[str, Any]], str | None]] = {
    "ppe_short": ppe_short,
    "outbreak": outbreak,
    "staff_absence": staff_absence,
    "admissions_closed": admissions_closed,
    "capacity_drop": capacity_drop,
    "overdue": overdue,
    "risk_band": risk_band,
}


def install_default_rules(**_: Any) -> None:
    """Install the shipped rules once; thresholds changed in the admin are kept."""
    for rule in json.loads(DEFAULTS.read_text()):
        AlertRule.objects.get_or_create(key=rule["key"], defaults=rule)


@functools.cache
def shipped_thresholds() -> dict[str, dict[str, Any]]:
    return {r["key"]: r["thresholds"] for r in json.loads(DEFAULTS.read_text())}


def describe(rule: AlertRule) -> str:
    """The rule's description with its thresholds filled in, e.g. "fewer than 3 days"."""
    try:
        return rule.description.format(**{k: f"{v:g}" for k, v in thresholds(rule).items()})
    except (KeyError, ValueError, IndexError):
        return rule.description


def thresholds(rule: AlertRule) -> dict[str, Any]:
    """The rule's thresholds, with the shipped default for any the admin left out."""
    return {**shipped_thresholds().get(rule.key, {}), **(rule.thresholds or {})}
