"""Reminders: e-mail providers before a return is due and when it is overdue.

`send_reminders` is called on a schedule by the worker. Each (location, period, kind) is
reminded at most once: a `Reminder` row is claimed first, under a unique constraint, so
two workers running at once never send the same e-mail twice.
"""

import datetime as dt
import logging

from django.conf import settings
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone

from mqis.oversight.completeness import expected_locations, provider_emails, recent_periods
from mqis.oversight.figures import current_templates
from mqis.oversight.models import Reminder, ReminderKind
from mqis.registry.models import Location
from mqis.returns.models import Period, Return, ReturnTemplate
from mqis.returns.periods import describe

logger = logging.getLogger(__name__)

# Recent periods made sure to exist before looking for ones to remind about.
PERIODS_CHECKED = 4


def send_reminders(now: dt.datetime | None = None) -> dict[str, int]:
    """Remind about every return due soon or overdue; return how many locations were reminded."""
    now = now or timezone.now()
    counts = {ReminderKind.DUE_SOON.value: 0, ReminderKind.OVERDUE.value: 0}
    for template in current_templates():
        recent_periods(template, PERIODS_CHECKED, now)
        for kind, periods in _periods_to_remind(template, now).items():
            for period in periods:
                counts[kind] += _remind(template, period, kind, now)
    return counts


def _periods_to_remind(template: ReturnTemplate, now: dt.datetime) -> dict[str, QuerySet[Period]]:
    hours = dt.timedelta(hours=settings.MQIS_REMINDER_HOURS_BEFORE)
    open_periods = Period.objects.filter(template_slug=template.slug, closed_reason="")
    return {
        ReminderKind.DUE_SOON.value: open_periods.filter(
            opens_at__lte=now, due_at__gt=now, due_at__lte=now + hours
        ),
        ReminderKind.OVERDUE.value: open_periods.filter(due_at__lte=now, closes_at__gt=now),
    }


def _pending(template: ReturnTemplate, period: Period, kind: str) -> QuerySet[Location]:
    """Expected locations with no return for the period and no reminder of this kind yet."""
    sent = Return.objects.filter(period=period, location_id=OuterRef("pk"))
    reminded = Reminder.objects.filter(period=period, kind=kind, location_id=OuterRef("pk"))
    return (
        expected_locations(Location.objects.all(), template)
        .exclude(Exists(sent))
        .exclude(Exists(reminded))
        .select_related("provider")
        .order_by("pk")
    )


def _remind(template: ReturnTemplate, period: Period, kind: str, now: dt.datetime) -> int:
    locations = list(_pending(template, period, kind))
    if not locations:
        return 0
    emails = provider_emails({loc.provider_id for loc in locations})
    reminded = 0
    with mail.get_connection() as connection:
        for location in locations:
            recipients = emails.get(location.provider_id, [])
            reminder = _claim(location, period, kind, recipients, now)
            if reminder is None:
                continue  # another worker has it
            if recipients:
                _send(reminder, template, location, period, connection)
            Reminder.objects.filter(pk=reminder.pk).update(sent_at=timezone.now())
            reminded += 1
    return reminded


def _claim(
    location: Location, period: Period, kind: str, recipients: list[str], now: dt.datetime
) -> Reminder | None:
    try:
        with transaction.atomic():
            return Reminder.objects.create(
                location=location, period=period, kind=kind, recipients=recipients, created_at=now
            )
    except IntegrityError:
        return None


def _send(
    reminder: Reminder, template: ReturnTemplate, location: Location, period: Period,
    connection: BaseEmailBackend,
) -> None:
    subject, body = message_for(reminder.kind, template, location, period)
    message = mail.EmailMessage(subject, body, to=reminder.recipients, connection=connection)
    try:
        message.send()
    except Exception:
        # Give the claim back so the next run tries again, then let the worker see the error.
        Reminder.objects.filter(pk=reminder.pk).delete()
        logger.warning("Could not send the %s reminder for location %s", reminder.kind, location.pk)
        raise


def form_link(location: Location, template: ReturnTemplate) -> str:
    path = reverse("submit_return", args=[location.cqc_location_id, template.slug])
    return settings.MQIS_BASE_URL.rstrip("/") + path


def clock(moment: dt.datetime) -> str:
    """A time as people write it: 5pm, 9:30am, midday, midnight."""
    local = timezone.localtime(moment)
    if (local.hour, local.minute) == (12, 0):
        return "midday"
    if (local.hour, local.minute) == (0, 0):
        return "midnight"
    hour = local.hour % 12 or 12
    minutes = f":{local.minute:02d}" if local.minute else ""
    return f"{hour}{minutes}{'am' if local.hour < 12 else 'pm'}"


def when(moment: dt.datetime) -> str:
    """A deadline in full: "5pm on Wednesday 25 November 2026"."""
    return f"{clock(moment)} on {timezone.localtime(moment):%A %-d %B %Y}"


def until(closes_at: dt.datetime) -> str:
    """When a period stops taking returns: a close at midnight is the end of the day before."""
    local = timezone.localtime(closes_at)
    if (local.hour, local.minute) == (0, 0):
        return f"the end of {local - dt.timedelta(days=1):%A %-d %B %Y}"
    return when(closes_at)


def message_for(
    kind: str, template: ReturnTemplate, location: Location, period: Period
) -> tuple[str, str]:
    """The subject and plain-text body of a reminder."""
    what = template.name[:1].lower() + template.name[1:]
    label = describe(period)
    home = f"{location.name} (CQC location {location.cqc_location_id})"
    if kind == ReminderKind.DUE_SOON:
        subject = f"{location.name}: {what} for {label} is due by {when(period.due_at)}"
        opening = (
            f"We have not yet received the {what} for {home} for {label}.\n\n"
            f"It is due by {when(period.due_at)}."
        )
        closing = "If you have sent it since this e-mail was written, thank you: there is nothing more to do."
    else:
        subject = f"{location.name}: {what} for {label} is overdue"
        opening = (
            f"We have not received the {what} for {home} for {label}. "
            f"It was due by {when(period.due_at)}.\n\n"
            f"Please send it as soon as you can. You can send it until {until(period.closes_at)}."
        )
        closing = "If you have sent it since this e-mail was written, thank you."
    body = (
        f"{opening}\n\nSend the return here:\n{form_link(location, template)}\n\n{closing}\n\n"
        f"You are getting this e-mail because you send returns for {location.provider.name} "
        "in MQIS, the Markets Quality and Insight System.\n"
    )
    return subject, body
