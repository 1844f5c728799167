"""What every section builder is given: the reader's locations and councils in the report's
area (from `mqis.accounts.scope`), the current templates and the week covered."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet

from mqis.accounts.scope import AnyUser
from mqis.oversight.figures import WIDE_SCOPE
from mqis.registry.models import Council, Location
from mqis.returns.models import ReturnTemplate


@dataclass(frozen=True)
class Week:
    """Monday to Sunday."""

    start: dt.date
    end: dt.date

    @property
    def label(self) -> str:
        """"16 to 22 November 2026", "30 November to 6 December 2026"."""
        if self.start.year != self.end.year:
            return f"{self.start:%-d %B %Y} to {self.end:%-d %B %Y}"
        if self.start.month != self.end.month:
            return f"{self.start:%-d %B} to {self.end:%-d %B %Y}"
        return f"{self.start:%-d} to {self.end:%-d %B %Y}"

    @property
    def short(self) -> str:
        return f"Week of {self.start:%-d %b}"


@dataclass
class Area:
    user: AnyUser
    name: str
    locations: QuerySet[Location]  # the reader's locations in the council or region
    councils: QuerySet[Council]  # the reader's councils in it
    templates: list[ReturnTemplate]
    week: Week
    now: dt.datetime
    is_region: bool = False

    @property
    def wide(self) -> bool:
        """Whether the area has so many locations that queries should read it period by period."""
        return self.is_region and self.locations.count() >= WIDE_SCOPE
