"""The weekly e-mail: from Monday 07:00 (UK time), once a week per subscription, the PDF
attached, built with the subscriber's scope, never for an area outside it."""

import datetime as dt
import subprocess
from zoneinfo import ZoneInfo

import pytest
from django.utils.module_loading import import_string

from mqis.jobs.schedule import SCHEDULE
from mqis.reports import weekly
from mqis.reports.models import ReportDelivery, ReportSubscription
from mqis.reports.tests.market import MONDAY

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LONDON)


SEND_TIME = at(MONDAY, 7)


@pytest.fixture
def subscriptions(market):
    return {
        "manchester": ReportSubscription.objects.create(user=market.council_user, council=market.manchester),
        "north_west": ReportSubscription.objects.create(user=market.region_user, region=market.region),
    }


def attachment_text(message, tmp_path) -> str:
    ((filename, content, mimetype),) = message.attachments
    assert mimetype == "application/pdf" and content.startswith(b"%PDF")
    path = tmp_path / filename
    path.write_bytes(content)
    return subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout


def test_nothing_is_sent_before_monday_at_seven(subscriptions, mailoutbox):
    assert weekly.send_due(SEND_TIME - dt.timedelta(minutes=1)) == {"sent": 0, "out_of_scope": 0, "failed": 0}
    assert mailoutbox == [] and not ReportDelivery.objects.exists()


def test_each_subscriber_gets_their_report_once_a_week_with_the_pdf_attached(subscriptions, mailoutbox, tmp_path):
    assert weekly.send_due(SEND_TIME)["sent"] == 2
    by_address = {m.to[0]: m for m in mailoutbox}
    assert set(by_address) == {"manchester.officer@example.org", "nw.analyst@example.org"}
    last_week = f"{MONDAY - dt.timedelta(weeks=1):%-d}"
    manchester = by_address["manchester.officer@example.org"]
    assert manchester.subject.startswith(f"Weekly market report: Manchester, {last_week} to ")
    assert manchester.attachments[0][0] == f"mqis-manchester-{MONDAY.isoformat()}.pdf"
    assert "http://127.0.0.1:8000/councils/E08000003/report/" in manchester.body
    # Later runs in the same week send nothing more.
    for later in (at(MONDAY, 8), at(MONDAY + dt.timedelta(days=4), 16)):
        assert weekly.send_due(later)["sent"] == 0
    assert len(mailoutbox) == 2
    assert set(ReportDelivery.objects.values_list("week_start", flat=True)) == {MONDAY}
    # The next Monday at seven, each gets the next week's.
    assert weekly.send_due(SEND_TIME + dt.timedelta(weeks=1))["sent"] == 2
    assert len(mailoutbox) == 4


def test_each_report_is_built_with_its_subscribers_scope(subscriptions, mailoutbox, tmp_path):
    weekly.send_due(SEND_TIME)
    by_address = {m.to[0]: m for m in mailoutbox}
    manchester = attachment_text(by_address["manchester.officer@example.org"], tmp_path)
    region = attachment_text(by_address["nw.analyst@example.org"], tmp_path)
    assert "Oak House" in manchester and "Salford" not in manchester and "Elm Lodge" not in manchester
    assert "Councils compared" in region and "Salford" in region and "Moor View" not in region


def test_a_report_outside_the_subscribers_scope_is_never_sent(market, mailoutbox):
    # Made behind the page's back (the page refuses it): Leeds's officer and Manchester.
    ReportSubscription.objects.create(user=market.other_council_user, council=market.manchester)
    ReportSubscription.objects.create(user=market.council_user, region=market.region)
    assert weekly.send_due(SEND_TIME) == {"sent": 0, "out_of_scope": 2, "failed": 0}
    assert mailoutbox == [] and not ReportDelivery.objects.exists()


def test_inactive_subscriptions_and_users_get_nothing(subscriptions, market, mailoutbox):
    subscriptions["manchester"].active = False
    subscriptions["manchester"].save()
    market.region_user.is_active = False
    market.region_user.save()
    assert weekly.send_due(SEND_TIME)["sent"] == 0
    assert mailoutbox == []


def test_a_failed_send_is_tried_again_at_the_next_run(subscriptions, mailoutbox, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens there
    assert weekly.send_due(SEND_TIME) == {"sent": 0, "out_of_scope": 0, "failed": 2}
    assert not ReportDelivery.objects.exists()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert weekly.send_due(SEND_TIME + dt.timedelta(hours=1))["sent"] == 2
    assert ReportDelivery.objects.filter(sent_at__isnull=False).count() == 2


def test_a_send_that_died_is_taken_over_only_after_its_lease(subscriptions, mailoutbox):
    ReportDelivery.objects.create(subscription=subscriptions["manchester"], week_start=MONDAY, claimed_at=SEND_TIME)
    assert weekly.send_due(SEND_TIME + dt.timedelta(minutes=10))["sent"] == 1  # only the region's
    assert weekly.send_due(SEND_TIME + weekly.LEASE + dt.timedelta(minutes=1))["sent"] == 1  # now Manchester's
    assert sorted(m.to[0] for m in mailoutbox) == ["manchester.officer@example.org", "nw.analyst@example.org"]


def test_the_send_hour_is_a_setting(subscriptions, mailoutbox, settings):
    settings.MQIS_REPORT_SEND_HOUR = 9
    assert weekly.send_due(at(MONDAY, 8, 59))["sent"] == 0
    assert weekly.send_due(at(MONDAY, 9))["sent"] == 2


def test_the_worker_checks_every_hour(db):
    (job,) = [job for job in SCHEDULE if job.name == "send-weekly-reports"]
    assert job.seconds() == 3600
    task = import_string(job.task_path)
    assert task.func is not None and task.name == "send_weekly_reports"
