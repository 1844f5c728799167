"""Derive the dashboard measures from a return's values, as tagged in its template."""

from typing import Any

from mqis.returns.validation import Value

MEASURES = (
    "beds_total",
    "beds_occupied",
    "beds_vacant",
    "admissions_closed",
    "staff_headcount",
    "staff_absent",
    "in_outbreak",
    "ppe_min_days",
    "unmet_hours",
)
SMALLEST = {"ppe_min_days"}


def derive_measures(fields: list[dict[str, Any]], values: dict[str, Value]) -> dict[str, Any]:
    out: dict[str, Any] = dict.fromkeys(MEASURES)
    for spec in fields:
        measure = spec.get("measure")
        if measure is None:
            continue
        value = values.get(spec["key"])
        if value is None:
            continue
        if spec["type"] == "choice":
            out[measure] = value in spec.get("flag_values", [])
        elif measure in SMALLEST:
            out[measure] = value if out[measure] is None else min(out[measure], value)
        else:
            out[measure] = value if out[measure] is None else out[measure] + value
    return out
