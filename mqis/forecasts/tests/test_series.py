"""A council's weekly totals: scaled to the locations expected, thin weeks left out or filled.

Manchester's care homes, with "now" a Tuesday whose week's deadline (Wednesday 17:00)
has not passed:

  week of        Oak House  Birch Court  Ash Grove  reported  total used
  26 January         -          -           30        1 of 3    too few: before the first usable week
   2 February       40         50           30        3 of 3    120
   9 February       40         50            -        2 of 3    90 × 3/2 = 135
  16 February       40          -            -        1 of 3    too few: (135 + 120) / 2 = 127.5, estimated
  23 February       42         51           27        3 of 3    120
   2 March          47         55           33        not due   left out; 135 once due

Quiet Rest (dormant) and Old Mill (deregistered) report too, and are not counted.
"""

import datetime as dt

import pytest
from django.utils import timezone

from mqis.forecasts.series import MEASURES, Week, weekly_series
from mqis.registry.models import Location

from .conftest import beds, unmet

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(dt.datetime(2026, 3, 3, 12, 0))
D = dt.date


def add_home(market, cid: str, name: str, beds_: int, **extra) -> Location:
    return Location.objects.create(cqc_location_id=cid, name=name, provider=market.bolt, council=market.manchester,
                                   care_home=True, beds=beds_, service_types=["Care home service"], **extra)


@pytest.fixture
def manchester(market, send):
    ash = add_home(market, "1-202", "Ash Grove", 40)
    quiet = add_home(market, "1-203", "Quiet Rest", 10, dormant=True)
    old_mill = add_home(market, "1-204", "Old Mill", 25, deregistered=True)
    oak, birch = market.home_a, market.rival_home
    sent = {
        D(2026, 1, 26): {ash: 30},
        D(2026, 2, 2): {oak: 40, birch: 50, ash: 30, quiet: 10, old_mill: 20},
        D(2026, 2, 9): {oak: 40, birch: 50, quiet: 10},
        D(2026, 2, 16): {oak: 40, quiet: 10, old_mill: 20},
        D(2026, 2, 23): {oak: 42, birch: 51, ash: 27},
        D(2026, 3, 2): {oak: 47, birch: 55, ash: 33},
    }
    for week, homes in sent.items():
        for home, occupied in homes.items():
            send(home, week, beds(home.beds, occupied))
    return market.manchester


def test_it_scales_each_week_to_the_homes_expected_and_fills_thin_weeks(manchester) -> None:
    series = weekly_series(manchester, MEASURES["occupied"], NOW)
    assert series.expected == 3
    assert series.weeks == [
        Week(D(2026, 2, 2), 120.0, 3),
        Week(D(2026, 2, 9), 135.0, 2),
        Week(D(2026, 2, 16), 127.5, 1, estimated=True),
        Week(D(2026, 2, 23), 120.0, 3),
    ]
    assert series.usable_weeks == 3
    assert series.values == [120.0, 135.0, 127.5, 120.0]


def test_vacant_beds_come_from_the_same_returns(manchester) -> None:
    series = weekly_series(manchester, MEASURES["vacant"], NOW)
    # 2 February: 48 - 40, 60 - 50 and 40 - 30 vacant.
    assert series.weeks[0] == Week(D(2026, 2, 2), 28.0, 3)


def test_the_running_week_counts_once_its_deadline_has_passed(manchester) -> None:
    thursday = timezone.make_aware(dt.datetime(2026, 3, 5, 9, 0))
    weeks = weekly_series(manchester, MEASURES["occupied"], thursday).weeks
    assert weeks[-1] == Week(D(2026, 3, 2), 135.0, 3)
    assert len(weeks) == 5


def test_unmet_hours_come_from_home_care_returns(market, send) -> None:
    for n, hours in enumerate([40, 35.5, 50]):
        send(market.agency, D(2026, 2, 2) + dt.timedelta(weeks=n), unmet(hours))
    series = weekly_series(market.manchester, MEASURES["unmet"], NOW)
    assert series.expected == 1
    assert series.values == [40.0, 35.5, 50.0]
    assert weekly_series(market.salford, MEASURES["unmet"], NOW).expected == 0
