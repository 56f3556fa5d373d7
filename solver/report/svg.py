"""SVG building blocks for the HTML report: escaped elements, axis scales and tick positions.

Everything returns ``markupsafe.Markup`` so Jinja2 embeds it as is while any text that came
from input files (workload names, scenario labels) is escaped exactly once, here. No scripts,
no external references: the page must render offline and print the same.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from markupsafe import Markup, escape

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")
"""Colour per series (matplotlib's tab10, so the report matches the what-if PNG/SVG charts)."""
DASHES = ("", "6 3", "2 3", "8 3 2 3")
"""Dash pattern per series after the colours run out, so lines stay apart in grey-scale print."""
FONT = "font-family: system-ui, sans-serif"


def element(tag: str, attributes: Mapping[str, object] | None = None, *children: str) -> Markup:
    """``<tag a="v">children</tag>`` with attribute values escaped (None drops the attribute);
    children are taken as markup, so pass text through ``text()`` first."""
    shown = "".join(f' {name.rstrip("_").replace("_", "-")}="{escape(_number(value))}"' for name, value in (attributes or {}).items() if value is not None)
    inner = "".join(children)
    if not inner:
        return Markup(f"<{tag}{shown}/>")
    return Markup(f"<{tag}{shown}>{inner}</{tag}>")


def text(x: float, y: float, content: object, **attributes: object) -> Markup:
    """A text element; ``content`` is escaped."""
    return element("text", {"x": x, "y": y, **attributes}, str(escape(str(content))))


def svg_root(width: int, height: int, title: str, css_class: str, *children: str) -> Markup:
    """The outer <svg>: sized by its viewBox (scales with the page), titled for screen readers."""
    return element(
        "svg",
        {"xmlns": "http://www.w3.org/2000/svg", "viewBox": f"0 0 {width} {height}", "class": css_class, "role": "img", "style": FONT},
        element("title", None, str(escape(title))),
        *children,
    )


def polyline(points: Iterable[tuple[float, float]], **attributes: object) -> Markup:
    return element("polyline", {"points": " ".join(f"{_number(x)},{_number(y)}" for x, y in points), "fill": "none", **attributes})


def _number(value: object) -> object:
    """Coordinates with two decimals at most (smaller markup, stable output)."""
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return value


@dataclass(frozen=True)
class Scale:
    """Maps data values in [low, high] to pixels in [start, end] (end < start for a y axis)."""

    low: float
    high: float
    start: float
    end: float
    log: bool = False

    def __call__(self, value: float) -> float:
        if self.log:
            low, high, value = math.log10(self.low), math.log10(self.high), math.log10(max(value, self.low))
        else:
            low, high = self.low, self.high
        if high == low:
            return (self.start + self.end) / 2
        return self.start + (value - low) / (high - low) * (self.end - self.start)

    def ticks(self) -> list[float]:
        return log_ticks(self.low, self.high) if self.log else nice_ticks(self.low, self.high)


def nice_step(span: float, count: int) -> float:
    """1, 2 or 5 times a power of ten: the one nearest (by ratio) to ``count`` steps over ``span``."""
    raw = span / max(1, count)
    power = 10 ** math.floor(math.log10(raw))
    return min((factor * power for factor in (1, 2, 5, 10)), key=lambda step: abs(math.log(step / raw)))


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round values within [low, high], about ``count`` of them."""
    if high <= low:
        return [low]
    step = nice_step(high - low, count)
    first = math.ceil(low / step - 1e-9) * step
    ticks = []
    value = first
    while value <= high + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    return ticks


def log_ticks(low: float, high: float) -> list[float]:
    """1-2-5 values per decade within [low, high] (only powers of ten when that leaves several)."""
    decades = range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1)
    powers = [10.0**d for d in decades if low <= 10.0**d <= high]
    if len(powers) >= 3:
        return powers
    return [factor * 10.0**d for d in decades for factor in (1, 2, 5) if low <= factor * 10.0**d <= high]


def padded_range(values: Iterable[float], *, share: float = 0.08, log: bool = False) -> tuple[float, float]:
    """The values' range widened by ``share`` on each side (by a factor on a log axis), so the
    extreme points do not sit on the frame."""
    found = [v for v in values if v is not None and (v > 0 or not log)]
    if not found:
        return (1.0, 10.0) if log else (0.0, 1.0)
    low, high = min(found), max(found)
    if log:
        factor = (high / low) ** share if high > low else 2.0
        return low / factor, high * factor
    pad = (high - low) * share or abs(high) * share or 1.0
    return low - pad, high + pad


__all__ = ["DASHES", "PALETTE", "Scale", "element", "log_ticks", "nice_step", "nice_ticks", "padded_range", "polyline", "svg_root", "text"]
