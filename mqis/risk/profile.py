"""A location's risk profile as its page shows it: score, band, each indicator's part, history."""

from typing import Any

from mqis.registry.models import Location
from mqis.risk.indicators import REGISTRY
from mqis.risk.models import Band, RiskBandChange, RiskScore

HISTORY_LIMIT = 20
REASONS = 3
# A score resting on indicators that carry less than this per cent of the weight is flagged.
LOW_COVERAGE = 50
# GOV.UK tag colour for each band.
TAG_CLASSES: dict[str, str] = {Band.LOW: "govuk-tag--green", Band.MEDIUM: "govuk-tag--yellow",
               Band.HIGH: "govuk-tag--orange", Band.CRITICAL: "govuk-tag--red"}
JUDGEMENT = ("This score helps decide where to look first. It informs and supports professional "
             "judgement; it does not replace it. Talk to the provider and the people who know the home "
             "before acting on it.")


def band_label(band: str) -> str:
    return Band(band).label if band in Band.values else "Not scored"


def contribution_rows(score: RiskScore) -> list[dict[str, Any]]:
    """Each indicator's value and part of the score, largest part first; those without data last."""
    rows = []
    for key, part in score.contributions.items():
        unit = REGISTRY.get(key)
        rows.append({"key": key, "name": unit.name if unit else key, "unit": unit.unit if unit else "",
                     "has_data": part["value"] is not None, **part})
    rows.sort(key=lambda r: (not r["has_data"], -r["points"], -r["weight"], r["name"]))
    return rows


def reasons(score: RiskScore, limit: int = REASONS) -> list[str]:
    """The indicators that add most to the score, in words, e.g. "Occupancy trend: fell 9.0 points ..."."""
    rows = [r for r in contribution_rows(score) if r["has_data"] and r["points"] > 0]
    return [f"{r['name']}: {r['shown']}" for r in rows[:limit]]


def history(location: Location, limit: int | None = HISTORY_LIMIT) -> list[RiskBandChange]:
    """The band's changes, newest first: the latest `limit` (None: every one)."""
    return list(RiskBandChange.objects.filter(location=location)[:limit])


def risk_context(location: Location) -> dict[str, Any]:
    """What the location page's risk section needs: two queries."""
    score = RiskScore.objects.filter(location=location).first()
    return {
        "risk": score,
        "risk_band_label": band_label(score.band) if score else "",
        "risk_tag_class": TAG_CLASSES.get(score.band, "govuk-tag--grey") if score else "",
        "risk_rows": contribution_rows(score) if score else [],
        "risk_history": [
            {"change": change, "old": band_label(change.old_band) if change.old_band else "",
             "new": band_label(change.new_band)}
            for change in history(location)
        ],
        "risk_judgement": JUDGEMENT,
        "low_coverage": LOW_COVERAGE,
    }
