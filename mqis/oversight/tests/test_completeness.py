"""Completeness and the chase list: exact counts for a hand-built market, scoped by role.

The market (mqis.lib.testing.build_market) plus a few homes. Care home returns are weekly,
due on Wednesday at 5pm. "Now" is Tuesday 24 November 2026 at noon, so:

  P0  23 to 29 November 2026   due 25 November: deadline not passed yet
  P1  16 to 22 November        due 18 November
  P2   9 to 15 November        due 11 November
  P3   2 to 8 November         due 4 November (the first period anyone sent a return for)

Manchester (4 care homes expected)    P3      P2      P1      P0
  Oak House      Acme                 late    late    late    on time
  Birch Court    Bolt                 late    -       -       -
  Ash Grove      Bolt                 -       -       -       -
  Cedar Lodge    Bolt                 on time on time on time -
  Quiet Rest     dormant: not expected, its P1 return is not counted
  Old Mill       deregistered: not expected
  Acme Homecare  an agency: the care home return does not apply
Salford: Elm Lodge (Acme) on time for P3, P2 and P1.  Leeds: Moor View on time for P3.

So for Manchester: P0 1 received (1 on time), 3 not yet received; P1 2 received (1 on
time, 1 late), 2 missing; P2 the same; P3 3 received (1 on time, 2 late), 1 missing.
Ash Grove has missed 3 periods in a row (all since returns began), Birch Court 2.
Oak House was late for each of the last 3 deadlines.
"""

import csv
import datetime as dt
import io
import json
import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mqis.accounts import scope
from mqis.accounts.models import Membership, Role
from mqis.lib.testing import build_market, care_home_values
from mqis.oversight import completeness
from mqis.oversight.models import Reminder
from mqis.oversight.views_completeness import neutralise
from mqis.registry.models import Location
from mqis.returns.periods import period_for
from mqis.returns.services import Submission, store, submit_return
from mqis.returns.templates import current_template

pytestmark = pytest.mark.django_db

W0 = dt.date(2026, 11, 23)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


NOW = at(W0 + dt.timedelta(days=1), 12)


def add_home(cid, name, provider, council, **extra):
    return Location.objects.create(
        cqc_location_id=cid, name=name, provider=provider, council=council, care_home=True,
        beds=48, service_types=["Care home service with nursing"], **extra,
    )


def add_user(username, provider, email, active=True):
    user = User.objects.create_user(username, email, "x", is_active=active)
    Membership.objects.create(user=user, role=Role.PROVIDER, provider=provider)


@pytest.fixture
def market():
    m = build_market()
    t = current_template("care-home")
    m.template = t
    m.p0, m.p1, m.p2, m.p3 = (period_for(t, W0 - dt.timedelta(weeks=k)) for k in range(4))
    Location.objects.filter(pk=m.rival_home.pk).update(
        phone="0161 496 0123", address="1 Birch Road\nManchester")
    m.ash = add_home("1-202", "Ash Grove", m.bolt, m.manchester, phone="+44 161 496 0000",
                     address="=SUM(1+2)\nAsh Lane", postcode="M2 2BB")
    m.cedar = add_home("1-205", "Cedar Lodge", m.bolt, m.manchester)
    m.quiet = add_home("1-203", "Quiet Rest", m.bolt, m.manchester, dormant=True)
    m.old_mill = add_home("1-204", "Old Mill", m.bolt, m.manchester, deregistered=True)
    add_user("bolt.deputy", m.bolt, "deputy@bolt.example")
    add_user("bolt.leaver", m.bolt, "gone@bolt.example", active=False)
    add_user("bolt.nomail", m.bolt, "")

    def send(user, home, period, late=False):
        moment = at(period.start + dt.timedelta(days=3 if late else 1), 10)
        submit_return(user, home, t, period, care_home_values(), channel="form", now=moment)
        return moment

    acme, bolt = m.provider_user, m.rival_user
    for period in (m.p3, m.p2, m.p1):
        send(acme, m.home_a, period, late=True)
        send(bolt, m.cedar, period)
        send(acme, m.home_b, period)
    m.oak_p0_sent = at(W0 + dt.timedelta(days=1), 9)
    submit_return(acme, m.home_a, t, m.p0, care_home_values(), channel="form", now=m.oak_p0_sent)
    m.birch_sent = send(bolt, m.rival_home, m.p3, late=True)
    m.cedar_sent = at(m.p1.start + dt.timedelta(days=1), 10)
    send(bolt, m.quiet, m.p1)
    store([Submission(m.far_home, m.p3, t, care_home_values())], user=None, channel="demo",
          now=at(m.p3.start, 9))
    return m


def manchester(m):
    return scope.visible_locations(m.council_user).filter(council=m.manchester)


def counts(cell):
    return (cell.expected, cell.received, cell.on_time, cell.late, cell.missing,
            cell.not_yet_received, cell.rate)


def test_it_counts_expected_received_on_time_late_and_missing_for_each_period(market):
    table = completeness.completeness_table(
        manchester(market), market.template, [market.p0, market.p1, market.p2, market.p3], NOW)
    assert [counts(cell) for cell in table] == [
        (4, 1, 1, 0, 0, 3, 25.0),  # before the deadline: not yet received, not missing
        (4, 2, 1, 1, 2, 0, 50.0),  # Quiet Rest's return is not counted: it is dormant
        (4, 2, 1, 1, 2, 0, 50.0),
        (4, 3, 1, 2, 1, 0, 75.0),
    ]
    assert [cell.due for cell in table] == [False, True, True, True]


def test_it_counts_the_whole_period_as_missing_once_the_deadline_passes(market):
    after = market.p0.due_at + dt.timedelta(minutes=1)
    cell = completeness.period_completeness(manchester(market), market.template, market.p0, after)
    assert counts(cell) == (4, 1, 1, 0, 3, 0, 25.0)


def test_it_gives_each_councils_submission_rate_over_time(market):
    region = scope.visible_locations(market.region_user)
    periods = [market.p0, market.p1, market.p2, market.p3]
    by_council = completeness.submission_rate_by_council(region, market.template, periods, NOW)
    assert set(by_council) == {market.manchester.pk, market.salford.pk}
    assert [c.rate for c in by_council[market.manchester.pk]] == [25.0, 50.0, 50.0, 75.0]
    assert [c.rate for c in by_council[market.salford.pk]] == [0.0, 100.0, 100.0, 100.0]
    assert [(c.received, c.expected) for c in by_council[market.salford.pk]] == [
        (0, 1), (1, 1), (1, 1), (1, 1)]


def test_it_lists_locations_that_missed_n_periods_in_a_row_longest_first(market):
    def missed(n):
        found = completeness.missed_in_a_row(manchester(market), market.template, n, NOW)
        return [(m.location.name, m.periods, m.last_return) for m in found]

    # Ash Grove never sent one: 3, not 26, because nobody sent returns before P3.
    assert missed(2) == [("Ash Grove", 3, None), ("Birch Court", 2, market.birch_sent)]
    assert missed(3) == [("Ash Grove", 3, None)]
    assert missed(4) == []


def test_it_counts_the_current_period_as_missed_once_its_deadline_passes(market):
    after = market.p0.due_at + dt.timedelta(hours=1)
    found = completeness.missed_in_a_row(manchester(market), market.template, 1, after)
    assert [(m.location.name, m.periods) for m in found] == [
        ("Ash Grove", 4), ("Birch Court", 3), ("Cedar Lodge", 1)]


def chase_summary(rows):
    return [(r.location.name, r.status, r.missed_in_a_row, r.last_return) for r in rows]


def test_it_lists_who_to_chase_before_the_deadline(market):
    rows = completeness.chase_list(manchester(market), market.template, market.p0, NOW)
    assert chase_summary(rows) == [
        ("Ash Grove", "Not yet received", 3, None),
        ("Birch Court", "Not yet received", 2, market.birch_sent),
        ("Cedar Lodge", "Not yet received", 0, market.cedar_sent),
        # Oak House sent this one, but was late for each of the last 3 deadlines.
        ("Oak House", "Late 3 times running", 0, market.oak_p0_sent),
    ]


def test_it_lists_who_to_chase_for_a_past_period(market):
    rows = completeness.chase_list(manchester(market), market.template, market.p1, NOW)
    assert [(r.location.name, r.status) for r in rows] == [
        ("Ash Grove", "Missing"), ("Birch Court", "Missing"), ("Oak House", "Late 3 times running")]


def test_it_gives_the_chase_list_the_contact_details_the_registry_holds(market):
    rows = completeness.chase_list(manchester(market), market.template, market.p1, NOW)
    ash, birch, oak = rows
    assert (ash.location.cqc_location_id, ash.location.provider.name) == ("1-202", "Bolt Homes Ltd")
    assert (ash.location.phone, ash.location.postcode) == ("+44 161 496 0000", "M2 2BB")
    assert (birch.location.phone, birch.location.address) == ("0161 496 0123", "1 Birch Road\nManchester")
    # Active provider users with an address, sorted; not the leaver or the one without.
    assert birch.emails == ["bolt.manager@example.org", "deputy@bolt.example"]
    assert oak.emails == ["acme.manager@example.org"]


def test_it_says_which_reminders_went_on_the_chase_list(market):
    Reminder.objects.create(location=market.ash, period=market.p1, kind="due_soon",
                            created_at=at(W0 - dt.timedelta(days=6), 17), sent_at=NOW,
                            recipients=["bolt.manager@example.org"])
    Reminder.objects.create(location=market.ash, period=market.p0, kind="due_soon",
                            created_at=NOW, sent_at=NOW, recipients=[])
    rows = completeness.chase_list(manchester(market), market.template, market.p1, NOW)
    assert [(r.kind, r.recipients) for r in rows[0].reminders] == [
        ("due_soon", ["bolt.manager@example.org"])]
    assert rows[1].reminders == []


def test_it_finds_who_to_chase_in_a_handful_of_queries_however_many_locations(
    market, django_assert_max_num_queries
):
    locations = manchester(market)
    completeness.chase_list(locations, market.template, market.p1, NOW)  # creates the periods
    for n in range(30):
        add_home(f"1-9{n:02d}", f"Home {n}", market.bolt, market.manchester, phone="0161")
    with django_assert_max_num_queries(8):
        rows = completeness.chase_list(locations, market.template, market.p1, NOW)
    assert len(rows) == 33
    with django_assert_max_num_queries(6):
        assert len(completeness.missed_in_a_row(locations, market.template, 2, NOW)) == 32


# The pages. The clock is pinned to NOW so that they show the same periods as above.


@pytest.fixture
def clock(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def page_url(name, code, **query):
    url = reverse(name, args=[code])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def text_of(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def table_rows(html, caption_fragment):
    """The text of each body row of the table whose caption contains the fragment."""
    start = html.index(caption_fragment)
    body = html[html.index("<tbody", start):html.index("</tbody>", start)]
    return [text_of(row) for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]


def test_it_shows_a_council_its_recent_periods(market, clock):
    html = client_for(market.council_user).get(
        page_url("council_completeness", "E08000003")).content.decode()
    rows = table_rows(html, "expected and received in Manchester")
    assert rows[:4] == [
        "23 to 29 November 2026 Due by 5pm on Wednesday 25 November 2026 4 1 1 0 3 to come 25.0%",
        "16 to 22 November 2026 4 2 1 1 2 50.0%",
        "9 to 15 November 2026 4 2 1 1 2 50.0%",
        "2 to 8 November 2026 4 3 1 2 1 75.0%",
    ]
    assert len(rows) == 4  # nobody sent a return before P3: earlier periods are not shown
    assert "For 16 to 22 November 2026, 2 of 4 care home returns came in (50.0%): 1 late and 2 missing." \
        in text_of(html)
    missed = table_rows(html, "Locations that missed 2 or more periods in a row")
    assert missed == ["Ash Grove Bolt Homes Ltd 3 Never",
                      f"Birch Court Bolt Homes Ltd 2 {market.birch_sent:%-d %B %Y}"]


def test_it_draws_the_submission_rate_with_the_figures_in_a_table(market, clock):
    html = client_for(market.council_user).get(
        page_url("council_completeness", "E08000003")).content.decode()
    data = re.search(r'<script id="mqis-completeness-data" type="application/json">(.*?)</script>',
                     html, re.S)
    assert data is not None
    chart = json.loads(data.group(1))
    # Oldest first, and only periods whose deadline has passed.
    assert chart["dates"] == ["2026-11-02", "2026-11-09", "2026-11-16"]
    assert chart["received"] == [75.0, 50.0, 50.0]
    assert chart["on_time"] == [25.0, 25.0, 25.0]
    assert table_rows(html, "Share of expected returns") == [
        "16 to 22 November 2026 50.0% 25.0%", "9 to 15 November 2026 50.0% 25.0%",
        "2 to 8 November 2026 75.0% 25.0%"]


def test_it_takes_the_run_of_missed_periods_and_the_template_from_the_address(market, clock):
    officer = client_for(market.council_user)
    html = officer.get(page_url("council_completeness", "E08000003", missed=3)).content.decode()
    assert table_rows(html, "missed 3 or more periods") == ["Ash Grove Bolt Homes Ltd 3 Never"]
    home_care = officer.get(page_url("council_completeness", "E08000003", template="home-care"))
    rows = table_rows(home_care.content.decode(), "expected and received in Manchester")
    # The agency; nobody has sent a home care return yet, so only this week is asked for.
    assert rows == ["23 to 29 November 2026 Due by 5pm on Wednesday 25 November 2026 1 0 0 0 1 to come 0.0%"]
    assert officer.get(page_url("council_completeness", "E08000003",
                                template="no-such")).status_code == 404


def test_it_shows_a_region_each_councils_rate(market, clock):
    html = client_for(market.region_user).get(page_url("region_completeness", "E12000002")).content.decode()
    assert table_rows(html, "by council and period") == [
        "Manchester 25.0% 1 of 4 50.0% 2 of 4 50.0% 2 of 4 75.0% 3 of 4",
        "Salford 0.0% 0 of 1 100.0% 1 of 1 100.0% 1 of 1 100.0% 1 of 1",
    ]
    assert "Leeds" not in html
    footer = text_of(html[html.index("<tfoot>"):html.index("</tfoot>")])
    assert footer == "All councils 20.0% 1 of 5 60.0% 3 of 5 60.0% 3 of 5 80.0% 4 of 5"
    data = re.search(r'<script id="mqis-completeness-data" type="application/json">(.*?)</script>',
                     html, re.S)
    assert data is not None
    assert json.loads(data.group(1)) == {
        "kind": "heatmap", "councils": ["Manchester", "Salford"],
        "dates": ["2026-11-02", "2026-11-09", "2026-11-16"],  # the deadlines that have passed
        "rates": [[75.0, 50.0, 50.0], [100.0, 100.0, 100.0]],
        "zmin": 50,
    }


def test_it_shows_the_chase_list_with_contact_details(market, clock):
    html = client_for(market.council_user).get(page_url("chase_list", "E08000003")).content.decode()
    rows = table_rows(html, "locations to chase")
    assert rows[0] == ("Ash Grove CQC location 1-202 Bolt Homes Ltd Not yet received "
                       "Missed 3 periods in a row Never +44 161 496 0000 "
                       "bolt.manager@example.org deputy@bolt.example =SUM(1+2) Ash Lane M2 2BB None")
    assert [row.split(" CQC")[0] for row in rows] == ["Ash Grove", "Birch Court", "Cedar Lodge", "Oak House"]
    assert 'href="mailto:deputy@bolt.example"' in html and 'href="tel:01614960123"' in html
    assert "gone@bolt.example" not in html


def csv_rows(response):
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(content)))


def test_it_exports_the_chase_list_as_csv_with_formulas_neutralised(market, clock):
    response = client_for(market.council_user).get(
        page_url("chase_list", "E08000003", period="2026-11-16", format="csv"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="chase-E08000003-care-home-2026-11-16.csv"' in response["Content-Disposition"]
    assert csv_rows(response) == [
        ["Location", "CQC location ID", "Provider", "Status", "Periods missed in a row",
         "Last return sent", "Phone", "Address", "Postcode", "E-mail addresses", "Reminders sent"],
        ["Ash Grove", "1-202", "Bolt Homes Ltd", "Missing", "3", "Never", "'+44 161 496 0000",
         "'=SUM(1+2), Ash Lane", "M2 2BB", "bolt.manager@example.org; deputy@bolt.example", "None"],
        ["Birch Court", "1-201", "Bolt Homes Ltd", "Missing", "2", "5 November 2026",
         "0161 496 0123", "1 Birch Road, Manchester", "M1 1AA",
         "bolt.manager@example.org; deputy@bolt.example", "None"],
        ["Oak House", "1-101", "Acme Care Ltd", "Late 3 times running", "0", "24 November 2026",
         "", "", "M1 1AA", "acme.manager@example.org", "None"],
    ]


def test_it_neutralises_every_kind_of_formula_start():
    assert [neutralise(v) for v in ["=1", "+1", "-1", "@A1", "\t=1", "Oak", 3]] == [
        "'=1", "'+1", "'-1", "'@A1", "'\t=1", "Oak", 3]


def test_it_refuses_a_period_that_does_not_exist(market, clock):
    officer = client_for(market.council_user)
    assert officer.get(page_url("chase_list", "E08000003", period="1999-01-04")).status_code == 404
    assert officer.get(page_url("chase_list", "E08000003", period="last-week")).status_code == 404


def test_it_keeps_a_council_officer_to_their_own_council(market, clock):
    leeds = client_for(market.other_council_user)
    for name in ("council_completeness", "chase_list"):
        assert leeds.get(page_url(name, "E08000003")).status_code == 403
    assert leeds.get(page_url("chase_list", "E08000003", format="csv")).status_code == 403
    assert leeds.get(page_url("region_completeness", "E12000002")).status_code == 403
    officer = client_for(market.council_user)
    assert officer.get(page_url("chase_list", "E08000006")).status_code == 403
    assert officer.get(page_url("region_completeness", "E12000002")).status_code == 403


def test_it_never_puts_another_councils_location_in_the_csv(market, clock):
    # Elm Lodge (Salford) and Moor View (Leeds) have not sent P0 either.
    for user in (market.council_user, market.region_user, market.admin_user):
        response = client_for(user).get(page_url("chase_list", "E08000003", format="csv"))
        names = [row[0] for row in csv_rows(response)[1:]]
        assert names == ["Ash Grove", "Birch Court", "Cedar Lodge", "Oak House"]


def test_it_lets_a_region_analyst_open_their_councils_only(market, clock):
    analyst = client_for(market.region_user)
    assert analyst.get(page_url("chase_list", "E08000006")).status_code == 200
    assert analyst.get(page_url("council_completeness", "E08000035")).status_code == 403
    assert analyst.get(page_url("region_completeness", "E12000003")).status_code == 403


def test_it_refuses_completeness_pages_to_a_provider(market, clock):
    manager = client_for(market.provider_user)
    for url in (page_url("council_completeness", "E08000003"), page_url("chase_list", "E08000003"),
                page_url("chase_list", "E08000003", format="csv"),
                page_url("region_completeness", "E12000002")):
        assert manager.get(url).status_code == 403
