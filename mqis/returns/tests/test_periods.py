"""Periods follow the template's frequency and schedule, held as data."""

import datetime as dt

import pytest
from django.utils import timezone

from mqis.returns.models import Period, ReturnTemplate
from mqis.returns.periods import describe, period_bounds, refusal_reason, schedule_times

D = dt.date


@pytest.mark.parametrize(
    ("frequency", "day", "expected"),
    [
        ("daily", D(2026, 11, 23), (D(2026, 11, 23), D(2026, 11, 23))),
        ("weekly", D(2026, 11, 26), (D(2026, 11, 23), D(2026, 11, 29))),
        ("twice_weekly", D(2026, 11, 24), (D(2026, 11, 23), D(2026, 11, 25))),
        ("twice_weekly", D(2026, 11, 28), (D(2026, 11, 26), D(2026, 11, 29))),
        ("monthly", D(2026, 2, 14), (D(2026, 2, 1), D(2026, 2, 28))),
    ],
)
def test_it_finds_the_period_containing_a_day(frequency, day, expected):
    assert period_bounds(frequency, day) == expected


def test_it_places_a_monthly_submission_window_from_the_8th_to_the_14th():
    template = ReturnTemplate(
        slug="m", version=1, frequency="monthly",
        schedule={"window_start_day": 8, "window_end_day": 14, "due_time": "23:59",
                  "closes_days_after_end": 0},
    )
    times = schedule_times(template, D(2026, 11, 1), D(2026, 11, 30))
    local = {k: timezone.localtime(v) for k, v in times.items()}
    assert (local["opens_at"].day, local["due_at"].day, local["due_at"].hour) == (8, 14, 23)
    assert local["closes_at"].date() == D(2026, 12, 1)


def _period(**times: dt.datetime) -> Period:
    now = timezone.now()
    defaults = {"opens_at": now - dt.timedelta(days=1), "due_at": now,
                "closes_at": now + dt.timedelta(days=1)}
    defaults.update(times)
    return Period(template_slug="care-home", start=D(2026, 11, 2), end=D(2026, 11, 8), **defaults)


def test_it_accepts_returns_while_a_period_is_open():
    assert refusal_reason(_period()) is None


def test_it_gives_the_reason_a_period_was_closed_by_hand():
    period = _period()
    period.closed_reason = "figures were published on 10 November 2026."
    assert refusal_reason(period) == (
        "The period 2 to 8 November 2026 is closed: figures were published on 10 November 2026."
    )


def test_it_refuses_a_period_that_has_not_opened():
    reason = refusal_reason(_period(opens_at=timezone.now() + dt.timedelta(days=2)))
    assert reason is not None and reason.startswith("The period 2 to 8 November 2026 does not open until")


def test_it_writes_periods_as_people_do():
    assert describe(_period()) == "2 to 8 November 2026"
    span = Period(start=D(2026, 12, 28), end=D(2027, 1, 3))
    assert describe(span) == "28 December 2026 to 3 January 2027"
