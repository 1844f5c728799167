"""An attacker for the disclosure tests, written apart from `mqis.opendata.disclosure`.

It knows every published figure, that the rows add up (each relation, in every column),
any "at most" links between columns in a row (homes in outbreak ≤ homes reporting), that
every figure is a whole number, and a range for each hidden one. For every hidden figure
it finds the smallest and largest value consistent with all that, by integer programming
over the whole table at once. A figure whose smallest and largest values are equal has
been disclosed. `every_solution` does the same by trying every combination, for tables
small enough, to check the integer programme.
"""

import itertools
import math
from collections.abc import Mapping, Sequence

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from mqis.opendata.disclosure import Range, Relation

Published = Mapping[str, Mapping[str, int | None]]  # column -> row -> figure, None if hidden
Known = Mapping[str, Mapping[str, Range]]  # column -> row -> what the attacker knows of a hidden figure
AtMost = Sequence[tuple[Sequence[str], str]]  # per row: sum of these columns <= that column
Cell = tuple[str, str]
CEILING = 10**6


def _unknowns(published: Published) -> list[Cell]:
    return [(col, row) for col, figures in published.items() for row, value in figures.items() if value is None]


def _linear(
    published: Published, relations: Sequence[Relation], at_most: AtMost, index: dict[Cell, int]
) -> list[LinearConstraint]:
    equal_rows, equal_rhs, below_rows, below_rhs = [], [], [], []
    for col, figures in published.items():
        for relation in relations:
            coefficients, constant = np.zeros(len(index)), 0.0
            for sign, row in relation.terms():
                if figures[row] is None:
                    coefficients[index[(col, row)]] += sign
                else:
                    constant += sign * figures[row]  # type: ignore[operator]
            if coefficients.any():
                equal_rows.append(coefficients)
                equal_rhs.append(-constant)
    rows = next(iter(published.values()), {})
    for smaller, larger in at_most:
        for row in rows:
            coefficients, constant = np.zeros(len(index)), 0.0
            for col, sign in [(c, 1) for c in smaller] + [(larger, -1)]:
                value = published[col][row]
                if value is None:
                    coefficients[index[(col, row)]] += sign
                else:
                    constant += sign * value
            if coefficients.any():
                below_rows.append(coefficients)
                below_rhs.append(-constant)
    constraints = []
    if equal_rows:
        constraints.append(LinearConstraint(np.array(equal_rows), equal_rhs, equal_rhs))
    if below_rows:
        constraints.append(LinearConstraint(np.array(below_rows), -np.inf, below_rhs))
    return constraints


def extremes(
    published: Published, known: Known, relations: Sequence[Relation], at_most: AtMost = ()
) -> dict[Cell, tuple[float, float]]:
    """The smallest and largest value each hidden figure can have."""
    cells = _unknowns(published)
    if not cells:
        return {}
    index = {cell: i for i, cell in enumerate(cells)}
    constraints = _linear(published, relations, at_most, index)
    low = [known[col][row].low for col, row in cells]
    # A large finite ceiling keeps every programme bounded; reaching it means "no upper limit".
    high = [min(known[col][row].high, CEILING) for col, row in cells]
    bounds = Bounds(low, high)
    integral = np.ones(len(cells))
    found = {}
    for cell, i in index.items():
        objective = np.zeros(len(cells))
        ends = []
        for direction in (1, -1):
            objective[i] = direction
            result = milp(objective, integrality=integral, bounds=bounds, constraints=constraints)
            assert result.status == 0, f"the published table is impossible: {result.message}"
            end = round(direction * result.fun)
            ends.append(math.inf if end >= CEILING // 2 else end)
        found[cell] = (ends[0], ends[1])
    return found


def disclosed(
    published: Published, known: Known, relations: Sequence[Relation], at_most: AtMost = ()
) -> list[Cell]:
    """The hidden figures someone could work out exactly."""
    return [cell for cell, (low, high) in extremes(published, known, relations, at_most).items() if low == high]


def every_solution(
    column: Mapping[str, int | None], known: Mapping[str, Range], relations: Sequence[Relation], up_to: int
) -> dict[str, set[int]]:
    """Every value each hidden figure of one column takes in some solution, trying each up to `up_to`."""
    hidden = [row for row, value in column.items() if value is None]
    choices = [range(int(known[row].low), int(min(known[row].high, up_to)) + 1) for row in hidden]
    found: dict[str, set[int]] = {row: set() for row in hidden}
    for values in itertools.product(*choices):
        full = {**column, **dict(zip(hidden, values, strict=True))}
        if all(full[r.total] == sum(full[p] for p in r.parts) for r in relations):  # type: ignore[misc]
            for row, value in zip(hidden, values, strict=True):
                found[row].add(value)
    return found
