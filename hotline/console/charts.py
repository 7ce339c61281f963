"""Charts of the response-time dashboard, drawn on the server as SVG.

Each chart is an SVG document shown through ``<img src="data:image/svg+xml;base64,...">``:
an image runs no script and its own presentation is outside the page's CSP, so the console
keeps ``style-src 'self'`` and needs no JavaScript. The SVG is drawn by leather (pure Python,
no dependency, stdlib ElementTree, so every label from the data is escaped by construction)
and wrapped here in a root with a ``<title>``. Every chart carries its data as a table for the
page to show beside it, and a one-sentence text alternative.

Readability: the Okabe-Ito palette (safe for the common colour-vision deficiencies), a dash
pattern per series and a legend that draws it, and every target marked by a labelled line or
a text label, never by colour alone.
"""

from __future__ import annotations

import base64
import datetime
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import leather

# leather reads its look from module-level settings, documented as the way to theme it. Only
# the console draws with leather, so setting them once here is setting them for every chart.
_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
_INK = "#1a1a1a"  # 16:1 on white; tick labels and titles need far more than the 4.5:1 minimum
_GRID = "#d9d9d9"
_OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000")
_DASHES = ("none", "8 4", "2 3", "10 3 2 3", "4 4", "1 2", "12 2")
_TARGET_INK = "#000000"
_TARGET_DASH = "6 3"
_TARGET_STROKE = {"stroke": _TARGET_INK, "stroke-width": 2, "stroke-dasharray": _TARGET_DASH}
_MUTED_FILL = "#56B4E9"  # histogram bars; the target bucket is blue and labelled
_TARGET_FILL = "#0072B2"
_TRUNCATE = 32  # long group names are cut in the picture; the table beside has them whole

for _name, _value in {
    "background_color": "#ffffff",
    "margin": 0.03,
    "title_color": _INK,
    "legend_color": _INK,
    "axis_title_color": _INK,
    "label_color": _INK,
    "tick_color": _GRID,
    "zero_color": "#7a7a7a",
    "title_font_family": _FONT,
    "legend_font_family": _FONT,
    "axis_title_font_family": _FONT,
    "tick_font_family": _FONT,
    "title_font_size": 15,
    "title_font_char_height": 15,
    "title_font_char_width": 8,
    "legend_font_size": 13,
    "legend_font_char_height": 14,
    "legend_font_char_width": 7,
    "axis_title_font_size": 13,
    "axis_title_font_char_height": 13,
    "axis_title_font_char_width": 7,
    "tick_font_size": 12,
    "tick_font_char_height": 13,
    "tick_font_char_width": 7,
    "legend_bubble_size": 22,
    "default_series_colors": list(_OKABE_ITO),
}.items():
    setattr(leather.theme, _name, _value)

_SVG_NS = "http://www.w3.org/2000/svg"
_HEADER = 8  # a little air above leather's drawing
_NO_DATA = "No data for this period"
_NONE = "\u2013"  # an en dash in a table cell: no figure for that week or group


@dataclass(frozen=True)
class Table:
    """The data of a chart as text: column headings and rows, in the order drawn."""

    headings: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Chart:
    """An SVG chart with its text alternative and data table, ready for the chart macro."""

    title: str
    description: str
    svg: str
    table: Table
    width: int
    height: int

    @property
    def svg_data_uri(self) -> str:
        """The SVG as a data: URI for an <img> (allowed by the CSP's img-src data:)."""
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode()).decode()


def percent(share: float | None) -> str:
    """A share (0..1) as a whole percentage, or a dash when there is none."""
    return _NONE if share is None else f"{share * 100:.0f}%"


def _amount(value: float | None, unit: str) -> str:
    if unit == "%":
        return percent(value)
    return _NONE if value is None else f"{value:,.4g} {unit}".strip()


def trend_chart(
    weeks: Sequence[datetime.date],
    series: Mapping[str, Sequence[float | None]],
    *,
    title: str,
    unit: str,
    target: float | None = None,
) -> Chart:
    """Lines over weeks, one per series (unit "%" reads values as shares), gaps where None."""
    headings = ("Week of", *series)
    rows = tuple(
        (f"{week:%-d %b %Y}", *(_amount(values[i], unit) for values in series.values()))
        for i, week in enumerate(weeks)
    )
    table = Table(headings, rows)
    if not weeks or not any(v is not None for values in series.values() for v in values):
        return _empty(title, table)
    for name, values in series.items():
        if len(values) != len(weeks):
            raise ValueError(f"series {name!r} has {len(values)} values for {len(weeks)} weeks")
    width, height = 720, 340
    chart = leather.Chart()
    # Weeks are numbered from 1 so no week sits on leather's darker zero line.
    indexes = list(range(1, len(weeks) + 1))
    chart.set_x_scale(_Exact(0.5, len(weeks) + 0.5))
    every = max(1, -(-len(weeks) // 10))  # at most ten week labels fit under the chart
    chart.add_x_axis(
        ticks=indexes[::every],
        tick_formatter=lambda i, *_: f"{weeks[int(i) - 1]:%-d %b}",
        name="Week starting",
    )
    top = _top(series.values(), target, unit)
    chart.set_y_scale(_Exact(0, top))
    chart.add_y_axis(
        ticks=_ticks(top, unit),
        tick_formatter=lambda v, *_: _tick_label(v, unit),
        name="Per cent" if unit == "%" else unit,
    )
    for n, (name, values) in enumerate(series.items()):
        chart.add_series(
            leather.Series(list(zip(indexes, values, strict=True)), name=_cut(name)),
            _DashedLine(_OKABE_ITO[n % len(_OKABE_ITO)], _DASHES[n % len(_DASHES)]),
        )
    if target is not None:
        chart.add_series(
            leather.Series([(0.5, target), (len(weeks) + 0.5, target)]),
            _DashedLine(
                _TARGET_INK, _TARGET_DASH, dots=False, label="Target " + _amount(target, unit)
            ),
        )
    last = [
        _amount(next((v for v in reversed(values) if v is not None), None), unit)
        for values in series.values()
    ]
    description = (
        f"{title}: {', '.join(series)} over {len(weeks)} weeks from {weeks[0]:%-d %b %Y}; "
        f"latest {', '.join(f'{n} {v}' for n, v in zip(series, last, strict=True))}"
        + (f"; target {_amount(target, unit)}." if target is not None else ".")
    )
    return _finish(chart, title, description, table, width, height)


def compliance_chart(
    labels: Sequence[str],
    shares: Sequence[float | None],
    *,
    title: str,
    target: float | None = None,
) -> Chart:
    """Horizontal bars of the share within target per group, with the target as a rule."""
    if len(labels) != len(shares):
        raise ValueError(f"{len(labels)} labels for {len(shares)} shares")
    table = Table(("Group", "Within target"), tuple(zip(labels, map(percent, shares), strict=True)))
    if not any(s is not None for s in shares):
        return _empty(title, table)
    names = _unique(
        [
            _cut(label) + ("" if s is not None else " (none)")
            for label, s in zip(labels, shares, strict=True)
        ]
    )
    width, height = 720, 90 + 30 * len(labels)
    chart = leather.Chart()
    chart.add_x_scale(0, 1)
    chart.add_x_axis(
        ticks=[0, 0.25, 0.5, 0.75, 1],
        tick_formatter=lambda v, *_: percent(float(v)),
        name="Share within target",
    )
    # leather lays the first category at the bottom; reversed, the table and picture agree.
    chart.set_y_scale(leather.Ordinal(list(reversed(names))))
    chart.add_series(
        leather.Series(list(zip(shares, names, strict=True)), name="Within target"),
        _LabelledBars(_OKABE_ITO[0]),
    )
    if target is not None:
        chart.add_series(
            leather.Series([(target, names[0])], name="Target " + percent(target)), _Rule()
        )
    drawn = [(s, label) for label, s in zip(labels, shares, strict=True) if s is not None]
    low, high = min(drawn), max(drawn)
    description = (
        f"{title}: {len(labels)} groups, from {percent(low[0])} ({low[1]}) "
        f"to {percent(high[0])} ({high[1]})"
        + (f"; target {percent(target)}" if target is not None else "")
        + (
            f", {sum(s >= target for s, _ in drawn)} of {len(drawn)} at or above it."
            if target is not None
            else "."
        )
    )
    return _finish(chart, title, description, table, width, height)


def distribution_chart(
    buckets: Sequence[str],
    counts: Sequence[int],
    *,
    title: str,
    target_label: str | None,
) -> Chart:
    """A histogram of response times, the bucket holding the target labelled and darker."""
    if len(buckets) != len(counts):
        raise ValueError(f"{len(buckets)} buckets for {len(counts)} counts")
    marked = [b + (" ◆ target" if b == target_label else "") for b in buckets]
    table = Table(
        ("Response time", "Clocks"),
        tuple(
            (b + (" (holds the target)" if b == target_label else ""), str(c))
            for b, c in zip(buckets, counts, strict=True)
        ),
    )
    if not sum(counts):
        return _empty(title, table)
    names = _unique([_cut(b) for b in marked])
    width, height = 720, 340
    chart = leather.Chart()
    chart.set_x_scale(leather.Ordinal(names))
    top = max(counts)
    ticks = _count_ticks(top * 1.1)  # room above the tallest column for its count
    chart.set_y_scale(_Exact(0, ticks[-1]))
    chart.add_y_axis(ticks=ticks, name="Clocks")
    chart.add_series(
        leather.Series(list(zip(names, counts, strict=True)), name="Clocks"),
        _CountedColumns(lambda d: _TARGET_FILL if "◆ target" in d.x else _MUTED_FILL),
    )
    chart.add_x_axis(name="Response time")
    total = sum(counts)
    peak = buckets[counts.index(top)]
    description = f"{title}: {total} clocks in {len(buckets)} ranges, most ({top}) in {peak}" + (
        f"; the target falls in {target_label}." if target_label else "."
    )
    return _finish(chart, title, description, table, width, height)


# ---------------------------------------------------------------- shapes


class _DashedLine(leather.Line):  # type: ignore[misc]
    """A line with its own dash pattern and dots at each point, so a lone week between gaps
    still shows and series differ by more than colour; the legend draws the same pattern."""

    def __init__(self, colour: str, dash: str, *, dots: bool = True, label: str = "") -> None:
        super().__init__(stroke_color=colour, width=2.5, stroke_dasharray=dash)
        self._dots = dots
        self._label = label

    def to_svg(
        self, width: Any, height: Any, x_scale: Any, y_scale: Any, series: Any, palette: Any
    ) -> ET.Element:
        group: ET.Element = super().to_svg(width, height, x_scale, y_scale, series, palette)
        for d in series.data():
            if self._dots and d.x is not None and d.y is not None:
                x, y = x_scale.project(d.x, 0, width), y_scale.project(d.y, height, 0)
                _add(group, "circle", {"cx": x, "cy": y, "r": 3.5, "fill": self._stroke_color})
        return group

    def legend_to_svg(self, series: Any, palette: Any) -> list[tuple[ET.Element, int]]:
        del palette  # leather's signature; the colour is our own
        line = {"x1": 0, "y1": -5, "x2": 22, "y2": -5, "stroke": self._stroke_color}
        line |= {"stroke-width": 2.5, "stroke-dasharray": self._stroke_dasharray}
        return _legend(line, self._label or str(series.name))


class _LabelledBars(leather.Bars):  # type: ignore[misc]
    """Bars with their percentage written at the end, so no one reads values off the axis."""

    def to_svg(
        self, width: Any, height: Any, x_scale: Any, y_scale: Any, series: Any, palette: Any
    ) -> ET.Element:
        group: ET.Element = super().to_svg(width, height, x_scale, y_scale, series, palette)
        for d in series.data():
            y1, y2 = y_scale.project_interval(d.y, height, 0)
            at = {"x": x_scale.project(d.x or 0, 0, width) + 4, "y": (y1 + y2) / 2, "dy": "0.35em"}
            _add(group, "text", at | _text(), percent(d.x) if d.x is not None else "no data")
        return group

    def legend_to_svg(self, series: Any, palette: Any) -> list[tuple[ET.Element, int]]:
        del series, palette  # one series, named by the axis: only the target needs a legend
        return []


class _CountedColumns(leather.Columns):  # type: ignore[misc]
    """Columns with their count written on top."""

    def to_svg(
        self, width: Any, height: Any, x_scale: Any, y_scale: Any, series: Any, palette: Any
    ) -> ET.Element:
        group: ET.Element = super().to_svg(width, height, x_scale, y_scale, series, palette)
        for d in series.data():
            x1, x2 = x_scale.project_interval(d.x, 0, width)
            at = {"x": (x1 + x2) / 2, "y": y_scale.project(d.y, height, 0) - 4}
            _add(group, "text", at | _text(anchor="middle"), str(d.y))
        return group

    def legend_to_svg(self, series: Any, palette: Any) -> list[tuple[ET.Element, int]]:
        del series, palette  # one series, named by the axis
        return []


class _Rule(leather.Shape):  # type: ignore[misc]
    """A vertical dashed line across the whole plot at the target, named in the legend."""

    def validate_series(self, series: Any) -> None:
        """Any series will do: only its first x value is drawn."""

    def to_svg(
        self, width: Any, height: Any, x_scale: Any, y_scale: Any, series: Any, palette: Any
    ) -> ET.Element:
        del y_scale, palette  # leather's signature: a rule spans the plot in y
        x = x_scale.project(next(iter(series.data())).x, 0, width)
        group = ET.Element("g")
        _add(group, "line", {"x1": x, "y1": 0, "x2": x, "y2": height, **_TARGET_STROKE})
        return group

    def legend_to_svg(self, series: Any, palette: Any) -> list[tuple[ET.Element, int]]:
        del palette  # the target is always black
        return _legend({"x1": 11, "y1": -14, "x2": 11, "y2": 4, **_TARGET_STROKE}, str(series.name))


class _Exact(leather.Linear):  # type: ignore[misc]
    """A linear scale over exactly its domain (leather's widens it to round tick values,
    which would leave an empty band beside the first week)."""

    def project(self, value: Any, range_min: Any, range_max: Any) -> Decimal:
        low, high = Decimal(self._data_min), Decimal(self._data_max)
        share = (Decimal(value) - low) / (high - low)
        return Decimal(range_min) + (Decimal(range_max) - Decimal(range_min)) * share


# ---------------------------------------------------------------- helpers


def _finish(
    chart: Any, title: str, description: str, table: Table, width: int, height: int
) -> Chart:
    root = _root(title, description, width, height)
    body = chart.to_svg_group(width, height - _HEADER)
    body.set("transform", f"translate(0,{_HEADER})")
    root.append(body)
    return Chart(title, description, ET.tostring(root, encoding="unicode"), table, width, height)


def _empty(title: str, table: Table) -> Chart:
    width, height = 720, 110
    description = f"{title}: {_NO_DATA.lower()}."
    root = _root(title, description, width, height)
    _add(root, "text", {"x": width // 2, "y": 64} | _text(size=14, anchor="middle"), _NO_DATA)
    return Chart(title, description, ET.tostring(root, encoding="unicode"), table, width, height)


def _root(title: str, description: str, width: int, height: int) -> ET.Element:
    """The SVG root: its title and description (the page shows the title as the figure's
    caption, so it is not drawn twice) and a white ground."""
    root = ET.Element("svg", {"xmlns": _SVG_NS, "viewBox": f"0 0 {width} {height}"})
    root.attrib |= {"width": str(width), "height": str(height), "role": "img"}
    ET.SubElement(root, "title").text = title
    ET.SubElement(root, "desc").text = description
    _add(root, "rect", {"x": 0, "y": 0, "width": width, "height": height, "fill": "#fff"})
    return root


def _text(*, size: int = 12, anchor: str = "start", weight: str = "normal") -> dict[str, object]:
    return {
        "fill": _INK,
        "font-family": _FONT,
        "font-size": size,
        "text-anchor": anchor,
        "font-weight": weight,
    }


def _add(parent: ET.Element, tag: str, attrs: dict[str, object], text: str | None = None) -> None:
    ET.SubElement(parent, tag, {k: str(v) for k, v in attrs.items()}).text = text


def _legend(mark: dict[str, object], text: str) -> list[tuple[ET.Element, int]]:
    item = ET.Element("g")
    _add(item, "line", mark)
    _add(item, "text", {"x": 28, "y": 0} | _text(size=13), text)
    return [(item, 28 + (len(text) + 3) * 7)]


def _cut(text: str) -> str:
    return text if len(text) <= _TRUNCATE else text[: _TRUNCATE - 1].rstrip() + "…"


def _unique(names: list[str]) -> list[str]:
    """leather finds a category by its name: two groups cut to one name must stay two."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


def _top(values: Iterable[Sequence[float | None]], target: float | None, unit: str) -> float:
    if unit == "%":
        return 1.0
    highest = max([v for vs in values for v in vs if v is not None] + [target or 0])
    return float(_count_ticks(highest)[-1]) if highest > 0 else 1.0


def _ticks(top: float, unit: str) -> list[float]:
    if unit == "%":
        return [0, 0.25, 0.5, 0.75, 1]
    return [float(t) for t in _count_ticks(top)]


def _tick_label(value: Decimal | float, unit: str) -> str:
    return percent(float(value)) if unit == "%" else f"{float(value):,.4g}"


def _count_ticks(top: float) -> list[int]:
    """Five or so round ticks from 0 reaching at least ``top``."""
    step = 1
    while top / step > 5:
        for factor in (2, 2.5, 2):
            step = int(step * factor)
            if top / step <= 5:
                break
    return list(range(0, int(top) + step + 1 if top % step else int(top) + 1, step))
