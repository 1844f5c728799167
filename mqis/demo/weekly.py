"""Six months of weekly figures for one location, with the season's patterns built in.

The patterns the dashboards, alerts and risk scores should find: a winter outbreak wave
(rising from about week 14, peaking about week 20 of 26), staff absence rising with it,
unmet home care hours rising in winter, a few homes short of PPE in the last weeks and a
few "fragile" homes whose occupancy falls from about 92% to about 70%.
"""

import math
import random
from dataclasses import dataclass

from mqis.returns.validation import Value

SEASON = 26
WAVE_PEAK, WAVE_RISE, WAVE_FALL = 20.0, 3.2, 4.0
# New outbreaks peak a little before the wave so that homes *in* outbreak peak with it.
ONSET_PEAK = 18.8
PPE_ITEMS = ("masks", "gloves", "aprons", "eye", "hand_hygiene")
PPE_LABELS = {"masks": "masks", "gloves": "gloves", "aprons": "aprons",
              "eye": "eye protection", "hand_hygiene": "hand sanitiser"}


def wave(week: int, weeks: int, peak: float = WAVE_PEAK) -> float:
    """Strength of the winter wave, 0 to 1, in week `week` (0 is the oldest of `weeks`)."""
    t = week * (SEASON - 1) / max(1, weeks - 1)
    width = WAVE_RISE if t <= peak else WAVE_FALL
    return math.exp(-(((t - peak) / width) ** 2))


@dataclass(frozen=True)
class Traits:
    """What the demo decided about a location's behaviour across the season."""

    fragile: bool = False
    ppe_short: bool = False


def _binomial(rng: random.Random, n: int, p: float) -> int:
    if n <= 0 or p <= 0:
        return 0
    mean = n * p
    return min(n, max(0, round(rng.gauss(mean, math.sqrt(mean * (1 - min(p, 1.0)))))))


def _poisson(rng: random.Random, lam: float) -> int:
    limit, k, product = math.exp(-lam), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def _ppe(rng: random.Random, levels: dict[str, int], strain: float) -> dict[str, Value]:
    # Never below 4 days here: running short is reserved for the homes chosen to.
    return {f"ppe_days_{item}": max(4, round(level * (1 - 0.3 * strain) * rng.uniform(0.75, 1.25)))
            for item, level in levels.items()}


def _ppe_shortage(rng: random.Random, values: dict[str, Value], item: str, weeks_left: int) -> None:
    key = f"ppe_days_{item}"
    if weeks_left <= 3:
        values[key] = rng.randint(0, 2)
        values["support_needed"] = f"Urgent delivery of {PPE_LABELS[item]}, please"
    elif weeks_left <= 5:
        values[key] = rng.randint(4, 7)


class Outbreaks:
    """One home's outbreak episodes: a suspected week sometimes, then 2 to 5 confirmed weeks."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.weeks_left = 0
        self.pending = False
        self.closes = False

    def _start(self) -> None:
        self.weeks_left = self.rng.randint(1, 4)
        self.closes = self.rng.random() < 0.7

    def next(self, strength: float) -> str:
        rng = self.rng
        if self.weeks_left > 0:
            self.weeks_left -= 1
            return "confirmed"
        if self.pending:
            self.pending = False
            self._start()
            return "confirmed"
        self.closes = False
        if rng.random() < 0.004 + 0.09 * strength:
            if rng.random() < 0.35:
                self.pending = True
                return "suspected"
            self._start()
            return "confirmed"
        return "suspected" if rng.random() < 0.008 else "none"


def care_home_weeks(rng: random.Random, beds: int, nursing: bool, dementia: bool, rating: str,
                    weeks: int, traits: Traits) -> list[dict[str, Value]]:
    """Raw care home return values for each of `weeks` weeks, oldest first."""
    base_occupancy = rng.uniform(0.85, 0.95)
    nurses = max(2, round(beds * rng.uniform(0.12, 0.2))) if nursing else 0
    carers = max(4, round(beds * rng.uniform(0.9, 1.3)))
    others = max(2, round(beds * rng.uniform(0.3, 0.5)))
    absence_factor, agency_share = rng.uniform(0.65, 1.35), rng.uniform(0.0, 0.12)
    nursing_share = rng.uniform(0.6, 0.9) if nursing else 0.0
    dementia_share = rng.uniform(0.2, 0.5) if dementia else 0.0
    closed_beds = rng.randint(1, 3) if rng.random() < 0.1 else 0
    embargo = rating == "Inadequate" and rng.random() < 0.5
    levels = {item: rng.randint(14, 60) for item in PPE_ITEMS}
    short_item = rng.choice(PPE_ITEMS)
    vaccinated = (rng.uniform(70, 96), rng.uniform(35, 70))
    outbreaks = Outbreaks(rng)
    series = []
    for week in range(weeks):
        strain = wave(week, weeks)
        status = outbreaks.next(wave(week, weeks, ONSET_PEAK))
        closed_for_outbreak = status == "confirmed" and outbreaks.closes
        if traits.fragile:
            target = 0.92 - 0.22 * week / max(1, weeks - 1)
            occupancy = target + rng.gauss(0, 0.006)
        else:
            occupancy = base_occupancy - 0.02 * strain + rng.gauss(0, 0.012)
        occupancy -= 0.02 if closed_for_outbreak else 0.0
        usable = beds - closed_beds
        occupied = max(0, min(usable, round(beds * occupancy)))
        vacant = usable - occupied
        absence = (0.05 + 0.10 * strain) * absence_factor + (0.05 if status == "confirmed" else 0)
        nurses_absent = _binomial(rng, nurses, absence * 1.3)
        carers_absent = _binomial(rng, carers, absence)
        others_absent = _binomial(rng, others, absence * 0.8)
        values: dict[str, Value] = {
            "beds_total": beds, "beds_occupied": occupied, "beds_closed": closed_beds,
            "beds_vacant": vacant,
            "nurses_headcount": nurses, "nurses_absent": nurses_absent,
            "nurses_agency": round(nurses * agency_share + nurses_absent * rng.uniform(0.3, 0.8)),
            "care_workers_headcount": carers, "care_workers_absent": carers_absent,
            "care_workers_agency": round(carers * agency_share
                                         + carers_absent * rng.uniform(0.2, 0.6)),
            "other_staff_headcount": others, "other_staff_absent": others_absent,
            "outbreak_status": status,
            **_ppe(rng, levels, strain),
        }
        values["agency_hours"] = (int(values["care_workers_agency"] or 0) * rng.randint(20, 36)
                                  + int(values["nurses_agency"] or 0) * rng.randint(24, 40))
        _split_vacancies(rng, values, vacant, nursing_share, dementia_share)
        _infection(rng, values, status, occupied, nurses + carers + others, strain)
        reason = _closure(rng, status, closed_for_outbreak, embargo, carers_absent / carers)
        values["admissions_status"] = "closed" if reason else "open"
        if reason:
            values["admissions_closed_reason"] = reason
        progress = min(1.0, 0.35 + 0.65 * week / max(1, weeks * 0.5))
        values["residents_vaccinated_pct"] = round(vaccinated[0] * progress, 1)
        values["staff_vaccinated_pct"] = round(vaccinated[1] * progress, 1)
        if traits.ppe_short:
            _ppe_shortage(rng, values, short_item, weeks - week)
        elif reason == "staffing" and rng.random() < 0.5:
            values["support_needed"] = "Help finding agency care workers for the next two weeks"
        series.append(values)
    return series


def _split_vacancies(rng: random.Random, values: dict[str, Value], vacant: int,
                     nursing_share: float, dementia_share: float) -> None:
    nursing = round(vacant * nursing_share)
    dementia = round((vacant - nursing) * dementia_share)
    values["vacant_nursing"] = nursing
    values["vacant_dementia"] = dementia
    values["vacant_residential"] = vacant - nursing - dementia
    values["vacant_reserved"] = min(vacant, rng.randint(1, 2)) if rng.random() < 0.15 else 0


def _infection(rng: random.Random, values: dict[str, Value], status: str, occupied: int,
               staff: int, strain: float) -> None:
    confirmed = suspected = staff_confirmed = staff_suspected = 0
    if status == "confirmed":
        confirmed = min(occupied, max(1, round(occupied * rng.uniform(0.04, 0.2) * (0.6 + strain))))
        suspected = min(occupied - confirmed, rng.randint(0, 3))
        staff_confirmed = min(staff, max(0, round(staff * rng.uniform(0.01, 0.08))))
        staff_suspected = min(staff - staff_confirmed, rng.randint(0, 2))
    elif status == "suspected":
        suspected = min(occupied, rng.randint(1, 3))
        staff_suspected = min(staff, rng.randint(0, 2))
    values.update(residents_confirmed=confirmed, residents_suspected=suspected,
                  staff_confirmed=staff_confirmed, staff_suspected=staff_suspected,
                  deaths=_poisson(rng, occupied * 0.005 + confirmed * 0.04))
    if status == "confirmed":
        values["visiting_status"] = "closed" if rng.random() < 0.2 else "restricted"
        if rng.random() < 0.25:
            values["support_needed"] = "Advice from the infection prevention and control team"
    else:
        values["visiting_status"] = "restricted" if status == "suspected" else "open"


def _closure(rng: random.Random, status: str, for_outbreak: bool, embargo: bool,
             carer_absence: float) -> str | None:
    if for_outbreak:
        return "outbreak"
    if embargo:
        return "regulator"
    if carer_absence > 0.2 and rng.random() < 0.5:
        return "staffing"
    return None


def home_care_weeks(rng: random.Random, weeks: int) -> list[dict[str, Value]]:
    """Raw home care return values for each of `weeks` weeks, oldest first."""
    packages = max(8, round(rng.lognormvariate(0, 0.6) * 60))
    hours_each = rng.uniform(8, 14)
    staff = max(5, round(packages * hours_each / rng.uniform(18, 26)))
    per_worker = packages * hours_each / staff * rng.uniform(1.02, 1.1)
    absence_factor = rng.uniform(0.65, 1.35)
    levels = {item: rng.randint(14, 60) for item in PPE_ITEMS}
    series = []
    for week in range(weeks):
        strain = wave(week, weeks)
        wanted = max(1, round(packages * (1 + 0.06 * strain) + rng.gauss(0, packages * 0.02)))
        demand = wanted * hours_each
        absent = _binomial(rng, staff, (0.05 + 0.10 * strain) * absence_factor)
        delivered = min(demand, (staff - absent) * per_worker)
        unmet = demand - delivered + demand * rng.uniform(0.005, 0.02)
        values: dict[str, Value] = {
            "packages_delivered": min(wanted, round(delivered / hours_each)),
            "hours_delivered": round(delivered * 2) / 2,
            "unmet_hours": round(unmet * 2) / 2,
            "people_waiting": round(unmet / rng.uniform(7, 12)),
            "staff_headcount": staff, "staff_absent": absent,
            "agency_hours": round(absent * per_worker * rng.uniform(0.1, 0.4)),
            **_ppe(rng, levels, strain),
        }
        if unmet > demand * 0.08 and rng.random() < 0.3:
            values["support_needed"] = "We need more care workers to pick up waiting packages"
        series.append(values)
    return series
