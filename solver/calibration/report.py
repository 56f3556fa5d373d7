"""Predicted against measured, by row and by group, and the residual bands the estimator uses.

Errors are relative to the measurement: |predicted − measured| / measured. A row's "factor off"
is max(predicted/measured, measured/predicted). Held-out figures come from leave-one-source-out
refits (solver.calibration.fit.held_out_predictions): the model never saw the source it predicts.
"""

from __future__ import annotations

import hashlib
import statistics
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from solver.calibration.fit import FitResult, figures_of
from solver.calibration.cases import Case
from solver.estimator.bands import GROUP_NAMES, MIN_BAND_ROWS
from solver.specs.performance import ResidualBand, SpeedModelFile

BAND_QUANTILES = (0.05, 0.1, 0.2, 0.5, 0.8, 0.9, 0.95)


@dataclass(frozen=True)
class RowResult:
    id: str
    source: str
    engine: str
    hardware: str
    model: str
    precision: str
    split: str
    batch: int
    phase: str
    groups: tuple[str, ...]
    measured: float
    predicted: float
    held_out: float | None

    @property
    def error(self) -> float:
        return abs(self.predicted - self.measured) / self.measured

    @property
    def held_out_error(self) -> float | None:
        return None if self.held_out is None else abs(self.held_out - self.measured) / self.measured

    @property
    def factor_off(self) -> float:
        return max(self.predicted / self.measured, self.measured / self.predicted)

    def as_dict(self) -> dict:
        return {
            "id": self.id, "source": self.source, "engine": self.engine, "hardware": self.hardware, "model": self.model,
            "precision": self.precision, "split": self.split, "batch": self.batch, "phase": self.phase, "groups": list(self.groups),
            "measured": round(self.measured, 4), "predicted": round(self.predicted, 4),
            "held_out": None if self.held_out is None else round(self.held_out, 4),
            "error": round(self.error, 4), "held_out_error": None if self.held_out_error is None else round(self.held_out_error, 4),
        }


@dataclass(frozen=True)
class GroupStats:
    name: str
    rows: int
    median_error: float
    p90_error: float
    max_factor: float
    held_out_median_error: float | None

    def as_dict(self) -> dict:
        return {
            "group": self.name, "rows": self.rows, "median_error": round(self.median_error, 4), "p90_error": round(self.p90_error, 4),
            "max_factor_off": round(self.max_factor, 3),
            "held_out_median_error": None if self.held_out_median_error is None else round(self.held_out_median_error, 4),
        }


def row_results(cases: list[Case], result: FitResult, held_out: dict[int, float] | None) -> list[RowResult]:
    rows = []
    for position, figure in enumerate(figures_of(cases)):
        case, row = figure.case, figure.case.row
        split = f"TP{row.tp}" + (f"×EP{row.ep}" if row.ep > 1 else "") + (f"×PP{row.pp}" if row.pp > 1 else "") + (f" {row.link}" if row.link != "none" else "")
        rows.append(
            RowResult(
                id=row.id, source=row.source, engine=row.engine, hardware=row.hardware, model=row.model, precision=row.precision,
                split=split, batch=row.batch, phase=figure.phase, groups=case.groups, measured=figure.measured,
                predicted=figure.predicted(result.coefficients), held_out=None if held_out is None else held_out.get(position),
            )
        )
    return rows


def _quantile(values: list[float], q: float) -> float:
    return float(np.quantile(np.array(values), q))


def group_stats(rows: list[RowResult]) -> list[GroupStats]:
    """'all', then each group with at least one row."""
    stats = []
    for name in ("all",) + GROUP_NAMES:
        members = [r for r in rows if name == "all" or name in r.groups]
        if not members:
            continue
        errors = [r.error for r in members]
        held = [r.held_out_error for r in members if r.held_out_error is not None]
        stats.append(
            GroupStats(
                name=name,
                rows=len(members),
                median_error=statistics.median(errors),
                p90_error=_quantile(errors, 0.9),
                max_factor=max(r.factor_off for r in members),
                held_out_median_error=statistics.median(held) if held else None,
            )
        )
    return stats


def residual_bands(rows: list[RowResult], phase: str) -> dict[str, ResidualBand]:
    """Quantiles of measured/predicted (held-out where available) for 'all' and each group with
    enough rows: the band a deployment in that group gets."""
    bands = {}
    for name in ("all",) + GROUP_NAMES:
        ratios = [r.measured / (r.held_out if r.held_out is not None else r.predicted) for r in rows if r.phase == phase and (name == "all" or name in r.groups)]
        if not ratios or (name != "all" and len(ratios) < MIN_BAND_ROWS):
            continue
        bands[name] = ResidualBand(rows=len(ratios), quantiles={f"{q:g}": round(_quantile(ratios, q), 4) for q in BAND_QUANTILES})
    return bands


def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def speed_model_file(result: FitResult, rows: list[RowResult], measurements_path: Path, fitted_on, method: str, script: str) -> SpeedModelFile:
    stats = {s.name: s for s in group_stats(rows)}
    overall = stats["all"]
    fit_error = {
        "median_error": round(overall.median_error, 4),
        "p90_error": round(overall.p90_error, 4),
        "max_factor_off": round(overall.max_factor, 3),
    }
    if overall.held_out_median_error is not None:
        fit_error["held_out_median_error"] = round(overall.held_out_median_error, 4)
    decode = residual_bands(rows, "decode")
    prefill = residual_bands(rows, "prefill") or {"all": decode["all"]}
    coefficients = {name: {key: float(f"{value:.6g}") for key, value in table.items()} for name, table in result.coefficients.model_dump().items()}
    return SpeedModelFile(
        fitted_on=fitted_on,
        measurement_rows=len({r.id for r in rows}),
        measurements_sha256=file_sha256(measurements_path),
        method=method,
        script=script,
        coefficients=coefficients,
        decode_bands=decode,
        prefill_bands=prefill,
        fit_error=fit_error,
    )


@dataclass(frozen=True)
class Targets:
    """What the speed model must achieve over the fitted rows (issue #7's acceptance criteria)."""

    median_error: float = 0.20
    group_median_error: float = 0.35
    max_factor_off: float = 2.0
    held_out_median_error: float = 0.30


TARGETS = Targets()


def target_failures(stats: list[GroupStats], targets: Targets = TARGETS) -> list[str]:
    """Each missed target, one line each (empty: all met)."""
    failures = []
    for group in stats:
        limit = targets.median_error if group.name == "all" else targets.group_median_error
        if group.median_error > limit:
            failures.append(f"{group.name}: median error {group.median_error:.1%} > {limit:.0%}")
        if group.max_factor > targets.max_factor_off:
            failures.append(f"{group.name}: a row is off by {group.max_factor:.2f}x > {targets.max_factor_off:g}x")
        if group.name == "all" and group.held_out_median_error is not None and group.held_out_median_error > targets.held_out_median_error:
            failures.append(f"all: held-out median error {group.held_out_median_error:.1%} > {targets.held_out_median_error:.0%}")
    return failures
