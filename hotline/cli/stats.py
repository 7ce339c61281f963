"""Statistics at the terminal: the public transparency report and the CHI tables.
Registered by ``hotline.cli.main``.

The operator at the terminal already holds the database and the keys, so ``stats chi`` counts
every region, like the operator's other commands, and is audited as ``cli:<login>``; the
transparency report is public and records nothing."""

from __future__ import annotations

import enum
import json
import sys
from collections.abc import Iterable, Sequence
from typing import Annotated

import typer

from casework.errors import InvalidInput
from casework.oversight.chi_statistics import CSV_HEADER as CHI_HEADER
from casework.oversight.chi_statistics import GENDER_NOTE, chi_statistics
from casework.oversight.transparency import CSV_HEADER as TRANSPARENCY_HEADER
from casework.oversight.transparency import TransparencyReport, transparency_report
from hotline.cli.context import command
from hotline.runtime.exports import Cell, csv_chunks

stats_app = typer.Typer(
    help="Published statistics (counts only, small numbers hidden).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


class TextFormat(enum.StrEnum):
    """How the transparency report is printed."""

    TEXT = "text"
    CSV = "csv"
    JSON = "json"


class FileFormat(enum.StrEnum):
    """How the CHI tables are printed."""

    CSV = "csv"
    JSON = "json"


FromMonth = Annotated[str, typer.Option("--from", help="First month, YYYY-MM.")]
ToMonth = Annotated[str, typer.Option("--to", help="Last month, YYYY-MM (included).")]


def _refused(problem: InvalidInput) -> typer.Exit:
    typer.echo(f"{problem.field}: {problem.message}", err=True)
    if problem.allowed:
        typer.echo(f"Choose from: {', '.join(problem.allowed)}", err=True)
    return typer.Exit(2)


def _write_csv(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> None:
    for chunk in csv_chunks(header, rows):
        sys.stdout.buffer.write(chunk)
    sys.stdout.flush()


@stats_app.command("transparency")
def stats_transparency(
    period: Annotated[
        str | None,
        typer.Option(help="A calendar quarter, YYYY-Qn; without it, the last that ended."),
    ] = None,
    region: Annotated[
        str | None, typer.Option(help="A region's code; without it, the whole nation.")
    ] = None,
    fmt: Annotated[TextFormat, typer.Option("--format", help="text, csv or json.")] = (
        TextFormat.TEXT
    ),
) -> None:
    """The public transparency report for one calendar quarter that has ended."""
    with command() as cmd:
        threshold = cmd.settings.stats_small_cell_threshold
        try:
            report = cmd.read(
                transparency_report, region=region, period=period, threshold=threshold
            )
        except InvalidInput as problem:
            raise _refused(problem) from None
    if fmt is TextFormat.CSV:
        _write_csv(TRANSPARENCY_HEADER, report.csv_rows())
    elif fmt is TextFormat.JSON:
        typer.echo(json.dumps(report.as_data(), indent=2, ensure_ascii=False))
    else:
        typer.echo(_as_text(report))


def _as_text(report: TransparencyReport) -> str:
    lines = [
        f"Transparency report: {report.area}, {report.period} ({report.period.name()})",
        (
            f"Counts shown as <{report.threshold} are hidden: under {report.threshold}, or "
            "hidden with one so none can be worked out from the totals or other regions."
        ),
        "",
        f"Reports received: {report.shown(report.reports_received)}",
    ]
    sections = (
        ("By channel", report.reports_by_channel),
        ("By kind of harm (CHI group)", report.reports_by_chi_group),
        ("Referrals made, by kind of partner", report.referrals_made),
        ("Referrals accepted, by kind of partner", report.referrals_accepted),
        ("Cases closed, by outcome", report.cases_closed),
    )
    for title, tally in sections[:2]:
        lines += ["", f"{title}:"] + [f"  {item:<28} {count:>6}" for item, count in tally.pairs()]
    lines += ["", "Response times (cases opened in the quarter):"]
    lines += [
        f"  {line.clock.value:<28} ended {report.shown(line.ended):>6}  within target "
        + ("-" if line.within_target is None else f"{100 * line.within_target:.0f}%")
        + "  median "
        + ("-" if line.median_minutes is None else f"{line.median_minutes:.0f} min")
        for line in report.response_times
    ] or ["  no cases opened"]
    for title, tally in sections[2:]:
        lines += ["", f"{title}:"] + [f"  {item:<28} {count:>6}" for item, count in tally.pairs()]
        lines.append(f"  {'total':<28} {tally.shown(tally.total):>6}")
    return "\n".join(lines)


@stats_app.command("chi")
def stats_chi(
    first: FromMonth,
    last: ToMonth,
    fmt: Annotated[FileFormat, typer.Option("--format", help="csv or json.")] = FileFormat.CSV,
) -> None:
    """Cases in the Child Helpline International data framework (all regions; audited)."""
    with command() as cmd:
        threshold = cmd.settings.stats_small_cell_threshold
        try:
            stats = cmd.write(
                chi_statistics,
                first=first,
                last=last,
                threshold=threshold,
                exported_as=fmt.value,
            )
        except InvalidInput as problem:
            raise _refused(problem) from None
    if fmt is FileFormat.CSV:
        typer.echo(GENDER_NOTE, err=True)
        _write_csv(CHI_HEADER, stats.csv_rows())
    else:
        typer.echo(json.dumps(stats.as_data(), indent=2, ensure_ascii=False))
