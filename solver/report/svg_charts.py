"""The report's charts as inline SVG: served share against budget, the cost–power Pareto
frontier, and horizontal bars (dollars per million tokens).

Each function takes plain numbers and returns one ``<svg>`` (see ``solver.report.svg``); the
caller decides what the numbers are. Every chart carries a CSS class naming what it shows
(``chart budget-sweep``, ``chart pareto-frontier``, ``chart bars``) so tests and styles can find it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from solver.report.svg import DASHES, PALETTE, Scale, element, padded_range, polyline, svg_root, text

Format = Callable[[float], str]

_AXIS_COLOR = "#444"
_GRID_COLOR = "#ddd"
_TOTAL_COLOR = "#111"


@dataclass(frozen=True)
class Series:
    """One line: (x, y) points in x order; ``emphasis`` draws it thick and labels its values."""

    name: str
    points: list[tuple[float, float]]
    emphasis: bool = False


@dataclass(frozen=True)
class FrontierPoint:
    power_kw: float
    capex_usd: float
    pareto: bool
    label: str


@dataclass(frozen=True)
class _Frame:
    """Plot area in pixels and the two scales mapping data into it."""

    x: Scale
    y: Scale
    left: float
    right: float
    top: float
    bottom: float


def _axes(frame: _Frame, x_format: Format, y_format: Format, x_label: str, y_label: str, x_ticks: Sequence[float] | None = None) -> list[Markup]:
    """Grid lines, tick labels, the frame and axis titles."""
    parts = []
    for value in frame.y.ticks():
        y = frame.y(value)
        parts.append(element("line", {"x1": frame.left, "x2": frame.right, "y1": y, "y2": y, "stroke": _GRID_COLOR}))
        parts.append(text(frame.left - 6, y + 4, y_format(value), text_anchor="end", font_size=11, fill=_AXIS_COLOR))
    for value in x_ticks if x_ticks is not None else frame.x.ticks():
        x = frame.x(value)
        parts.append(element("line", {"x1": x, "x2": x, "y1": frame.top, "y2": frame.bottom, "stroke": _GRID_COLOR}))
        parts.append(text(x, frame.bottom + 16, x_format(value), text_anchor="middle", font_size=11, fill=_AXIS_COLOR))
    parts.append(element("rect", {"x": frame.left, "y": frame.top, "width": frame.right - frame.left, "height": frame.bottom - frame.top, "fill": "none", "stroke": _AXIS_COLOR}))
    parts.append(text((frame.left + frame.right) / 2, frame.bottom + 36, x_label, text_anchor="middle", font_size=12, fill=_AXIS_COLOR))
    middle = (frame.top + frame.bottom) / 2
    parts.append(text(16, middle, y_label, text_anchor="middle", font_size=12, fill=_AXIS_COLOR, transform=f"rotate(-90 16 {middle:.1f})"))
    return parts


def line_chart(
    series: Sequence[Series],
    *,
    title: str,
    x_label: str,
    y_label: str,
    x_format: Format,
    y_format: Format,
    y_range: tuple[float, float] | None = None,
    log_x: bool = False,
    x_ticks: Sequence[float] | None = None,
    css_class: str = "chart line",
) -> Markup:
    """Lines with markers and a legend on the right. Thin lines that coincide (several
    workloads all served) are drawn a few pixels apart so each stays visible."""
    width, legend_width = 900, 250
    height = max(380, 60 + 18 * len(series))
    xs = [x for s in series for x, _ in s.points]
    ys = [y for s in series for _, y in s.points]
    frame = _Frame(
        x=Scale(*padded_range(xs, share=0.04, log=log_x), 70, width - legend_width - 20, log=log_x),
        y=Scale(*(y_range or padded_range(ys)), height - 60, 40),
        left=70, right=width - legend_width - 20, top=40, bottom=height - 60,
    )
    parts = _axes(frame, x_format, y_format, x_label, y_label, x_ticks)
    thin = [s for s in series if not s.emphasis]
    legend = []
    for position, line in enumerate(series):
        if line.emphasis:
            color, dash, stroke, radius, offset = _TOTAL_COLOR, "", 3.0, 4.0, 0.0
        else:
            index = thin.index(line)
            color, dash, stroke, radius = PALETTE[index % len(PALETTE)], DASHES[(index // len(PALETTE)) % len(DASHES)], 1.5, 2.5
            offset = (index - (len(thin) - 1) / 2) * min(2.0, 12.0 / max(1, len(thin)))
        points = [(frame.x(x), frame.y(y) + offset) for x, y in line.points]
        group = [polyline(points, stroke=color, stroke_width=stroke, stroke_dasharray=dash or None)]
        group += [element("circle", {"cx": x, "cy": y, "r": radius, "fill": color}) for x, y in points]
        if line.emphasis:
            group += _value_labels(line, points, y_format)
        parts.append(element("g", {"class": "series", "data-name": line.name}, element("title", None, str(escape(line.name))), *group))
        legend_y = 48 + 18 * position
        legend.append(element("line", {"x1": width - legend_width, "x2": width - legend_width + 24, "y1": legend_y - 4, "y2": legend_y - 4, "stroke": color, "stroke-width": stroke, "stroke-dasharray": dash or None}))
        legend.append(text(width - legend_width + 30, legend_y, line.name, font_size=11, font_weight="bold" if line.emphasis else None))
    parts.append(element("g", {"class": "legend"}, *legend))
    parts.append(text(width / 2, 22, title, text_anchor="middle", font_size=14, font_weight="bold"))
    return svg_root(width, height, title, css_class, *parts)


def _value_labels(line: Series, pixels: Sequence[tuple[float, float]], y_format: Format) -> list[Markup]:
    """Values of the emphasised line where it changes (and at both ends)."""
    labels = []
    for number, ((_, value), (x, y)) in enumerate(zip(line.points, pixels)):
        last = number == len(pixels) - 1
        if 0 < number and not last and y_format(value) == y_format(line.points[number - 1][1]):
            continue
        labels.append(text(x, y - 9, y_format(value), text_anchor="middle", font_size=11, font_weight="bold", fill=_TOTAL_COLOR))
    return labels


def frontier_chart(points: Sequence[FrontierPoint], *, title: str, usd_format: Format, css_class: str = "chart pareto-frontier") -> Markup:
    """Capex against power: Pareto-optimal plans joined by a staircase (below a point's power
    only the next lower-power plan is reachable), dominated points hollow and grey."""
    width, height = 900, 440
    frame = _Frame(
        x=Scale(*padded_range([p.power_kw for p in points], share=0.12), 90, width - 40),
        y=Scale(*padded_range([p.capex_usd for p in points], share=0.15), height - 60, 40),
        left=90, right=width - 40, top=40, bottom=height - 60,
    )
    parts = _axes(frame, lambda kw: f"{kw:,.4g} kW", usd_format, "power (kW, nameplate)", "capex (USD)")
    front = sorted((p for p in points if p.pareto), key=lambda p: p.power_kw)
    if front:
        steps: list[tuple[float, float]] = []
        for number, point in enumerate(front):
            steps.append((frame.x(point.power_kw), frame.y(point.capex_usd)))
            if number + 1 < len(front):
                steps.append((frame.x(front[number + 1].power_kw), frame.y(point.capex_usd)))
        parts.append(polyline(steps, stroke=PALETTE[0], stroke_width=1.5, stroke_opacity=0.6))
    for point in points:
        x, y = frame.x(point.power_kw), frame.y(point.capex_usd)
        fill, stroke = (PALETTE[0], PALETTE[0]) if point.pareto else ("none", "#999")
        parts.append(element(
            "g", {"class": "point pareto" if point.pareto else "point dominated"},
            element("circle", {"cx": x, "cy": y, "r": 6, "fill": fill, "stroke": stroke, "stroke-width": 1.5}),
            text(x + 9, y - 8, point.label, font_size=11) if point.pareto else "",
        ))
    parts.append(text(width / 2, 22, title, text_anchor="middle", font_size=14, font_weight="bold"))
    return svg_root(width, height, title, css_class, *parts)


def bar_chart(bars: Sequence[tuple[str, float]], *, title: str, value_format: Format, css_class: str = "chart bars") -> Markup:
    """Horizontal bars, largest value at full width, each labelled with its value."""
    width, label_width, row = 900, 240, 26
    height = 60 + row * len(bars)
    largest = max((value for _, value in bars), default=0.0) or 1.0
    scale = Scale(0.0, largest, label_width, width - 120)
    parts = []
    for number, (label, value) in enumerate(bars):
        y = 40 + number * row
        parts.append(element(
            "g", {"class": "bar"},
            text(label_width - 8, y + row / 2 + 4, label, text_anchor="end", font_size=12),
            element("rect", {"x": label_width, "y": y + 4, "width": max(0.5, scale(value) - label_width), "height": row - 8, "fill": PALETTE[0]}),
            text(scale(value) + 6, y + row / 2 + 4, value_format(value), font_size=12),
        ))
    parts.append(element("line", {"x1": label_width, "x2": label_width, "y1": 36, "y2": height - 16, "stroke": _AXIS_COLOR}))
    parts.append(text(width / 2, 22, title, text_anchor="middle", font_size=14, font_weight="bold"))
    return svg_root(width, height, title, css_class, *parts)


__all__ = ["FrontierPoint", "Series", "bar_chart", "frontier_chart", "line_chart"]
