"""Load what the indicators read, for many locations at once, in a handful of queries."""

import datetime as dt
from collections import defaultdict
from collections.abc import Collection

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from mqis.oversight.completeness import expected_locations, periods_asked
from mqis.registry.models import Location
from mqis.returns.models import Period, Return, ReturnTemplate
from mqis.risk.groups import bed_holders, group_key, group_sizes
from mqis.risk.indicators import KEY_QUESTIONS, WINDOW_WEEKS, Bundle

LOCATION_FIELDS = ("id", "beds", "care_home", "council_id", "provider_id", "provider__brand_id",
                   "rating_overall", *KEY_QUESTIONS)
RETURN_FIELDS = ("location_id", "period__start", "beds_total", "beds_occupied", "staff_headcount",
                 "staff_absent", "agency_staff", "in_outbreak", "ppe_min_days")


def load_bundles(location_ids: Collection[int] | None, now: dt.datetime,
                 break_even: float) -> dict[int, Bundle]:
    """A bundle for each registered location among these (all when None)."""
    today = timezone.localdate(now)
    locations = Location.objects.filter(deregistered=False)
    if location_ids is not None:
        locations = locations.filter(pk__in=list(location_ids))
    bundles = {row["id"]: Bundle(row, today, break_even) for row in locations.values(*LOCATION_FIELDS)}
    if bundles:
        _add_returns(bundles, location_ids, today)
        _add_missed(bundles, locations, now)
        _add_groups(bundles, everyone=location_ids is None)
        _add_shares(bundles)
    return bundles


def _add_returns(bundles: dict[int, Bundle], ids: Collection[int] | None, today: dt.date) -> None:
    window = Period.objects.filter(start__gt=today - dt.timedelta(weeks=WINDOW_WEEKS), start__lte=today)
    rows = Return.objects.filter(period_id__in=window.values("pk"))
    if ids is not None:
        rows = rows.filter(location_id__in=list(ids))
    for row in rows.values(*RETURN_FIELDS).order_by("location_id", "-period__start"):
        bundle = bundles.get(row["location_id"])
        if bundle is not None:
            bundle.returns.append(row)


def _add_missed(bundles: dict[int, Bundle], locations: QuerySet[Location], now: dt.datetime) -> None:
    """Count, per location, the due periods it was expected to return, and those missed or late."""
    for template in ReturnTemplate.objects.filter(is_current=True).defer("fields", "rules"):
        expected = expected_locations(locations, template)
        expected_ids = list(expected.values_list("pk", flat=True))
        due = [p for p in periods_asked(template, WINDOW_WEEKS, now) if p.due_at <= now] if expected_ids else []
        if not due:
            continue
        counts = {
            row["location_id"]: row
            for row in Return.objects.filter(period_id__in=[p.pk for p in due], location__in=expected)
            .values("location_id")
            .annotate(received=Count("id"), late=Count("id", filter=Q(on_time=False)))
            .order_by()
        }
        for pk in expected_ids:
            row = counts.get(pk, {"received": 0, "late": 0})
            bundle = bundles[pk]
            bundle.due += len(due)
            bundle.missed += len(due) - row["received"]
            bundle.late += row["late"]


def _group_of(bundle: Bundle) -> str:
    return group_key(bundle.location["provider__brand_id"], bundle.location["provider_id"])


def _add_groups(bundles: dict[int, Bundle], everyone: bool) -> None:
    sizes = group_sizes(None if everyone else {_group_of(b) for b in bundles.values()})
    for bundle in bundles.values():
        bundle.group_size = sizes.get(_group_of(bundle), 1)


def _add_shares(bundles: dict[int, Bundle]) -> None:
    homes = [b for b in bundles.values() if b.location["care_home"] and b.location["council_id"]]
    councils = {b.location["council_id"] for b in homes}
    totals: dict[int, int] = defaultdict(int)
    held: dict[tuple[int, str], int] = defaultdict(int)
    for row in bed_holders(Location.objects.filter(council_id__in=councils)):
        totals[row["council_id"]] += row["beds"]
        held[(row["council_id"], group_key(row["provider__brand_id"], row["provider_id"]))] += row["beds"]
    for bundle in homes:
        council = bundle.location["council_id"]
        if totals[council]:
            bundle.council_share = 100.0 * held[(council, _group_of(bundle))] / totals[council]
