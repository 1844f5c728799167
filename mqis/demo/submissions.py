"""When each demo return was sent, and storing them all through the returns write path.

Most locations submit before the deadline (Wednesday 17:00 of the week); a few chronic
late submitters send most returns days late, and a few miss weeks altogether (some at
random, some stopped a few weeks ago). Returns are grouped by the moment they were sent
and stored with `store(..., now=that moment)`, so `submitted_at` and `on_time` are true.
"""

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from mqis.registry.models import Location
from mqis.returns.models import Period, ReturnTemplate
from mqis.returns.services import Submission, store
from mqis.returns.validation import Value, validate_values

# (days after the period starts, hour, minute): before the Wednesday 17:00 deadline ...
ON_TIME = [(0, 9, 30), (0, 14, 40), (1, 10, 5), (1, 15, 50), (2, 11, 40), (2, 16, 10)]
# ... and after it, but before the period closes.
LATE = [(3, 10, 20), (4, 14, 30), (7, 9, 45)]
# A multi-site manager sends all their locations' returns at once, on Monday morning.
MANAGER = (0, 8, 45)


class GeneratedReturnInvalid(Exception):
    """The generator made a return its template refuses: a bug in the generator."""


@dataclass(frozen=True)
class Habit:
    late: bool = False
    misses: str = ""  # "", "gaps" (some weeks at random) or "stopped" (the last few weeks)
    stopped_weeks: int = 0


@dataclass
class Batches:
    """Submissions grouped by (moment sent, who sent them)."""

    groups: dict[tuple[dt.datetime, int | None], list[Submission]] = field(
        default_factory=lambda: defaultdict(list))
    users: dict[int | None, Any] = field(default_factory=dict)
    count: int = 0

    def add(self, when: dt.datetime, user: Any, submission: Submission) -> None:
        key = user.pk if user is not None else None
        self.users[key] = user
        self.groups[(when, key)].append(submission)
        self.count += 1


def _at(day: dt.date, hour: int, minute: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def sent_at(rng: random.Random, habit: Habit, period: Period, week: int, weeks: int,
            now: dt.datetime, manager: bool = False) -> dt.datetime | None:
    """When this location sent the week's return, or None if it has not (yet)."""
    if habit.misses == "gaps" and rng.random() < 0.35:
        return None
    if habit.misses == "stopped" and week >= weeks - habit.stopped_weeks:
        return None
    late = rng.random() < (0.8 if habit.late else 0.01)
    days, hour, minute = rng.choice(LATE if late else ON_TIME)
    if manager and not late:
        days, hour, minute = MANAGER
    when = _at(period.start + dt.timedelta(days=days), hour, minute)
    if when <= now:
        return when
    if late:
        return None  # late and not in yet
    # An on-time submitter of the current week has already sent it, just now at the latest.
    return max(period.opens_at, now - dt.timedelta(minutes=5))


def add_series(batches: Batches, rng: random.Random, location: Location,
               template: ReturnTemplate, periods: list[Period], series: list[dict[str, Value]],
               habit: Habit, user: Any, now: dt.datetime) -> None:
    """Validate a location's weekly values and queue those it sent."""
    weeks = len(periods)
    for week, (period, raw) in enumerate(zip(periods, series, strict=True)):
        when = sent_at(rng, habit, period, week, weeks, now, manager=user is not None)
        if when is None:
            continue
        cleaned, errors = validate_values(template.fields, template.rules, raw)
        if errors:
            problems = "; ".join(e.message for e in errors)
            raise GeneratedReturnInvalid(
                f"Demo return for {location.cqc_location_id} week of {period.start} is invalid: "
                f"{problems}"
            )
        batches.add(when, user, Submission(location, period, template, cleaned))


def store_all(batches: Batches, advance: Callable[[int], None]) -> int:
    """Store every queued return, one `store` call per moment sent. Returns how many."""
    stored = 0
    for (when, user_key), subs in sorted(batches.groups.items(), key=lambda kv: kv[0][0]):
        for i in range(0, len(subs), 2000):
            chunk = subs[i : i + 2000]
            summary = store(chunk, user=batches.users[user_key], channel="demo", now=when)
            stored += summary.created + summary.updated
            advance(len(chunk))
    return stored
