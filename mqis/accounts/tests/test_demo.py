"""The demo North West region: reproducible, complete, valid, and with the season's patterns."""

import csv
import datetime as dt
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count
from django.test import override_settings

from mqis.accounts.models import Role
from mqis.demo import geography
from mqis.demo.generator import DemoSummary, read_truth, seed_demo
from mqis.demo.users import DEMO_PASSWORD
from mqis.registry.models import Council, Location, Provider
from mqis.returns.models import Return
from mqis.returns.validation import validate_values

TODAY = dt.date(2026, 3, 4)  # a Wednesday morning, mid-way through a week's submissions
SMALL = {"seed": 7, "weeks": 8, "target_locations": 120, "today": TODAY, "progress": False}
FAST_HASHING = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DEMO_DATA = Path(geography.__file__).resolve().parent / "data"


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: object,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoSummary]:
    """One small demo for the module, rolled back when the module is done."""
    data_dir = tmp_path_factory.mktemp("demo")
    with django_db_blocker.unblock(), override_settings(
        DATA_DIR=data_dir, PASSWORD_HASHERS=FAST_HASHING
    ), transaction.atomic():
        yield seed_demo(**SMALL)
        transaction.set_rollback(True)


def sample(n: int = 60) -> dict[tuple[str, dt.date], dict]:
    rows = Return.objects.order_by("location__cqc_location_id", "period__start").values_list(
        "location__cqc_location_id", "period__start", "values", "submitted_at", "on_time")
    return {(lid, start): {"values": v, "at": at, "on_time": ok}
            for lid, start, v, at, ok in list(rows)[::7][:n]}


def peak_and_baseline() -> tuple[float, float]:
    weeks = (Return.objects.filter(period__template_slug="care-home")
             .values_list("period__start", "in_outbreak"))
    totals, outbreaks = Counter(), Counter()
    for start, in_outbreak in weeks:
        totals[start] += 1
        outbreaks[start] += bool(in_outbreak)
    shares = [outbreaks[s] / totals[s] for s in sorted(totals)]
    return max(shares), sum(shares[:3]) / 3


def test_it_gives_every_north_west_council_locations(demo: DemoSummary, db: None) -> None:
    counts = dict(Council.objects.filter(region__code=geography.NORTH_WEST)
                  .annotate(n=Count("locations")).values_list("gss_code", "n"))
    assert set(counts) == set(geography.COUNCILS)
    assert all(n >= 2 for n in counts.values()), counts
    assert demo.councils == 23


def test_it_imports_the_real_north_west_rows_as_real(demo: DemoSummary, db: None) -> None:
    with (DEMO_DATA / "cqc_directory_nw.csv").open(encoding="utf-8") as f:
        real_ids = {row["CQC Location ID (for office use only)"] for row in csv.DictReader(f)}
    real = Location.objects.filter(cqc_location_id__in=real_ids)
    assert real.count() == len(real_ids) == 16
    assert not real.filter(is_synthetic=True).exists()
    assert not Provider.objects.filter(locations__in=real, is_synthetic=True).exists()
    assert demo.real_locations >= real.count()


def test_it_flags_every_synthetic_location_and_provider(demo: DemoSummary, db: None) -> None:
    synthetic = Location.objects.filter(is_synthetic=True)
    assert synthetic.count() == demo.synthetic_locations > 0
    assert not synthetic.exclude(cqc_location_id__startswith="SYN-1-").exists()
    assert not Location.objects.filter(cqc_location_id__startswith="SYN-", is_synthetic=False).exists()
    assert not Provider.objects.filter(locations__in=synthetic, is_synthetic=False).exists()
    assert not Provider.objects.filter(is_synthetic=True).exclude(
        cqc_provider_id__startswith="SYN-P-").exists()


def test_it_stores_only_returns_their_template_accepts(demo: DemoSummary, db: None) -> None:
    returns = Return.objects.select_related("template")
    assert returns.count() == demo.returns > 0
    for ret in returns:
        cleaned, errors = validate_values(ret.template.fields, ret.template.rules, ret.values)
        assert errors == [], (ret.location_id, errors)
        assert ret.channel == "demo"


def test_it_never_dates_a_return_after_today(demo: DemoSummary, db: None) -> None:
    latest = max(Return.objects.values_list("submitted_at", flat=True))
    assert latest.date() <= TODAY


def test_it_builds_a_winter_outbreak_wave(demo: DemoSummary, db: None) -> None:
    # Eight weeks of a small demo squeeze the season; the full demo peaks near 25%.
    peak, baseline = peak_and_baseline()
    assert peak >= 0.05
    assert peak > 2 * baseline


def test_it_lowers_the_fragile_homes_occupancy(demo: DemoSummary, db: None) -> None:
    assert len(demo.fragile_homes) >= 2
    for location_id in demo.fragile_homes:
        weeks = list(Return.objects.filter(location__cqc_location_id=location_id)
                     .order_by("period__start").values_list("beds_occupied", "beds_total"))
        first, last = weeks[0][0] / weeks[0][1], weeks[-1][0] / weeks[-1][1]
        assert first > 0.86 and last < 0.76, (location_id, weeks)


def test_it_runs_a_few_homes_short_of_ppe_lately(demo: DemoSummary, db: None) -> None:
    latest = Return.objects.filter(period__template_slug="care-home").latest("period__start").period
    short = set(Return.objects.filter(period=latest, ppe_min_days__lt=3)
                .values_list("location__cqc_location_id", flat=True))
    assert short and short <= set(demo.ppe_short_homes)


def test_it_has_late_and_missing_submitters(demo: DemoSummary, db: None) -> None:
    late = Return.objects.filter(location__cqc_location_id__in=demo.late_submitters)
    assert late.filter(on_time=False).exists()
    assert Return.objects.filter(on_time=False).count() < Return.objects.count() * 0.1
    submitted = Counter(Return.objects.filter(location__cqc_location_id__in=demo.missing_submitters)
                        .values_list("location__cqc_location_id", flat=True))
    assert any(submitted[location_id] < 8 for location_id in demo.missing_submitters)


def test_it_records_what_it_planted(demo: DemoSummary, db: None) -> None:
    truth = read_truth()
    assert truth is not None
    assert truth["fragile_homes"] == demo.fragile_homes
    assert truth["seed"] == 7


def test_it_creates_the_demo_sign_ins(demo: DemoSummary, db: None) -> None:
    users = {u.username: u for u in User.objects.select_related("membership")}
    roles = {name: users[name].membership.role for name in users}
    assert roles == {"admin": Role.ADMIN, "nw.analyst": Role.REGION,
                     "manchester.officer": Role.COUNCIL, "liverpool.officer": Role.COUNCIL,
                     "provider.manager": Role.PROVIDER, "homecare.manager": Role.PROVIDER}
    assert users["admin"].is_superuser and users["admin"].is_staff
    assert users["manchester.officer"].membership.council.gss_code == "E08000003"
    assert users["liverpool.officer"].membership.council.gss_code == "E08000012"
    assert users["nw.analyst"].check_password(DEMO_PASSWORD)
    homes = Location.objects.filter(provider=users["provider.manager"].membership.provider)
    assert homes.filter(care_home=True).count() >= 3
    assert homes.filter(council__gss_code="E08000003").exists()
    agencies = Location.objects.filter(provider=users["homecare.manager"].membership.provider)
    assert agencies.exists() and not agencies.filter(care_home=True).exists()


def test_it_does_nothing_the_second_time(demo: DemoSummary, db: None) -> None:
    before = (Location.objects.count(), Return.objects.count(), User.objects.count())
    again = seed_demo(**SMALL)
    assert again.already_loaded
    assert (Location.objects.count(), Return.objects.count(), User.objects.count()) == before


def test_it_gives_the_same_data_for_the_same_seed(demo: DemoSummary, db: None,
                                                   settings: object) -> None:
    settings.PASSWORD_HASHERS = FAST_HASHING
    first = sample()
    from mqis.alerts.models import Alert

    Alert.objects.all().delete()
    Return.objects.all().delete()
    User.objects.all().delete()
    Location.objects.filter(is_synthetic=True).delete()
    Provider.objects.filter(is_synthetic=True).delete()
    again = seed_demo(**SMALL)
    assert not again.already_loaded
    assert sample() == first
    assert again.fragile_homes == demo.fragile_homes


def test_it_opens_the_alerts_that_hold_now_without_sending_anything(demo: DemoSummary, db: None) -> None:
    from mqis.alerts.models import Alert, Delivery

    open_alerts = Alert.objects.filter(cleared_at__isnull=True)
    assert demo.alerts_open == open_alerts.count() > 0
    # Outbreaks in the demo's latest week show as open outbreak alerts.
    latest = Return.objects.filter(period__template_slug="care-home").order_by("-period__start")[0]
    outbreaks = Return.objects.filter(period=latest.period, in_outbreak=True).count()
    assert open_alerts.filter(rule__key="outbreak").count() >= outbreaks > 0
    assert Delivery.objects.count() == 0
