"""Alert volumes and time to acknowledge, for a council's (or region's) locations."""

import datetime as dt
import statistics
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from mqis.alerts.models import Alert, AlertRule


@dataclass
class RuleStats:
    rule: AlertRule
    opened: int
    open_now: int
    acknowledged: int
    median_hours_to_acknowledge: float | None

    @property
    def acknowledged_pct(self) -> float | None:
        return 100.0 * self.acknowledged / self.opened if self.opened else None


def rule_stats(alerts: QuerySet[Alert], weeks: int, now: dt.datetime | None = None) -> list[RuleStats]:
    """For each rule: alerts opened in the last `weeks` weeks, how many are open, and how
    quickly they were acknowledged (median hours, over those acknowledged)."""
    now = now or timezone.now()
    since = now - dt.timedelta(weeks=weeks)
    rows = alerts.filter(opened_at__gte=since).values("rule_id", "opened_at", "acknowledged_at", "cleared_at")
    by_rule: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        by_rule.setdefault(row["rule_id"], []).append(dict(row))
    out = []
    for rule in AlertRule.objects.order_by("name"):
        mine = by_rule.get(rule.pk, [])
        waits = [(r["acknowledged_at"] - r["opened_at"]).total_seconds() / 3600
                 for r in mine if r["acknowledged_at"]]
        out.append(RuleStats(
            rule=rule,
            opened=len(mine),
            open_now=sum(1 for r in mine if r["cleared_at"] is None),
            acknowledged=len(waits),
            median_hours_to_acknowledge=statistics.median(waits) if waits else None,
        ))
    return out


def weekly_volumes(alerts: QuerySet[Alert], weeks: int, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Alerts opened per week (weeks start on Monday), oldest first, zero weeks included."""
    today = timezone.localdate(now or timezone.now())
    first = today - dt.timedelta(days=today.weekday(), weeks=weeks - 1)
    counts = dict.fromkeys((first + dt.timedelta(weeks=i) for i in range(weeks)), 0)
    since = timezone.make_aware(dt.datetime.combine(first, dt.time()))
    for opened in alerts.filter(opened_at__gte=since).values_list("opened_at", flat=True):
        day = timezone.localdate(opened)
        counts[day - dt.timedelta(days=day.weekday())] += 1
    return [{"week": week, "opened": n} for week, n in counts.items()]


RULE_HEADER = ["Rule", "Opened", "Still open", "Acknowledged", "Acknowledged (%)",
               "Median time to acknowledge (hours)"]
WEEK_HEADER = ["Week starting", "Alerts opened"]


def rule_rows(stats: list[RuleStats]) -> list[list[Any]]:
    """The by-rule table as a download's rows: unrounded, a blank where there is nothing to measure."""
    return [[s.rule.name, s.opened, s.open_now, s.acknowledged, s.acknowledged_pct, s.median_hours_to_acknowledge]
            for s in stats]


def week_rows(volumes: list[dict[str, Any]]) -> list[list[Any]]:
    return [[v["week"], v["opened"]] for v in volumes]
