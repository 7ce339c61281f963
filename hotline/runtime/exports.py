"""Tables handed to people as files: CSV streamed row by row, every text cell made safe to
open in a spreadsheet.

Formula injection (OWASP "CSV Injection"): a cell whose text begins with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return is read by Excel, LibreOffice and Google Sheets as a formula,
which can run commands or send data away. Such text is prefixed with a single quote, which the
spreadsheet shows as text and never evaluates. Numbers, dates and empty cells are written as
they are, so a negative figure stays a number.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Final

Cell = str | int | float | dt.date | dt.datetime | None
_FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")
# Rows written per chunk: small enough to start the download at once, big enough not to make
# a million tiny writes.
_ROWS_PER_CHUNK: Final = 500


def safe_cell(value: Cell) -> str | int | float:
    """The value as a spreadsheet should receive it (text that could be a formula quoted)."""
    if value is None:
        return ""
    if isinstance(value, bool):  # a bool is an int to Python, a word to a reader
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> Iterator[bytes]:
    """The CSV (UTF-8 with a byte-order mark, so spreadsheets read the accents right), yielded
    a chunk at a time: the rows are never all in memory."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow([safe_cell(h) for h in header])
    for count, row in enumerate(rows, start=1):
        writer.writerow([safe_cell(cell) for cell in row])
        if count % _ROWS_PER_CHUNK == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")
