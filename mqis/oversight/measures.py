"""The measures a dashboard compares councils on, and how each is shown and compared."""

from collections.abc import Callable
from dataclasses import dataclass

from mqis.oversight.change import Comparison
from mqis.oversight.figures import Figures

DASH = "–"


@dataclass(frozen=True)
class Measure:
    key: str
    label: str  # a column heading: "Occupancy"
    name: str  # lower case, for the map and sentences: "bed occupancy"
    unit: str  # "%" (a percentage: changes are in points) or "" (a count)
    higher_is_worse: bool
    value: Callable[[Figures], float | None]

    @property
    def is_percentage(self) -> bool:
        return self.unit == "%"

    def shown(self, figures: Figures) -> str:
        return show(self.value(figures), self.unit)


def show(value: float | None, unit: str) -> str:
    if value is None:
        return DASH
    if unit == "%":
        return f"{value:.1f}%"
    return f"{value:,.0f}"


MEASURES = [
    Measure("beds", "Beds", "beds", "", False, lambda f: f.beds_total),
    Measure("vacant", "Vacant beds", "vacant beds", "", False, lambda f: f.beds_vacant),
    Measure("occupancy", "Occupancy", "bed occupancy", "%", False, lambda f: f.occupancy_pct),
    Measure("closed", "Closed to admissions", "homes closed to admissions", "", True,
            lambda f: f.closed_to_admissions),
    Measure("absence", "Staff absence", "staff absence", "%", True, lambda f: f.absence_pct),
    Measure("nurse_absence", "Nurse absence", "nurse absence", "%", True, lambda f: f.nurse_absence_pct),
    Measure("care_worker_absence", "Care worker absence", "care worker absence", "%", True,
            lambda f: f.care_worker_absence_pct),
    Measure("outbreaks", "In outbreak", "locations in outbreak", "", True, lambda f: f.in_outbreak),
    Measure("ppe", "PPE under 3 days", "locations short of PPE", "", True, lambda f: f.short_of_ppe),
    Measure("received", "Returns received", "returns received", "%", False, lambda f: f.received_pct),
]
BY_KEY = {m.key: m for m in MEASURES}
DEFAULT_MAP_MEASURE = "absence"


@dataclass(frozen=True)
class Change:
    """A measure's change since last week: short ("▲ 2.1"), long and read aloud."""

    shown: str
    long: str
    spoken: str


def difference(measure: Measure, comparison: Comparison) -> float | None:
    now, before = measure.value(comparison.now), measure.value(comparison.before)
    if now is None or before is None:
        return None
    return round(now - before, 1)


def change(measure: Measure, comparison: Comparison) -> Change:
    diff = difference(measure, comparison)
    if diff is None:
        return Change("", "", "no figure to compare with last week")
    if diff == 0:
        return Change("no change", "No change since last week", "no change since last week")
    size = f"{abs(diff):.1f}" if measure.is_percentage else f"{abs(diff):,.0f}"
    points = " points" if measure.is_percentage else ""
    arrow, word = ("▲", "up") if diff > 0 else ("▼", "down")
    return Change(f"{arrow} {size}", f"{arrow} {size}{points} since last week",
                  f"{word} {size}{points} since last week")
