"""Terminal and JSON views of a calibration: errors by group against the targets, and rows."""

from __future__ import annotations

import json

from rich.console import Group
from rich.table import Table
from rich.text import Text

from solver.calibration.report import TARGETS, RowResult, target_failures
from solver.calibration.run import Calibration


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def calibration_view(calibration: Calibration, *, show_rows: bool) -> Group:
    stats, excluded = calibration.stats, calibration.excluded
    table = Table(title="Predicted vs measured speed (decode tokens/s per sequence; prefill = 1 / time to first token)", title_justify="left", header_style="bold")
    for column in ("Group", "Figures", "Median error", "p90 error", "Worst factor off", "Held-out median error"):
        table.add_column(column, justify="left" if column == "Group" else "right")
    for group in stats:
        table.add_row(group.name, str(group.rows), _pct(group.median_error), _pct(group.p90_error), f"{group.max_factor:.2f}×", _pct(group.held_out_median_error))
    failures = target_failures(stats)
    verdict = Text(
        f"targets: median ≤ {TARGETS.median_error:.0%} overall and ≤ {TARGETS.group_median_error:.0%} per group, no figure off by more than "
        f"{TARGETS.max_factor_off:g}×, held-out (leave-one-source-out) median ≤ {TARGETS.held_out_median_error:.0%}: "
        + ("all met" if not failures else "MISSED — " + "; ".join(failures)),
        style="bold green" if not failures else "bold red",
    )
    sources = len({case.source for case in calibration.cases})
    head = Text(
        f"{len(calibration.cases)} measurements from {sources} sources ({calibration.measurements.name}); "
        f"{len(excluded)} figures excluded by the file's rules are listed apart, not counted"
    )
    parts: list = [head, table, verdict]
    if calibration.stale:
        parts.append(Text("speed_model.yaml was fitted to another measurement file: run `procure calibrate --write` to refit", style="bold yellow"))
    if show_rows:
        parts.append(_rows_table("Rows", calibration.rows))
    if excluded:
        parts.append(_rows_table("Excluded rows (not fitted, not counted)", excluded))
    return Group(*parts)


def _rows_table(title: str, rows: list[RowResult]) -> Table:
    table = Table(title=title, title_justify="left", header_style="bold")
    for column in ("Row", "Engine", "Hardware", "Model", "Format", "Split", "Batch", "Figure", "Measured", "Predicted", "Held out", "Error"):
        table.add_column(column, justify="right" if column in ("Batch", "Measured", "Predicted", "Held out", "Error") else "left")
    for row in sorted(rows, key=lambda r: r.id):
        table.add_row(
            row.id, row.engine, row.hardware, row.model, row.precision, row.split, str(row.batch), row.phase,
            f"{row.measured:,.3f}", f"{row.predicted:,.3f}", "–" if row.held_out is None else f"{row.held_out:,.3f}", _pct(row.error),
        )
    return table


def calibration_json(calibration: Calibration) -> str:
    stats, excluded = calibration.stats, calibration.excluded
    document = {
        "measurements": str(calibration.measurements),
        "rows": len(calibration.cases),
        "sources": len({case.source for case in calibration.cases}),
        "targets": TARGETS.__dict__,
        "target_failures": target_failures(stats),
        "groups": [group.as_dict() for group in stats],
        "figures": [row.as_dict() for row in calibration.rows],
        "excluded": [row.as_dict() for row in excluded],
        "stale_speed_model": calibration.stale,
    }
    return json.dumps(document, indent=2) + "\n"
