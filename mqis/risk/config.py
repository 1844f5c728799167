"""The risk configuration: weights, break-even occupancy and band cut-offs.

Shipped in data/config.json, held in the one `RiskConfig` row that administrators edit in
the admin, and checked here so that a bad value is refused in words, not used.
"""

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mqis.risk.indicators import REGISTRY
from mqis.risk.models import Band, RiskConfig

DEFAULTS = Path(__file__).parent / "data" / "config.json"


@functools.cache
def shipped() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DEFAULTS.read_text())
    return data


@dataclass(frozen=True)
class Settings:
    """The configuration as the scorer uses it."""

    weights: dict[str, float]
    break_even: float
    medium_from: float
    high_from: float
    critical_from: float

    def band(self, score: float) -> str:
        if score >= self.critical_from:
            return Band.CRITICAL
        if score >= self.high_from:
            return Band.HIGH
        if score >= self.medium_from:
            return Band.MEDIUM
        return Band.LOW


def install_default_config(**_: Any) -> None:
    """Create the configuration row from the shipped file once; later edits are kept."""
    if not RiskConfig.objects.exists():
        RiskConfig.objects.create(**_row_values(shipped()))


def _row_values(data: dict[str, Any]) -> dict[str, Any]:
    bands = data["bands"]
    return {"weights": data["weights"], "break_even_occupancy": data["break_even_occupancy"],
            "medium_from": bands["medium"], "high_from": bands["high"], "critical_from": bands["critical"]}


def current() -> Settings:
    """The configuration in force: the row if there is one, else the shipped file."""
    row = RiskConfig.objects.order_by("pk").first()
    values = _row_values(shipped()) if row is None else {
        "weights": row.weights, "break_even_occupancy": row.break_even_occupancy,
        "medium_from": row.medium_from, "high_from": row.high_from, "critical_from": row.critical_from,
    }
    # An indicator the row does not mention (added since it was saved) takes its shipped weight.
    weights = {key: float(shipped()["weights"].get(key, 0)) for key in REGISTRY}
    weights.update({k: float(v) for k, v in (values["weights"] or {}).items() if k in REGISTRY})
    return Settings(weights, float(values["break_even_occupancy"]), float(values["medium_from"]),
                    float(values["high_from"]), float(values["critical_from"]))


def weight_problems(weights: object) -> list[str]:
    """Everything wrong with a weights object, in words; [] when it is fine."""
    if not isinstance(weights, dict):
        return ['Weights must be an object such as {"occupancy": 3}.']
    problems = []
    for key, value in weights.items():
        if key not in REGISTRY:
            known = ", ".join(sorted(REGISTRY))
            problems.append(f"There is no indicator called '{key}' (there are: {known}).")
        elif isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            problems.append(f"The weight of '{key}' must be a number, 0 or more.")
    merged = {**shipped()["weights"], **weights}
    if not problems and not any(merged.get(key, 0) > 0 for key in REGISTRY):
        problems.append("At least one indicator must have a weight above 0.")
    return problems


def cutoff_problems(medium: float, high: float, critical: float) -> list[str]:
    if not 0 < medium < high < critical <= 100:
        return [f"The bands must start in rising order between 0 and 100: medium ({medium:g}), "
                f"then high ({high:g}), then critical ({critical:g})."]
    return []
