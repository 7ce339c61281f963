"""Small-cell suppression: hand-worked tables, and no hidden cell recoverable from totals."""

from __future__ import annotations

import itertools
import random

import pytest

from casework.oversight.suppression import HIDDEN, Count, SuppressedTable, suppress


def test_small_counts_are_hidden_and_their_row_and_column_hide_another() -> None:
    table = suppress([[3, 10, 20], [8, 12, 30], [9, 15, 40]])
    # 3 is small; its row hides the smallest other (10), its column the smallest other (8);
    # then row 2 and column 2 each hide one: their smallest others (12) close both.
    # Only the 3 is small: the others are hidden with it and say so, never "<5".
    assert table.cells == [[None, HIDDEN, 20], [HIDDEN, HIDDEN, 30], [9, 15, 40]]
    assert table.row_totals == [33, 50, 64]
    assert table.column_totals == [20, 37, 90]
    assert [table.shown(c) for c in table.cells[0]] == ["<5", "hidden", "20"]


def test_nothing_small_hides_nothing_and_zero_is_shown() -> None:
    table = suppress([[0, 5], [7, 0]])
    assert table.cells == [[0, 5], [7, 0]]


def test_a_zero_is_hidden_only_when_nothing_else_can_cover() -> None:
    table = suppress([[2, 0], [0, 0]])
    # The 2 is small, and so are its row's and column's totals and the grand total: hidden
    # with it, they leave nothing to subtract from, so the zeros can stay.
    assert table.cells == [[None, 0], [0, 0]]
    assert (table.row_totals, table.column_totals, table.grand_total) == (
        [None, 0],
        [None, 0],
        None,
    )


def test_a_single_column_hides_the_total_beside_a_hidden_count() -> None:
    """One column: a row's total is its count, so a count hidden to protect another row's
    small one must hide its total too (seen in the CHI table by gender)."""
    table = suppress([[81], [5], [0], [9], [4]])
    assert table.cells == [[81], [HIDDEN], [0], [9], [None]]
    assert table.row_totals == [81, HIDDEN, 0, 9, None]
    assert (table.column_totals, table.grand_total) == ([99], 99)


def test_small_totals_are_hidden_too() -> None:
    table = suppress([[1, 1], [0, 0]])
    assert table.row_totals == [None, 0]
    assert table.grand_total is None


def test_the_threshold_is_configurable() -> None:
    table = suppress([[9, 30], [30, 30]], threshold=10)
    assert table.cells[0][0] is None
    assert table.shown(None) == "<10"
    with pytest.raises(ValueError, match="at least 1"):
        suppress([[1]], threshold=0)


def _lines(table: SuppressedTable) -> list[list[Count]]:
    """Each row and column with its total, and the totals row with the grand total."""
    rows = [[*r, t] for r, t in zip(table.cells, table.row_totals, strict=True)]
    rows.append([*table.column_totals, table.grand_total])
    return rows + [list(col) for col in zip(*rows, strict=True)]


@pytest.mark.parametrize("seed", range(40))
def test_no_line_ever_hides_exactly_one_cell(seed: int) -> None:
    """With the totals published, a line hiding one cell gives it away; random tables of
    the sizes CHI tables have never leave one."""
    rng = random.Random(seed)  # noqa: S311 - test data, not a secret
    height, width = rng.randint(1, 8), rng.randint(1, 8)
    counts = [
        [rng.choice([0, 1, 2, 3, 4, 6, 9, 25, 100]) for _ in range(width)] for _ in range(height)
    ]
    table = suppress(counts)
    for line in _lines(table):
        hidden = sum(1 for c in line if c is None or c is HIDDEN)
        assert hidden != 1  # the line's sum would give it away
    # Every small count is hidden; every shown count is the true one.
    for i, j in itertools.product(range(height), range(width)):
        shown = table.cells[i][j]
        if 0 < counts[i][j] < 5:
            assert shown is None
        elif shown is not HIDDEN:
            assert shown == counts[i][j]
