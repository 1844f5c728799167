"""The risk indicators: named, documented units, each turning a location's data into a value
and a risk between 0 (no concern) and 1 (the most concern it can show).

A new indicator is one decorated function here plus its weight in data/config.json; the
score, the pages, the methodology page and the admin's checks all read this registry.
The numbers that turn a value into a risk are the constants below, quoted in each
definition, so the methodology page always shows the ones in use.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

WINDOW_WEEKS = 12  # "recent": periods that started in the last 12 weeks
LATEST_RETURNS = 4  # staff figures: the latest 4 returns in the window, taken together
OCCUPANCY_FULL_POINTS = 20  # points below break-even at which the occupancy risk is full
TREND_MIN_RETURNS = 4
TREND_FULL_FALL = 10  # fall in points over 12 weeks at which the trend risk is full
ABSENCE_FROM, ABSENCE_FULL = 5, 25  # per cent of staff absent
AGENCY_FROM, AGENCY_FULL = 10, 30  # agency staff as a per cent of headcount
OUTBREAK_FULL_WEEKS = 6
PPE_SHORT_DAYS = 7  # a week's stock
PPE_FULL_WEEKS = 4
MISSED_FULL_PCT = 50
GROUP_FULL_SIZE = 50
SHARE_FULL_PCT = 25

RATING_RISK = {"Outstanding": 0.0, "Good": 0.0, "Requires improvement": 0.5, "Inadequate": 1.0}
KEY_QUESTIONS = ("rating_safe", "rating_effective", "rating_caring", "rating_responsive", "rating_well_led")


@dataclass
class Bundle:
    """Everything the indicators may read about one location, loaded for many at once."""

    location: dict[str, Any]
    today: dt.date
    break_even: float
    returns: list[dict[str, Any]] = field(default_factory=list)  # in the window, newest first
    due: int = 0  # periods whose deadline passed, of the last WINDOW_WEEKS it was asked for
    missed: int = 0
    late: int = 0
    group_size: int = 1
    council_share: float | None = None  # per cent of the council's care home beds


class Reading(NamedTuple):
    value: float | str
    risk: float  # 0 to 1
    shown: str  # the value in words, e.g. "70.0% (break-even 85%)"


@dataclass(frozen=True)
class Indicator:
    key: str
    name: str
    unit: str
    definition: str
    rationale: str
    weaknesses: str
    compute: Callable[[Bundle], Reading | None]
    # About the provider's group, not the location: such indicators never make a score alone.
    about_group: bool = False


REGISTRY: dict[str, Indicator] = {}


Compute = Callable[[Bundle], Reading | None]


def indicator(key: str, name: str, unit: str, definition: str, rationale: str, weaknesses: str,
              about_group: bool = False) -> Callable[[Compute], Compute]:
    """Register the decorated function as the indicator `key`."""
    def register(compute: Compute) -> Compute:
        REGISTRY[key] = Indicator(key, name, unit, definition, rationale, weaknesses, compute, about_group)
        return compute
    return register


def ramp(value: float, zero: float, full: float) -> float:
    """0 at or below `zero`, 1 at or above `full`, in a straight line between."""
    return min(1.0, max(0.0, (value - zero) / (full - zero)))


def _n(value: float) -> str:
    return f"{value:g}"


def _occupancy(row: dict[str, Any]) -> float | None:
    if not row["beds_total"] or row["beds_occupied"] is None:
        return None
    return 100.0 * row["beds_occupied"] / row["beds_total"]


def _ratio(rows: list[dict[str, Any]], part: str) -> float | None:
    """100 × the sum of `part` over the sum of headcounts, in the latest returns that give both."""
    usable = [r for r in rows if r["staff_headcount"] and r[part] is not None][:LATEST_RETURNS]
    if not usable:
        return None
    return 100.0 * sum(r[part] for r in usable) / sum(r["staff_headcount"] for r in usable)


@indicator(
    "occupancy", "Occupancy against break-even", "per cent of beds occupied",
    f"Occupied beds as a share of total beds in the latest return of the last {WINDOW_WEEKS} weeks. "
    f"The risk is 0 at or above the break-even occupancy and rises in a straight line to 1 at "
    f"{OCCUPANCY_FULL_POINTS} points below it.",
    "A care home's costs are mostly fixed; below break-even it loses money each week, the usual "
    "first sign of a home that may close.",
    "One week's figure, so a short dip counts fully. The break-even level is one number for every "
    "home, although homes' costs and fees differ.",
)
def occupancy(b: Bundle) -> Reading | None:
    latest = next((value for r in b.returns if (value := _occupancy(r)) is not None), None)
    if latest is None:
        return None
    risk = ramp(b.break_even - latest, 0, OCCUPANCY_FULL_POINTS)
    return Reading(round(latest, 1), risk, f"{latest:.1f}% (break-even {_n(b.break_even)}%)")


def _slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of y on x."""
    mean_x = sum(x for x, _ in points) / len(points)
    mean_y = sum(y for _, y in points) / len(points)
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / spread


@indicator(
    "occupancy_trend", "Occupancy trend", f"percentage points over {WINDOW_WEEKS} weeks",
    f"The straight line that best fits occupancy week by week over the last {WINDOW_WEEKS} weeks "
    f"(least squares, at least {TREND_MIN_RETURNS} returns), as the change in points over "
    f"{WINDOW_WEEKS} weeks. The risk is 0 for a steady or rising line and 1 for a fall of "
    f"{TREND_FULL_FALL} points or more.",
    "A steady fall warns of trouble before occupancy reaches break-even: fewer referrals, a "
    "reputation problem, or beds being closed.",
    "A home that closes beds, or recovers after an outbreak, moves the line for reasons that are "
    "not financial. Gaps in returns leave fewer points.",
)
def occupancy_trend(b: Bundle) -> Reading | None:
    points = [((r["period__start"] - b.today).days / 7, value)
              for r in b.returns if (value := _occupancy(r)) is not None]
    if len(points) < TREND_MIN_RETURNS or len({x for x, _ in points}) < 2:
        return None
    change = _slope(points) * WINDOW_WEEKS
    way = "fell" if change < 0 else "rose"
    shown = f"{way} {abs(change):.1f} points over {WINDOW_WEEKS} weeks"
    return Reading(round(change, 2), ramp(-change, 0, TREND_FULL_FALL), shown)


@indicator(
    "cqc_overall", "CQC overall rating", "rating",
    "The location's overall CQC rating: Outstanding and Good count 0, Requires improvement 0.5, "
    "Inadequate 1. Not yet rated counts as no data.",
    "Poorly rated homes are more likely to be placed under embargo, lose residents and close; the "
    "rating is also the regulator's view of quality.",
    "Ratings can be years old. A new home has none. The rating is about quality, not money.",
)
def cqc_overall(b: Bundle) -> Reading | None:
    rating = b.location["rating_overall"]
    if rating not in RATING_RISK:
        return None
    return Reading(rating, RATING_RISK[rating], rating)


@indicator(
    "cqc_key_questions", "CQC key question ratings", "key questions rated below Good",
    "The ratings of the five key questions (safe, effective, caring, responsive, well-led), each "
    "counted as for the overall rating; the risk is their average over those rated.",
    "A home rated Good overall may be Requires improvement for safe or well-led: an early sign the "
    "overall rating may fall.",
    "As old as the inspection. Counts each key question the same, although safe and well-led "
    "matter most for failure.",
)
def cqc_key_questions(b: Bundle) -> Reading | None:
    rated = [b.location[q] for q in KEY_QUESTIONS if b.location[q] in RATING_RISK]
    if not rated:
        return None
    below = sum(1 for r in rated if RATING_RISK[r] > 0)
    inadequate = sum(1 for r in rated if r == "Inadequate")
    shown = f"{below} of {len(rated)} below Good" + (f" ({inadequate} Inadequate)" if inadequate else "")
    return Reading(below, sum(RATING_RISK[r] for r in rated) / len(rated), shown)


@indicator(
    "staff_absence", "Staff absence", "per cent of staff absent",
    f"Staff absent as a share of staff headcount, over the latest {LATEST_RETURNS} returns of the "
    f"last {WINDOW_WEEKS} weeks taken together. The risk is 0 at {ABSENCE_FROM}% or less and 1 at "
    f"{ABSENCE_FULL}% or more.",
    "Absence stretches the staff left, raises agency costs and is the commonest reason homes close "
    "to admissions.",
    "Absence rises with every winter wave in all homes alike; high absence for a week or two is not "
    "the same as a failing home.",
)
def staff_absence(b: Bundle) -> Reading | None:
    pct = _ratio(b.returns, "staff_absent")
    if pct is None:
        return None
    return Reading(round(pct, 1), ramp(pct, ABSENCE_FROM, ABSENCE_FULL), f"{pct:.1f}%")


@indicator(
    "agency_reliance", "Agency staff", "per cent of headcount",
    f"Agency nurses and care workers as a share of staff headcount, over the latest "
    f"{LATEST_RETURNS} returns of the last {WINDOW_WEEKS} weeks. The risk is 0 at {AGENCY_FROM}% "
    f"or less and 1 at {AGENCY_FULL}% or more.",
    "Agency staff cost more and know the residents less; heavy reliance strains both money and "
    "quality.",
    "Counts people, not hours. Home care returns do not ask for it.",
)
def agency_reliance(b: Bundle) -> Reading | None:
    pct = _ratio(b.returns, "agency_staff")
    if pct is None:
        return None
    return Reading(round(pct, 1), ramp(pct, AGENCY_FROM, AGENCY_FULL), f"{pct:.1f}%")


@indicator(
    "outbreaks", "Outbreaks", f"weeks in outbreak in the last {WINDOW_WEEKS}",
    f"The number of returns in the last {WINDOW_WEEKS} weeks that report a confirmed outbreak. The "
    f"risk is that number divided by {OUTBREAK_FULL_WEEKS}, at most 1.",
    "Repeated or long outbreaks close homes to admissions, cost money and may point to weak "
    "infection control.",
    "Outbreaks follow the community's infection levels; a home in a hard-hit area is not "
    "necessarily worse run.",
)
def outbreaks(b: Bundle) -> Reading | None:
    told = [r for r in b.returns if r["in_outbreak"] is not None]
    if not told:
        return None
    weeks = sum(1 for r in told if r["in_outbreak"])
    return Reading(weeks, ramp(weeks, 0, OUTBREAK_FULL_WEEKS), f"{weeks} of {len(told)} returns")


@indicator(
    "ppe_shortfall", "PPE shortfalls", f"returns with under {PPE_SHORT_DAYS} days of PPE",
    f"The number of returns in the last {WINDOW_WEEKS} weeks in which any item of PPE would last "
    f"under {PPE_SHORT_DAYS} days. The risk is that number divided by {PPE_FULL_WEEKS}, at most 1.",
    "Running short again and again shows a supply or cash problem, and puts residents and staff "
    "at risk.",
    "Depends on how carefully homes count stock; a home that reports nothing shows no shortfall.",
)
def ppe_shortfall(b: Bundle) -> Reading | None:
    told = [r for r in b.returns if r["ppe_min_days"] is not None]
    if not told:
        return None
    short = sum(1 for r in told if r["ppe_min_days"] < PPE_SHORT_DAYS)
    return Reading(short, ramp(short, 0, PPE_FULL_WEEKS), f"{short} of {len(told)} returns")


@indicator(
    "missed_returns", "Missed or late returns", "per cent of returns due",
    f"Of the returns due (deadline passed) in the last {WINDOW_WEEKS} periods, the share missed or "
    f"sent late. The risk is 0 when none are and 1 when {MISSED_FULL_PCT}% or more are.",
    "A provider in difficulty often stops engaging first; missing returns also leave the council "
    "unable to see the other signs.",
    "Some good homes are simply poor at paperwork. Counts periods before a new home opened as "
    "missed.",
)
def missed_returns(b: Bundle) -> Reading | None:
    if not b.due:
        return None
    pct = 100.0 * (b.missed + b.late) / b.due
    parts = [f"{n} {what}" for n, what in ((b.missed, "missed"), (b.late, "late")) if n]
    shown = f"{' and '.join(parts)} of {b.due} due" if parts else f"none of {b.due} due missed or late"
    return Reading(round(pct, 1), ramp(pct, 0, MISSED_FULL_PCT), shown)


@indicator(
    "group_size", "Size of provider group", "locations in the group",
    f"The number of registered locations run by the provider's group (its CQC brand; a provider "
    f"with no brand is its own group). The risk is that number divided by {GROUP_FULL_SIZE}, at "
    f"most 1.",
    "This is about the consequence of failure, not its likelihood: when a large group fails many "
    "homes are affected at once, as with Southern Cross in 2011.",
    "Counts only the locations in MQIS's registry. Large groups are often financially stronger "
    "than single homes; the indicator does not say otherwise.",
    about_group=True,
)
def group_size(b: Bundle) -> Reading | None:
    size = b.group_size
    return Reading(size, ramp(size, 0, GROUP_FULL_SIZE), f"{size} location{'' if size == 1 else 's'}")


@indicator(
    "council_share", "Group's share of the council's beds", "per cent of the council's beds",
    f"The registered beds of the provider's group in the location's council, as a share of all "
    f"registered beds in the council's active care homes. The risk is 0 at none and 1 at "
    f"{SHARE_FULL_PCT}% or more.",
    "The more of a council's beds one group holds, the harder its failure would be to absorb.",
    "Registered beds, not beds in use. Only for care homes; a group's beds just over a council "
    "boundary do not count.",
    about_group=True,
)
def council_share(b: Bundle) -> Reading | None:
    share = b.council_share
    if share is None:
        return None
    return Reading(round(share, 1), ramp(share, 0, SHARE_FULL_PCT), f"{share:.1f}%")
