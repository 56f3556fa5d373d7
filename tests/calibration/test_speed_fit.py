"""The fitted speed model against the measurement set: the stored fit is the fit of the stored
measurements, its errors meet the targets per group (a regression test of accuracy, not of
time), the fast batch evaluation equals the estimator's own arithmetic, and no measurement is
special-cased in code."""

from __future__ import annotations

import math
import statistics
from pathlib import Path

import numpy as np
import pytest

import solver
from solver.calibration.batch import FigureBatch
from solver.calibration.cases import build_cases
from solver.calibration.fit import DEFAULT_SHRINKAGE, figures_of, fit, held_out_predictions
from solver.calibration.parameters import parameters_for
from solver.calibration.report import TARGETS, file_sha256, group_stats, row_results, target_failures
from solver.catalog import load_catalog
from solver.catalog.measurements import load_measurements, measurements_path

CATALOG = load_catalog(include_user=False)
ROWS = load_measurements(CATALOG)
CASES = build_cases(ROWS, CATALOG)
FIGURES = figures_of(CASES)
STORED = CATALOG.speed_model


def test_stored_fit_belongs_to_the_stored_measurements() -> None:
    assert STORED is not None
    assert STORED.measurements_sha256 == file_sha256(measurements_path()), "run `procure calibrate --write`"
    assert STORED.measurement_rows == len(CASES)


def test_every_group_meets_its_error_target_with_the_stored_coefficients() -> None:
    errors: dict[str, list[float]] = {}
    factors: dict[str, float] = {}
    for figure in FIGURES:
        predicted, measured = figure.predicted(STORED.coefficients), figure.measured
        for group in ("all", *figure.case.groups):
            errors.setdefault(group, []).append(abs(predicted - measured) / measured)
            factors[group] = max(factors.get(group, 1.0), predicted / measured, measured / predicted)
    assert statistics.median(errors["all"]) <= TARGETS.median_error
    for group, values in errors.items():
        assert statistics.median(values) <= TARGETS.group_median_error, group
        assert factors[group] <= TARGETS.max_factor_off, group
    assert STORED.fit_error["held_out_median_error"] <= TARGETS.held_out_median_error


def test_batch_evaluation_equals_the_estimator_figure_for_figure() -> None:
    parameters = parameters_for(CASES)
    batch = FigureBatch(CASES, parameters, FIGURES)
    rng = np.random.default_rng(7)
    for _ in range(3):
        theta = parameters.initial() + rng.normal(0, 0.4, len(parameters))
        coefficients = parameters.coefficients(theta)
        scalar = np.array([f.predicted(coefficients) for f in FIGURES])
        assert np.allclose(batch.predicted(theta), scalar, rtol=1e-9, atol=0)


def test_refit_reproduces_the_stored_coefficients() -> None:
    result = fit(CASES, shrinkage=DEFAULT_SHRINKAGE)
    fresh = result.coefficients.model_dump()
    for table, values in STORED.coefficients.model_dump().items():
        assert set(values) == set(fresh[table]), table
        for key, value in values.items():
            assert math.isclose(fresh[table][key], value, rel_tol=1e-4), (table, key)


def test_leave_one_source_out_generalises() -> None:
    """Each source predicted by a fit that never saw it: median error ≤ 30%."""
    result = fit(CASES, shrinkage=DEFAULT_SHRINKAGE)
    rows = row_results(CASES, result, held_out_predictions(CASES, result))
    assert not target_failures(group_stats(rows))


def test_no_measurement_is_special_cased_in_code() -> None:
    ids = {row.id for row in ROWS}
    package = Path(solver.__file__).parent
    for path in package.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not [i for i in ids if i in text], path


@pytest.mark.parametrize("quantile", [0.1, 0.5, 0.9])
def test_bands_bracket_the_estimate(quantile: float) -> None:
    band = STORED.decode_bands["all"]
    assert band.ratio(0.1) <= band.ratio(quantile) <= band.ratio(0.9)
    assert band.ratio(0.1) < 1 < band.ratio(0.9)
