"""A council's market view: beds at risk, vacancy rate, concentration, and where to look first.

Every function takes a queryset of locations that came from `mqis.accounts.scope`.
"""

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, QuerySet, Sum

from mqis.lib.exports import Table
from mqis.oversight.figures import figures_for, percent
from mqis.registry.models import Location
from mqis.risk.groups import bed_holders, group_key
from mqis.risk.models import Band, RiskScore
from mqis.risk.profile import LOW_COVERAGE, TAG_CLASSES, band_label, reasons

WATCH_LIMIT = 20
# The "where to look first" list, for all locations or one kind: scores of care homes and of other
# services rest on different indicators (only care homes have beds), so each may be ranked apart.
KINDS = {"": "All locations", "care-homes": "Care homes", "other": "Other services"}
LARGEST = (1, 3, 5)
AT_RISK = (Band.HIGH, Band.CRITICAL)
# The Competition and Markets Authority's reading of the Herfindahl–Hirschman index.
MODERATE_FROM, HIGH_ABOVE = 1000, 2000


@dataclass
class GroupShare:
    name: str
    homes: int
    beds: int
    share: float  # per cent of the beds


@dataclass
class WatchRow:
    rank: int
    location: Location
    score: float
    band: str
    band_label: str
    tag_class: str
    reasons: list[str]
    coverage: float

    @property
    def little_data(self) -> bool:
        return self.coverage < LOW_COVERAGE


@dataclass
class MarketView:
    registered_beds: int = 0
    care_homes: int = 0
    beds_at_risk: int = 0
    homes_at_risk: int = 0
    beds_reported: int = 0
    beds_vacant: int = 0
    vacancy_pct: float | None = None
    hhi: float | None = None
    groups: list[GroupShare] = field(default_factory=list)
    largest: list[tuple[int, float]] = field(default_factory=list)
    bands: list[tuple[str, str, int]] = field(default_factory=list)
    watch: list[WatchRow] = field(default_factory=list)
    scored: int = 0  # how many locations of the kind ranked have a score: the download holds them all

    @property
    def beds_at_risk_pct(self) -> float | None:
        return percent(self.beds_at_risk, self.registered_beds)

    @property
    def hhi_reading(self) -> str:
        return hhi_reading(self.hhi)


def hhi(beds: list[int]) -> float | None:
    """Herfindahl–Hirschman index of these holdings, 0 to 10,000: the sum of squared per cent shares."""
    total = sum(beds)
    if not total:
        return None
    return sum((100.0 * b / total) ** 2 for b in beds)


def hhi_reading(value: float | None) -> str:
    if value is None:
        return "No beds"
    if value < MODERATE_FROM:
        return "Unconcentrated"
    if value <= HIGH_ABOVE:
        return "Moderately concentrated"
    return "Highly concentrated"


def group_shares(locations: QuerySet[Location]) -> list[GroupShare]:
    """Registered beds of active care homes per provider group, largest first: one query."""
    names: dict[str, str] = {}
    beds: dict[str, int] = defaultdict(int)
    homes: dict[str, int] = defaultdict(int)
    for row in bed_holders(locations):
        key = group_key(row["provider__brand_id"], row["provider_id"])
        names[key] = row["provider__brand_name"] if row["provider__brand_id"] else row["provider__name"]
        beds[key] += row["beds"]
        homes[key] += row["homes"]
    total = sum(beds.values())
    shares = [GroupShare(names[k], homes[k], beds[k], 100.0 * beds[k] / total) for k in beds]
    return sorted(shares, key=lambda g: (-g.beds, g.name))


def _at_risk(locations: QuerySet[Location]) -> dict[str, Any]:
    homes = locations.filter(deregistered=False, dormant=False, care_home=True, beds__gt=0)
    return homes.filter(risk__band__in=AT_RISK).aggregate(beds=Sum("beds"), homes=Count("id"))


def band_counts(locations: QuerySet[Location]) -> list[tuple[str, str, int]]:
    rows = locations.filter(deregistered=False).values("risk__band").annotate(n=Count("id")).order_by()
    counts = {row["risk__band"]: row["n"] for row in rows}
    found = [(band.value, band.label, counts.get(band.value, 0)) for band in Band]
    return [*found, ("", "Not scored", counts.get(None, 0))]


def ranked_scores(locations: QuerySet[Location], kind: str = "") -> QuerySet[RiskScore]:
    """The scores of the registered locations of this kind, highest first."""
    if kind:
        locations = locations.filter(care_home=kind == "care-homes")
    return (RiskScore.objects.filter(location__in=locations.filter(deregistered=False))
            .select_related("location__provider").order_by("-score", "location__name"))


def watch_list(locations: QuerySet[Location], kind: str = "", limit: int | None = WATCH_LIMIT) -> list[WatchRow]:
    """The highest scores first, each with the reasons that weigh most; every score when `limit` is None."""
    scores = ranked_scores(locations, kind)[:limit]
    return [WatchRow(n, s.location, s.score, s.band, band_label(s.band), TAG_CLASSES[s.band], reasons(s),
                     s.coverage) for n, s in enumerate(scores, start=1)]


def largest_shares(groups: list[GroupShare]) -> list[tuple[int, float]]:
    """The per cent of beds held by the largest 1, 3 and 5 groups (groups come largest first)."""
    ordered = [g.share for g in groups]
    return [(n, sum(ordered[:n])) for n in LARGEST if ordered]


def market_view(locations: QuerySet[Location], kind: str = "") -> MarketView:
    """The market view of these locations (one council's, as the viewer may see them)."""
    groups = group_shares(locations)
    risky = _at_risk(locations)
    figures = figures_for(locations)
    return MarketView(
        registered_beds=sum(g.beds for g in groups),
        care_homes=sum(g.homes for g in groups),
        beds_at_risk=risky["beds"] or 0,
        homes_at_risk=risky["homes"] or 0,
        beds_reported=figures.beds_total,
        beds_vacant=figures.beds_vacant,
        vacancy_pct=percent(figures.beds_vacant, figures.beds_total),
        hhi=hhi([g.beds for g in groups]),
        groups=groups,
        largest=largest_shares(groups),
        bands=band_counts(locations),
        watch=watch_list(locations, kind),
        scored=ranked_scores(locations, kind).count(),
    )


@dataclass
class Figure:
    """One headline figure: its raw value for a download, and as the page shows it."""

    label: str
    value: float | int | str | None
    shown: str
    percent: bool = False

    @property
    def column(self) -> str:
        return f"{self.label} (%)" if self.percent else self.label


def _number(value: float | None, places: int = 0, suffix: str = "") -> str:
    return "No data" if value is None else f"{value:,.{places}f}{suffix}"


def _share(part: int, whole: int) -> float | None:
    return 100.0 * part / whole if whole else None


def headline_figures(view: MarketView) -> list[Figure]:
    """The page's headline figures (beds at risk, vacancy, concentration) as rows of a table."""
    at_risk = _share(view.beds_at_risk, view.registered_beds)
    vacancy = _share(view.beds_vacant, view.beds_reported)
    figures = [
        Figure("Beds at risk", view.beds_at_risk, _number(view.beds_at_risk)),
        Figure("Registered care home beds", view.registered_beds, _number(view.registered_beds)),
        Figure("Share of registered beds at risk", at_risk, _number(at_risk, 1, "%"), percent=True),
        Figure("Care homes at risk", view.homes_at_risk, _number(view.homes_at_risk)),
        Figure("Beds vacant in the latest returns", view.beds_vacant, _number(view.beds_vacant)),
        Figure("Beds in the latest returns", view.beds_reported, _number(view.beds_reported)),
        Figure("Vacancy rate", vacancy, _number(vacancy, 1, "%"), percent=True),
        Figure("Market concentration (HHI, 0 to 10,000)", view.hhi, _number(view.hhi)),
        Figure("Market concentration reading", view.hhi_reading, view.hhi_reading),
    ]
    if view.groups:
        largest = view.groups[0]
        figures += [Figure("Largest group", largest.name, largest.name),
                    Figure("Largest group's share of beds", largest.share, _number(largest.share, 1, "%"),
                           percent=True)]
    return figures


FIGURE_HEADER = ["Figure", "Value"]
WATCH_HEADER = ["Rank", "Location", "CQC location ID", "Provider", "Score", "Band", "Main reasons",
                "Weight with data (%)"]
BAND_HEADER = ["Band", "Locations"]
LARGEST_HEADER = ["Largest groups", "Share of beds (%)"]
GROUP_HEADER = ["Group", "Care homes", "Beds", "Share of beds (%)"]


def watch_rows(locations: QuerySet[Location], kind: str = "") -> Iterator[list[Any]]:
    """Every scored location of the kind, as "where to look first" ranks them, reasons joined by "; "."""
    for row in watch_list(locations, kind, limit=None):
        yield [row.rank, row.location.name, row.location.cqc_location_id, row.location.provider.name,
               row.score, row.band_label, "; ".join(row.reasons), row.coverage]


def tables(locations: QuerySet[Location], kind: str = "") -> dict[str, Callable[[], Table]]:
    """The market page's tables for `exports.table_download`: every row, not only those the page lists."""
    return {
        "figures": lambda: (FIGURE_HEADER, [[f.column, f.value] for f in headline_figures(
            market_view(locations, kind))]),
        "look-first": lambda: (WATCH_HEADER, watch_rows(locations, kind)),
        "bands": lambda: (BAND_HEADER, [[label, n] for _, label, n in band_counts(locations)]),
        "largest": lambda: (LARGEST_HEADER, [[n, share] for n, share in largest_shares(group_shares(locations))]),
        "groups": lambda: (GROUP_HEADER, [[g.name, g.homes, g.beds, g.share] for g in group_shares(locations)]),
    }
