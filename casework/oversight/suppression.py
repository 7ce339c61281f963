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
    row_totals: list[int | None]
    column_totals: list[int | None]
    grand_total: int | None
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

    def published(i: int, j: int, count: int) -> Count:
        if (i, j) not in hidden:
            return count
        return None if _small(count, threshold) else HIDDEN

    return SuppressedTable(
        cells=[[published(i, j, c) for j, c in enumerate(r)] for i, r in enumerate(rows)],
        row_totals=[None if _small(t, threshold) else t for t in row_totals],
        column_totals=[None if _small(t, threshold) else t for t in column_totals],
        grand_total=None if _small(grand, threshold) else grand,
        threshold=threshold,
    )
