"""Disclosure control on hand-made tables: what is hidden, and that nothing hidden can be worked out.

Tables are one column of a region ("R") of councils a, b, c... and, where there are two
regions, "R1" and "R2" within the total "T". A hidden figure is published as None.
"""

import random

import pytest

from mqis.opendata import disclosure
from mqis.opendata.disclosure import COUNT_FLOOR, INF, Range, Relation, hierarchy, protect, small_counts
from mqis.opendata.tests.audit import disclosed, every_solution, extremes

ONE_REGION = hierarchy({"R": ["a", "b", "c", "d"]}, "T")
TWO_REGIONS = hierarchy({"R1": ["a", "b", "c"], "R2": ["d", "e"]}, "T")


def one_region(a: int, b: int, c: int, d: int) -> dict[str, int]:
    total = a + b + c + d
    return {"a": a, "b": b, "c": c, "d": d, "R": total, "T": total}


def two_regions(a: int, b: int, c: int, d: int, e: int) -> dict[str, int]:
    return {"a": a, "b": b, "c": c, "R1": a + b + c, "d": d, "e": e, "R2": d + e, "T": a + b + c + d + e}


def counts(column: dict[str, int], relations: list[Relation]) -> dict[str, Range]:
    """Small counts hidden, then protected."""
    return protect({"n": column}, {"n": small_counts(column)}, relations, COUNT_FLOOR)["n"]


def published(column: dict[str, int], hidden: dict[str, Range]) -> dict[str, int | None]:
    return {row: None if row in hidden else value for row, value in column.items()}


def assert_safe(column: dict[str, int], hidden: dict[str, Range], relations: list[Relation]) -> None:
    """No hidden figure is determined, and every range is true to the figure it describes."""
    for row, known in hidden.items():
        assert known.low <= column[row] <= known.high, f"{row}'s range {known} excludes its figure"
    assert disclosed({"n": published(column, hidden)}, {"n": hidden}, relations) == []


# Primary suppression


def test_it_hides_counts_from_1_to_4_and_shows_0_and_5():
    hidden = small_counts({"a": 0, "b": 1, "c": 4, "d": 5, "e": 12})
    assert hidden == {"b": Range(1, 4), "c": Range(1, 4)}


def test_it_hides_every_figure_of_a_small_group_even_0():
    assert disclosure.small_population(["a", "b"], high=4) == {"a": Range(0, 4), "b": Range(0, 4)}
    assert disclosure.small_population(["a"]) == {"a": Range(0, INF)}


def test_it_leaves_a_table_without_small_counts_alone():
    assert counts(one_region(0, 5, 9, 30), ONE_REGION) == {}


# Secondary suppression


def test_it_hides_the_smallest_non_zero_figure_beside_a_lone_hidden_one():
    # 3 would be 29 - 0 - 6 - 20: hide 6, the smallest other figure that is not 0.
    column = one_region(3, 0, 6, 20)
    hidden = counts(column, ONE_REGION)
    assert set(hidden) == {"a", "c"}
    assert hidden["c"] == Range(COUNT_FLOOR)
    assert_safe(column, hidden, ONE_REGION)


def test_it_hides_the_first_of_equal_smallest_figures():
    assert set(counts(one_region(2, 7, 7, 9), ONE_REGION)) == {"a", "b"}


def test_two_small_counts_need_no_more_when_their_sum_leaves_each_open():
    # a + b = 5: a could be 1 to 4.
    column = one_region(2, 3, 0, 20)
    hidden = counts(column, ONE_REGION)
    assert set(hidden) == {"a", "b"}
    assert_safe(column, hidden, ONE_REGION)


def test_two_small_counts_that_add_up_to_2_are_protected_by_a_third():
    # [c] + [c] = 2 makes both 1, since a [c] is at least 1.
    column = one_region(1, 1, 0, 20)
    hidden = counts(column, ONE_REGION)
    assert set(hidden) == {"a", "b", "d"}
    assert_safe(column, hidden, ONE_REGION)


def test_two_small_counts_that_add_up_to_8_are_protected_by_a_third():
    # [c] + [c] = 8 makes both 4, since a [c] count is at most 4.
    column = one_region(4, 4, 9, 0)
    hidden = counts(column, ONE_REGION)
    assert set(hidden) == {"a", "b", "c"}
    assert_safe(column, hidden, ONE_REGION)


def test_it_hides_the_total_when_no_other_part_is_left_to_hide():
    # One small count beside a figure of 5: 6 = [c] + [c] makes them 1 and 5 (a hidden 5 is at
    # least 5), and the rest are 0, so the region's total goes, and with it the overall total.
    column = one_region(1, 5, 0, 0)
    hidden = counts(column, ONE_REGION)
    assert set(hidden) == {"a", "b", "R", "T"}
    assert_safe(column, hidden, ONE_REGION)


def test_it_protects_a_small_region_total_through_its_sibling_region():
    # R2 = 2 would be 10 - 8: hide the other region's total, 8, and then one of its councils.
    column = two_regions(1, 7, 0, 1, 1)
    hidden = counts(column, TWO_REGIONS)
    assert set(hidden) == {"a", "b", "R1", "d", "e", "R2"}
    assert_safe(column, hidden, TWO_REGIONS)


def test_a_region_of_one_council_hides_its_total_with_the_council():
    relations = hierarchy({"R1": ["a"], "R2": ["b", "c"]}, "T")
    column = {"a": 3, "R1": 3, "b": 6, "c": 9, "R2": 15, "T": 18}
    hidden = counts(column, relations)
    assert set(hidden) == {"a", "R1", "b", "R2"}
    assert_safe(column, hidden, relations)


def test_it_hides_a_small_group_even_where_its_figure_is_0():
    # c has 1 to 4 homes reporting: its 0 is hidden, and 0s around it cannot give it away.
    column = one_region(0, 0, 0, 0)
    hidden = protect({"n": column}, {"n": disclosure.small_population(["c"], high=4)}, ONE_REGION, COUNT_FLOOR)
    assert set(hidden["n"]) == {"c", "R", "T"}
    assert_safe(column, hidden["n"], ONE_REGION)


def test_linked_columns_hide_the_same_rows():
    # Beds: council c is a small group. Its beds reported are protected by b's (the smallest),
    # and the occupied and vacant beds of b go with them, though their own figures differ.
    beds = one_region(100, 40, 30, 90)
    occupied = one_region(90, 39, 25, 80)
    vacant = one_region(10, 1, 5, 10)
    small = disclosure.small_population(["c"])
    hidden = protect({"beds": beds, "occupied": occupied, "vacant": vacant},
                     {"beds": small, "occupied": small, "vacant": small}, ONE_REGION, 1)
    assert {name: set(rows) for name, rows in hidden.items()} == {
        "beds": {"b", "c"}, "occupied": {"b", "c"}, "vacant": {"b", "c"}}
    assert hidden["beds"]["b"] == Range(1) and hidden["vacant"]["b"] == Range(0)
    for name, column in (("beds", beds), ("occupied", occupied), ("vacant", vacant)):
        assert_safe(column, hidden[name], ONE_REGION)


def test_linked_columns_hide_more_when_one_of_them_would_give_a_figure_away():
    # Vacant beds of b and c are both 0, so [c] + [c] = 0 would show them; hide a third row.
    beds = one_region(100, 40, 30, 90)
    vacant = one_region(10, 0, 0, 10)
    small = disclosure.small_population(["c"])
    hidden = protect({"beds": beds, "vacant": vacant}, {"beds": small, "vacant": small}, ONE_REGION, 1)
    assert set(hidden["vacant"]) == {"b", "c", "d"}
    assert_safe(vacant, hidden["vacant"], ONE_REGION)


def test_a_figure_nothing_can_protect_hides_its_whole_column():
    # A range of one value is known whatever else is hidden: publish nothing of that column.
    column = one_region(3, 6, 7, 9)
    hidden = protect({"n": column}, {"n": {"a": Range(3, 3)}}, ONE_REGION, COUNT_FLOOR)["n"]
    assert set(hidden) == set(column)


# The ranges, and the attacker used to check them


def test_the_attacker_finds_a_figure_that_subtraction_reveals():
    column = one_region(3, 0, 6, 20)
    only_a = {"a": Range(1, 4)}
    assert disclosed({"n": published(column, only_a)}, {"n": only_a}, ONE_REGION) == [("n", "a")]


def test_the_integer_programme_agrees_with_trying_every_value():
    column = two_regions(1, 7, 0, 1, 1)
    known = {"a": Range(1, 4), "b": Range(5), "R1": Range(5), "d": Range(1, 4), "e": Range(1, 4),
             "R2": Range(1, 4)}
    shown = published(column, known)
    tried = every_solution(shown, known, TWO_REGIONS, up_to=column["T"])
    programmed = extremes({"n": shown}, {"n": known}, TWO_REGIONS)
    assert {row: (min(v), max(v)) for row, v in tried.items()} == {
        row: ends for (_, row), ends in programmed.items()}


def random_table(rng: random.Random) -> tuple[dict[str, int], list[Relation]]:
    groups = {f"R{g}": [f"c{g}.{i}" for i in range(rng.randint(1, 5))] for g in range(rng.randint(1, 3))}
    column: dict[str, int] = {}
    for parts in groups.values():
        for part in parts:
            column[part] = rng.choice([0, 0, 0, 1, 1, 2, 3, 4, 5, 6, 8, 12, 25])
    for group, parts in groups.items():
        column[group] = sum(column[p] for p in parts)
    column["T"] = sum(column[g] for g in groups)
    return column, hierarchy(groups, "T")


@pytest.mark.parametrize("seed", range(150))
def test_no_hidden_figure_can_be_worked_out_in_random_tables(seed):
    rng = random.Random(seed)
    column, relations = random_table(rng)
    councils = [row for row in column if row.startswith("c")]
    small_groups = disclosure.small_population(rng.sample(councils, k=rng.randint(0, min(2, len(councils)))), 4)
    primary = small_counts(column) | {row: r for row, r in small_groups.items() if column[row] <= 4}
    hidden = protect({"n": column}, {"n": primary}, relations, COUNT_FLOOR)["n"]
    assert set(primary) <= set(hidden)
    assert_safe(column, hidden, relations)


@pytest.mark.parametrize("seed", range(40))
def test_the_ranges_it_works_out_are_exactly_the_integer_programmes(seed):
    # The rows form a tree, so tightening one relation at a time finds the true ranges.
    column, relations = random_table(random.Random(1000 + seed))
    hidden = counts(column, relations)
    ranges = disclosure.feasible(column, hidden, relations)
    exact = extremes({"n": published(column, hidden)}, {"n": hidden}, relations)
    assert {row: (r.low, r.high) for row, r in ranges.items()} == {row: ends for (_, row), ends in exact.items()}
