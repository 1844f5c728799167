"""build_report: exact figures for the hand-built market in market.py, the week covered, the
as-at time, and only what the reader may see."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from mqis.alerts.models import Alert, AlertRule
from mqis.reports.report import build_report, week_covered
from mqis.reports.tests.market import MONDAY, NOW
from mqis.returns.models import ReturnTemplate

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def rows(report, key, table=0):
    return report.section(key).tables[table].rows


def manchester(market):
    return build_report(market.council_user, council=market.manchester, now=NOW)


def north_west(market):
    return build_report(market.region_user, region=market.region, now=NOW)


def test_it_covers_the_latest_week_whose_returns_are_due(market):
    templates = list(ReturnTemplate.objects.filter(is_current=True))
    monday_7am = dt.datetime.combine(MONDAY, dt.time(7), tzinfo=LONDON)
    wednesday_5pm = dt.datetime.combine(MONDAY + dt.timedelta(days=2), dt.time(17), tzinfo=LONDON)
    last_week = week_covered(templates, monday_7am)
    assert (last_week.start, last_week.end) == (MONDAY - dt.timedelta(weeks=1), MONDAY - dt.timedelta(days=1))
    assert week_covered(templates, wednesday_5pm - dt.timedelta(minutes=1)).start == last_week.start
    assert week_covered(templates, wednesday_5pm).start == MONDAY
    assert week_covered(templates, NOW).end == MONDAY + dt.timedelta(days=6)


def test_it_labels_the_week_as_people_write_it(market):
    from mqis.reports.area import Week

    assert Week(dt.date(2026, 11, 16), dt.date(2026, 11, 22)).label == "16 to 22 November 2026"
    assert Week(dt.date(2026, 11, 30), dt.date(2026, 12, 6)).label == "30 November to 6 December 2026"
    assert Week(dt.date(2026, 12, 28), dt.date(2027, 1, 3)).label == "28 December 2026 to 3 January 2027"


def test_it_gives_a_councils_figures_for_the_week_beside_the_week_before(market):
    report = manchester(market)
    now, before = report.figures.now, report.figures.before
    # Oak House (this week) + Birch Court (last week: none this week) + the agency.
    assert (now.beds_total, now.beds_occupied, now.beds_vacant, now.occupancy_pct) == (108, 90, 16, 83.3)
    assert (before.beds_total, before.beds_occupied, before.beds_vacant, before.occupancy_pct) == (108, 94, 14, 87.0)
    assert (now.staff_absent, now.staff_headcount, now.absence_pct) == (21, 130, 16.2)
    assert (now.nurse_absence_pct, now.care_worker_absence_pct) == (30.0, 18.6)
    assert (before.staff_absent, before.absence_pct) == (30, 23.1)
    assert (now.in_outbreak, now.short_of_ppe, now.closed_to_admissions) == (1, 1, 1)
    assert (before.in_outbreak, before.short_of_ppe) == (1, 2)
    assert (now.received, now.expected, before.received) == (2, 3, 3)


def test_its_tables_show_the_figures_as_the_reader_reads_them(market):
    report = manchester(market)
    assert rows(report, "capacity") == [
        ["Beds in homes reporting", "108", "108", "no change"],
        ["Occupied beds", "90", "94", "down 4"],
        ["Vacant beds", "16", "14", "up 2"],
        ["Occupancy", "83.3%", "87.0%", "down 3.7 points"],
        ["Closed to admissions", "1", "1", "no change"],
    ]
    assert rows(report, "workforce") == [
        ["All staff", "21", "130", "16.2%", "23.1%", "down 6.9 points"],
        ["Nurses", "3", "10", "30.0%", "40.0%", "down 10.0 points"],
        ["Care workers", "13", "70", "18.6%", "22.9%", "down 4.3 points"],
    ]
    assert rows(report, "outbreaks") == [
        ["In outbreak", "1", "1", "no change"], ["PPE under 3 days", "1", "2", "down 1"]]
    assert rows(report, "outbreaks", 1) == [["Birch Court", "Bolt Homes Ltd", "Yes", "2"]]
    assert report.section("capacity").summary[0] == (
        "Occupancy was 83.3%: 90 of 108 beds in the care homes reporting were occupied (down 3.7 points on the "
        "week before).")


def test_its_charts_run_week_by_week_up_to_the_week_covered(market):
    report = manchester(market)
    starts = [point["start"] for point in report.series]
    assert starts == [MONDAY - dt.timedelta(weeks=k) for k in (3, 2, 1, 0)]
    # Birch Court alone 3 weeks ago; nothing 2 weeks ago; then the weeks compared.
    assert [point["occupancy_pct"] for point in report.series] == [50.0, None, 87.0, 83.3]
    table = report.section("capacity").chart_table
    assert table.rows[1] == [f"{MONDAY - dt.timedelta(weeks=2):%-d %B %Y}", "–"]
    assert report.section("capacity").chart.startswith("<svg")


def test_it_counts_the_weeks_returns_received_on_time_late_and_missing(market):
    assert rows(manchester(market), "completeness") == [
        ["Care home return", "2", "1", "1", "0", "1", "0"],
        ["Home care return", "1", "1", "1", "0", "0", "0"],
    ]
    report = north_west(market)
    assert rows(report, "completeness")[0] == ["Care home return", "3", "2", "1", "1", "1", "0"]  # Elm Lodge late
    assert report.section("completeness").summary[0] == (
        "2 of 3 care home returns expected came in (66.7%): 1 late and 1 missing.")


def test_a_region_compares_its_councils_one_row_each(market):
    report = north_west(market)
    assert [row.council.name for row in report.councils] == ["Manchester", "Salford"]
    assert report.section("councils").tables[0].rows == [
        ["Manchester", "108", "83.3%", "16", "16.2%", "1", "1", "66.7%", "2"],
        ["Salford", "30", "90.0%", "3", "10.0%", "0", "1", "100.0%", "0"],
        ["North West (all)", "138", "84.8%", "19", "15.3%", "1", "2", "75.0%", "2"],
    ]
    assert [s.key for s in report.sections] == [
        "councils", "capacity", "workforce", "outbreaks", "risk", "completeness", "forecast"]


def test_it_dates_the_data_by_the_latest_return_in_the_readers_scope(market):
    # Manchester's returns came on Monday at 01:00; Salford's Elm Lodge on Wednesday at 18:00.
    monday = dt.datetime.combine(MONDAY, dt.time(1), tzinfo=LONDON)
    assert manchester(market).as_at == monday
    assert north_west(market).as_at == monday + dt.timedelta(days=2, hours=17)
    report = manchester(market)
    assert report.as_at_label == f"{MONDAY:%-d %B %Y} 01:00"
    assert report.generated_label == f"{NOW:%-d %B %Y} 12:00"
    assert report.title == "Weekly market report: Manchester"


def test_it_lists_the_highest_risk_scores_the_reader_may_see(market):
    assert rows(manchester(market), "risk") == [
        ["Birch Court", "Bolt Homes Ltd", "80", "Critical", ""],
        ["Oak House", "Acme Care Ltd", "62", "High", ""],
        ["Acme Homecare Manchester", "Acme Care Ltd", "10", "Low", ""],
    ]
    report = north_west(market)
    assert [row[:2] for row in rows(report, "risk")] == [
        ["Birch Court", "Manchester"], ["Oak House", "Manchester"], ["Elm Lodge", "Salford"],
        ["Acme Homecare Manchester", "Manchester"]]  # never Moor View (Leeds, 90)
    assert [(row.council.name, row.high_risk) for row in report.councils] == [("Manchester", 2), ("Salford", 0)]
    assert report.section("risk").summary[0] == "2 locations are at high or critical risk, of 4 scored."


def test_it_counts_only_the_alerts_about_locations_in_scope(market):
    rule = AlertRule.objects.order_by("name").first()
    Alert.objects.all().delete()
    for location in (market.home_a, market.home_b, market.far_home):
        Alert.objects.create(rule=rule, location=location, message="test", opened_at=NOW - dt.timedelta(days=1))
    assert rows(manchester(market), "risk", 1) == [[rule.name, "1", "1", "0"]]
    assert rows(north_west(market), "risk", 1) == [[rule.name, "2", "2", "0"]]


def test_it_shows_each_councils_stored_forecast(market):
    report = manchester(market)
    assert rows(report, "forecast") == [
        ["Occupied beds", "110", "100 to 121", "6 beds"],
        ["Vacant beds", "–", "Too little history", "–"],
    ]
    assert report.section("forecast").chart is not None
    # The region has only Manchester's forecasts (Salford has none; Leeds is elsewhere).
    assert rows(north_west(market), "forecast") == [["Manchester", "110", "–", "–"]]


def test_it_refuses_an_area_outside_the_users_scope(market):
    with pytest.raises(PermissionDenied):
        build_report(market.other_council_user, council=market.manchester, now=NOW)
    with pytest.raises(PermissionDenied):
        build_report(market.council_user, region=market.region, now=NOW)
    with pytest.raises(PermissionDenied):
        build_report(market.provider_user, council=market.manchester, now=NOW)
    with pytest.raises(PermissionDenied):
        build_report(market.region_user, council=market.leeds, now=NOW)


def test_an_administrator_sees_the_same_region_as_its_analyst(market):
    mine = build_report(market.admin_user, region=market.region, now=NOW)
    assert mine.section("councils").tables[0].rows == north_west(market).section("councils").tables[0].rows


def test_the_pdf_is_named_after_the_area_and_the_day(market):
    assert manchester(market).filename == f"mqis-manchester-{NOW.date().isoformat()}.pdf"
    assert north_west(market).filename == f"mqis-north-west-{NOW.date().isoformat()}.pdf"
    late_evening = timezone.make_aware(dt.datetime(2026, 11, 22, 23, 30))
    assert build_report(market.council_user, council=market.manchester, now=late_evening).filename == (
        "mqis-manchester-2026-11-22.pdf")
