"""A hand-built market for the risk tests, with every number worked out by hand.

"Now" is noon on the Thursday of the week the tests run in (so that the dashboards' "latest
figures", which follow the real date, see this week's returns): the current week's deadline
(Wednesday 17:00) has passed, so the last 12 weekly periods are all due. Returns began 11
weeks ago (Birch Court).

Manchester (registered beds of active care homes: 340)
  Oak House, 48 beds, Acme Care (brand BD-1 "Acme Group"). Rated Requires improvement;
    safe Inadequate, effective and well-led Requires improvement, caring and responsive Good.
    Returns for weeks_ago 0 to 7 (weeks 8 to 11 missed; week 3 sent late), each with
    100 beds in the return, 0 closed, occupied by week [75, 76, 76, 77, 77, 78, 78, 79];
    nurses 10 (1 absent, 2 agency), care workers 30 (absent 5 in week 0, else 2; 4 agency);
    a confirmed outbreak in weeks 1 and 2; gloves for 5 days in weeks 0, 4 and 6, else 14.
  Ash Grove, 20 beds, Acme North Ltd (brand BD-1): no returns.
  Birch Court, 60 beds, Bolt Homes: a clean return every week, weeks 0 to 11.
  Cedar Court, 212 beds, Cedar Care: no returns.
  Old Mill, 30 beds, Bolt Homes: deregistered (counts nowhere).
  Acme Homecare Manchester: a home care agency (no beds).
Salford: Elm Lodge, 30 beds, Acme Care. Leeds: Moor View, 40 beds, Far Away Care.

Group BD-1 (Acme Care and Acme North): Oak House, Elm Lodge, the agency, Ash Grove = 4.
"""

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from mqis.lib.testing import Market, build_market, care_home_values
from mqis.registry.models import Location, Provider
from mqis.returns.models import Period
from mqis.returns.periods import period_for
from mqis.returns.services import Submission, store
from mqis.returns.templates import current_template
from mqis.returns.validation import validate_values

_TODAY = timezone.localdate()
NOW = timezone.make_aware(dt.datetime.combine(_TODAY + dt.timedelta(days=3 - _TODAY.weekday()), dt.time(12)))
OAK_OCCUPIED = [75, 76, 76, 77, 77, 78, 78, 79]


def period(weeks_ago: int) -> Period:
    return period_for(current_template("care-home"), NOW.date() - dt.timedelta(weeks=weeks_ago))


def send(location: Location, weeks_ago: int, *, late: bool = False, channel: str = "demo",
         now: dt.datetime | None = None, **changes: object) -> None:
    """Store a care home return for the period `weeks_ago` weeks before NOW."""
    template = current_template("care-home")
    when_due = period(weeks_ago)
    cleaned, errors = validate_values(template.fields, template.rules, care_home_values(**changes))
    assert not errors, errors
    when = now or (when_due.due_at + dt.timedelta(days=1) if late else when_due.opens_at + dt.timedelta(hours=1))
    store([Submission(location, when_due, template, cleaned)], user=None, channel=channel, now=when)


def oak_values(weeks_ago: int) -> dict[str, Any]:
    occupied = OAK_OCCUPIED[weeks_ago]
    return {
        "beds_total": "100", "beds_occupied": str(occupied), "beds_closed": "0",
        "beds_vacant": str(100 - occupied),
        "nurses_headcount": "10", "nurses_absent": "1", "nurses_agency": "2",
        "care_workers_headcount": "30", "care_workers_absent": "5" if weeks_ago == 0 else "2",
        "care_workers_agency": "4",
        "outbreak_status": "confirmed" if weeks_ago in (1, 2) else "none",
        "ppe_days_gloves": "5" if weeks_ago in (0, 4, 6) else "14",
    }


def care_home(cid: str, name: str, provider: Provider, market: Market, beds: int, **extra: Any) -> Location:
    return Location.objects.create(
        cqc_location_id=cid, name=name, provider=provider, council=market.manchester, care_home=True,
        beds=beds, service_types=["Care home service with nursing"], **extra,
    )


@pytest.fixture
def market(db: Any) -> Market:
    m = build_market()
    Provider.objects.filter(pk=m.acme.pk).update(brand_id="BD-1", brand_name="Acme Group")
    north = Provider.objects.create(cqc_provider_id="1-110", name="Acme North Ltd", brand_id="BD-1",
                                    brand_name="Acme Group")
    cedar = Provider.objects.create(cqc_provider_id="1-400", name="Cedar Care")
    care_home("1-111", "Ash Grove", north, m, 20)
    care_home("1-401", "Cedar Court", cedar, m, 212)
    care_home("1-202", "Old Mill", m.bolt, m, 30, deregistered=True)
    Location.objects.filter(pk=m.home_a.pk).update(
        rating_overall="Requires improvement", rating_safe="Inadequate", rating_effective="Requires improvement",
        rating_caring="Good", rating_responsive="Good", rating_well_led="Requires improvement",
    )
    for weeks_ago in range(12):
        send(m.rival_home, weeks_ago, beds_total="60", beds_occupied="55", beds_closed="0", beds_vacant="5")
    for weeks_ago in range(8):
        send(m.home_a, weeks_ago, late=weeks_ago == 3, **oak_values(weeks_ago))
    return m


@pytest.fixture
def sender() -> Callable[..., None]:
    return send
