"""Small-cell suppression for published statistics.

A count under the threshold (default 5) could point at one child, so it is shown as "<5"
(primary suppression: ``None`` in the table). Published row and column totals would let anyone
work a lone hidden cell out again (total minus the others), so every row and column that hides
one cell hides at least one more (complementary suppression): the smallest visible count in that
line, preferring a non-zero one, repeated until no line has a single hidden cell. Those are
shown as "hidden" (``HIDDEN`` in the table) - they may hold any number, and saying "<5" of them
would be false. Zero is shown as zero: it points at no one.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

DEFAULT_THRESHOLD = 5


class Hidden(enum.Enum):
    """A count hidden with a small one, so the small one cannot be worked out."""

    WITH_ANOTHER = "hidden"


HIDDEN: Final = Hidden.WITH_ANOTHER
# A published count: the number; None when under the threshold; HIDDEN when hidden with one.
Count = int | None | Hidden


def shown(value: Count, threshold: int) -> int | str:
    """A count as the reader sees it: the number, "<threshold" or "hidden"."""
    if value is None:
        return f"<{threshold}"
    if isinstance(value, Hidden):
        return "hidden"
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
    hidden so none can be recovered from the row or column totals.

    The totals are part of the table being protected: each row with its total, each column
    with its total, and the row of column totals with the grand total are lines whose last
    value is the sum of the others, so a line that hides exactly one of its values gives it
    away. Small values (cells or totals) are hidden first; then, while a line hides exactly
    one value, the least telling visible value of that line is hidden too - an inner count
    before a total, a non-zero count before a zero, the smallest first.
    """
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
    hidden = {
        (i, j) for i in range(height + 1) for j in range(width + 1) if _small(full[i][j], threshold)
    }
    lines = [[(i, j) for j in range(width + 1)] for i in range(height + 1)] + [
        [(i, j) for i in range(height + 1)] for j in range(width + 1)
    ]

    def cost(cell: tuple[int, int]) -> tuple[bool, bool, int]:
        value = full[cell[0]][cell[1]]
        return (cell[0] == height or cell[1] == width, value == 0, value)

    changed = True
    while changed:
        changed = False
        for line in lines:
            if sum(1 for cell in line if cell in hidden) != 1:
                continue
            visible = [cell for cell in line if cell not in hidden]
            if visible:
                hidden.add(min(visible, key=cost))
                changed = True

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
