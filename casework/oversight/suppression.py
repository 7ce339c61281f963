"""Small-cell suppression for published statistics.

A count under the threshold (default 5) could point at one child, so it is never published
(primary suppression). A table is published with its totals, and every row, every column and
the row of column totals is a line whose last value is the sum of the others - so hiding a
count is not enough when the visible values still pin it down. Complementary suppression hides
more until no hidden value can be worked out exactly:

1. while a line hides exactly one of its values, the least telling visible value of that line
   is hidden too (an inner count before a total, a non-zero count before a zero, the smallest
   first) - the common case, cheap;
2. then an exact check over all lines at once: a hidden value is determined when the line
   equations over the hidden values pin it down (it lies in the row space of their
   coefficients, worked out in exact fractions). While one is, another value in its row or
   column (else anywhere) is hidden.

Every hidden value is shown the same way, "<5": one mark for a small count and for one hidden
with it, because telling them apart (a small one is 1-4, the other 0 or at least 5) would let a
reader work counts out from a total again. Zero is shown as zero: it points at no one.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Final

DEFAULT_THRESHOLD = 5


class Hidden(enum.Enum):
    """A count hidden with a small one, so the small one cannot be worked out."""

    WITH_ANOTHER = "hidden"


HIDDEN: Final = Hidden.WITH_ANOTHER
# A published count: the number; None when under the threshold; HIDDEN when hidden with one
# (both shown alike).
Count = int | None | Hidden
Cell = tuple[int, int]


def shown(value: Count, threshold: int) -> int | str:
    """A count as the reader sees it: the number, or "<threshold" for any hidden count."""
    if value is None or isinstance(value, Hidden):
        return f"<{threshold}"
    return value


@dataclass(frozen=True)
class SuppressedTable:
    """A table of counts with what may be published: ``None`` where a count is under the
    threshold, ``HIDDEN`` where it is hidden with one that is."""

    cells: list[list[Count]]
    row_totals: list[Count]
    column_totals: list[Count]
    grand_total: Count
    threshold: int

    def shown(self, value: Count) -> str:
        """A cell as the reader sees it."""
        return str(shown(value, self.threshold))


def _small(count: int, threshold: int) -> bool:
    return 0 < count < threshold


def suppress(
    counts: Sequence[Sequence[int]], *, threshold: int = DEFAULT_THRESHOLD
) -> SuppressedTable:
    """``counts`` (rows of equal length) with small cells hidden and complementary cells
    hidden so none can be worked out from the others and the row and column totals."""
    if threshold < 1:
        raise ValueError("the threshold is at least 1")
    rows = [list(r) for r in counts]
    height = len(rows)
    width = len(rows[0]) if rows else 0
    if any(len(r) != width for r in rows):
        raise ValueError("every row has the same number of cells")
    # The table with its totals: column ``width`` holds row totals, row ``height`` the
    # column totals, and their corner the grand total.
    full = [[*r, sum(r)] for r in rows]
    full.append([sum(full[i][j] for i in range(height)) for j in range(width + 1)])
    table = _Table(full, height, width)
    hidden = {cell for cell in table.cells if _small(table.value(cell), threshold)}
    while True:
        table.close_lines(hidden)
        found = table.determined(hidden)
        if found is None:
            break
        hidden.add(table.cover(found, hidden))

    def published(i: int, j: int) -> Count:
        value = full[i][j]
        if (i, j) not in hidden:
            return value
        return None if _small(value, threshold) else HIDDEN

    return SuppressedTable(
        cells=[[published(i, j) for j in range(width)] for i in range(height)],
        row_totals=[published(i, width) for i in range(height)],
        column_totals=[published(height, j) for j in range(width)],
        grand_total=published(height, width),
        threshold=threshold,
    )


class _Table:
    """A table with its totals as a set of lines, each summing to its last value."""

    def __init__(self, full: list[list[int]], height: int, width: int) -> None:
        self.full, self.height, self.width = full, height, width
        self.cells = [(i, j) for i in range(height + 1) for j in range(width + 1)]
        self.lines = [[(i, j) for j in range(width + 1)] for i in range(height + 1)] + [
            [(i, j) for i in range(height + 1)] for j in range(width + 1)
        ]

    def value(self, cell: Cell) -> int:
        return self.full[cell[0]][cell[1]]

    def cost(self, cell: Cell) -> tuple[bool, bool, int]:
        """What hiding a cell costs readers: totals most, then counts, zeros last."""
        value = self.value(cell)
        return (cell[0] == self.height or cell[1] == self.width, value == 0, value)

    def close_lines(self, hidden: set[Cell]) -> None:
        """Hide more until no line hides exactly one value."""
        changed = True
        while changed:
            changed = False
            for line in self.lines:
                if sum(1 for cell in line if cell in hidden) != 1:
                    continue
                visible = [cell for cell in line if cell not in hidden]
                if visible:
                    hidden.add(min(visible, key=self.cost))
                    changed = True

    def determined(self, hidden: set[Cell]) -> Cell | None:
        """A hidden value the line equations pin down, if any (exact arithmetic)."""
        order = sorted(hidden)
        if not order:
            return None
        at = {cell: k for k, cell in enumerate(order)}
        # One equation per line: the inner values minus the total, over the hidden values.
        matrix: list[list[Fraction]] = []
        for line in self.lines:
            row = [Fraction(0)] * len(order)
            for cell in line[:-1]:
                if cell in at:
                    row[at[cell]] += 1
            if line[-1] in at:
                row[at[line[-1]]] -= 1
            if any(row):
                matrix.append(row)
        pivots = _reduce(matrix)
        free = set(range(len(order))) - set(pivots)
        for row_index, column in enumerate(pivots):
            # A pivot whose row touches no free variable is fixed by the visible values.
            if not any(matrix[row_index][f] for f in free):
                return order[column]
        return None

    def cover(self, cell: Cell, hidden: set[Cell]) -> Cell:
        """The value to hide beside a determined one: in its row or column if possible."""
        near = [
            other for line in self.lines if cell in line for other in line if other not in hidden
        ]
        anywhere = [other for other in self.cells if other not in hidden]
        candidates = near or anywhere
        if not candidates:
            raise AssertionError("a determined value with nothing left to hide beside it")
        return min(candidates, key=self.cost)


def _reduce(matrix: list[list[Fraction]]) -> list[int]:
    """Bring ``matrix`` to reduced row echelon form in place; the pivot column of each
    leading row, in order."""
    pivots: list[int] = []
    row = 0
    columns = len(matrix[0]) if matrix else 0
    for column in range(columns):
        found = next((r for r in range(row, len(matrix)) if matrix[r][column]), None)
        if found is None:
            continue
        matrix[row], matrix[found] = matrix[found], matrix[row]
        lead = matrix[row][column]
        matrix[row] = [value / lead for value in matrix[row]]
        for other in range(len(matrix)):
            if other != row and matrix[other][column]:
                factor = matrix[other][column]
                matrix[other] = [
                    a - factor * b for a, b in zip(matrix[other], matrix[row], strict=True)
                ]
        pivots.append(column)
        row += 1
        if row == len(matrix):
            break
    return pivots
