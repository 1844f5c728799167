"""The open data's golden market: build_market plus homes and agencies, with last week's returns.

The figures, and what is hidden, are worked out by hand in test_open_data.py's docstring.
"""

import datetime as dt
from typing import Any

from django.utils import timezone

from mqis.lib.testing import Market, build_market, care_home_values
from mqis.registry.models import Council, Location, Provider
from mqis.returns.models import Period, ReturnTemplate
from mqis.returns.periods import period_for
from mqis.returns.services import Submission, store
from mqis.returns.templates import current_template
from mqis.returns.validation import Value, validate_values

WEEK = dt.timedelta(days=7)
HOME_CARE = {
    "packages_delivered": "120", "hours_delivered": "1500.5", "unmet_hours": "40",
    "staff_headcount": "50", "staff_absent": "5",
    **{f"ppe_days_{k}": "10" for k in ("masks", "gloves", "aprons", "eye", "hand_hygiene")},
}
OUTBREAK = {"outbreak_status": "confirmed"}


def valid(template: ReturnTemplate, values: dict[str, Any]) -> dict[str, Value]:
    cleaned, errors = validate_values(template.fields, template.rules, values)
    assert not errors, errors
    return cleaned


def beds(total: int, occupied: int, vacant: int, **more: str) -> dict[str, object]:
    return care_home_values(beds_total=str(total), beds_occupied=str(occupied),
                            beds_closed=str(total - occupied - vacant), beds_vacant=str(vacant), **more)


def build_open_data_market() -> Market:
    """The market, with `last_week` (the latest due) and `this_week` (not due yet) periods on it."""
    m = build_market()
    care, home_care = current_template("care-home"), current_template("home-care")
    today = timezone.localdate()
    last_week, this_week = period_for(care, today - WEEK), period_for(care, today)
    care_last = period_for(home_care, today - WEEK)
    period_for(home_care, today)
    Period.objects.filter(start=this_week.start).update(due_at=timezone.now() + dt.timedelta(hours=1))
    bolton = Council.objects.create(gss_code="E08000001", name="Bolton", region=m.region)
    bradford = Council.objects.create(gss_code="E08000032", name="Bradford", region=m.other_region)
    other = Provider.objects.create(cqc_provider_id="1-900", name="Northern Homes Ltd")

    def home(cid: str, council: Council, registered: int, **extra: Any) -> Location:
        return Location.objects.create(
            cqc_location_id=cid, name=f"Home {cid}", provider=other, council=council, care_home=True,
            beds=registered, service_types=["Care home service without nursing"], **extra)

    def agency(cid: str, council: Council) -> Location:
        return Location.objects.create(
            cqc_location_id=cid, name=f"Agency {cid}", provider=other, council=council, care_home=False,
            service_types=["Homecare agencies"])

    submissions = []

    def send(location: Location, values: dict[str, Any], period: Period = last_week) -> None:
        submissions.append(Submission(location, period, care, valid(care, values)))

    def send_home_care(location: Location) -> None:
        submissions.append(Submission(location, care_last, home_care, valid(home_care, HOME_CARE)))

    for i in range(1, 7):
        send(home(f"1-13{i}", bolton, 10), beds(10, 9, 1, **(OUTBREAK if i <= 5 else {})))
    send(m.home_a, beds(48, 40, 6))
    send(m.home_a, beds(48, 20, 26, **OUTBREAK), this_week)
    send(m.rival_home, beds(60, 50, 10, admissions_status="closed", admissions_closed_reason="outbreak",
                            **OUTBREAK))
    for i in range(3, 7):
        send(home(f"1-21{i}", m.manchester, 20), beds(20, 18, 2))
    send(home("1-217", m.manchester, 20), beds(20, 5, 15, **OUTBREAK), period_for(care, today - 2 * WEEK))
    for location in [m.agency] + [agency(f"1-11{i}", m.manchester) for i in range(1, 5)]:
        send_home_care(location)
    send(m.home_b, beds(30, 27, 3))
    send(home("1-121", m.salford, 25), beds(25, 20, 5, ppe_days_masks="2"))
    send_home_care(agency("1-122", m.salford))
    home("1-321", bradford, 15)
    send_home_care(agency("1-322", bradford))
    send(m.far_home, beds(40, 35, 5))
    for i in range(1, 5):
        send(home(f"1-31{i}", m.leeds, 10), beds(10, 10, 0))
    send(home("1-315", m.leeds, 50, deregistered=True), beds(50, 50, 0, **OUTBREAK))
    store(submissions, user=None, channel="demo")
    m.last_week, m.this_week = last_week, this_week  # type: ignore[attr-defined]
    return m
