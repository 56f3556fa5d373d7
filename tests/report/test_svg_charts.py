"""The report's SVG charts: what each draws, and that input text is escaped."""

from __future__ import annotations

import re

from solver.report.svg_charts import FrontierPoint, Series, bar_chart, frontier_chart, line_chart


def test_line_chart_draws_each_series_with_a_legend_entry_and_labels_the_emphasised_one():
    svg = str(line_chart(
        [Series("total", [(1.0, 0.5), (2.0, 0.5), (3.0, 1.0)], emphasis=True), Series("a<b", [(1.0, 0.0), (3.0, 1.0)])],
        title="T", x_label="x", y_label="y", x_format=str, y_format=lambda v: f"{v:.0%}", y_range=(0.0, 1.0), css_class="chart budget-sweep",
    ))
    assert 'class="chart budget-sweep"' in svg
    assert svg.count('<g class="series"') == 2
    assert "a&lt;b" in svg and "a<b" not in svg
    # the total is labelled where it changes and at both ends: 50% (first), 100% (last)
    assert re.findall(r'font-weight="bold" fill="#111">(\d+%)<', svg) == ["50%", "100%"]


def test_frontier_chart_fills_pareto_points_and_labels_only_them():
    svg = str(frontier_chart(
        [FrontierPoint(20.0, 900_000, True, "min-power"), FrontierPoint(30.0, 600_000, True, "min-cost"), FrontierPoint(25.0, 950_000, False, "worse")],
        title="F", usd_format=lambda v: f"${v:,.0f}",
    ))
    assert 'class="chart pareto-frontier"' in svg
    assert svg.count('class="point pareto"') == 2 and svg.count('class="point dominated"') == 1
    assert "min-power" in svg and "min-cost" in svg and ">worse<" not in svg


def test_bar_chart_has_one_bar_per_value_longest_for_the_largest():
    svg = str(bar_chart([("gpu", 400.0), ("rack", 100.0)], title="B", value_format=lambda v: f"${v:,.0f}"))
    widths = [float(w) for w in re.findall(r'<rect x="240" y="[\d.]+" width="([\d.]+)"', svg)]
    assert len(widths) == 2 and widths[0] == 4 * widths[1]
    assert "$400" in svg and "$100" in svg
