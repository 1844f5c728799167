"""Seed the demo North West region: real CQC rows, synthetic market, users and returns.

`seed_demo` is reproducible (the same seed and day give the same data) and idempotent
(a second run finds the demo loaded and does nothing). What it planted for later checks
(fragile homes, homes short of PPE, late and missing submitters, the outbreak peak) is in
the summary and in `demo-truth.json` in the data directory.
"""

import datetime as dt
import json
import random
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from tqdm import tqdm

from mqis.accounts.models import Membership, Role
from mqis.alerts.engine import evaluate as evaluate_alerts
from mqis.demo import geography as geo
from mqis.demo.market import plan_market
from mqis.demo.submissions import Batches, Habit, add_series, store_all
from mqis.demo.users import DEMO_PASSWORD, SignIn, create_demo_users, demo_sign_ins
from mqis.demo.weekly import Traits, care_home_weeks, home_care_weeks
from mqis.forecasts.services import refresh_all as refresh_forecasts
from mqis.registry.importer import import_cqc_file
from mqis.registry.models import Council, Location, Provider, Region
from mqis.registry.reference import load_reference_councils
from mqis.returns.models import Return
from mqis.returns.periods import period_for
from mqis.returns.templates import applies_to, current_template, install_default_templates
from mqis.risk.scoring import score_all

DATA = Path(__file__).resolve().parent / "data"
CQC_FILES = ["cqc_asc_locations_nw.csv", "cqc_directory_nw.csv"]
TRUTH_FILE = "demo-truth.json"


class DemoError(Exception):
    pass


@dataclass
class DemoSummary:
    already_loaded: bool = False
    seed: int = 0
    weeks: int = 0
    councils: int = 0
    real_locations: int = 0
    synthetic_locations: int = 0
    synthetic_providers: int = 0
    care_homes: int = 0
    home_care_agencies: int = 0
    returns: int = 0
    alerts_open: int = 0
    periods: int = 0
    seconds: float = 0.0
    password: str = DEMO_PASSWORD
    users_created: list[str] = field(default_factory=list)
    sign_ins: list[SignIn] = field(default_factory=list)
    fragile_homes: list[str] = field(default_factory=list)
    ppe_short_homes: list[str] = field(default_factory=list)
    late_submitters: list[str] = field(default_factory=list)
    missing_submitters: list[str] = field(default_factory=list)
    outbreak_peak_week: dt.date | None = None

    def lines(self) -> list[str]:
        if self.already_loaded:
            return ["The demo region is already loaded: nothing was changed."]
        return [
            f"Loaded the demo North West region in {self.seconds:.1f} seconds (seed {self.seed}).",
            f"  councils:              {self.councils}",
            f"  locations:             {self.real_locations + self.synthetic_locations:,} "
            f"({self.real_locations:,} real from CQC, {self.synthetic_locations:,} synthetic)",
            f"  synthetic providers:   {self.synthetic_providers:,}",
            f"  returning locations:   {self.care_homes:,} care homes, "
            f"{self.home_care_agencies:,} home care agencies",
            f"  weekly returns:        {self.returns:,} over {self.weeks} weeks",
            f"  open alerts:           {self.alerts_open:,}",
            f"  outbreak peak:         week of {self.outbreak_peak_week:%-d %B %Y}"
            if self.outbreak_peak_week else "  outbreak peak:         -",
        ]


def demo_loaded() -> bool:
    return (get_user_model().objects.filter(username="admin").exists()
            and Location.objects.filter(is_synthetic=True).exists())


def seed_demo(seed: int = 2026, weeks: int = 26, target_locations: int = 2000,
              today: dt.date | None = None, progress: bool | None = None) -> DemoSummary:
    """Load the demo region unless it is loaded. `progress`: None shows bars on a terminal."""
    started = time.monotonic()
    if demo_loaded():
        return DemoSummary(already_loaded=True, sign_ins=demo_sign_ins())
    if weeks < 1:
        raise DemoError("The demo needs at least one week of returns.")
    now = timezone.now() if today is None else timezone.make_aware(
        dt.datetime.combine(today, dt.time(12, 0)))
    today = timezone.localdate(now)
    summary = DemoSummary(seed=seed, weeks=weeks)
    with transaction.atomic():
        install_default_templates()
        load_reference_councils()
        region = Region.objects.get(code=geo.NORTH_WEST)
        councils = {c.gss_code: c for c in Council.objects.filter(region=region)}
        missing = sorted(set(geo.COUNCILS) - set(councils))
        if missing:
            raise DemoError(f"The reference councils lack {', '.join(missing)}.")
        summary.councils = len(councils)
        for name in CQC_FILES:
            # A partial file: locations it lacks are not "gone".
            import_cqc_file(DATA / name, file_name=name, mark_missing_as_gone=False)
        in_region = Location.objects.filter(council__region=region, deregistered=False)
        summary.real_locations = in_region.filter(is_synthetic=False).count()
        plan = plan_market(random.Random(f"{seed}:market"),
                           max(0, target_locations - in_region.count()), councils)
        Provider.objects.bulk_create(plan.providers, batch_size=500)
        Location.objects.bulk_create(plan.locations, batch_size=500)
        summary.synthetic_locations, summary.synthetic_providers = (
            len(plan.locations), len(plan.providers))
        summary.users_created = create_demo_users(region, councils, plan.group_providers)
        _returns(summary, seed, weeks, today, now, region, plan.group_providers, progress)
        # Risk scores first: the "High risk" alert rule reads them.
        score_all(now=now)
        # The history is loaded quietly; the alerts open now are raised without e-mails.
        summary.alerts_open = evaluate_alerts(now=now, notify=False).opened
        # Each council's forecasts, so their pages open at once (about 17 s for the region).
        refresh_forecasts(now=now)
    summary.sign_ins = demo_sign_ins()
    summary.seconds = time.monotonic() - started
    write_truth(summary)
    _refresh_planner_statistics()
    return summary


def _returns(summary: DemoSummary, seed: int, weeks: int, today: dt.date, now: dt.datetime,
             region: Region, groups: dict[str, Provider], progress: bool | None) -> None:
    care, home = current_template("care-home"), current_template("home-care")
    days = [today - dt.timedelta(weeks=weeks - 1 - w) for w in range(weeks)]
    periods = {t.slug: [period_for(t, day) for day in days] for t in (care, home)}
    summary.periods = sum(len(p) for p in periods.values())
    locations = list(Location.objects.filter(council__region=region, deregistered=False,
                                             dormant=False).order_by("cqc_location_id"))
    homes = [loc for loc in locations if applies_to(care, loc)]
    agencies = [loc for loc in locations if not loc.care_home and applies_to(home, loc)]
    summary.care_homes, summary.home_care_agencies = len(homes), len(agencies)
    traits, habits = _plan_behaviour(summary, random.Random(f"{seed}:roles"), homes, agencies)
    submitters = _submitters(groups)
    batches = Batches()
    hide = None if progress is None else not progress
    for loc in tqdm(homes + agencies, desc="Demo returns: generating", unit=" location",
                    disable=hide, leave=False):
        rng = random.Random(f"{seed}:{loc.cqc_location_id}")
        if loc.care_home:
            beds = loc.beds or max(10, round(rng.lognormvariate(0, 0.45) * 36))
            series = care_home_weeks(rng, beds, _is_nursing(loc), "Dementia" in loc.specialisms,
                                     loc.rating_overall, weeks, traits.get(loc.pk, Traits()))
            template, its_periods = care, periods["care-home"]
        else:
            series, template, its_periods = home_care_weeks(rng, weeks), home, periods["home-care"]
        add_series(batches, rng, loc, template, its_periods, series,
                   habits.get(loc.pk, Habit()), submitters.get(loc.provider_id), now)
    with tqdm(total=batches.count, desc="Demo returns: storing", unit=" return",
              disable=hide, leave=False) as bar:
        summary.returns = store_all(batches, bar.update)
    peak = (Return.objects.filter(period__in=periods["care-home"], in_outbreak=True)
            .values("period__start").annotate(homes=Count("id"))
            .order_by("-homes", "period__start").first())
    summary.outbreak_peak_week = peak["period__start"] if peak else None


def _is_nursing(location: Location) -> bool:
    # "Nursing homes" (care directory) or "Care home service with nursing" (ASC extract).
    kinds = [kind.lower() for kind in location.service_types]
    return any("nursing" in kind and "without nursing" not in kind for kind in kinds)


def _submitters(groups: dict[str, Provider]) -> dict[int | None, Any]:
    """The demo provider managers send their own locations' returns."""
    wanted = {p.pk for p in groups.values()}
    return {m.provider_id: m.user for m in Membership.objects.filter(
        role=Role.PROVIDER, provider_id__in=wanted).select_related("user")}


def _plan_behaviour(summary: DemoSummary, rng: random.Random, homes: list[Location],
                    agencies: list[Location]) -> tuple[dict[int, Traits], dict[int, Habit]]:
    """Choose the fragile homes, the homes short of PPE and the late and missing submitters."""
    scale = len(homes) / 1200
    roomy = [h for h in homes if h.beds >= 20 and h.is_synthetic] or homes
    fragile = rng.sample(roomy, min(len(roomy), max(2, round(12 * scale))))
    short = rng.sample(homes, min(len(homes), max(2, round(15 * scale))))
    everyone = homes + agencies
    poor = rng.sample(everyone, min(len(everyone), 2 * max(1, round(0.03 * len(everyone)))))
    late, absent = poor[: len(poor) // 2], poor[len(poor) // 2 :]
    traits = {h.pk: Traits(fragile=h in fragile, ppe_short=h in short)
              for h in set(fragile + short)}
    habits = {loc.pk: Habit(late=True) for loc in late}
    for n, loc in enumerate(absent):
        misses = "stopped" if n % 2 else "gaps"
        habits[loc.pk] = Habit(misses=misses, stopped_weeks=rng.randint(2, 4))
    summary.fragile_homes = sorted(h.cqc_location_id for h in fragile)
    summary.ppe_short_homes = sorted(h.cqc_location_id for h in short)
    summary.late_submitters = sorted(loc.cqc_location_id for loc in late)
    summary.missing_submitters = sorted(loc.cqc_location_id for loc in absent)
    return traits, habits


def truth_path() -> Path:
    return Path(settings.DATA_DIR) / TRUTH_FILE


def write_truth(summary: DemoSummary) -> None:
    """Record what the demo planted, for checking risk scores and alerts against it."""
    data = asdict(summary)
    for key in ("sign_ins", "password", "users_created", "already_loaded"):
        data.pop(key)
    data["outbreak_peak_week"] = str(summary.outbreak_peak_week or "")
    path = truth_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1) + "\n")


def read_truth() -> dict[str, Any] | None:
    path = truth_path()
    return json.loads(path.read_text()) if path.exists() else None


__all__ = ["DemoError", "DemoSummary", "demo_loaded", "seed_demo", "read_truth"]


def _refresh_planner_statistics() -> None:
    """Tell the database's query planner about the rows just loaded, so dashboards use the indexes."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
