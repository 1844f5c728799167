"""What a dashboard shows, as chosen in its URL: sort, map measure, weeks and filters.

Unknown or missing values fall back to the defaults, so every URL gives a page, and the
normalised choice (not the raw query string) is what the cache is keyed by.
"""

import json
from dataclasses import asdict, dataclass, replace
from typing import Any
from urllib.parse import urlencode

from django.db.models import QuerySet, TextField
from django.db.models.functions import Cast
from django.http import QueryDict

from mqis.oversight.measures import BY_KEY, DEFAULT_MAP_MEASURE
from mqis.registry.models import Location

ASC, DESC = "asc", "desc"
BY_COUNCIL = "council"
WEEK_CHOICES = {4: "4 weeks", 13: "3 months", 52: "12 months"}
DEFAULT_WEEKS = 13
CARE_HOMES, HOME_CARE = "care-homes", "home-care"
KINDS = {CARE_HOMES: "Care homes", HOME_CARE: "Home care"}
# URL value → CQC overall rating as the registry holds it ("" is not yet rated).
RATINGS = {
    "outstanding": "Outstanding",
    "good": "Good",
    "requires-improvement": "Requires improvement",
    "inadequate": "Inadequate",
    "not-rated": "",
}
LONGEST_SERVICE = 100


def _query(values: dict[str, Any], defaults: dict[str, Any]) -> str:
    """A query string with only the values that differ from the defaults."""
    kept = {k: v for k, v in values.items() if v != defaults[k]}
    return f"?{urlencode(kept)}" if kept else "?"


@dataclass(frozen=True)
class RegionChoice:
    """The region page: how the councils table is sorted and what the map shows."""

    sort: str = BY_COUNCIL
    order: str = ASC
    measure: str = DEFAULT_MAP_MEASURE

    @classmethod
    def from_query(cls, query: QueryDict) -> "RegionChoice":
        sort = query.get("sort", BY_COUNCIL)
        if sort != BY_COUNCIL and sort not in BY_KEY:
            sort = BY_COUNCIL
        order = query.get("order")
        if order not in (ASC, DESC):
            order = ASC if sort == BY_COUNCIL else DESC
        measure = query.get("measure", DEFAULT_MAP_MEASURE)
        return cls(sort, order, measure if measure in BY_KEY else DEFAULT_MAP_MEASURE)

    def link(self, **changes: str) -> str:
        chosen = replace(self, **changes)
        defaults = asdict(RegionChoice())
        if chosen.sort != BY_COUNCIL:
            defaults["order"] = None  # the default order depends on the column: always name it
        return _query(asdict(chosen), defaults)

    def sort_link(self, column: str) -> str:
        """Sort by this column; again to reverse. Figures start with the largest first."""
        if column == self.sort:
            order = ASC if self.order == DESC else DESC
        else:
            order = ASC if column == BY_COUNCIL else DESC
        return self.link(sort=column, order=order)

    def key(self) -> str:
        return f"{self.sort}.{self.order}.{self.measure}"


@dataclass(frozen=True)
class CouncilChoice:
    """The council page: the weeks its charts cover and the locations it counts."""

    weeks: int = DEFAULT_WEEKS
    service: str = ""
    rating: str = ""

    @classmethod
    def from_query(cls, query: QueryDict) -> "CouncilChoice":
        raw_weeks = query.get("weeks", "")
        weeks = int(raw_weeks) if raw_weeks.isdigit() and int(raw_weeks) in WEEK_CHOICES else DEFAULT_WEEKS
        service = query.get("service", "").strip()[:LONGEST_SERVICE]
        rating = query.get("rating", "")
        return cls(weeks, service, rating if rating in RATINGS else "")

    @property
    def filtered(self) -> bool:
        return bool(self.service or self.rating)

    def link(self, **changes: Any) -> str:
        return _query(asdict(replace(self, **changes)), asdict(CouncilChoice()))

    def key(self) -> str:
        return json.dumps([self.weeks, self.service, self.rating])

    def apply(self, locations: QuerySet[Location]) -> QuerySet[Location]:
        """Only the locations of the chosen service type and CQC rating."""
        if self.service == CARE_HOMES:
            locations = locations.filter(care_home=True)
        elif self.service == HOME_CARE:
            locations = locations.filter(care_home=False)
        elif self.service:
            # JSON containment differs between SQLite and PostgreSQL; the JSON text does not.
            locations = locations.alias(service_text=Cast("service_types", TextField())).filter(
                service_text__contains=json.dumps(self.service)
            )
        if self.rating:
            locations = locations.filter(rating_overall=RATINGS[self.rating])
        return locations


def service_types(locations: QuerySet[Location]) -> list[str]:
    """The CQC service types these locations provide, in alphabetical order."""
    found: set[str] = set()
    for types in locations.values_list("service_types", flat=True):
        found.update(t for t in types or [] if isinstance(t, str))
    return sorted(found)
