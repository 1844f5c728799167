"""E-mail each subscriber the week's report, once a week, from Monday at MQIS_REPORT_SEND_HOUR.

The worker calls `send_due` every hour. Before this week's send time it does nothing; from
then on it sends each active subscription whose report has not gone this week. Each
report is built with its subscriber's own scope, and not sent at all if the council or
region is no longer in it. A `ReportDelivery` row per subscription and week is claimed
before the report is built, so a report is never sent twice, whichever worker runs.
"""

import datetime as dt
import logging
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from mqis.accounts import scope
from mqis.reports.models import ReportDelivery, ReportSubscription
from mqis.reports.pdf import render_pdf
from mqis.reports.report import Report, build_report

log = logging.getLogger("mqis.reports")
LONDON = ZoneInfo("Europe/London")
# A claim older than this without `sent_at` is a send that died: another run may take it over.
LEASE = dt.timedelta(minutes=30)


def week_start(now: dt.datetime) -> dt.date:
    """The Monday of the week `now` falls in, in UK time."""
    day = now.astimezone(LONDON).date()
    return day - dt.timedelta(days=day.weekday())


def send_time(monday: dt.date) -> dt.datetime:
    """When the week's reports are due to go: Monday at MQIS_REPORT_SEND_HOUR, UK time."""
    return dt.datetime.combine(monday, dt.time(settings.MQIS_REPORT_SEND_HOUR), tzinfo=LONDON)


def in_scope(subscription: ReportSubscription) -> bool:
    """Whether the subscriber may still see the subscription's council or region."""
    user = subscription.user
    if not user.is_active or not user.email:
        return False
    if subscription.council is not None:
        return scope.visible_councils(user).filter(pk=subscription.council.pk).exists()
    if subscription.region is not None:
        return scope.visible_regions(user).filter(pk=subscription.region.pk).exists()
    return False


def claim(subscription: ReportSubscription, monday: dt.date, now: dt.datetime) -> ReportDelivery | None:
    """This week's delivery row for the subscription, if this run may send it."""
    try:
        with transaction.atomic():
            return ReportDelivery.objects.create(subscription=subscription, week_start=monday, claimed_at=now)
    except IntegrityError:
        pass
    stale = ReportDelivery.objects.filter(subscription=subscription, week_start=monday, sent_at=None,
                                          claimed_at__lte=now - LEASE)
    if stale.update(claimed_at=now):  # compare-and-set: one run takes a dead send over
        return ReportDelivery.objects.get(subscription=subscription, week_start=monday)
    return None


def report_path(subscription: ReportSubscription) -> str:
    if subscription.council is not None:
        return reverse("council_report", args=[subscription.council.gss_code])
    assert subscription.region is not None  # a database constraint: one or the other
    return reverse("region_report", args=[subscription.region.code])


def message(subscription: ReportSubscription, report: Report, pdf: bytes) -> EmailMessage:
    path = report_path(subscription)
    body = "\n".join([
        f"The weekly market report for {report.area_name} is attached as a PDF.",
        "",
        f"Week covered: {report.week.label}",
        f"Data as at {report.as_at_label}",
        "",
        f"See it on the web, or stop these e-mails: {settings.MQIS_BASE_URL}{path}",
    ])
    email = EmailMessage(f"{report.title}, {report.week.label}", body, to=[subscription.user.email])
    email.attach(report.filename, pdf, "application/pdf")
    return email


def send_one(subscription: ReportSubscription, now: dt.datetime) -> None:
    report = build_report(subscription.user, council=subscription.council, region=subscription.region, now=now)
    message(subscription, report, render_pdf(report)).send()


def send_due(now: dt.datetime | None = None) -> dict[str, int]:
    """Send this week's reports not sent yet, if it is past Monday's send time."""
    now = now or timezone.now()
    monday = week_start(now)
    counts = {"sent": 0, "out_of_scope": 0, "failed": 0}
    if now < send_time(monday):
        return counts
    sent = ReportDelivery.objects.filter(week_start=monday, sent_at__isnull=False).values("subscription_id")
    subscriptions = ReportSubscription.objects.filter(active=True).exclude(pk__in=sent)
    for subscription in subscriptions.select_related("user", "council", "region"):
        if not in_scope(subscription):
            counts["out_of_scope"] += 1
            continue
        delivery = claim(subscription, monday, now)
        if delivery is None:
            continue
        try:
            send_one(subscription, now)
        except Exception:
            log.exception("The weekly report for subscription %s could not be sent", subscription.pk)
            delivery.delete()  # try again at the next run
            counts["failed"] += 1
            continue
        ReportDelivery.objects.filter(pk=delivery.pk).update(sent_at=timezone.now())
        counts["sent"] += 1
    return counts
