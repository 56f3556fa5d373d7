"""`procure calibrate`: fit the speed model to the measurement set, score it in-sample and held
out by source, and (with --write) store the coefficients and bands the estimator uses."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from solver.calibration.cases import Case, build_cases, excluded_cases
from solver.calibration.fit import DEFAULT_SHRINKAGE, FitResult, fit, held_out_predictions
from solver.calibration.report import GroupStats, RowResult, file_sha256, group_stats, row_results, speed_model_file
from solver.catalog.loader import Catalog
from solver.catalog.measurements import load_measurements, measurements_path
from solver.catalog.performance import SPEED_MODEL_FILENAME
from solver.report.atomic import write_text_atomic
from solver.specs.performance import SpeedModelFile

METHOD = (
    "weighted least squares on log(predicted/measured speed), one residual per published figure, rows weighted "
    "1/sqrt(rows of their source); hierarchical class deviations with ridge shrinkage toward each table's shared "
    "value (scipy.optimize.least_squares, trust-region reflective); bands from leave-one-source-out residuals"
)
SCRIPT = "procure calibrate --write"


@dataclass(frozen=True)
class Calibration:
    cases: list[Case]
    fit: FitResult
    rows: list[RowResult]
    """Fresh fit in-sample, with held-out predictions when computed. The fit is deterministic,
    so unless `stale`, these are the stored speed_model.yaml's predictions."""
    measurements: Path
    stale: bool
    """The stored speed model was fitted to a different measurement file."""
    excluded: list[RowResult]
    """Rows the file's rules leave out, predicted with the fresh fit."""

    @property
    def stats(self) -> list[GroupStats]:
        return group_stats(self.rows)


def calibrate(catalog: Catalog, *, held_out: bool = True, shrinkage: float = DEFAULT_SHRINKAGE, measurements: Path | None = None, progress: Callable[[int, int], None] | None = None) -> Calibration:
    path = measurements or measurements_path()
    rows = load_measurements(catalog, path)
    cases = build_cases(rows, catalog)
    result = fit(cases, shrinkage=shrinkage)
    predictions = held_out_predictions(cases, result, progress) if held_out else None
    results = row_results(cases, result, predictions)
    stored = catalog.speed_model
    stale = stored is None or stored.measurements_sha256 != file_sha256(path)
    excluded = row_results(excluded_cases(rows, catalog), result, None)
    return Calibration(cases, result, results, path, stale, excluded)


def speed_model_document(calibration: Calibration, fitted_on: dt.date) -> SpeedModelFile:
    return speed_model_file(calibration.fit, calibration.rows, calibration.measurements, fitted_on, METHOD, SCRIPT)


def speed_model_yaml(document: SpeedModelFile) -> str:
    header = (
        "# Fitted speed model: written by `procure calibrate --write` from measurements.yaml; do not edit by hand.\n"
        "# Coefficient tables are keyed by class (solver/estimator/classes.py); 'default' is the shared value\n"
        "# used by classes without measurements of their own. Bands are quantiles of measured/predicted speed\n"
        "# over held-out (leave-one-source-out) predictions, by calibration group (solver/estimator/bands.py).\n"
    )
    return header + yaml.safe_dump(document.model_dump(mode="json"), sort_keys=False, allow_unicode=True, width=110)


def write_speed_model(calibration: Calibration, directory: Path, fitted_on: dt.date) -> Path:
    return write_text_atomic(directory / SPEED_MODEL_FILENAME, speed_model_yaml(speed_model_document(calibration, fitted_on)))
