"""Small-cell suppression for published statistics.

A count under the threshold (default 5) could point at one child, so it is shown as "<5"
(primary suppression). Published row and column totals would let anyone work a lone hidden
cell out again (total minus the others), so every row and column that hides one cell hides at
least one more (complementary suppression): the smallest visible count in that line, preferring
a non-zero one, repeated until no line has a single hidden cell. Zero is shown as zero: it
points at no one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

DEFAULT_THRESHOLD = 5


@dataclass(frozen=True)
class SuppressedTable:
    """A table of counts with what may be published: ``None`` where a count is hidden."""

    cells: list[list[int | None]]
    row_totals: list[int | None]
    column_totals: list[int | None]
    grand_total: int | None
    threshold: int

    def shown(self, value: int | None) -> str:
        """A cell as the reader sees it."""
        return f"<{self.threshold}" if value is None else str(value)


def _small(count: int, threshold: int) -> bool:
    return 0 < count < threshold


def suppress(
    counts: Sequence[Sequence[int]], *, threshold: int = DEFAULT_THRESHOLD
) -> SuppressedTable:
    """``counts`` (rows of equal length) with small cells hidden and complementary cells
    hidden so none can be recovered from the row or column totals."""
    if threshold < 1:
        raise ValueError("the threshold is at least 1")
    rows = [list(r) for r in counts]
    width = len(rows[0]) if rows else 0
    if any(len(r) != width for r in rows):
        raise ValueError("every row has the same number of cells")
    hidden = {(i, j) for i, r in enumerate(rows) for j, c in enumerate(r) if _small(c, threshold)}
    lines = [[(i, j) for j in range(width)] for i in range(len(rows))] + [
        [(i, j) for i in range(len(rows))] for j in range(width)
    ]
    changed = True
    while changed:
        changed = False
        for line in lines:
            if sum(1 for cell in line if cell in hidden) != 1:
                continue
            visible = [cell for cell in line if cell not in hidden]
            if not visible:
                continue
            # The smallest non-zero count hides least; a zero only when nothing else is left.
            partner = min(visible, key=lambda c: (rows[c[0]][c[1]] == 0, rows[c[0]][c[1]]))
            hidden.add(partner)
            changed = True
    row_totals = [sum(r) for r in rows]
    column_totals = [sum(rows[i][j] for i in range(len(rows))) for j in range(width)]
    grand = sum(row_totals)
    return SuppressedTable(
        cells=[
            [None if (i, j) in hidden else c for j, c in enumerate(r)] for i, r in enumerate(rows)
        ],
        row_totals=[None if _small(t, threshold) else t for t in row_totals],
        column_totals=[None if _small(t, threshold) else t for t in column_totals],
        grand_total=None if _small(grand, threshold) else grand,
        threshold=threshold,
    )
