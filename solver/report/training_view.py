"""Terminal views of a training budget and of the MFU calibration against published runs."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text

from solver.estimator.training_budget import TrainingBudget
from solver.estimator.training_mfu import RunCheck


def _count(value: float) -> str:
    for threshold, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if value >= threshold:
            return f"{value / threshold:,.3g}{suffix}"
    return f"{value:,.0f}"


def budget_view(budget: TrainingBudget) -> Group:
    mfu = budget.mfu
    lines = [
        f"training budget: {budget.model} ({budget.mode}, {budget.arithmetic.upper()} matmuls), {_count(budget.tokens)} tokens on {budget.gpus:,}× {budget.gpu}",
        f"  FLOPs {budget.flops:.3e} ({'6' if budget.mode == 'full' else '4'} × active parameters × tokens: model FLOPs, no attention, no recomputation)",
        f"  MFU {mfu.mfu:.3f} of the {budget.arithmetic.upper()} dense peak ({mfu.peak_flops / 1e12:,.0f} TFLOPS) = {mfu.flops_per_gpu / 1e12:,.0f} TFLOP/s per GPU — {mfu.basis}",
        f"  GPU-hours {budget.gpu_hours:,.0f} ({budget.gpu_hours / 1e6:,.3f} M); wall clock {budget.wall_clock_hours:,.0f} h = {budget.wall_clock_hours / 24:,.1f} days",
    ]
    for cost in budget.costs:
        lines.append(f"  cost {cost.label}: ${cost.usd:,.0f} at ${cost.usd_per_gpu_hour:,.2f}/GPU-hour ({cost.basis})")
    lines.append(f"  nodes: {budget.nodes.note}")
    lines.extend(f"  note: {note}" for note in budget.notes)
    return Group(Text("\n".join(lines), style="bold"))


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:+.1%}"


def calibration_table(checks: list[RunCheck]) -> Group:
    table = Table(title="Training MFU calibration: published whole runs predicted from the others (held out) and with themselves", title_justify="left", header_style="bold")
    for column, justify in (("Run", "left"), ("GPU", "left"), ("Arithmetic", "left"), ("Published GPU-hours", "right"), ("Run MFU", "right"),
                            ("MFU used", "right"), ("Error", "right"), ("Held-out MFU", "right"), ("Held-out error", "right")):
        table.add_column(column, justify=justify)
    for check in checks:
        run = check.run
        table.add_row(
            run.id, run.gpu, run.precision, f"{run.gpu_hours:,.0f}", f"{check.mfu:.3f}", f"{check.in_sample.mfu:.3f}", _pct(check.error(check.in_sample)),
            "–" if check.held_out is None else f"{check.held_out.mfu:.3f}", _pct(check.error(check.held_out)),
        )
    errors = sorted(abs(e) for e in (check.error(check.held_out) for check in checks) if e is not None)
    median = errors[len(errors) // 2] if errors else None
    footer = Text(
        "MFU = 6 × active parameters × tokens / (GPU-hours × 3600 × dense peak of the matmul arithmetic); the budget uses the median of the most similar runs "
        "(same architecture, arithmetic and scale, relaxed in that order; solver/estimator/training_mfu.py)"
        + ("" if median is None else f"; median held-out error {median:.1%} over {len(errors)} runs")
    )
    return Group(table, footer)
