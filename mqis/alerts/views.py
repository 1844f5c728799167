"""The alert inbox, an alert's page (acknowledge, resolve, audit), and a council's alert figures."""

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render

from mqis.accounts import scope
from mqis.alerts import actions, stats
from mqis.alerts.forms import AlertNoteForm
from mqis.alerts.models import Alert, AlertRule, DeliveryStatus
from mqis.alerts.rules import describe
from mqis.lib import exports
from mqis.registry.models import Council, Location

INBOX_LIMIT = 200
SHOW = {
    "new": ("New", Q(cleared_at__isnull=True, acknowledged_at__isnull=True, resolved_at__isnull=True)),
    "acknowledged": ("Acknowledged", Q(cleared_at__isnull=True, acknowledged_at__isnull=False,
                                       resolved_at__isnull=True)),
    "resolved": ("Resolved", Q(cleared_at__isnull=True, resolved_at__isnull=False)),
    "closed": ("Closed", Q(cleared_at__isnull=False)),
}
WEEKS = {4: "4 weeks", 13: "3 months", 52: "12 months"}


def counts(alerts: QuerySet[Alert]) -> dict[str, int]:
    """How many alerts are in each inbox tab, in one query."""
    found = alerts.aggregate(**{key: Count("id", filter=q) for key, (_, q) in SHOW.items()})
    return {key: found[key] or 0 for key in SHOW}


def new_alert_count(user: Any) -> int:
    return scope.visible_alerts(user).filter(SHOW["new"][1]).count()


def _choice(value: object, allowed: Any, default: Any) -> Any:
    return value if value in allowed else default


INBOX_COLUMNS = ["Opened", "Location", "CQC location ID", "Council", "Alert", "Message", "Status"]


def inbox_export(listed: QuerySet[Alert], status: str, fmt: str) -> HttpResponseBase:
    """Every alert the inbox lists with its filters, not only the first INBOX_LIMIT."""
    rows = (listed.order_by("-opened_at", "-id")
            .values_list("opened_at", "location__name", "location__cqc_location_id", "location__council__name",
                         "rule__name", "message").iterator(chunk_size=2000))
    return exports.download(fmt, f"alerts-{status.lower()}", INBOX_COLUMNS, ((*row, status) for row in rows))


@login_required
def inbox(request: HttpRequest) -> HttpResponseBase:
    if scope.membership(request.user) is None:
        return redirect("no_role")
    visible = scope.visible_alerts(request.user)
    show = _choice(request.GET.get("show"), SHOW, "new")
    rules = list(AlertRule.objects.order_by("name"))
    rule = _choice(request.GET.get("rule"), {r.key for r in rules}, "")
    councils = list(scope.visible_councils(request.user).order_by("name"))
    council = _choice(request.GET.get("council"), {c.gss_code for c in councils}, "")
    chosen = visible
    if rule:
        chosen = chosen.filter(rule__key=rule)
    if council:
        chosen = chosen.filter(location__council__gss_code=council)
    listed = chosen.filter(SHOW[show][1]).select_related("rule", "location__council")
    fmt = exports.wanted_format(request)
    if fmt:
        return inbox_export(listed, SHOW[show][0], fmt)
    total = listed.count()
    tally = counts(chosen)
    context = {
        "tabs": [(key, label, tally[key]) for key, (label, _) in SHOW.items()],
        "show": show,
        "rules": rules,
        "rule": rule,
        "councils": councils if len(councils) > 1 else [],
        "council": council,
        "alerts": listed.order_by("-opened_at", "-id")[:INBOX_LIMIT],
        "total": total,
        "limit": INBOX_LIMIT,
        "filters": {"rule": rule, "council": council},
        "download_base": "?" + urlencode({"show": show, "rule": rule, "council": council}),
    }
    return render(request, "alerts/inbox.html", context)


@login_required
def alert_detail(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = get_object_or_404(
        scope.visible_alerts(request.user).select_related("rule", "location__council", "location__provider"),
        pk=alert_id,
    )
    form = AlertNoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        act = actions.acknowledge if form.cleaned_data["action"] == "acknowledge" else actions.resolve
        try:
            act(alert, request.user, form.cleaned_data["note"])
        except actions.AlertActionError as error:
            form.add_error(None, str(error))
        else:
            done = "acknowledged" if act is actions.acknowledge else "resolved"
            messages.success(request, f"You {done} the alert.")
            return redirect("alert_detail", alert_id=alert.pk)
    context = {
        "alert": alert,
        "rule_description": describe(alert.rule),
        "events": alert.events.select_related("by"),
        "deliveries": alert_deliveries(alert),
        "form": form,
    }
    return render(request, "alerts/alert_detail.html", context, status=400 if form.errors else 200)


def alert_deliveries(alert: Alert) -> list[dict[str, Any]]:
    """Who was told, how, and whether it got there: counts per channel and status."""
    rows = (
        alert.events.values("deliveries__channel", "deliveries__status")
        .annotate(n=Count("deliveries"))
        .filter(n__gt=0)
        .order_by("deliveries__channel", "deliveries__status")
    )
    labels = dict(DeliveryStatus.choices)
    return [{"channel": r["deliveries__channel"], "status": labels[r["deliveries__status"]], "n": r["n"]}
            for r in rows]


@login_required
def council_alerts(request: HttpRequest, gss_code: str) -> HttpResponseBase:
    council = get_object_or_404(Council.objects.select_related("region"), gss_code=gss_code)
    if not scope.visible_councils(request.user).filter(pk=council.pk).exists():
        raise PermissionDenied
    weeks = _choice(_int(request.GET.get("weeks")), WEEKS, 13)
    alerts = scope.visible_alerts(request.user).filter(location__council=council)
    found = exports.table_download(request, f"alerts-{council.gss_code}", {
        "by-rule": lambda: (stats.RULE_HEADER, stats.rule_rows(stats.rule_stats(alerts, weeks))),
        "by-week": lambda: (stats.WEEK_HEADER, stats.week_rows(stats.weekly_volumes(alerts, weeks))),
    })
    if found is not None:
        return found
    context = {
        "council": council,
        "weeks": weeks,
        "weeks_label": WEEKS[weeks],
        "week_choices": WEEKS,
        "rules": stats.rule_stats(alerts, weeks),
        "volumes": stats.weekly_volumes(alerts, weeks),
    }
    return render(request, "alerts/council_alerts.html", context)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def location_alerts(user: Any, location: Location, limit: int = 20) -> list[Alert]:
    """A location's alerts for its page: open ones first, then the most recent closed ones."""
    if not scope.can_see_location(user, location):
        raise Http404
    alerts = scope.visible_alerts(user).filter(location=location).select_related("rule")
    return sorted(alerts.order_by("-opened_at")[:limit], key=lambda a: a.cleared_at is not None)
