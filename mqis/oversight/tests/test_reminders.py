"""Reminders: providers are e-mailed before a return is due and when it is overdue, once each.

The market (mqis.lib.testing.build_market) plus a dormant and a deregistered home. Every
location sent its returns for the two weeks before 23 November 2026. For the week of
23 to 29 November (due on Wednesday 25 November at 5pm) only Oak House has sent its
return, on Tuesday morning. Still to send: Elm Lodge (Acme), Birch Court (Bolt), Moor View
(Far Away Care, which has no users) and Acme's home care agency.
"""

import datetime as dt

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from mqis.lib.testing import build_market, care_home_values
from mqis.oversight import reminders
from mqis.oversight.models import Reminder
from mqis.registry.models import Location
from mqis.returns.periods import period_for
from mqis.returns.services import Submission, store
from mqis.returns.templates import current_template

pytestmark = pytest.mark.django_db

W0 = dt.date(2026, 11, 23)
HOME_CARE = {
    "packages_delivered": "120", "hours_delivered": "1500", "unmet_hours": "40",
    "staff_headcount": "50", "staff_absent": "5",
    **{f"ppe_days_{k}": "10" for k in ("masks", "gloves", "aprons", "eye", "hand_hygiene")},
}


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


TUESDAY_NOON = at(W0 + dt.timedelta(days=1), 12)
TUESDAY_EVENING = at(W0 + dt.timedelta(days=1), 18)  # 23 hours before the deadline
THURSDAY = at(W0 + dt.timedelta(days=3), 10)


def add_home(cid, name, market, **extra):
    return Location.objects.create(
        cqc_location_id=cid, name=name, provider=market.bolt, council=market.manchester,
        care_home=True, beds=20, service_types=["Care home service with nursing"], **extra,
    )


def send(location, period, template, values, when):
    store([Submission(location, period, template, values)], user=None, channel="demo", now=when)


@pytest.fixture
def market():
    m = build_market()
    m.quiet = add_home("1-203", "Quiet Rest", m, dormant=True)
    m.old_mill = add_home("1-204", "Old Mill", m, deregistered=True)
    care_home, home_care = current_template("care-home"), current_template("home-care")
    for weeks in (1, 2):
        day = W0 - dt.timedelta(weeks=weeks)
        week = period_for(care_home, day)
        for home in (m.home_a, m.home_b, m.rival_home, m.far_home):
            send(home, week, care_home, care_home_values(), at(week.start, 9))
        send(m.agency, period_for(home_care, day), home_care, HOME_CARE, at(day, 9))
    m.this_week = period_for(care_home, W0)
    send(m.home_a, m.this_week, care_home, care_home_values(), at(W0 + dt.timedelta(days=1), 9))
    return m


def sent_to(mailoutbox):
    return sorted((message.subject.split(":")[0], tuple(message.to)) for message in mailoutbox)


STILL_TO_SEND = [
    ("Acme Homecare Manchester", ("acme.manager@example.org",)),
    ("Birch Court", ("bolt.manager@example.org",)),
    ("Elm Lodge", ("acme.manager@example.org",)),
]


def test_it_reminds_those_who_have_not_sent_a_return_due_soon(market, mailoutbox):
    assert reminders.send_reminders(TUESDAY_EVENING) == {"due_soon": 4, "overdue": 0}
    # Not Oak House (sent), Quiet Rest (dormant), Old Mill (deregistered) or Moor View
    # (its provider has nobody to e-mail).
    assert sent_to(mailoutbox) == STILL_TO_SEND


def test_it_sends_each_reminder_once(market, mailoutbox):
    reminders.send_reminders(TUESDAY_EVENING)
    assert reminders.send_reminders(TUESDAY_EVENING + dt.timedelta(hours=1)) == {
        "due_soon": 0, "overdue": 0}
    assert len(mailoutbox) == 3


def test_it_waits_until_the_deadline_is_near(market, mailoutbox, settings):
    assert reminders.send_reminders(TUESDAY_NOON) == {"due_soon": 0, "overdue": 0}
    settings.MQIS_REMINDER_HOURS_BEFORE = 48
    assert reminders.send_reminders(TUESDAY_NOON) == {"due_soon": 4, "overdue": 0}


def test_it_reminds_again_once_a_return_is_overdue(market, mailoutbox):
    reminders.send_reminders(TUESDAY_EVENING)
    mailoutbox.clear()
    assert reminders.send_reminders(THURSDAY) == {"due_soon": 0, "overdue": 4}
    assert sent_to(mailoutbox) == STILL_TO_SEND
    assert reminders.send_reminders(THURSDAY + dt.timedelta(days=1)) == {"due_soon": 0, "overdue": 0}


def test_it_does_not_chase_a_return_sent_after_the_first_reminder(market, mailoutbox):
    reminders.send_reminders(TUESDAY_EVENING)
    care_home = current_template("care-home")
    send(market.rival_home, market.this_week, care_home, care_home_values(),
         at(W0 + dt.timedelta(days=2), 9))
    mailoutbox.clear()
    assert reminders.send_reminders(THURSDAY) == {"due_soon": 0, "overdue": 3}
    assert "Birch Court" not in [m.subject.split(":")[0] for m in mailoutbox]


def test_it_writes_the_reminder_in_plain_english_with_the_form_link(market, mailoutbox, settings):
    settings.MQIS_BASE_URL = "https://mqis.example.gov.uk/"
    reminders.send_reminders(TUESDAY_EVENING)
    birch = next(m for m in mailoutbox if m.subject.startswith("Birch Court"))
    assert birch.subject == (
        "Birch Court: care home return for 23 to 29 November 2026 is due by 5pm on "
        "Wednesday 25 November 2026")
    assert birch.body.startswith(
        "We have not yet received the care home return for Birch Court (CQC location 1-201) "
        "for 23 to 29 November 2026.\n\nIt is due by 5pm on Wednesday 25 November 2026.\n\n"
        "Send the return here:\nhttps://mqis.example.gov.uk/locations/1-201/returns/care-home/\n")
    assert "you send returns for Bolt Homes Ltd" in birch.body


def test_it_says_how_long_an_overdue_return_can_still_be_sent(market, mailoutbox):
    reminders.send_reminders(THURSDAY)
    elm = next(m for m in mailoutbox if m.subject.startswith("Elm Lodge"))
    assert elm.subject == "Elm Lodge: care home return for 23 to 29 November 2026 is overdue"
    assert ("It was due by 5pm on Wednesday 25 November 2026.\n\nPlease send it as soon as you "
            "can. You can send it until the end of Sunday 13 December 2026.") in elm.body
    assert "/locations/1-102/returns/care-home/" in elm.body


def test_it_records_every_reminder_even_with_nobody_to_send_it_to(market, mailoutbox):
    reminders.send_reminders(TUESDAY_EVENING)
    recorded = {(r.location.name, r.kind, tuple(r.recipients), r.sent_at is not None)
                for r in Reminder.objects.select_related("location")}
    assert recorded == {
        ("Acme Homecare Manchester", "due_soon", ("acme.manager@example.org",), True),
        ("Birch Court", "due_soon", ("bolt.manager@example.org",), True),
        ("Elm Lodge", "due_soon", ("acme.manager@example.org",), True),
        ("Moor View", "due_soon", (), True),
    }


def test_it_lets_only_one_worker_claim_a_reminder(market, mailoutbox):
    period = market.this_week
    first = reminders._claim(market.rival_home, period, "due_soon", [], TUESDAY_EVENING)
    assert first is not None
    assert reminders._claim(market.rival_home, period, "due_soon", [], TUESDAY_EVENING) is None
    # A reminder another worker has claimed is not sent again.
    assert reminders.send_reminders(TUESDAY_EVENING) == {"due_soon": 3, "overdue": 0}
    assert "Birch Court" not in [m.subject.split(":")[0] for m in mailoutbox]


class BrokenBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ConnectionRefusedError("the mail server is down")


def test_it_gives_a_reminder_back_when_the_email_cannot_be_sent(market, mailoutbox, settings):
    settings.EMAIL_BACKEND = f"{__name__}.BrokenBackend"
    with pytest.raises(ConnectionRefusedError):
        reminders.send_reminders(TUESDAY_EVENING)
    # Elm Lodge was first; its claim was given back, so the next run tries it again.
    assert not Reminder.objects.exists()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert reminders.send_reminders(TUESDAY_EVENING) == {"due_soon": 4, "overdue": 0}
    assert sent_to(mailoutbox) == STILL_TO_SEND


@pytest.mark.parametrize(
    ("hour", "minute", "expected"),
    [(17, 0, "5pm"), (9, 30, "9:30am"), (12, 0, "midday"), (0, 0, "midnight"), (12, 45, "12:45pm")],
)
def test_it_writes_times_as_people_do(hour, minute, expected):
    assert reminders.clock(at(W0, hour, minute)) == expected
