"""Statistical disclosure control for tables whose rows add up: council → region → all.

Pure functions over plain dictionaries; nothing here reads the database.

A *column* maps a row key to its true figure. A *relation* says that one row (the total)
is the sum of others (its parts), in every column. A hidden figure is published as "[c]";
its `Range` is what someone who knows every published figure and these rules can tell
about it (a small count is 1 to 4, for example). We assume that person knows which rule
hid each figure: the strongest attacker the rules allow.

Primary suppression hides what is disclosive in itself (`small_counts`, `small_population`).
Secondary suppression (`protect`) then hides more until no hidden figure can be worked
out exactly from the published ones: while some hidden figure is pinned to one value, it
hides the smallest non-zero published part of a relation a pinned figure is in (its
siblings first, then its own parts), or failing that a relation's total. A relation with
exactly one hidden figure always pins it, so every relation ends with none or at least
two; the ranges catch the rest ("[c] + [c] = 2" pins both to 1).

`feasible` works out the ranges by tightening each relation's bounds in turn until
nothing changes. The rows form a tree (each row is a part of at most one relation), and
for such tables this gives the exact range of every hidden figure; the tests check it
against an integer programme.
"""

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

INF = math.inf
SMALL_LOW, SMALL_HIGH = 1, 4
# The smallest non-zero count that can be published: 1 to 4 are always hidden.
COUNT_FLOOR = SMALL_HIGH + 1

Column = Mapping[str, int]


@dataclass(frozen=True)
class Range:
    """The values a hidden figure could have, as far as anyone can tell."""

    low: float
    high: float = INF

    @property
    def exact(self) -> bool:
        return self.low == self.high

    def __and__(self, other: "Range") -> "Range":
        return Range(max(self.low, other.low), min(self.high, other.high))


Hidden = dict[str, Range]


@dataclass(frozen=True)
class Relation:
    """A row that is the sum of other rows, in every column."""

    total: str
    parts: tuple[str, ...]

    def terms(self) -> list[tuple[int, str]]:
        """The relation as sum(sign * figure) == 0."""
        return [(1, part) for part in self.parts] + [(-1, self.total)]


def hierarchy(groups: Mapping[str, Sequence[str]], total: str) -> list[Relation]:
    """Relations for parts within groups within one total: {region: councils}, "all"."""
    relations = [Relation(group, tuple(parts)) for group, parts in groups.items()]
    return [*relations, Relation(total, tuple(groups))]


def small_counts(column: Column) -> Hidden:
    """Primary suppression of counts of locations: every count from 1 to 4."""
    return {row: Range(SMALL_LOW, SMALL_HIGH) for row, value in column.items() if SMALL_LOW <= value <= SMALL_HIGH}


def small_population(rows: Iterable[str], high: float = INF) -> Hidden:
    """Primary suppression of every figure about a small group, whatever its value (even 0)."""
    return {row: Range(0, high) for row in rows}


def _span(terms: Iterable[tuple[int, str]], column: Column, ranges: Hidden) -> Range:
    """The range of sum(sign * figure) over these terms."""
    low = high = 0.0
    for sign, row in terms:
        known = ranges.get(row) or Range(column[row], column[row])
        if sign > 0:
            low, high = low + known.low, high + known.high
        else:
            low, high = low - known.high, high - known.low
    return Range(low, high)


def _tighten(relation: Relation, column: Column, ranges: Hidden) -> bool:
    """Narrow each hidden figure of one relation from the others; whether anything changed."""
    changed = False
    terms = relation.terms()
    for sign, row in terms:
        if row not in ranges:
            continue
        others = _span([t for t in terms if t[1] != row], column, ranges)
        # sign * figure == -(others)
        allowed = Range(-others.high, -others.low) if sign > 0 else others
        narrowed = ranges[row] & allowed
        if narrowed != ranges[row]:
            ranges[row] = narrowed
            changed = True
    return changed


def feasible(column: Column, hidden: Hidden, relations: Sequence[Relation]) -> Hidden:
    """What the published figures, the relations and the known ranges allow each hidden figure to be."""
    ranges = dict(hidden)
    while any([_tighten(relation, column, ranges) for relation in relations]):
        pass
    return ranges


def exact(column: Column, hidden: Hidden, relations: Sequence[Relation]) -> list[str]:
    """The hidden rows whose figure can be worked out exactly, in row order."""
    ranges = feasible(column, hidden, relations)
    return [row for row in column if row in ranges and ranges[row].exact]


def _around(row: str, relations: Sequence[Relation]) -> list[Relation]:
    """The relations a row is in: the one it is a part of first, then the one it totals."""
    return [r for r in relations if row in r.parts] + [r for r in relations if r.total == row]


def _next_to_hide(
    pinned: Iterable[str], driver: Column, hidden: Iterable[str], relations: Sequence[Relation]
) -> tuple[str, bool] | None:
    """A row to hide so that a pinned row is no longer pinned, and whether it is a non-zero part.

    The smallest non-zero published part of a relation a pinned row is in; failing that,
    the total of one. (A row pinned only through other rows has no candidate of its own.)
    """
    pinned = list(pinned)
    for row in pinned:
        for relation in _around(row, relations):
            shown = [p for p in relation.parts if p not in hidden and driver[p] != 0]
            if shown:
                return min(shown, key=lambda p: driver[p]), True  # min keeps the first of equals
    for row in pinned:
        for relation in _around(row, relations):
            if relation.total not in hidden:
                return relation.total, False
    return None


def protect(
    columns: Mapping[str, Column],
    primary: Mapping[str, Hidden],
    relations: Sequence[Relation],
    floor: int,
) -> dict[str, Hidden]:
    """Secondary suppression for columns that hide the same rows (e.g. a row's bed figures).

    The first column chooses which row to hide next: its smallest non-zero published part,
    which `floor` says is at least this much (COUNT_FLOOR for counts of locations).
    Returns each column's hidden rows with their ranges; every column hides the same rows.
    """
    names = list(columns)
    driver = columns[names[0]]
    rows = [row for row in driver if any(row in primary.get(name, {}) for name in names)]
    hidden = {name: {row: primary.get(name, {}).get(row, Range(0)) for row in rows} for name in names}
    while True:
        pinned = [row for name in names for row in exact(columns[name], hidden[name], relations)]
        if not pinned:
            return hidden
        chosen = _next_to_hide(pinned, driver, hidden[names[0]], relations)
        if chosen is None:
            # Nothing left to hide around it: hide the whole column rather than publish it.
            return {name: {**{r: Range(0) for r in columns[name]}, **hidden[name]} for name in names}
        row, non_zero = chosen
        for name in names:
            # Only the first column's figure is known to be non-zero: it is why the row was chosen.
            hidden[name][row] = Range(floor if non_zero and name == names[0] else 0)
