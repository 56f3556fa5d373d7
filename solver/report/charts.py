"""Charts as PNG and SVG (matplotlib, Agg canvas, no pyplot state): what-if sweeps and frontiers.

The functions take plain numbers, so they do not depend on how the numbers were produced.
Output is written atomically; SVG ids are salted with a fixed string and no date is stored, so
the same numbers give the same files.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from solver.report.atomic import write_bytes_atomic

_TOTAL_COLOR = "#111111"
_DPI = 130


@dataclass
class BudgetPanel:
    """One series of a budget sweep: served share per workload (0–1, None: no plan) per budget."""

    title: str
    budgets: list[float]
    shares: dict[str, list[float | None]]
    total: list[float | None]
    labels: dict[str, str] = field(default_factory=dict)
    """Legend text per workload (defaults to the name)."""


def _figure(width: float, height: float, *, constrained: bool = True):
    import matplotlib

    matplotlib.rcParams["svg.hashsalt"] = "procure"
    matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text: smaller, faster, searchable
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=_DPI, layout="constrained" if constrained else None)
    FigureCanvasAgg(figure)
    return figure


def _save(figure, png: Path, svg: Path) -> list[Path]:
    written = []
    for path, fmt, metadata in ((png, "png", {"Software": None}), (svg, "svg", {"Date": None, "Creator": None})):
        buffer = io.BytesIO()
        figure.savefig(buffer, format=fmt, metadata=metadata, dpi=_DPI)
        written.append(write_bytes_atomic(path, buffer.getvalue()))
    return written


def usd_label(value: float) -> str:
    """$250k, $1.5M, $900."""
    if abs(value) >= 1e6:
        return f"${value / 1e6:,.3g}M"
    if abs(value) >= 1e3:
        return f"${value / 1e3:,.4g}k"
    return f"${value:,.0f}"


def _colors(count: int) -> list:
    from matplotlib import colormaps

    cmap = colormaps["tab20" if count > 10 else "tab10"]
    return [cmap(i % cmap.N) for i in range(count)]


def budget_chart(panels: Sequence[BudgetPanel], png: Path, svg: Path, *, title: str) -> list[Path]:
    """Served share against budget: one line per workload plus the weighted total, one panel per
    series. Lines that coincide (several workloads fully served, or all cut) are drawn a little
    apart vertically so each stays visible; with one series a grid below gives exact shares."""
    count = max(1, len(panels))
    workloads = list(dict.fromkeys(name for panel in panels for name in panel.shares))
    colors = dict(zip(workloads, _colors(len(workloads))))
    # Fixed margins (constrained layout costs about a second on a 20-budget sweep): names of
    # the grid rows on the left, the legend on the right.
    left_in, right_in = 1.55, 2.75
    if count == 1:
        panel = panels[0]
        grid_height = 0.24 * (len(workloads) + 1) + 0.35
        width, height = 12.5, 5.4 + grid_height + 0.9
        figure = _figure(width, height, constrained=False)
        spec = figure.add_gridspec(2, 1, height_ratios=[5.4 - 0.9, grid_height], left=left_in / width, right=1 - right_in / width, top=1 - 0.55 / height, bottom=0.45 / height, hspace=1.25 / ((5.4 + grid_height) / 2))
        line_ax = figure.add_subplot(spec[0])
        grid_ax = figure.add_subplot(spec[1])
        handles = _budget_lines(line_ax, panel, workloads, colors)
        _share_grid(grid_ax, panel, workloads)
    else:
        columns = 2
        rows = math.ceil(count / columns)
        width, height = 15.0, 3.8 * rows + 0.8
        figure = _figure(width, height, constrained=False)
        spec = figure.add_gridspec(rows, columns, left=0.9 / width, right=1 - right_in / width, top=1 - 0.7 / height, bottom=0.75 / height, hspace=1.1 / 3.8, wspace=0.12)
        handles = {}
        first_ax = None
        for number, panel in enumerate(panels):
            ax = figure.add_subplot(spec[number // columns, number % columns], sharey=first_ax)
            first_ax = first_ax or ax
            handles.update(_budget_lines(ax, panel, workloads, colors, ylabel=number % columns == 0))
            ax.set_title(panel.title, fontsize=10)
    ordered = [handles["__total__"]] + [handles[name] for name in workloads if name in handles]
    figure.legend(ordered, [h.get_label() for h in ordered], loc="upper left", bbox_to_anchor=(1 - (right_in - 0.15) / width, 1 - 0.5 / height), fontsize=8, frameon=False)
    figure.suptitle(title, fontsize=12, y=1 - 0.12 / height, va="top")
    return _save(figure, png, svg)


def _budget_lines(ax, panel: BudgetPanel, workloads: list[str], colors: dict, *, ylabel: bool = True) -> dict[str, object]:
    from matplotlib.ticker import FuncFormatter, PercentFormatter

    styles = ["-", "--", "-.", ":"]
    budgets = panel.budgets
    if log_axis(budgets):
        ax.set_xscale("log")
    handles: dict[str, object] = {}
    present = [name for name in workloads if name in panel.shares]
    dodge = min(0.012, 0.04 / max(1, len(present) - 1))
    for position, name in enumerate(present):
        shares = panel.shares[name]
        offset = (position - (len(present) - 1) / 2) * dodge
        xs = [b for b, s in zip(budgets, shares) if s is not None]
        ys = [s + offset for s in shares if s is not None]
        (line,) = ax.plot(xs, ys, styles[position % len(styles)], color=colors[name], linewidth=1.4, marker="o", markersize=3.2, alpha=0.9, label=panel.labels.get(name, name))
        handles[name] = line
    xs = [b for b, s in zip(budgets, panel.total) if s is not None]
    ys = [s for s in panel.total if s is not None]
    (line,) = ax.plot(xs, ys, "-", color=_TOTAL_COLOR, linewidth=3.0, marker="o", markersize=6, label="weighted total (by priority)", zorder=5)
    handles["__total__"] = line
    for number, (x, y) in enumerate(zip(xs, ys)):
        if 0 < number < len(ys) - 1 and round(y, 3) == round(ys[number - 1], 3):
            continue  # label where the total changes (and at both ends)
        ax.annotate(f"{y:.0%}", (x, y), textcoords="offset points", xytext=(0, 10), ha="center", fontsize=8, fontweight="bold", color=_TOTAL_COLOR, zorder=6)
    ax.set_ylim(-0.06, 1.12)
    ax.set_yticks([0, 0.25, 0.5, 0.75, 1.0])
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _pos: usd_label(value)))
    if budgets:
        ax.set_xticks(budgets if len(budgets) <= 10 else budgets[:: math.ceil(len(budgets) / 10)])
        ax.xaxis.set_minor_formatter(FuncFormatter(lambda value, _pos: ""))
        ax.tick_params(axis="x", labelrotation=30 if len(budgets) > 6 else 0)
    ax.grid(True, which="major", alpha=0.3)
    ax.set_xlabel("budget (capex, USD)")
    if ylabel:
        ax.set_ylabel("demand served (share of target)")
    return handles


def log_axis(budgets: Sequence[float]) -> bool:
    """Log scale for budgets spanning 10× or more, unless they are evenly spaced (a range)."""
    if len(budgets) < 2 or min(budgets) <= 0 or max(budgets) / min(budgets) < 10:
        return False
    steps = [b - a for a, b in zip(budgets, budgets[1:])]
    return max(steps) - min(steps) > 0.01 * max(steps)


def _share_grid(ax, panel: BudgetPanel, workloads: list[str]) -> None:
    """Workloads × budgets, coloured and labelled by served share."""
    from matplotlib import colormaps
    from matplotlib.collections import PatchCollection

    cmap = colormaps["RdYlGn"]
    names = [name for name in workloads if name in panel.shares] + ["weighted total"]
    values = [panel.shares[name] for name in names[:-1]] + [panel.total]
    cells, colors = [], []
    for row, shares in enumerate(values):
        for column, share in enumerate(shares):
            cells.append(_rectangle(column, row))
            colors.append("#dddddd" if share is None else cmap(0.15 + 0.7 * share))
            text = "–" if share is None else f"{share:.0%}"
            ax.text(column + 0.5, row + 0.5, text, ha="center", va="center", fontsize=7, fontweight="bold" if row == len(names) - 1 else "normal")
    # One collection draws the cells in one pass (a patch each took a third of the chart's time).
    ax.add_collection(PatchCollection(cells, facecolors=colors, edgecolors="none"))
    ax.set_xlim(0, len(panel.budgets))
    ax.set_ylim(len(names), 0)
    ax.set_xticks([i + 0.5 for i in range(len(panel.budgets))], [usd_label(b) for b in panel.budgets], fontsize=7, rotation=30 if len(panel.budgets) > 8 else 0)
    ax.set_yticks([i + 0.5 for i in range(len(names))], [panel.labels.get(n, n) for n in names], fontsize=7)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_title("served share per workload and budget", fontsize=9, loc="left")


def _rectangle(column: int, row: int):
    from matplotlib.patches import Rectangle

    return Rectangle((column + 0.04, row + 0.06), 0.92, 0.88)


def scenario_chart(labels: Sequence[str], capex: Sequence[float | None], power_kw: Sequence[float | None], served: Sequence[float | None], png: Path, svg: Path, *, title: str, tco: Sequence[float | None] | None = None, tco_label: str = "TCO (USD)") -> list[Path]:
    """Scenarios without a budget axis: capex, power (and TCO) side by side, served share in the labels."""
    from matplotlib.ticker import FuncFormatter

    measures = [("capex (USD)", capex, "#4C72B0", usd_label), ("power (kW, nameplate)", power_kw, "#DD8452", lambda v: f"{v:,.1f} kW")]
    if tco is not None:
        measures.append((tco_label, tco, "#55A868", usd_label))
    figure = _figure(4.6 * len(measures) + 2, max(3.0, 0.45 * len(labels) + 1.6))
    axes = figure.subplots(1, len(measures), sharey=True)
    positions = list(range(len(labels)))
    names = [f"{label}  ({'–' if s is None else f'{s:.0%}'} served)" for label, s in zip(labels, served)]
    for ax, (label, values, color, fmt) in zip(axes, measures):
        ax.barh(positions, [v or 0 for v in values], color=color)
        for position, value in enumerate(values):
            if value is None:
                ax.annotate("no plan", (0, position), textcoords="offset points", xytext=(3, 0), va="center", fontsize=8, color="#aa0000")
            else:
                ax.annotate(fmt(value), (value, position), textcoords="offset points", xytext=(3, 0), va="center", fontsize=8)
        ax.set_xlabel(label)
        if "USD" in label:
            ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _pos: usd_label(value)))
        ax.grid(True, axis="x", alpha=0.3)
        ax.margins(x=0.22)
        ax.tick_params(axis="x", labelsize=8)
    axes[0].set_yticks(positions, names, fontsize=8)
    axes[0].invert_yaxis()
    figure.suptitle(title, fontsize=12)
    return _save(figure, png, svg)


def frontier_chart(points: Sequence[tuple[float, float, bool, str]], png: Path, svg: Path, *, title: str) -> list[Path]:
    """Capex against power: (power kW, capex USD, on the frontier?, label) per solved point."""
    from matplotlib.ticker import FuncFormatter

    figure = _figure(9, 5.6)
    ax = figure.subplots()
    front = sorted((p, c, label) for p, c, on, label in points if on)
    dominated = [(p, c) for p, c, on, _label in points if not on]
    if front:
        xs = [p for p, _c, _l in front]
        ys = [c for _p, c, _l in front]
        # Staircase: below a point's power, only the next cheaper-power point is reachable.
        ax.step(xs, ys, where="post", color="#4C72B0", linewidth=1.2, alpha=0.6)
        ax.plot(xs, ys, "o", color="#4C72B0", markersize=7, label="Pareto-optimal plans", zorder=4)
        for p, c, label in front:
            ax.annotate(label, (p, c), textcoords="offset points", xytext=(6, 6), fontsize=8)
    if dominated:
        ax.plot([p for p, _ in dominated], [c for _, c in dominated], "o", markerfacecolor="none", markeredgecolor="#999999", markersize=7, label="dominated (dropped)")
    ax.set_xlabel("power (kW, nameplate)")
    ax.set_ylabel("capex (USD)")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _pos: usd_label(value)))
    ax.grid(True, alpha=0.3)
    ax.margins(x=0.12, y=0.12)
    ax.legend(loc="upper right", fontsize=8, frameon=False)
    ax.set_title(title, fontsize=12)
    return _save(figure, png, svg)


__all__ = ["BudgetPanel", "budget_chart", "frontier_chart", "log_axis", "scenario_chart", "usd_label"]
