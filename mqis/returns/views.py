"""Provider pages: my locations with this period's returns, and the web return form."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from mqis.accounts import scope
from mqis.accounts.models import Role
from mqis.registry.models import Location
from mqis.returns.forms import ReturnForm, shown
from mqis.returns.models import Channel, Period, Return, ReturnTemplate
from mqis.returns.periods import (
    current_period,
    describe,
    period_bounds,
    period_for,
    refusal_reason,
    schedule_times,
)
from mqis.returns.services import ReturnRejected, last_return, submit_return
from mqis.returns.templates import TemplateNotFound, applies_to, current_template
from mqis.returns.validation import FieldError

ADMIN_LIST_LIMIT = 50
SAVED_KEY = "mqis_return_saved"


def deadline(moment: dt.datetime) -> str:
    """'5pm on 19 November 2026'; a midnight deadline is the last minute of the day before."""
    local = timezone.localtime(moment)
    if local.hour == 0 and local.minute == 0:
        local -= dt.timedelta(minutes=1)
    suffix = "am" if local.hour < 12 else "pm"
    clock = f"{local:%-I}{suffix}" if local.minute == 0 else f"{local:%-I:%M}{suffix}"
    if (local.hour, local.minute) == (12, 0):
        clock = "midday"
    return f"{clock} on {local:%-d %B %Y}"


@dataclass
class ReturnStatus:
    template: ReturnTemplate
    period: Period
    received: Return | None
    now: dt.datetime

    @property
    def state(self) -> str:
        if self.received is not None:
            return "received"
        return "late" if self.now > self.period.due_at else "due"

    @property
    def period_label(self) -> str:
        return describe(self.period)

    @property
    def due_label(self) -> str:
        return deadline(self.period.due_at)


@login_required
def provider_home(request: HttpRequest) -> HttpResponse:
    """A provider's locations, each with this period's returns and whether they are in."""
    m = scope.membership(request.user)
    if m is None:
        return redirect("no_role")
    if m.role not in {Role.PROVIDER, Role.ADMIN}:
        raise PermissionDenied
    locations_qs = (
        scope.submittable_locations(request.user).select_related("council").order_by("name")
    )
    total = None
    if m.role == Role.ADMIN:
        total = locations_qs.count()
        locations = list(locations_qs[:ADMIN_LIST_LIMIT])
    else:
        locations = list(locations_qs)
    now = timezone.now()
    templates = list(ReturnTemplate.objects.filter(is_current=True))
    periods = {t.slug: current_period(t, now) for t in templates}
    received = {
        (r.location_id, r.period_id): r
        for r in Return.objects.filter(
            location__in=[loc.pk for loc in locations], period__in=list(periods.values())
        ).only("id", "location_id", "period_id", "submitted_at", "on_time")
    }
    rows = []
    for location in locations:
        statuses = [
            ReturnStatus(t, periods[t.slug], received.get((location.pk, periods[t.slug].pk)), now)
            for t in templates
            if applies_to(t, location)
        ]
        rows.append({"location": location, "statuses": statuses})
    return render(
        request,
        "returns/provider_home.html",
        {
            "rows": rows,
            "total": total,
            "shown_count": len(locations),
            "is_admin": total is not None,
        },
    )


def _location(user: Any, cqc_location_id: str) -> Location:
    """The location, if this user may submit for it; otherwise as if it did not exist."""
    location = get_object_or_404(
        Location.objects.select_related("provider", "council"), cqc_location_id=cqc_location_id
    )
    if scope.can_submit_for(user, location):
        return location
    if scope.can_see_location(user, location):
        raise PermissionDenied
    raise Http404


def _template(location: Location, slug: str) -> ReturnTemplate:
    try:
        template = current_template(slug)
    except TemplateNotFound:
        raise Http404 from None
    if not applies_to(template, location):
        raise Http404
    return template


def _period(request: HttpRequest, template: ReturnTemplate) -> Period:
    """This period, or the one named by ?period=YYYY-MM-DD. Closed periods are not created."""
    raw = request.POST.get("period") or request.GET.get("period")
    if not raw:
        return current_period(template)
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        raise Http404 from None
    start, end = period_bounds(template.frequency, day)
    existing = Period.objects.filter(template_slug=template.slug, start=start).first()
    if existing is not None:
        return existing
    times = schedule_times(template, start, end)
    unsaved = Period(template_slug=template.slug, start=start, end=end, **times)
    if refusal_reason(unsaved) is not None:
        return unsaved
    return period_for(template, start)


def _source(location: Location, template: ReturnTemplate, period: Period) -> Return | None:
    """The return to pre-fill from: this period's own, or the latest one before it."""
    last = last_return(location, template.slug)
    if last is None or last.period.start <= period.start:
        return last
    return (
        Return.objects.filter(
            location=location, period__template_slug=template.slug, period__start__lt=period.start
        )
        .select_related("period", "template")
        .order_by("-period__start")
        .first()
    )


def _form_url(location: Location, template: ReturnTemplate, period: Period, name: str) -> str:
    url = reverse(name, args=[location.cqc_location_id, template.slug])
    return f"{url}?period={period.start.isoformat()}"


def _post(
    request: HttpRequest,
    location: Location,
    template: ReturnTemplate,
    period: Period,
    earlier: Return | None,
) -> tuple[ReturnForm, HttpResponse | None]:
    """Send the typed values, or the earlier return's for "nothing has changed", to the service."""
    no_change = "no_change" in request.POST
    if no_change and earlier is None:
        form = ReturnForm(template)
        form.show_errors([FieldError("no_change", "no_earlier", "There is no earlier return to copy")])
        return form, None
    if no_change and earlier is not None:
        raw: dict[str, object] = dict(earlier.values)
        form = ReturnForm(template, initial=raw)
    else:
        form = ReturnForm(template, data=request.POST)
        raw = dict(form.raw_values())
    try:
        summary = submit_return(request.user, location, template, period, raw, channel=Channel.FORM)
    except ReturnRejected as rejected:
        form.show_errors(rejected.errors)
        return form, None
    request.session[SAVED_KEY] = {
        "location": location.cqc_location_id,
        "period": period.pk,
        "created": summary.created,
        "changed": summary.changed_anything,
        "message": summary.describe(),
        "no_change": no_change,
    }
    return form, redirect(_form_url(location, template, period, "submit_return_done"))


@login_required
@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest, cqc_location_id: str, template_slug: str) -> HttpResponse:
    """The return form: pre-filled from the last return, checked by the shared service."""
    location = _location(request.user, cqc_location_id)
    template = _template(location, template_slug)
    period = _period(request, template)
    source = _source(location, template, period)
    earlier = source if source is not None and source.period.start < period.start else None
    context: dict[str, Any] = {
        "location": location,
        "template": template,
        "period": period,
        "period_label": describe(period),
        "due_label": deadline(period.due_at),
        "closes_label": deadline(period.closes_at),
        "source_label": describe(source.period) if source else "",
        "earlier": earlier,
        "current": source if source is not None and source.period_id == period.pk else None,
        "closed_reason": refusal_reason(period),
        "action": _form_url(location, template, period, "submit_return"),
    }
    if context["closed_reason"]:
        return render(request, "returns/closed.html", context)
    if request.method == "POST":
        form, saved = _post(request, location, template, period, earlier)
        if saved is not None:
            return saved
    else:
        form = ReturnForm(template, initial=dict(source.values) if source else {})
    context.update(form=form, sections=form.sections(), error_links=form.error_links())
    return render(request, "returns/submit.html", context)


@login_required
def submitted(request: HttpRequest, cqc_location_id: str, template_slug: str) -> HttpResponse:
    """Confirmation: what was saved, or that nothing changed."""
    location = _location(request.user, cqc_location_id)
    template = _template(location, template_slug)
    period = _period(request, template)
    ret = (
        Return.objects.filter(
            location=location, period__template_slug=template.slug, period__start=period.start
        )
        .select_related("template", "submitted_by")
        .first()
    )
    if ret is None:
        raise Http404
    saved = request.session.pop(SAVED_KEY, None)
    if saved and (saved["location"], saved["period"]) != (location.cqc_location_id, ret.period_id):
        saved = None
    change = ret.changes.select_related("changed_by").first()
    specs = ret.template.field_map()
    changes = []
    if saved and saved["changed"] and not saved["created"] and change is not None:
        order = {key: n for n, key in enumerate(specs)}  # the form's order, on any database
        changes = [
            {"label": specs.get(k, {}).get("label", k), "old": shown(old), "new": shown(new),
             "unit": specs.get(k, {}).get("unit", "")}
            for k, (old, new) in sorted(change.diff.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0]))
        ]
    values = [
        {"label": spec["label"], "value": _display(spec, ret.values.get(spec["key"])),
         "section": spec.get("section", "")}
        for spec in ret.template.fields
    ]
    return render(
        request,
        "returns/submitted.html",
        {
            "location": location,
            "template": template,
            "period_label": describe(period),
            "ret": ret,
            "saved": saved,
            "changes": changes,
            "first": bool(saved and saved["created"]),
            "values": values,
            "closes_label": deadline(period.closes_at),
            "edit_url": _form_url(location, template, period, "submit_return"),
        },
    )


def _display(spec: dict[str, Any], value: object) -> str:
    if value is None or value == "":
        return "Not given"
    if spec["type"] == "choice":
        return dict((k, label) for k, label in spec["choices"]).get(str(value), str(value))
    unit = spec.get("unit", "")
    text = shown(value)
    if unit == "%":
        return f"{text}%"
    return f"{text} {unit}" if unit else text
