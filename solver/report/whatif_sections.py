"""The sections of a what-if report, one function each, from whatif.json (and the scenario plans).

whatif.json keys read: ``problem``, ``workloads``, ``scenarios`` (one row per scenario, as in
whatif.csv), ``budget_series`` (scenario names per series, in budget order), ``cut_first`` and
``frontier``. A section whose keys are absent (no budgets swept, no frontier asked for) is left
out. To add a section: a function here, a block in templates/sections/, a line in
``whatif_context``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

from solver.report.charts import log_axis, usd_label
from solver.report.economics_section import per_million
from solver.report.report_folder import WhatifFolder
from solver.report.report_format import DASH, kw, pct, usd
from solver.report.report_tables import Table
from solver.report.solve_sections import limits_text
from solver.report.svg_charts import FrontierPoint, Series, frontier_chart, line_chart

MAX_BUDGET_TICKS = 10


def _rows_by_name(whatif: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row.get("scenario", ""): row for row in whatif.get("scenarios", [])}


def _gpus(row: dict[str, Any]) -> str:
    return (row.get("gpus") or "").replace(";", ", ").replace("=", "×") or DASH


# ============================================================================================
# Budget series


@dataclass(frozen=True)
class BudgetSweep:
    label: str
    budgets: list[float]
    total: list[float | None]
    shares: dict[str, list[float | None]]
    """Served share per workload per budget (None: no plan at that budget)."""


def budget_sweeps(whatif: dict[str, Any]) -> list[BudgetSweep]:
    rows = _rows_by_name(whatif)
    names = [w.get("name", "") for w in whatif.get("workloads", [])]
    sweeps = []
    for series in whatif.get("budget_series", []):
        members = [rows[name] for name in series.get("scenarios", []) if name in rows and rows[name].get("budget_usd") is not None]
        if not members:
            continue
        sweeps.append(BudgetSweep(
            label=series.get("series", "base"),
            budgets=[float(row["budget_usd"]) for row in members],
            total=[row.get("served_fraction") for row in members],
            shares={name: [row.get(f"served:{name}") for row in members] for name in names},
        ))
    return sweeps


def sweep_chart(sweep: BudgetSweep, problem_name: str) -> Markup:
    """Served share against budget: the priority-weighted total, thick, and one line per workload."""
    lines = [Series("weighted total (by priority)", [(b, s) for b, s in zip(sweep.budgets, sweep.total) if s is not None], emphasis=True)]
    lines += [Series(name, [(b, s) for b, s in zip(sweep.budgets, shares) if s is not None]) for name, shares in sweep.shares.items()]
    step = -(-len(sweep.budgets) // MAX_BUDGET_TICKS)
    title = f"{problem_name}: demand served against budget" + ("" if sweep.label == "base" else f" ({sweep.label})")
    return line_chart(
        lines,
        title=title,
        x_label="budget (capex, USD)",
        y_label="demand served (share of target)",
        x_format=usd_label,
        y_format=lambda share: f"{share:.0%}",
        y_range=(-0.05, 1.1),
        log_x=log_axis(sweep.budgets),
        x_ticks=sweep.budgets[::step],
        css_class="chart budget-sweep",
    )


@dataclass(frozen=True)
class ShareCell:
    text: str
    hue: int | None
    """0 (red, nothing served) to 120 (green, all served); None without a plan."""


def share_grid(sweep: BudgetSweep) -> list[tuple[str, list[ShareCell]]]:
    """Workloads (and the weighted total, last) × budgets: the served share, coloured."""
    rows = [*sweep.shares.items(), ("weighted total", sweep.total)]
    return [(name, [ShareCell(pct(share), None if share is None else round(120 * share)) for share in shares]) for name, shares in rows]


def cut_order(whatif: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """Per series: 'workload (short at $X)' in the order workloads are cut as money runs short."""
    return [
        (entry.get("series", "base"), [f"{item.get('workload', '')} (short at {usd(item.get('short_at_usd'))})" for item in entry.get("order", [])])
        for entry in whatif.get("cut_first", [])
        if entry.get("order")
    ]


# ============================================================================================
# The frontier


@dataclass(frozen=True)
class FrontierSection:
    chart: Markup | None
    table: Table
    note: str


def frontier(whatif: dict[str, Any]) -> FrontierSection | None:
    data = whatif.get("frontier")
    if not isinstance(data, dict):
        return None
    rows = _rows_by_name(whatif)
    points = data.get("points", [])
    solved = [p for p in points if p.get("power_w") is not None and p.get("capex_usd") is not None]
    chart = None
    if solved:
        chart = frontier_chart(
            [FrontierPoint(p["power_w"] / 1000, float(p["capex_usd"]), bool(p.get("pareto")), str(p.get("scenario", "")).removeprefix("frontier ")) for p in solved],
            title=f"{whatif.get('problem', '')}: capex against power (full demand)",
            usd_format=usd_label,
        )
    table = Table(
        ["Point", "Power", "Capex", "TCO", "GPUs", "Pareto-optimal"],
        [
            [
                str(p.get("scenario", "")).removeprefix("frontier "),
                kw(p.get("power_w")),
                usd(p.get("capex_usd")),
                usd(p.get("tco_usd")),
                _gpus(rows.get(p.get("scenario", ""), {})),
                "yes" if p.get("pareto") else (f"same as {str(p['same_as']).removeprefix('frontier ')}" if p.get("same_as") else "dominated"),
            ]
            for p in points
        ],
        [False, True, True, True, False, False],
    )
    return FrontierSection(chart, table, data.get("note") or "")


# ============================================================================================
# Scenarios side by side, and the question and the answer


def scenario_table(whatif: dict[str, Any]) -> Table:
    rows = []
    for row in whatif.get("scenarios", []):
        rows.append([
            row.get("scenario", ""),
            row.get("kind", ""),
            row.get("status", ""),
            usd(row.get("budget_usd")),
            pct(row.get("served_fraction")),
            usd(row.get("capex_usd")),
            kw(row.get("power_w")),
            usd(row.get("tco_usd")),
            per_million(row.get("usd_per_million_output_tokens")),
            _gpus(row),
            (row.get("cut") or "").replace(";", ", ") or DASH,
            row.get("dir") or DASH,
        ])
    return Table(
        ["Scenario", "Kind", "Status", "Budget", "Served", "Capex", "Power", "TCO", "$ / M output tokens", "GPUs", "Cut (most first)", "Folder"],
        rows, [False, False, False, True, True, True, True, True, True, False, False, False],
    )


def question_and_answer(folder: WhatifFolder) -> Markup:
    whatif, problem = folder.whatif, folder.problem.problem
    name = escape(whatif.get("problem", "this problem"))
    described = f" ({escape(problem.description.strip())})" if problem is not None and problem.description.strip() else ""
    sweeps = budget_sweeps(whatif)
    asked, answered = [], []
    if sweeps:
        budgets = sorted({b for sweep in sweeps for b in sweep.budgets})
        asked.append(f"what share of the demand does each of {len(budgets)} budgets ({usd(budgets[0])} to {usd(budgets[-1])}) serve")
        sweep = sweeps[0]
        served = [(b, s) for b, s in zip(sweep.budgets, sweep.total) if s is not None]
        if served:
            answered.append(f"{pct(served[0][1])} of the priority-weighted demand is served at {usd(served[0][0])} and {pct(served[-1][1])} at {usd(served[-1][0])}")
            full = next((b for b, s in served if s >= 1 - 1e-9), None)
            answered.append(f"all demand is first served at {usd(full)}" if full is not None else "no budget tried serves all demand")
    others = [row for row in whatif.get("scenarios", []) if row.get("kind") == "sweep" and row.get("scenario") not in {n for s in whatif.get("budget_series", []) for n in s.get("scenarios", [])}]
    if others:
        asked.append(f"how {len(others)} scenarios ({escape(', '.join(row.get('scenario', '') for row in others[:6]))}{', …' if len(others) > 6 else ''}) compare")
        solved = [row for row in others if row.get("capex_usd") is not None]
        if solved:
            cheapest = min(solved, key=lambda row: row["capex_usd"])
            answered.append(f"the cheapest is {escape(cheapest['scenario'])} at {usd(cheapest['capex_usd'])} ({pct(cheapest.get('served_fraction'))} served, {kw(cheapest.get('power_w'))})")
    section = frontier(whatif)
    points = [p for p in (whatif.get("frontier") or {}).get("points", []) if p.get("pareto")]
    if section is not None:
        asked.append("how capex trades against power when all demand is served")
        if points:
            low = min(points, key=lambda p: p["power_w"])
            high = max(points, key=lambda p: p["power_w"])
            answered.append(f"{len(points)} Pareto-optimal plans run from {usd(high['capex_usd'])} at {kw(high['power_w'])} (cheapest) to {usd(low['capex_usd'])} at {kw(low['power_w'])} (lowest power)")
        elif section.note:
            answered.append(escape(section.note))
    limits = limits_text(problem) if problem is not None else ""
    question = f"<strong>Question.</strong> {name}{described}" + (f", within {escape(limits)}" if limits else "") + ": " + ("; and ".join(asked) or "what do the scenarios buy") + "?"
    answer = "<strong>Answer.</strong> " + ("; ".join(answered) + "." if answered else "no scenario has a plan.")
    return Markup(f"{question} {answer}")


__all__ = ["BudgetSweep", "FrontierSection", "ShareCell", "budget_sweeps", "cut_order", "frontier", "question_and_answer", "scenario_table", "share_grid", "sweep_chart"]
