"""Weeks of returns for the forecast tests, stored as the demo generator stores them."""

import datetime as dt
from collections.abc import Callable

import pytest

from mqis.lib.testing import Market, build_market, care_home_values
from mqis.registry.models import Location
from mqis.returns.periods import period_for
from mqis.returns.services import Submission, store
from mqis.returns.templates import current_template
from mqis.returns.validation import validate_values

WEEK = dt.timedelta(days=7)
HOME_CARE = {
    "packages_delivered": "120", "hours_delivered": "1500.5", "staff_headcount": "50", "staff_absent": "5",
    **{f"ppe_days_{k}": "10" for k in ("masks", "gloves", "aprons", "eye", "hand_hygiene")},
}


def beds(total: int, occupied: int) -> dict[str, object]:
    return care_home_values(beds_total=str(total), beds_occupied=str(occupied), beds_closed="0",
                            beds_vacant=str(total - occupied))


def unmet(hours: float) -> dict[str, object]:
    return {**HOME_CARE, "unmet_hours": str(hours)}


Send = Callable[[Location, dt.date, dict[str, object]], None]


@pytest.fixture
def market() -> Market:
    return build_market()


@pytest.fixture
def send() -> Send:
    """Store one location's return for the week containing `day`, whatever its deadline."""

    def send_one(location: Location, day: dt.date, values: dict[str, object]) -> None:
        template = current_template("care-home" if location.care_home else "home-care")
        cleaned, errors = validate_values(template.fields, template.rules, values)
        assert not errors, errors
        store([Submission(location, period_for(template, day), template, cleaned)], user=None, channel="demo")

    return send_one
