"""A hand-built market for the report tests (and the report's browser test), every figure
worked out by hand.

"Now" (NOW) is noon on the Thursday of the week the tests run in: this week's deadline
(Wednesday 17:00) has passed, so the report covers this week ("w0"), beside last week
("w1"). The dashboards' windows follow the real date, which is in the same week.

Manchester (care homes Oak House and Birch Court; agency Acme Homecare Manchester)
  Oak House     w0: 48 beds, 40 occupied, 6 vacant; nurses 10 (3 absent), care workers 30 (3 absent)
                w1: 48 beds, 44 occupied, 4 vacant; nurses 10 (4 absent), care workers 30 (6 absent)
  Birch Court   w1: 60 beds, 50 occupied, 10 vacant; closed to admissions; care workers 40
                (10 absent); confirmed outbreak; 2 days of masks.  No return for w0.
                w3: 60 beds, 30 occupied (outside both weeks' windows; only on the charts)
  Agency        w0: staff 50 (5 absent), PPE 10 days.  w1: staff 50 (10 absent), 2 days of masks.
Salford: Elm Lodge w0 (sent late, Wednesday 18:00): 30 beds, 27 occupied, 3 vacant; care workers
  20 (2 absent); a suspected outbreak (not counted); 1 day of masks.
  w1: 30 beds, 24 occupied, 6 vacant; care workers 20 (5 absent); confirmed outbreak.
Leeds: Moor View w0: 48 beds, 40 occupied (another region: never in a North West report).

Returns are sent an hour after their period opens (Monday 01:00), Elm Lodge's w0 excepted.
Risk scores and a forecast are set by hand at the end, over whatever the apps worked out.
"""

import datetime as dt
from typing import Any

from django.utils import timezone

from mqis.forecasts.models import Forecast
from mqis.lib.testing import Market, build_market, care_home_values
from mqis.registry.models import Location
from mqis.returns.models import Period
from mqis.returns.periods import period_for
from mqis.returns.services import Submission, store
from mqis.returns.templates import current_template
from mqis.returns.validation import validate_values
from mqis.risk.models import RiskScore

_TODAY = timezone.localdate()
MONDAY = _TODAY - dt.timedelta(days=_TODAY.weekday())
NOW = timezone.make_aware(dt.datetime.combine(MONDAY + dt.timedelta(days=3), dt.time(12)))
HOME_CARE = {
    "packages_delivered": "120", "hours_delivered": "1500.5", "unmet_hours": "40",
    "staff_headcount": "50", "staff_absent": "5",
    **{f"ppe_days_{k}": "10" for k in ("masks", "gloves", "aprons", "eye", "hand_hygiene")},
}


def period(slug: str, weeks_ago: int) -> Period:
    return period_for(current_template(slug), MONDAY - dt.timedelta(weeks=weeks_ago))


def send(location: Location, weeks_ago: int, values: dict[str, Any], *, slug: str = "care-home",
         late: bool = False) -> None:
    template = current_template(slug)
    when_due = period(slug, weeks_ago)
    cleaned, errors = validate_values(template.fields, template.rules, values)
    assert not errors, errors
    when = when_due.due_at + dt.timedelta(hours=1) if late else when_due.opens_at + dt.timedelta(hours=1)
    store([Submission(location, when_due, template, cleaned)], user=None, channel="demo", now=when)


def beds(total: int, occupied: int, vacant: int, **more: object) -> dict[str, Any]:
    return care_home_values(beds_total=str(total), beds_occupied=str(occupied), beds_closed="0",
                            beds_vacant=str(vacant), **more)


def set_risk(location: Location, score: float, band: str) -> None:
    RiskScore.objects.update_or_create(location=location, defaults={
        "score": score, "band": band, "computed_at": NOW, "contributions": {}, "coverage": 100.0})


def forecast_points() -> list[list[Any]]:
    weeks = [MONDAY + dt.timedelta(weeks=k) for k in range(1, 5)]
    return [[w.isoformat(), 110.4 + k, 100.2 + k, 120.6 + k, 95.0, 126.0] for k, w in enumerate(weeks)]


def add_forecasts(m: Market) -> None:
    history = [[(MONDAY - dt.timedelta(weeks=k)).isoformat(), 100 + 2 * (3 - k), False] for k in range(3, -1, -1)]
    common = {"made_at": NOW, "horizon": 12, "method": "Damped trend"}
    Forecast.objects.create(council=m.manchester, measure="occupied", history=history, points=forecast_points(),
                            backtest={"horizon": 4, "season": 1, "origins": 10, "mae_method": 6.4, "mase_method": 0.85},
                            status=Forecast.Status.OK, **common)
    Forecast.objects.create(council=m.manchester, measure="vacant", history=[], points=[], backtest={},
                            status=Forecast.Status.TOO_SHORT, message="Too little history", **common)
    Forecast.objects.create(council=m.leeds, measure="occupied", history=history, points=forecast_points(),
                            backtest={}, status=Forecast.Status.OK, **common)


def report_market() -> Market:
    m = build_market()
    send(m.home_a, 0, care_home_values(nurses_headcount="10", nurses_absent="3"))
    send(m.home_a, 1, beds(48, 44, 4, nurses_headcount="10", nurses_absent="4", care_workers_absent="6"))
    send(m.rival_home, 1, beds(60, 50, 10, admissions_status="closed", admissions_closed_reason="outbreak",
                               care_workers_headcount="40", care_workers_absent="10", outbreak_status="confirmed",
                               ppe_days_masks="2"))
    send(m.rival_home, 3, beds(60, 30, 30))
    send(m.agency, 0, HOME_CARE, slug="home-care")
    send(m.agency, 1, {**HOME_CARE, "staff_absent": "10", "ppe_days_masks": "2"}, slug="home-care")
    send(m.home_b, 0, beds(30, 27, 3, care_workers_headcount="20", care_workers_absent="2",
                           outbreak_status="suspected", ppe_days_masks="1"), late=True)
    send(m.home_b, 1, beds(30, 24, 6, care_workers_headcount="20", care_workers_absent="5",
                           outbreak_status="confirmed"))
    send(m.far_home, 0, care_home_values())
    RiskScore.objects.all().delete()
    set_risk(m.home_a, 62.0, "high")
    set_risk(m.rival_home, 80.0, "critical")
    set_risk(m.agency, 10.0, "low")
    set_risk(m.home_b, 30.0, "medium")
    set_risk(m.far_home, 90.0, "critical")
    add_forecasts(m)
    return m
