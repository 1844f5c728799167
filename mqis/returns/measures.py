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
    "nurses_headcount",
    "nurses_absent",
    "care_workers_headcount",
    "care_workers_absent",
    "agency_staff",
)
SMALLEST = {"ppe_min_days"}


_TAGGED: dict[int, tuple[list[dict[str, Any]], list[dict[str, Any]]]] = {}


def _tagged(fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The fields that feed a measure, found once per fields list (a bulk file has one)."""
    hit = _TAGGED.get(id(fields))
    if hit is not None and hit[0] is fields:
        return hit[1]
    if len(_TAGGED) > 100:
        _TAGGED.clear()
    tagged = [spec for spec in fields if spec.get("measure")]
    _TAGGED[id(fields)] = (fields, tagged)
    return tagged


def derive_measures(fields: list[dict[str, Any]], values: dict[str, Value]) -> dict[str, Any]:
    out: dict[str, Any] = dict.fromkeys(MEASURES)
    for spec in _tagged(fields):
        value = values.get(spec["key"])
        if value is None:
            continue
        tagged = spec["measure"]
        # A field may feed several measures, e.g. nurses absent feeds staff absent too.
        for measure in [tagged] if isinstance(tagged, str) else tagged:
            if spec["type"] == "choice":
                out[measure] = value in spec.get("flag_values", [])
            elif measure in SMALLEST:
                out[measure] = value if out[measure] is None else min(out[measure], value)
            else:
                out[measure] = value if out[measure] is None else out[measure] + value
    return out
