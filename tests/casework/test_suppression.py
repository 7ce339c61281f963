"""Small-cell suppression: hand-worked tables, and no hidden cell recoverable from totals."""

from __future__ import annotations

import itertools
import random
from fractions import Fraction

import pytest

from casework.oversight.suppression import HIDDEN, Count, SuppressedTable, suppress


def test_small_counts_are_hidden_and_their_row_and_column_hide_another() -> None:
    table = suppress([[3, 10, 20], [8, 12, 30], [9, 15, 40]])
    # 3 is small; its row hides the smallest other (10), its column the smallest other (8);
    # then row 2 and column 2 each hide one: their smallest others (12) close both.
    # Only the 3 is small; the others are hidden with it, and every hidden count is shown
    # alike, so a reader cannot tell the small one from the ones hiding it.
    assert table.cells == [[None, HIDDEN, 20], [HIDDEN, HIDDEN, 30], [9, 15, 40]]
    assert table.row_totals == [33, 50, 64]
    assert table.column_totals == [20, 37, 90]
    assert [table.shown(c) for c in table.cells[0]] == ["<5", "<5", "20"]


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


Vector = dict[tuple[int, int], Fraction]


def _minus(vector: Vector, pivot: tuple[int, int], row: Vector) -> Vector:
    """``vector`` with its ``pivot`` entry cleared by subtracting a multiple of ``row``."""
    factor = vector.get(pivot, Fraction(0))
    keys = set(vector) | set(row)
    found = {k: vector.get(k, Fraction(0)) - factor * row.get(k, Fraction(0)) for k in keys}
    return {k: v for k, v in found.items() if v}


def _reduced(vector: Vector, basis: list[tuple[tuple[int, int], Vector]]) -> Vector:
    for pivot, row in basis:
        if pivot in vector:
            vector = _minus(vector, pivot, row)
    return vector


def _pinned_down(table: SuppressedTable, counts: list[list[int]]) -> list[tuple[int, int]]:
    """Hidden cells the published values determine exactly: an independent check (each line
    sums to its total; is the cell's unit vector in the row space of the equations over the
    hidden cells?)."""
    height, width = len(counts), len(counts[0])
    published = [[*r, t] for r, t in zip(table.cells, table.row_totals, strict=True)]
    published.append([*table.column_totals, table.grand_total])
    hidden = {
        (i, j)
        for i in range(height + 1)
        for j in range(width + 1)
        if published[i][j] is None or published[i][j] is HIDDEN
    }
    lines = [[(i, j) for j in range(width + 1)] for i in range(height + 1)]
    lines += [[(i, j) for i in range(height + 1)] for j in range(width + 1)]
    basis: list[tuple[tuple[int, int], Vector]] = []
    for line in lines:
        equation: Vector = {cell: Fraction(1) for cell in line[:-1] if cell in hidden}
        if line[-1] in hidden:
            equation[line[-1]] = Fraction(-1)
        left = _reduced(equation, basis)
        if left:
            pivot = min(left)
            left = {k: v / left[pivot] for k, v in left.items()}
            basis = [(q, _minus(row, pivot, left) if pivot in row else row) for q, row in basis]
            basis.append((pivot, left))
    return [cell for cell in sorted(hidden) if not _reduced({cell: Fraction(1)}, basis)]


@pytest.mark.parametrize("seed", range(60))
def test_no_hidden_count_can_be_worked_out_exactly(seed: int) -> None:
    """Not one line at a time but all together: no hidden value of random tables shaped like
    the CHI tables is pinned down by the published ones (a 3 x 6 table once gave away a 2
    through two columns of zeros and the totals row)."""
    rng = random.Random(1000 + seed)  # noqa: S311 - test data, not a secret
    height, width = rng.randint(2, 6), rng.randint(2, 8)
    counts = [
        [rng.choice([0, 0, 1, 2, 3, 4, 6, 8, 12, 20, 40]) for _ in range(width)]
        for _ in range(height)
    ]
    table = suppress(counts)
    assert _pinned_down(table, counts) == []
