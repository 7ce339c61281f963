"""Tables handed to people as files: CSV or XLSX, streamed, every text cell made safe to open
in a spreadsheet.

Formula injection (OWASP "CSV Injection"): a cell whose text begins with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return is read by Excel, LibreOffice and Google Sheets as a formula,
which can run commands or send data away. Such text is prefixed with a single quote, which the
spreadsheet shows as text and never evaluates. Numbers, dates and empty cells are written as
they are, so a negative figure stays a number.

XLSX (XlsxWriter): every text cell is written with ``write_string``, an inline string Excel
never evaluates, and is still quoted like the CSV - so the two formats say the same and the
text stays inert when someone edits the cell or saves the sheet as CSV. The workbook is built
in ``constant_memory`` mode in a scratch folder: each row goes to disk once the next starts,
so memory stays flat however many rows a year of a national hotline has; the finished file is
then streamed back from an anonymous temporary file and vanishes when closed.
"""

from __future__ import annotations

import csv
import datetime as dt
import enum
import io
import math
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any, Final

import xlsxwriter
from starlette.concurrency import run_in_threadpool
from starlette.responses import StreamingResponse

Cell = str | int | float | dt.date | dt.datetime | None
_FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")
# Rows written per chunk: small enough to start the download at once, big enough not to make
# a million tiny writes.
_ROWS_PER_CHUNK: Final = 500
# Bytes per chunk of a finished XLSX file.
_FILE_CHUNK: Final = 64 * 1024
# Excel's limit is 1,048,576 rows a sheet (the header is one): more continue on a new sheet
# instead of being dropped silently (XlsxWriter ignores writes past the limit).
_SHEET_ROWS: Final = 1_048_575
_MAX_NAME: Final = 100
_UNSAFE_IN_NAME: Final = re.compile(r"[^A-Za-z0-9._-]+")


class ExportFormat(enum.StrEnum):
    """The file formats a table is exported in."""

    CSV = "csv"
    XLSX = "xlsx"


MEDIA_TYPES: Final = {
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _inert(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


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
    return _inert(str(value))


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


def write_xlsx(
    out: IO[bytes],
    header: Sequence[str],
    rows: Iterable[Sequence[Cell]],
    *,
    rows_per_sheet: int = _SHEET_ROWS,
) -> None:
    """Write the table as an XLSX workbook to ``out``, one row on disk at a time."""
    with tempfile.TemporaryDirectory(prefix="hotline-xlsx-") as scratch:
        book = xlsxwriter.Workbook(
            out,
            {
                "constant_memory": True,
                "tmpdir": scratch,
                "use_zip64": True,  # a sheet of a million rows can pass 4 GiB unzipped
                # Belt and braces: only write_string is used for text, never write().
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
            },
        )
        bold = book.add_format({"bold": True})
        formats = _Formats(
            day=book.add_format({"num_format": "yyyy-mm-dd"}),
            # Times are stored in UTC (Excel has no time zones): the format says so.
            moment=book.add_format({"num_format": 'yyyy-mm-dd hh:mm:ss "UTC"'}),
        )
        sheet: Any = None
        row_no = 0
        for row in rows:
            if sheet is None or row_no > rows_per_sheet:
                sheet, row_no = _new_sheet(book, header, bold), 1
            for col, value in enumerate(row):
                _write_cell(sheet, row_no, col, value, formats)
            row_no += 1
        if sheet is None:  # no rows: still a sheet with the header
            _new_sheet(book, header, bold)
        book.close()


def xlsx_chunks(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> Iterator[bytes]:
    """The XLSX file, built on disk first (a zip is written whole) and then yielded in chunks."""
    return _file_chunks(_built_xlsx(header, rows))


async def export_response(
    header: Sequence[str],
    rows: Iterable[Sequence[Cell]],
    *,
    filename: str,
    fmt: ExportFormat,
) -> StreamingResponse:
    """A download of the table: CSV streamed as its rows are read, XLSX built in a worker
    thread (never blocking the event loop) and then streamed from its temporary file."""
    headers = {
        "Content-Disposition": f'attachment; filename="{download_name(filename, fmt)}"',
        "Cache-Control": "no-store",
    }
    body: Iterator[bytes]
    if fmt is ExportFormat.XLSX:
        # Built before the response starts, so a failure is an error answer, not a cut file.
        built = await run_in_threadpool(_built_xlsx, header, rows)
        headers["Content-Length"] = str(built.seek(0, io.SEEK_END))
        built.seek(0)
        body = _file_chunks(built)
    else:
        body = csv_chunks(header, rows)
    # Starlette iterates a plain iterator in its thread pool: reading rows never blocks.
    return StreamingResponse(body, media_type=MEDIA_TYPES[fmt], headers=headers)


def download_name(name: str, fmt: ExportFormat) -> str:
    """A file name safe in a Content-Disposition header and on any disk, with its extension."""
    stem = name.removesuffix(f".{fmt.value}")
    stem = _UNSAFE_IN_NAME.sub("_", stem).strip("._-")[:_MAX_NAME] or "export"
    return f"{stem}.{fmt.value}"


@dataclass(frozen=True)
class _Formats:
    day: Any
    moment: Any


def _new_sheet(book: Any, header: Sequence[str], bold: Any) -> Any:
    sheet = book.add_worksheet()
    for col, heading in enumerate(header):
        sheet.write_string(0, col, _inert(str(heading)), bold)
        sheet.set_column(col, col, min(max(len(heading) + 2, 12), 50))
    sheet.freeze_panes(1, 0)
    return sheet


def _write_cell(sheet: Any, row: int, col: int, value: object, formats: _Formats) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        sheet.write_string(row, col, "yes" if value else "no")
    elif isinstance(value, int | float) and math.isfinite(value):
        sheet.write_number(row, col, value)
    elif isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        sheet.write_datetime(row, col, value, formats.moment)
    elif isinstance(value, dt.date):
        sheet.write_datetime(row, col, value, formats.day)
    else:
        sheet.write_string(row, col, _inert(str(value)))


def _built_xlsx(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> IO[bytes]:
    # Anonymous: the disk space is given back when it is closed, even after a crash.
    out = tempfile.TemporaryFile()  # noqa: SIM115 - closed by _file_chunks
    try:
        write_xlsx(out, header, rows)
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return out


def _file_chunks(file: IO[bytes]) -> Iterator[bytes]:
    try:
        while chunk := file.read(_FILE_CHUNK):
            yield chunk
    finally:
        file.close()
