"""Completeness and timeliness of returns: who has sent, who is late, who to chase.

Every function takes a queryset of locations that came from `mqis.accounts.scope`, so
nothing here decides who may see what. Each works on sets, a handful of queries whatever
the number of locations.

A location is *expected* to send a template's return when it is active (neither dormant
nor deregistered) and the template applies to it. An expected location with no return
for a period is *missing* once the period's deadline has passed, and *not yet received*
before it. A return sent after the deadline is *late*, and still received.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from mqis.accounts.models import Membership, Role
from mqis.oversight.figures import _applies_q, percent
from mqis.oversight.models import Reminder
from mqis.registry.models import Location
from mqis.returns.models import Period, Return, ReturnTemplate
from mqis.returns.periods import period_bounds, period_for

# How far back "missed in a row" looks, in periods.
MISSED_LOOKBACK = 26
# A location late for each of this many deadlines in a row is on the chase list too.
OFTEN_LATE = 3

MISSING = "Missing"
NOT_YET = "Not yet received"
OFTEN_LATE_STATUS = f"Late {OFTEN_LATE} times running"


@dataclass
class PeriodCompleteness:
    """How many of the expected returns for one period came in, and when."""

    period: Period
    expected: int
    received: int
    on_time: int
    due: bool  # the deadline has passed

    @property
    def late(self) -> int:
        return self.received - self.on_time

    @property
    def outstanding(self) -> int:
        return self.expected - self.received

    @property
    def missing(self) -> int:
        return self.outstanding if self.due else 0

    @property
    def not_yet_received(self) -> int:
        return 0 if self.due else self.outstanding

    @property
    def rate(self) -> float | None:
        return percent(self.received, self.expected)

    @property
    def on_time_rate(self) -> float | None:
        return percent(self.on_time, self.expected)


@dataclass
class Missed:
    """A location that has missed its latest due periods, with how many in a row."""

    location: Location
    periods: int
    last_return: dt.datetime | None


@dataclass
class ChaseRow:
    """A location to chase for one period, with the contact details the registry holds."""

    location: Location
    status: str
    missed_in_a_row: int
    last_return: dt.datetime | None
    emails: list[str] = field(default_factory=list)
    reminders: list[Reminder] = field(default_factory=list)


def expected_locations(locations: QuerySet[Location], template: ReturnTemplate) -> QuerySet[Location]:
    """The active locations among these that the template applies to."""
    return (
        locations.filter(dormant=False, deregistered=False)
        .alias(service_types_text=Cast("service_types", TextField()))
        .filter(_applies_q(template))
    )


def recent_periods(template: ReturnTemplate, count: int, now: dt.datetime | None = None) -> list[Period]:
    """The template's latest `count` periods, newest (the one running now) first."""
    day = timezone.localdate(now or timezone.now())
    starts = []
    for _ in range(count):
        start, _end = period_bounds(template.frequency, day)
        starts.append(start)
        day = start - dt.timedelta(days=1)
    found = {p.start: p for p in Period.objects.filter(template_slug=template.slug, start__in=starts)}
    return [found.get(start) or period_for(template, start) for start in starts]


def returns_began(template: ReturnTemplate) -> dt.date | None:
    """The start of the first period of this template's family that anyone sent a return for."""
    return (
        Period.objects.filter(template_slug=template.slug)
        .filter(Exists(Return.objects.filter(period_id=OuterRef("pk"))))
        .order_by("start").values_list("start", flat=True).first()
    )


def periods_asked(template: ReturnTemplate, count: int, now: dt.datetime | None = None) -> list[Period]:
    """Of the latest `count` periods, newest first, the running one and those since returns began.

    Before the first return anyone sent, nobody was asked for one: those periods are not missed.
    """
    periods = recent_periods(template, count, now)
    began = returns_began(template)
    return [periods[0], *(p for p in periods[1:] if began is not None and p.start >= began)]


def _received(
    expected: QuerySet[Location], periods: list[Period], group: str | None = None
) -> dict[tuple[Any, int], tuple[int, int]]:
    """(received, on time) for each (group value, period id): one query."""
    keys = [f"location__{group}", "period_id"] if group else ["period_id"]
    rows = (
        Return.objects.filter(period_id__in=[p.pk for p in periods], location__in=expected)
        .values(*keys)
        .annotate(received=Count("id"), on_time=Count("id", filter=Q(on_time=True)))
        .order_by()
    )
    found = {}
    for row in rows:
        key = row[keys[0]] if group else None
        found[(key, row["period_id"])] = (row["received"], row["on_time"])
    return found


def _cells(
    periods: list[Period], expected: int, received: dict[tuple[Any, int], tuple[int, int]],
    key: Any, now: dt.datetime,
) -> list[PeriodCompleteness]:
    cells = []
    for period in periods:
        got, on_time = received.get((key, period.pk), (0, 0))
        cells.append(PeriodCompleteness(period, expected, got, on_time, due=period.due_at <= now))
    return cells


def completeness_table(
    locations: QuerySet[Location], template: ReturnTemplate, periods: list[Period],
    now: dt.datetime | None = None,
) -> list[PeriodCompleteness]:
    """Completeness of each period, in the order given: two queries."""
    expected = expected_locations(locations, template)
    received = _received(expected, periods)
    return _cells(periods, expected.count(), received, None, now or timezone.now())


def period_completeness(
    locations: QuerySet[Location], template: ReturnTemplate, period: Period,
    now: dt.datetime | None = None,
) -> PeriodCompleteness:
    return completeness_table(locations, template, [period], now)[0]


def submission_rate_by_council(
    locations: QuerySet[Location], template: ReturnTemplate, periods: list[Period],
    now: dt.datetime | None = None,
) -> dict[int, list[PeriodCompleteness]]:
    """Completeness of each period for each council id with expected locations: two queries."""
    now = now or timezone.now()
    expected = expected_locations(locations, template)
    counts = dict(
        expected.exclude(council=None).values("council_id").annotate(n=Count("id"))
        .order_by().values_list("council_id", "n")
    )
    received = _received(expected, periods, group="council_id")
    return {
        council_id: _cells(periods, count, received, council_id, now)
        for council_id, count in counts.items()
    }


def _due_periods(template: ReturnTemplate, now: dt.datetime) -> list[Period]:
    """The latest periods asked for whose deadline has passed, newest first."""
    periods = periods_asked(template, MISSED_LOOKBACK + 1, now)
    return [p for p in periods if p.due_at <= now][:MISSED_LOOKBACK]


def _latest_due_return(expected: QuerySet[Location], due: list[Period]) -> dict[int, dt.date]:
    """The start of each location's latest period with a return, among the due periods."""
    rows = (
        Return.objects.filter(period_id__in=[p.pk for p in due], location__in=expected)
        .values("location_id").annotate(last=Max("period__start")).order_by()
    )
    return {row["location_id"]: row["last"] for row in rows}


def _streak(due: list[Period], last: dt.date | None) -> int:
    """How many of the due periods (newest first) came after the last one returned."""
    return sum(1 for p in due if last is None or p.start > last)


def last_returns(location_ids: Iterable[int], template: ReturnTemplate) -> dict[int, dt.datetime]:
    """When each location last sent a return of this template's family."""
    rows = (
        Return.objects.filter(location_id__in=list(location_ids), period__template_slug=template.slug)
        .values("location_id").annotate(last=Max("submitted_at")).order_by()
    )
    return {row["location_id"]: row["last"] for row in rows}


def missed_in_a_row(
    locations: QuerySet[Location], template: ReturnTemplate, n: int, now: dt.datetime | None = None,
) -> list[Missed]:
    """Expected locations that missed at least the last `n` due periods, longest run first."""
    now = now or timezone.now()
    expected = expected_locations(locations, template)
    due = _due_periods(template, now)
    if n < 1 or len(due) < n:
        return []
    latest = _latest_due_return(expected, due)
    # A location that sent any of the last n due periods has not missed n in a row.
    cutoff = due[n - 1].start
    candidates = [
        location for location in expected.select_related("provider")
        if (latest.get(location.pk) or dt.date.min) < cutoff
    ]
    sent = last_returns([loc.pk for loc in candidates], template)
    found = [Missed(loc, _streak(due, latest.get(loc.pk)), sent.get(loc.pk)) for loc in candidates]
    found.sort(key=lambda m: (-m.periods, m.location.name.lower()))
    return found


def provider_emails(provider_ids: Iterable[int]) -> dict[int, list[str]]:
    """The e-mail addresses of each provider's active users: one query."""
    rows = (
        Membership.objects.filter(
            role=Role.PROVIDER, provider_id__in=list(provider_ids), user__is_active=True
        )
        .exclude(user__email="")
        .order_by("user__email")
        .values_list("provider_id", "user__email")
    )
    found: dict[int, list[str]] = defaultdict(list)
    for provider_id, email in rows:
        found[provider_id].append(email)
    return dict(found)


def _often_late(expected: QuerySet[Location], due: list[Period]) -> set[int]:
    """Locations whose returns were late for each of the last OFTEN_LATE deadlines."""
    last = due[:OFTEN_LATE]
    if len(last) < OFTEN_LATE:
        return set()
    rows = (
        Return.objects.filter(period_id__in=[p.pk for p in last], location__in=expected, on_time=False)
        .values("location_id").annotate(n=Count("id")).filter(n=OFTEN_LATE).order_by()
    )
    return {row["location_id"] for row in rows}


def _reminders(period: Period, location_ids: list[int]) -> dict[int, list[Reminder]]:
    found: dict[int, list[Reminder]] = defaultdict(list)
    for reminder in Reminder.objects.filter(period=period, location_id__in=location_ids).order_by("id"):
        found[reminder.location_id].append(reminder)
    return found


def chase_list(
    locations: QuerySet[Location], template: ReturnTemplate, period: Period,
    now: dt.datetime | None = None,
) -> list[ChaseRow]:
    """Expected locations with no return for the period, and those late time after time.

    Longest run of missed periods first; each row with its contact details.
    """
    now = now or timezone.now()
    expected = expected_locations(locations, template)
    due = _due_periods(template, now)
    often_late = _often_late(expected, due)
    sent = Return.objects.filter(period=period, location_id=OuterRef("pk"))
    chosen = list(
        expected.annotate(has_return=Exists(sent))
        .filter(Q(has_return=False) | Q(pk__in=often_late))
        .select_related("provider")
    )
    ids = [loc.pk for loc in chosen]
    latest = _latest_due_return(expected.filter(pk__in=ids), due)
    last = last_returns(ids, template)
    emails = provider_emails({loc.provider_id for loc in chosen})
    reminders = _reminders(period, ids)
    absent = MISSING if period.due_at <= now else NOT_YET
    rows = [
        ChaseRow(
            location=loc,
            status=OFTEN_LATE_STATUS if loc.has_return else absent,
            missed_in_a_row=_streak(due, latest.get(loc.pk)),
            last_return=last.get(loc.pk),
            emails=emails.get(loc.provider_id, []),
            reminders=reminders.get(loc.pk, []),
        )
        for loc in chosen
    ]
    rows.sort(key=lambda r: (r.status == OFTEN_LATE_STATUS, -r.missed_in_a_row, r.location.name.lower()))
    return rows
