"""The page charts (web.charts): inline SVG with nothing from elsewhere."""

from __future__ import annotations

import datetime as dt

from tests.web.medication_helpers import assert_self_contained
from web import charts


def test_charts_are_inline_svg_with_nothing_from_elsewhere():
    start = dt.datetime(2026, 3, 1, 8, tzinfo=dt.UTC)
    bands = charts.bands_of([(0, "low"), (10, "high")], 20)
    drawn = [
        charts.line_chart("Line", ["a", "b"], {"s": [1, 12]}, bands=bands),
        charts.time_chart("Time", {"t": [(start, 3), (start + dt.timedelta(hours=2), 15)]}),
        charts.time_chart("One", {"t": [(start, 3)]}, bands=bands),
        charts.time_chart(
            "Steps", {"d": [(dt.date(2026, 3, 2), 10), (dt.date(2026, 3, 16), 9)]}, step=True
        ),
        charts.bar_chart("Bars", ["x", "y"], {"n": [3, 4]}, description="Two bars"),
        charts.bar_chart("Sideways", ["x"], {"n": [1], "m": [2]}, horizontal=True),
    ]
    for svg in drawn:
        assert_self_contained(str(svg))
    assert [b.label for b in bands] == ["low 0\N{EN DASH}9", "high 10\N{EN DASH}20"]
    assert 'aria-label="Bars. Two bars"' in str(drawn[4])
