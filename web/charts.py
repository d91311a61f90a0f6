"""Charts for pages: server-side SVG drawn by pygal, inlined in the page (UI.md "Charts").

Every chart is self-contained: no script (pygal's configuration script is removed as well as
its tooltips' script, so nothing runs and nothing loads from elsewhere), no external font or
stylesheet (pygal's CSS is inlined in the SVG's own ``<style>``, which the page's CSP allows),
no XML declaration, and no comment (pygal's name its web address). The SVG carries a
``<title>`` and ``role="img"`` with an ``aria-label`` (the title and a one-line description).
A chart never stands alone: the template shows its numbers in a table beside or under it.

- :func:`line_chart` — one or more series over categories (labels as given), optionally over
  shaded bands (e.g. a scale's severity bands).
- :func:`time_chart` — series of (date or datetime, value) points on a true time axis,
  optionally as a staircase (a dose held until the next step) and over shaded bands.
- :func:`bar_chart` — grouped bars per category (vertical or horizontal).

Bands are drawn as filled flat series, the highest first, each filled down to zero and
opaque, so each band's own colour shows only between its lower and upper bound; the legend
names them. Values are plain numbers; labels and titles are escaped by the XML writer.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any
from xml.etree import ElementTree

import pygal
from markupsafe import Markup
from pygal.style import Style

SVG_NS = "http://www.w3.org/2000/svg"

#: Series colours (AA contrast on white), then band fills, lightest (lowest band) first.
SERIES_COLOURS = ("#0b5cad", "#a4161a", "#1e6b3a", "#8a5300", "#5b2a86", "#00606b")
BAND_COLOURS = ("#e3f2e6", "#fbf3cf", "#fde2c4", "#f9cdbf", "#f2b8c0")

Number = int | float
TimePoint = tuple[date | datetime, Number | None]


@dataclass(frozen=True)
class Band:
    """A shaded range of the y axis: ``lower`` ≤ y < ``upper`` (the top band up to its max)."""

    label: str
    lower: Number
    upper: Number
    colour: str | None = None


def band_colours(count: int) -> list[str]:
    """`count` fills from light green to light red, spread over :data:`BAND_COLOURS`."""
    if count <= 1:
        return list(BAND_COLOURS[:count])
    last = len(BAND_COLOURS) - 1
    return [BAND_COLOURS[round(i * last / (count - 1))] for i in range(count)]


def bands_of(thresholds: Sequence[tuple[Number, str]], top: Number) -> list[Band]:
    """Bands from ascending ``(lowest value, name)`` pairs (the rules' form, e.g. a scale's
    bands) up to ``top``; each labelled "name lower-upper" (an en dash) for whole-number scores."""
    colours = band_colours(len(thresholds))
    bands = []
    for index, (lowest, name) in enumerate(thresholds):
        upper = thresholds[index + 1][0] if index + 1 < len(thresholds) else top
        last = upper if index + 1 == len(thresholds) else upper - 1
        bands.append(Band(_band_label(name, lowest, last), lowest, upper, colours[index]))
    return bands


def _band_label(name: str, lowest: Number, last: Number) -> str:
    words = name.replace("_", " ")
    span = f"{lowest:g}" if lowest == last else f"{lowest:g}\N{EN DASH}{last:g}"
    return f"{words} {span}"


# --- rendering ----------------------------------------------------------------------------------


def _style(colours: Sequence[str]) -> Style:
    return Style(
        background="#ffffff",
        plot_background="#ffffff",
        foreground="#1b1f24",
        foreground_strong="#1b1f24",
        foreground_subtle="#4a5563",
        colors=tuple(colours),
        font_family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
        title_font_size=18,
        label_font_size=13,
        major_label_font_size=13,
        legend_font_size=13,
        value_font_size=13,
        tooltip_font_size=13,
        opacity="1",
        opacity_hover="1",
        stroke_opacity="1",
        stroke_opacity_hover="1",
        stroke_width="2.5",
        stroke_width_hover="2.5",
        transition="0ms",
    )


def _accessible(title: str, description: str | None) -> Callable[[Any], Any]:
    """An xml filter: no script or comment anywhere; role, label and a description."""

    def clean(root: Any) -> Any:
        for parent in list(root.iter()):
            for child in list(parent):
                if child.tag is ElementTree.Comment or _local(child.tag) == "script":
                    parent.remove(child)
        root.set("role", "img")
        label = f"{title}. {description}" if description else title
        root.set("aria-label", label)
        if description:
            desc = ElementTree.Element("desc")
            desc.text = description
            root.insert(1, desc)
        return root

    return clean


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _config(title: str, description: str | None, **options: Any) -> dict[str, Any]:
    return {
        "title": title,
        "js": [],
        "disable_xml_declaration": True,
        "force_uri_protocol": "",
        "show_legend": True,
        "legend_at_bottom": True,
        "legend_at_bottom_columns": 3,
        "truncate_legend": -1,
        "width": 800,
        "height": 400,
        "margin": 12,
        "margin_bottom": 28,
        "print_values": False,
        **options,
    }


def _render(chart: Any, title: str, description: str | None) -> Markup:
    chart.add_xml_filter(_accessible(title, description))
    svg = chart.render(is_unicode=True)
    if "<script" in svg:  # pragma: no cover - the filter removes every script
        raise RuntimeError("a chart must not carry a script")
    return Markup(svg)


def line_chart(
    title: str,
    x_labels: Sequence[str],
    series: Mapping[str, Sequence[Number | None]],
    *,
    bands: Sequence[Band] = (),
    y_title: str | None = None,
    x_title: str | None = None,
    y_range: tuple[Number, Number] | None = None,
    description: str | None = None,
    height: int = 400,
) -> Markup:
    """Series over categorical ``x_labels`` (one value per label; None leaves a gap)."""
    ordered, style = _banded(bands)
    chart = pygal.Line(
        style=style,
        **_config(
            title,
            description,
            x_title=x_title,
            y_title=y_title,
            range=y_range,
            include_x_axis=True,
            x_label_rotation=30 if len(x_labels) > 8 else 0,
            height=height,
        ),
    )
    chart.x_labels = list(x_labels)
    width = max(len(x_labels), 1)
    for band in ordered:
        chart.add(band.label, [band.upper] * width, fill=True, show_dots=False, stroke=True)
    for name, values in series.items():
        chart.add(name, list(values))
    return _render(chart, title, description)


def time_chart(
    title: str,
    series: Mapping[str, Sequence[TimePoint]],
    *,
    bands: Sequence[Band] = (),
    step: bool = False,
    y_title: str | None = None,
    x_title: str | None = None,
    y_range: tuple[Number, Number] | None = None,
    zone: tzinfo | None = None,
    x_format: str | None = None,
    description: str | None = None,
    height: int = 400,
) -> Markup:
    """Series of ``(when, value)`` points on a time axis (dates, or datetimes shown in
    ``zone``). ``step`` draws each value held until the next point (a staircase)."""
    points = {name: [(_when(x, zone), y) for x, y in values] for name, values in series.items()}
    dated = all(not isinstance(x, datetime) for values in series.values() for x, _ in values)
    fmt = x_format or ("%d %b %Y" if dated else "%d %b %H:%M")
    ordered, style = _banded(bands)
    chart = pygal.DateTimeLine(
        style=style,
        **_config(
            title,
            description,
            x_title=x_title,
            y_title=y_title,
            range=y_range,
            include_x_axis=True,
            x_label_rotation=30,
            x_value_formatter=lambda moment: moment.strftime(fmt),
            height=height,
        ),
    )
    _add_time_bands(chart, ordered, [x for values in points.values() for x, _ in values])
    for name, values in points.items():
        chart.add(name, _staircase(values) if step else values)
    return _render(chart, title, description)


def bar_chart(
    title: str,
    labels: Sequence[str],
    series: Mapping[str, Sequence[Number | None]],
    *,
    horizontal: bool = False,
    y_title: str | None = None,
    x_title: str | None = None,
    y_range: tuple[Number, Number] | None = None,
    description: str | None = None,
    height: int = 400,
) -> Markup:
    """Grouped bars: one bar per series for each of ``labels``."""
    kind = pygal.HorizontalBar if horizontal else pygal.Bar
    chart = kind(
        style=_style(SERIES_COLOURS),
        **_config(
            title,
            description,
            x_title=x_title,
            y_title=y_title,
            range=y_range,
            show_legend=len(series) > 1,
            x_label_rotation=30 if len(labels) > 8 and not horizontal else 0,
            height=height,
        ),
    )
    chart.x_labels = list(labels)
    for name, values in series.items():
        chart.add(name, list(values))
    return _render(chart, title, description)


# --- helpers ------------------------------------------------------------------------------------


def _cycle(values: Sequence[str]) -> Any:
    while True:
        yield from values


def _banded(bands: Sequence[Band]) -> tuple[list[Band], Style]:
    """The bands highest first, and the style colouring them (each its own colour or the next
    of :data:`BAND_COLOURS`), then the series."""
    ordered = sorted(bands, key=lambda band: band.upper, reverse=True)
    colours = [b.colour or c for b, c in zip(ordered, _cycle(BAND_COLOURS), strict=False)]
    return ordered, _style([*colours, *SERIES_COLOURS])


def _add_time_bands(chart: Any, bands: Sequence[Band], moments: Sequence[datetime]) -> None:
    """Each band as a flat filled series across the points' time span (none without points)."""
    if not moments:
        return
    first, last = min(moments), max(moments)
    if first == last:  # one point: give the axis some width
        first, last = first - timedelta(hours=12), last + timedelta(hours=12)
    for band in bands:
        chart.add(
            band.label,
            [(first, band.upper), (last, band.upper)],
            fill=True,
            show_dots=False,
        )


def _when(moment: date | datetime, zone: tzinfo | None) -> datetime:
    """A naive datetime for pygal: a date at midnight; an aware datetime as wall time in
    ``zone`` (or its own zone)."""
    if not isinstance(moment, datetime):
        return datetime(moment.year, moment.month, moment.day)
    if moment.tzinfo is not None:
        moment = moment.astimezone(zone) if zone is not None else moment
        return moment.replace(tzinfo=None)
    return moment


def _staircase(values: list[tuple[datetime, Number | None]]) -> list[Any]:
    """Each value held until the next point's time, then the step (the corner of the
    staircase carries no dot: only real points do)."""
    ordered = sorted(values, key=lambda point: point[0])
    out: list[Any] = []
    held: Number | None = None
    for moment, value in ordered:
        if held is not None and not _same(held, value):
            out.append({"value": (moment, held), "node": {"r": 0}})
        out.append((moment, value))
        held = value
    return out


def _same(a: Number | None, b: Number | None) -> bool:
    return a is not None and b is not None and math.isclose(a, b)


# --- whole counts and percentages (the manager dashboard) ---------------------------------------


def _whole_ticks(values: Sequence[Number | None], most: int = 8) -> list[int]:
    """Ticks at whole numbers from 0 up to at least the largest value (at most ~`most`)."""
    top = max([math.ceil(v) for v in values if v is not None] + [1])
    step = max(1, math.ceil(top / most))
    return list(range(0, math.ceil(top / step) * step + 1, step))


def count_chart(
    title: str,
    labels: Sequence[str],
    series: Mapping[str, Sequence[Number | None]],
    *,
    percent: bool = False,
    horizontal: bool = False,
    y_title: str | None = None,
    x_title: str | None = None,
    description: str | None = None,
    height: int = 400,
    width: int = 560,
) -> Markup:
    """Grouped bars of whole counts (ticks at whole numbers only: a count has no 0.1) or,
    with ``percent``, of percentages on a 0-100 axis in steps of 10; labels are never
    truncated (a dashboard's categories are words, not codes). Horizontal bars read from
    the top in the order given (pygal draws the first at the bottom, so they are reversed).
    Narrower than the other charts by default: two sit side by side on a page."""
    values = [v for vs in series.values() for v in vs]
    ticks = list(range(0, 101, 10)) if percent else _whole_ticks(values)
    kind = pygal.HorizontalBar if horizontal else pygal.Bar
    options = {"x_title": x_title, "y_title": y_title, "height": height, "width": width}
    chart = kind(
        style=_style(SERIES_COLOURS),
        **_count_config(title, description, ticks, percent, len(series), options),
    )
    order = slice(None, None, -1) if horizontal else slice(None)
    chart.x_labels = list(labels)[order]
    for name, vs in series.items():
        chart.add(name, list(vs)[order])
    return _render(chart, title, description)


def _count_config(
    title: str,
    description: str | None,
    ticks: list[int],
    percent: bool,
    series_count: int,
    options: dict[str, Any],
) -> dict[str, Any]:
    """:func:`count_chart`'s configuration: the axis on `ticks`, values written as whole
    numbers or percentages, full labels, a legend only for more than one series."""
    return _config(
        title,
        description,
        range=(0, ticks[-1]),
        y_labels=ticks,
        show_legend=series_count > 1,
        truncate_label=-1,
        value_formatter=(lambda v: f"{v:g}%") if percent else (lambda v: f"{v:g}"),
        **options,
    )
