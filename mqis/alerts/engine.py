"""Evaluate the alert rules for some or all locations and bring the alerts up to date.

Runs inside the transaction that saved the returns (so an alert is never a moment behind
its return) and on a schedule (for overdue returns and changed thresholds). Each new event
writes its deliveries to the outbox in the same transaction; the worker sends them.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from mqis.accounts.models import Membership, Role
from mqis.alerts.models import Alert, AlertEvent, AlertRule, Channel, Delivery, EventKind, WebhookEndpoint
from mqis.alerts.rules import RULES, Recent, thresholds
from mqis.lib.bulk import batched, insert_objects
from mqis.registry.models import Location
from mqis.returns.models import Period, Return, ReturnTemplate
from mqis.returns.periods import current_period, describe, period_for
from mqis.returns.signals import returns_stored
from mqis.returns.templates import applies_to
from mqis.risk.models import RiskScore

# Returns from periods that started this many days ago or less are "recent".
WINDOW_DAYS = 35
RETURN_FIELDS = ("location_id", "period__start", "template_id", "values", "beds_total",
                 "beds_occupied", "beds_vacant", "admissions_closed", "staff_headcount",
                 "staff_absent", "nurses_headcount", "nurses_absent", "in_outbreak", "ppe_min_days")
# Demo data is history: it is evaluated once at the end of loading, without notifications.
QUIET_CHANNELS = {"demo"}


@dataclass
class Outcome:
    opened: int = 0
    updated: int = 0
    cleared: int = 0
    deliveries: int = 0


def connect() -> None:
    returns_stored.connect(_on_returns_stored, dispatch_uid="alerts-evaluate")


def _on_returns_stored(sender: Any, location_ids: Collection[int], channel: str,
                       now: dt.datetime, **_: Any) -> None:
    if channel not in QUIET_CHANNELS:
        evaluate(location_ids, now=now)


def _recent_returns(ids: Collection[int] | None, today: dt.date) -> dict[int, list[dict[str, Any]]]:
    rows = Return.objects.filter(period__start__gte=today - dt.timedelta(days=WINDOW_DAYS))
    if ids is not None:
        rows = rows.filter(location_id__in=list(ids))
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows.values(*RETURN_FIELDS).order_by("location_id", "-period__start"):
        kept = found[row["location_id"]]
        if len(kept) < 2:
            kept.append(row)
    return found


def _due_period(template: ReturnTemplate, now: dt.datetime, grace: dt.timedelta) -> Period:
    """The latest period of the template whose deadline (plus grace) has passed."""
    period = current_period(template, now)
    if period.due_at + grace > now:
        period = period_for(template, period.start - dt.timedelta(days=1))
    return period


def _overdue(locations: list[Location], now: dt.datetime, rule: AlertRule | None) -> dict[int, str]:
    """Location id → the period whose return is overdue, for expected locations without it."""
    if rule is None:
        return {}
    grace = dt.timedelta(hours=float(thresholds(rule)["grace_hours"]))
    found: dict[int, str] = {}
    for template in ReturnTemplate.objects.filter(is_current=True).defer("fields", "rules"):
        expected = [loc for loc in locations if not loc.dormant and applies_to(template, loc)]
        if not expected:
            continue
        period = _due_period(template, now, grace)
        received = set(
            Return.objects.filter(period=period, location_id__in=[loc.pk for loc in expected])
            .values_list("location_id", flat=True)
        )
        label = describe(period)
        found.update({loc.pk: label for loc in expected if loc.pk not in received})
    return found


def _risks(locations: list[Location]) -> dict[int, dict[str, Any]]:
    """Location id → its risk score and band, as mqis.risk last worked them out: one query."""
    rows = RiskScore.objects.filter(location_id__in=[loc.pk for loc in locations])
    return {pk: {"score": score, "band": band}
            for pk, score, band in rows.values_list("location_id", "score", "band")}


def _conditions(locations: list[Location], rules: dict[str, AlertRule],
                now: dt.datetime) -> dict[tuple[str, int], str]:
    """(rule key, location id) → message, for every condition that holds now."""
    today = timezone.localdate(now)
    returns = _recent_returns([loc.pk for loc in locations], today)
    overdue = _overdue(locations, now, rules.get("overdue"))
    risks = _risks(locations) if "risk_band" in rules else {}
    labels: dict[int, dict[str, str]] = {}
    limits = {key: thresholds(rule) for key, rule in rules.items()}
    found = {}
    for location in locations:
        if location.dormant or location.deregistered:
            continue
        rows = returns.get(location.pk, [])
        latest = rows[0] if rows else None
        if latest is not None and latest["template_id"] not in labels:
            template = ReturnTemplate.objects.get(pk=latest["template_id"])
            labels[template.pk] = {k: f["label"] for k, f in template.field_map().items()}
        recent = Recent(
            latest=latest,
            previous=rows[1] if len(rows) > 1 else None,
            labels=labels[latest["template_id"]] if latest else {},
            overdue_period=overdue.get(location.pk),
            risk=risks.get(location.pk),
        )
        for key in rules:
            message = RULES[key](recent, limits[key])
            if message:
                found[(key, location.pk)] = message[:255]
    return found


def _org_of(endpoint: WebhookEndpoint) -> int | None:
    """The id of the one organisation that owns an endpoint."""
    return endpoint.provider_id or endpoint.council_id or endpoint.region_id


class Outbox:
    """Writes the deliveries for new events: e-mail to each user in scope, and webhooks."""

    def __init__(self, locations: list[Location]) -> None:
        self.users: dict[tuple[str, int | None], list[int]] = defaultdict(list)
        people = Membership.objects.filter(
            user__is_active=True, role__in=[Role.PROVIDER, Role.COUNCIL, Role.REGION]
        ).exclude(user__email="")
        for m in people:
            self.users[(m.role, getattr(m, f"{m.role}_id"))].append(m.user_id)
        self.endpoints: dict[tuple[str, int | None], list[int]] = defaultdict(list)
        for e in WebhookEndpoint.objects.filter(is_active=True):
            kind = "provider" if e.provider_id else "council" if e.council_id else "region"
            self.endpoints[(kind, _org_of(e))].append(e.pk)
        self.regions = {loc.pk: loc.council.region_id if loc.council else None for loc in locations}
        self.rows: list[Delivery] = []

    def _orgs(self, location: Location) -> list[tuple[str, int | None]]:
        return [("provider", location.provider_id), ("council", location.council_id),
                ("region", self.regions.get(location.pk))]

    def add(self, event: AlertEvent, location: Location, now: dt.datetime) -> None:
        users = {u for org in self._orgs(location) for u in self.users.get(org, [])}
        endpoints = {e for org in self._orgs(location) for e in self.endpoints.get(org, [])}
        self.rows += [Delivery(event=event, channel=Channel.EMAIL, user_id=u, next_attempt_at=now)
                      for u in sorted(users)]
        self.rows += [Delivery(event=event, channel=Channel.WEBHOOK, endpoint_id=e, next_attempt_at=now)
                      for e in sorted(endpoints)]

    def save(self) -> int:
        insert_objects(self.rows)
        if self.rows:
            from mqis.alerts.tasks import send_deliveries

            transaction.on_commit(lambda: send_deliveries.enqueue())
        return len(self.rows)


def _scope(location_ids: Collection[int] | None) -> QuerySet[Location]:
    locations = Location.objects.select_related("council")
    return locations if location_ids is None else locations.filter(pk__in=list(location_ids))


@transaction.atomic
def evaluate(location_ids: Collection[int] | None = None, *, now: dt.datetime | None = None,
             notify: bool = True) -> Outcome:
    """Open, update and clear alerts for these locations (all of them when None)."""
    now = now or timezone.now()
    rules = {r.key: r for r in AlertRule.objects.filter(enabled=True) if r.key in RULES}
    locations = list(_scope(location_ids))
    by_id = {loc.pk: loc for loc in locations}
    wanted = _conditions(locations, rules, now)
    current = {
        (a.rule.key, a.location_id): a
        for a in Alert.objects.filter(cleared_at__isnull=True, rule__in=rules.values(),
                                      location_id__in=list(by_id)).select_related("rule")
    }
    outbox = Outbox(locations)
    outcome = Outcome()
    new = [Alert(rule=rules[key], location=by_id[location_id], message=message, opened_at=now)
           for (key, location_id), message in wanted.items() if (key, location_id) not in current]
    for event in _open_all(new, now):
        outcome.opened += 1
        if notify:
            outbox.add(event, by_id[event.alert.location_id], now)
    for (key, location_id), message in wanted.items():
        alert = current.get((key, location_id))
        if alert is not None and alert.message != message:
            alert.message = message
            alert.save(update_fields=["message"])
            AlertEvent.objects.create(alert=alert, kind=EventKind.UPDATED, at=now, note=message)
            outcome.updated += 1
    for pair, alert in current.items():
        if pair not in wanted:
            alert.cleared_at = now
            alert.save(update_fields=["cleared_at"])
            event = AlertEvent.objects.create(alert=alert, kind=EventKind.CLEARED, at=now)
            outcome.cleared += 1
            if notify and alert.rule.notify_on_clear:
                outbox.add(event, by_id[alert.location_id], now)
    outcome.deliveries = outbox.save()
    return outcome


def _open_all(alerts: list[Alert], now: dt.datetime) -> list[AlertEvent]:
    """Open these alerts with their "opened" events: together, or one by one if another
    request opened one of them a moment ago (the unique index refuses the second)."""
    if not alerts:
        return []
    try:
        with transaction.atomic():
            insert_objects(alerts)
    except IntegrityError:
        opened = [alert for alert in map(_open, alerts) if alert is not None]
    else:
        opened = _with_ids(alerts, now)
    events = [AlertEvent(alert=a, kind=EventKind.OPENED, at=now, note=a.message) for a in opened]
    insert_objects(events)
    ids: dict[int, int] = {}
    for part in batched([a.pk for a in opened], 5000):
        found = AlertEvent.objects.filter(alert_id__in=part, kind=EventKind.OPENED, at=now)
        ids.update(found.values_list("alert_id", "pk"))
    for event in events:
        event.pk = ids[event.alert_id]
        event._state.adding = False
    return events


def _with_ids(alerts: list[Alert], now: dt.datetime) -> list[Alert]:
    """The alerts just inserted, given their ids: each is the one open alert of its rule and location."""
    ids: dict[tuple[int, int], int] = {}
    for part in batched(sorted({a.location_id for a in alerts}), 5000):
        found = Alert.objects.filter(location_id__in=part, opened_at=now, cleared_at__isnull=True)
        ids.update({(rule, location): pk for rule, location, pk in found.values_list("rule_id", "location_id", "pk")})
    for alert in alerts:
        alert.pk = ids[(alert.rule_id, alert.location_id)]
        alert._state.adding = False
    return alerts


def _open(alert: Alert) -> Alert | None:
    try:
        with transaction.atomic():
            alert.save(force_insert=True)
    except IntegrityError:
        return None  # one alert, not two
    return alert

