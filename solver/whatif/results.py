"""What-if results: rows, ``whatif.csv``/``whatif.json``, the cut order, terminal tables, files.

Served demand. For a workload w with target (required units) r_w and units served s_w (capped
at r_w), its *served share* is s_w / r_w ∈ [0, 1] (CSV column ``served:<w>``). A scenario's
``served_fraction`` is the mean of the shares weighted by priority:

    served_fraction = Σ_w priority_w · s_w / r_w  /  Σ_w priority_w

— exactly what the ``served`` stage of the solver maximises (up to its integer resolution of
1/10,000 of a workload). A fully served plan scores 1.

Cut first. In a budget series (scenarios differing only in budget) a workload is *cut* at a
budget where its share is below 1. Workloads are listed in the order they are cut as money runs
short: by the largest budget at which they are cut, highest first (ties: lower share at the
smallest budget first, then lower priority, then name).

whatif.json's ``budget_series`` names each series' scenarios in budget order (the HTML report
draws one sweep per series from it).

Determinism: the CSV and JSON carry no timings (those go to ``timings.json``); numbers are
rounded to fixed decimals.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from solver.report.atomic import write_text_atomic
from solver.report.terminal_text import escape_controls, user_text
from solver.whatif.run import WhatIfRun
from solver.whatif.scenarios import Scenario, short_usd
from solver.whatif.sweep import ScenarioResult

BASE_COLUMNS = (
    "scenario", "kind", "demand", "objective", "budget_usd", "power_cap_kw", "status", "gap",
    "capex_usd", "power_w", "tco_usd", "served_fraction", "gpus", "nodes", "cut", "pareto", "note", "dir",
    "usd_per_year", "gpu_hour_usd", "tokens_per_day", "usd_per_million_output_tokens", "usd_per_million_input_tokens",
)
ECONOMICS_COLUMNS = ("usd_per_year", "gpu_hour_usd", "tokens_per_day", "usd_per_million_output_tokens", "usd_per_million_input_tokens")
"""The plan's unit economics in total (plan.json `economics.total`); per workload: usd_per_m_output:<w>."""
_DASH = "–"


# ============================================================================================
# Rows


WRITING_MODULES = ("matplotlib.figure", "matplotlib.backends.backend_agg", "openpyxl")
"""What writing a what-if folder imports that nothing before it does (solver.preload): the
charts, and each scenario's bom.xlsx."""


def workload_names(run: WhatIfRun) -> list[str]:
    names: dict[str, None] = {}
    for scenario in run.scenarios:
        for workload in scenario.problem.workloads:
            names.setdefault(workload.name, None)
    if not names:
        for workload in run.problem.workloads:
            names.setdefault(workload.name, None)
    return list(names)


def axis_columns(run: WhatIfRun) -> list[str]:
    labels: dict[str, None] = {}
    for scenario in run.scenarios:
        for axis, _value in scenario.axes:
            if scenario.kind == "sweep" and axis != "objective":
                labels.setdefault(axis, None)
    return [f"axis:{label}" for label in labels]


def shares(scenario: Scenario, result: ScenarioResult) -> dict[str, float]:
    """Served share per workload (empty without a plan)."""
    if result.plan is None:
        return {}
    return {entry.name: min(1.0, max(0.0, entry.served_sessions / entry.required_sessions)) for entry in result.plan.workloads}


def served_fraction(scenario: Scenario, result: ScenarioResult) -> float | None:
    share = shares(scenario, result)
    if not share:
        return None
    weights = {w.name: w.priority for w in scenario.problem.workloads}
    total = sum(weights.values())
    return sum(weights[name] * share.get(name, 0.0) for name in weights) / total


def cut_list(scenario: Scenario, result: ScenarioResult) -> list[str]:
    """Workloads not fully served, most cut first."""
    share = shares(scenario, result)
    priority = {w.name: w.priority for w in scenario.problem.workloads}
    return [name for name, value in sorted(share.items(), key=lambda item: (item[1], priority.get(item[0], 1.0), item[0])) if value < 1 - 1e-9]


def gpus_text(result: ScenarioResult) -> str:
    if result.plan is None:
        return ""
    return ";".join(f"{gpu}={count}" for gpu, count in sorted(result.plan.summary.gpus.items()))


def rows(run: WhatIfRun) -> list[dict[str, Any]]:
    """One row per scenario, typed (None where there is no value)."""
    names = workload_names(run)
    axes = axis_columns(run)
    pareto = {point.scenario: point.pareto for point in run.frontier or []}
    out = []
    for position, (scenario, result) in enumerate(zip(run.scenarios, run.results)):
        plan = result.plan
        fraction = served_fraction(scenario, result)
        share = shares(scenario, result)
        limits = scenario.problem.limits
        row: dict[str, Any] = {
            "scenario": scenario.name,
            "kind": scenario.kind,
            "demand": scenario.demand,
            "objective": scenario.objective,
            "budget_usd": limits.budget_usd,
            "power_cap_kw": None if scenario.power_cap_w is None else scenario.power_cap_w / 1000,
            "status": result.status,
            "gap": None if plan is None else round(plan.summary.gap, 6),
            "capex_usd": None if plan is None else plan.summary.capex_usd,
            "power_w": None if plan is None else plan.summary.power_w,
            "tco_usd": None if plan is None else round(plan.summary.tco_usd, 2),
            "served_fraction": None if fraction is None else round(fraction, 6),
            "gpus": gpus_text(result) if plan is not None else None,
            "nodes": None if plan is None else plan.summary.nodes,
            "cut": ";".join(cut_list(scenario, result)) if plan is not None else None,
            "pareto": pareto.get(position),
            "note": result.note or None,
            "dir": scenario.slug if plan is not None else None,
        }
        knobs = dict(scenario.axes)
        for column in axes:
            row[column] = knobs.get(column.removeprefix("axis:"))
        for name in names:
            row[f"served:{name}"] = round(share[name], 6) if name in share else None
        economics = plan.economics if plan is not None else None
        for column in ECONOMICS_COLUMNS:
            row[column] = economics["total"][column] if economics else None
        per_workload = {r["workload"]: r for r in economics["per_workload"]} if economics else {}
        for name in names:
            row[f"usd_per_m_output:{name}"] = per_workload.get(name, {}).get("usd_per_million_output_tokens")
        out.append(row)
    return out


def _csv_cell(column: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if column == "usd_per_year":
            return f"{value:.2f}"
        if column in ("budget_usd", "capex_usd", "power_w", "tco_usd"):
            return str(int(round(value))) if value == round(value) and column != "tco_usd" else f"{value:.2f}"
        if column == "power_cap_kw":
            return f"{value:.3f}"
        return f"{value:.6f}"
    return str(value)


def whatif_csv(run: WhatIfRun) -> str:
    table = rows(run)
    columns = list(BASE_COLUMNS) + axis_columns(run) + [f"served:{name}" for name in workload_names(run)] + [f"usd_per_m_output:{name}" for name in workload_names(run)]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in table:
        writer.writerow([_csv_cell(column, row.get(column)) for column in columns])
    return buffer.getvalue()


# ============================================================================================
# Budget series and the cut order


@dataclass
class BudgetSeries:
    label: str
    indices: list[int]
    budgets: list[float]
    shares: dict[str, list[float | None]]
    total: list[float | None]
    cut_order: list[tuple[str, float]]
    """(workload, largest budget at which it is short of its target), first cut first."""


def budget_series(run: WhatIfRun) -> list[BudgetSeries]:
    groups: dict[Any, list[int]] = {}
    for index, scenario in enumerate(run.scenarios):
        if scenario.kind == "sweep" and scenario.budget_usd is not None:
            groups.setdefault(scenario.series, []).append(index)
    names = workload_names(run)
    series = []
    for indices in groups.values():
        indices = sorted(indices, key=lambda i: run.scenarios[i].budget_usd or 0.0)
        first = run.scenarios[indices[0]]
        label = " ".join(value if axis == "scenario" else f"{axis}={value}" for axis, value in first.axes) or "base"
        budgets = [run.scenarios[i].budget_usd or 0.0 for i in indices]
        per = [shares(run.scenarios[i], run.results[i]) for i in indices]
        share_lists = {name: [p.get(name) if p else None for p in per] for name in names}
        total = [served_fraction(run.scenarios[i], run.results[i]) for i in indices]
        priority = {w.name: w.priority for w in first.problem.workloads}
        order = []
        for name in names:
            cut_at = [b for b, s in zip(budgets, share_lists[name]) if s is not None and s < 1 - 1e-9]
            if cut_at:
                lowest = next((s for s in share_lists[name] if s is not None), 1.0)
                order.append((-max(cut_at), lowest, priority.get(name, 1.0), name))
        order.sort()
        series.append(BudgetSeries(label, indices, budgets, share_lists, total, [(name, -negative) for negative, _s, _p, name in order]))
    return series


# ============================================================================================
# JSON


def whatif_data(run: WhatIfRun) -> dict[str, Any]:
    """Everything but timings, for whatif.json and --json."""
    series = budget_series(run)
    data: dict[str, Any] = {
        "problem": run.problem.name,
        "served_fraction": "Σ priority × (served ÷ required) ÷ Σ priority over workloads; 1 = all demand served",
        "workloads": [{"name": w.name, "priority": w.priority, "required": None} for w in run.problem.workloads],
        "scenarios": rows(run),
        "cut_first": [
            {"series": s.label, "order": [{"workload": name, "short_at_usd": budget} for name, budget in s.cut_order]}
            for s in series
        ],
        "budget_series": [{"series": s.label, "scenarios": [run.scenarios[i].name for i in s.indices]} for s in series],
    }
    required = _required(run)
    for entry in data["workloads"]:
        entry["required"] = required.get(entry["name"])
    if run.frontier is not None:
        data["frontier"] = {
            "note": run.frontier_note or None,
            "points": [
                {"scenario": run.scenarios[p.scenario].name, "power_w": p.power_w, "capex_usd": p.capex_usd, "tco_usd": round(p.tco_usd, 2), "power_cap_w": p.cap_w, "pareto": p.pareto, "same_as": None if p.same_as is None else run.scenarios[p.same_as].name}
                for p in run.frontier
            ],
        }
    return data


def _required(run: WhatIfRun) -> dict[str, int]:
    for result in run.results:
        if result.plan is not None:
            return {w.name: w.required_sessions for w in result.plan.workloads}
    return {}


def whatif_json(run: WhatIfRun) -> str:
    return json.dumps(whatif_data(run), indent=2, ensure_ascii=False) + "\n"


def timings_json(run: WhatIfRun) -> str:
    return json.dumps(
        {
            "jobs": run.jobs,
            "wall_seconds": round(run.wall_seconds, 3),
            "prepare_seconds": round(run.prepare_seconds, 3),
            "scenarios": [
                {"scenario": s.name, "seconds": round(r.seconds, 3), "data_seconds": round(r.data_seconds, 3), "hinted": r.hinted, "reused_from": r.reused_from or None, "stages": r.stages}
                for s, r in zip(run.scenarios, run.results)
            ],
        },
        indent=2,
        ensure_ascii=False,
    ) + "\n"


# ============================================================================================
# Files


def write_outputs(run: WhatIfRun, directory: Path) -> list[Path]:
    """whatif.csv, whatif.json, timings.json, charts, and bom.csv + plan.json per scenario."""
    from solver.report.charts import BudgetPanel, budget_chart, frontier_chart, scenario_chart
    from solver.report.outputs import bom_csv, plan_json

    written = [
        write_text_atomic(directory / "whatif.csv", whatif_csv(run)),
        write_text_atomic(directory / "whatif.json", whatif_json(run)),
        write_text_atomic(directory / "timings.json", timings_json(run)),
    ]
    for scenario, result in zip(run.scenarios, run.results):
        if result.plan is not None:
            folder = directory / scenario.slug
            written.append(write_text_atomic(folder / "bom.csv", bom_csv(result.plan)))
            written.append(write_text_atomic(folder / "plan.json", plan_json(result.plan, include_timings=False)))
    series = budget_series(run)
    priorities = {w.name: w.priority for w in run.problem.workloads}
    sweep = [(s, r) for s, r in zip(run.scenarios, run.results) if s.kind == "sweep"]
    if series:
        panels = [
            BudgetPanel(
                title=s.label,
                budgets=s.budgets,
                shares=s.shares,
                total=s.total,
                labels={name: f"{name} (priority {priorities[name]:g})" if priorities.get(name, 1.0) != 1.0 else name for name in s.shares},
            )
            for s in series
        ]
        written += budget_chart(panels, directory / "whatif.png", directory / "whatif.svg", title=f"{run.problem.name}: demand served against budget")
    elif sweep:
        written += scenario_chart(
            [s.name for s, _ in sweep],
            [r.plan.summary.capex_usd if r.plan else None for _, r in sweep],
            [r.plan.summary.power_w / 1000 if r.plan else None for _, r in sweep],
            [served_fraction(s, r) for s, r in sweep],
            directory / "whatif.png",
            directory / "whatif.svg",
            title=f"{run.problem.name}: scenarios compared",
            tco=[r.plan.summary.tco_usd if r.plan else None for _, r in sweep],
            tco_label=f"TCO over {run.problem.objective.tco.years:g} years (USD)",
        )
    if run.frontier:
        points = []
        for point in run.frontier:
            name = run.scenarios[point.scenario].name.removeprefix("frontier ")
            points.append((point.power_w / 1000, float(point.capex_usd), point.pareto, f"{name}: {gpus_text(run.results[point.scenario]).replace(';', ', ')}"))
        written += frontier_chart(points, directory / "frontier.png", directory / "frontier.svg", title=f"{run.problem.name}: capex against power (full demand)")
    return written


# ============================================================================================
# Terminal


def _pct(value: float | None) -> str:
    return _DASH if value is None else f"{value:.0%}" if value in (0.0, 1.0) else f"{value:.1%}"


def _usd(value: float | None) -> str:
    return _DASH if value is None else f"{value:,.0f}"


def _kw(value: float | None) -> str:
    return _DASH if value is None else f"{value / 1000:,.1f}"


def _per_million(plan: Any) -> str:
    value = plan.economics["total"]["usd_per_million_output_tokens"] if plan is not None and plan.economics else None
    return _DASH if value is None else f"{value:,.2f}"


def _status_style(status: str) -> str:
    return {"OPTIMAL": "green", "FEASIBLE": "yellow"}.get(status, "red")


def comparison_table(run: WhatIfRun, *, kinds: Sequence[str] = ("sweep",)) -> Table:
    table = Table(title="Scenarios", title_justify="left", header_style="bold")
    for column, justify in (("Scenario", "left"), ("Status", "left"), ("Budget $", "right"), ("Served", "right"), ("Capex $", "right"), ("Power kW", "right"), ("TCO $", "right"), ("$ / M output", "right"), ("GPUs", "left"), ("Cut (most first)", "left")):
        table.add_column(column, justify=justify)
    for scenario, result in zip(run.scenarios, run.results):
        if scenario.kind not in kinds:
            continue
        plan = result.plan
        summary = plan.summary if plan else None
        table.add_row(
            user_text(scenario.name),
            Text(result.status, style=_status_style(result.status)),
            _usd(scenario.problem.limits.budget_usd),
            _pct(served_fraction(scenario, result)),
            _usd(summary.capex_usd if summary else None),
            _kw(summary.power_w if summary else None),
            _usd(summary.tco_usd if summary else None),
            _per_million(plan),
            ", ".join(f"{count}× {gpu}" for gpu, count in summary.gpus.items()) if summary else _DASH,
            user_text((", ".join(cut_list(scenario, result)) or "none") if plan else (result.note or _DASH)),
        )
    return table


def served_table(run: WhatIfRun, series: BudgetSeries) -> Table:
    title = "Served share per workload" + (f" — {escape_controls(series.label)}" if series.label != "base" else "")
    table = Table(title=title, title_justify="left", header_style="bold")
    table.add_column("Workload (priority)")
    for budget in series.budgets:
        table.add_column(f"${short_usd(budget)}", justify="right")
    priorities = {w.name: w.priority for w in run.problem.workloads}
    for name, values in series.shares.items():
        cells = [Text(_pct(v), style="green" if v == 1.0 else ("red" if v == 0.0 else "yellow")) if v is not None else Text(_DASH) for v in values]
        table.add_row(user_text(f"{name} ({priorities.get(name, 1.0):g})"), *cells)
    table.add_row("weighted total", *[Text(_pct(v), style="bold") for v in series.total], style="bold")
    return table


def objective_table(run: WhatIfRun) -> Table | None:
    picks = [(s, r) for s, r in zip(run.scenarios, run.results) if s.kind == "sweep" and any(axis == "objective" for axis, _ in s.axes)]
    if len(picks) < 2 or len(picks) > 12:
        return None
    table = Table(title="Plans by objective, on every measure (best in bold)", title_justify="left", header_style="bold")
    table.add_column("Measure")
    for scenario, _ in picks:
        table.add_column(user_text(scenario.name), justify="right")
    measures = (
        ("capex $", lambda p: p.summary.capex_usd, _usd),
        ("power kW", lambda p: p.summary.power_w, _kw),
        (f"TCO $ ({run.problem.objective.tco.years:g} y)", lambda p: p.summary.tco_usd, _usd),
        ("servers", lambda p: p.summary.nodes, lambda v: _DASH if v is None else str(v)),
    )
    for label, get, fmt in measures:
        values = [get(r.plan) if r.plan else None for _, r in picks]
        present = [v for v in values if v is not None]
        best = min(present) if present else None
        table.add_row(label, *[Text(fmt(v), style="bold green" if v is not None and v == best else "") for v in values])
    table.add_row("served", *[_pct(served_fraction(s, r)) for s, r in picks])
    table.add_row("GPUs", *[", ".join(f"{c}× {g}" for g, c in r.plan.summary.gpus.items()) if r.plan else r.status for _, r in picks])
    return table


def frontier_table(run: WhatIfRun) -> Table | None:
    if not run.frontier:
        return None
    table = Table(title="Cost-versus-power frontier (full demand)", title_justify="left", header_style="bold")
    for column, justify in (("Plan", "left"), ("Power kW", "right"), ("Capex $", "right"), ("TCO $", "right"), ("GPUs", "left"), ("Pareto", "left")):
        table.add_column(column, justify=justify)
    for point in run.frontier:
        table.add_row(
            user_text(run.scenarios[point.scenario].name.removeprefix("frontier ")),
            _kw(point.power_w),
            _usd(point.capex_usd),
            _usd(point.tco_usd),
            gpus_text(run.results[point.scenario]).replace(";", ", ").replace("=", "×"),
            "yes" if point.pareto else user_text(f"same as {run.scenarios[point.same_as].name.removeprefix('frontier ')}" if point.same_as is not None else "dominated", style="dim"),
        )
    return table


def whatif_view(run: WhatIfRun) -> Group:
    parts: list[Any] = []
    if any(s.kind == "sweep" for s in run.scenarios):
        parts.append(comparison_table(run))
    for series in budget_series(run):
        parts.append(served_table(run, series))
        if series.cut_order:
            label = "" if series.label == "base" else f" ({escape_controls(series.label)})"
            groups: dict[float, list[str]] = {}
            for name, budget in series.cut_order:
                groups.setdefault(budget, []).append(name)
            text = "; then ".join(
                ", ".join(names) + (f" (short even at ${short_usd(budget)})" if budget == series.budgets[-1] else f" (short at ${short_usd(budget)})")
                for budget, names in groups.items()
            )
            parts.append(Text(f"cut first as money runs short{label}: {escape_controls(text)}"))
        missing = [(budget, run.results[index].status) for budget, index in zip(series.budgets, series.indices) if run.results[index].plan is None]
        if missing:
            label = "" if series.label == "base" else f" ({escape_controls(series.label)})"
            parts.append(Text(f"no plan{label} at " + ", ".join(f"${short_usd(budget)} ({status})" for budget, status in missing), style="red"))
        elif not series.cut_order:
            parts.append(Text("every workload is fully served at every budget" + ("" if series.label == "base" else f" ({escape_controls(series.label)})")))
    table = objective_table(run)
    if table is not None:
        parts.append(table)
    if run.frontier is not None:
        table = frontier_table(run)
        if table is not None:
            parts.append(table)
        if run.frontier_note:
            parts.append(user_text(run.frontier_note, style="red"))
    parts.append(Text("served = Σ priority × served share ÷ Σ priority; every plan passed the independent checker", style="dim"))
    return Group(*parts)


__all__ = [
    "BudgetSeries",
    "budget_series",
    "comparison_table",
    "cut_list",
    "rows",
    "served_fraction",
    "timings_json",
    "whatif_csv",
    "whatif_data",
    "whatif_json",
    "whatif_view",
    "write_outputs",
]
