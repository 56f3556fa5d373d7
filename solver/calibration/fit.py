"""Fit the speed model's coefficients to the measurement set.

Least squares on log(predicted / measured) (scipy.optimize.least_squares, trust-region
reflective), one residual per published figure, each row weighted 1/√(rows of its source) so a
long table from one page does not outvote twenty single-figure sources.

Parameters are hierarchical so that sparse classes borrow strength: every table has a free
shared value θ_T (its 'default'), and each class key k on the path from the most specific key
to the default adds a deviation δ_T,k penalised by √λ·δ (ridge shrinkage, i.e. a Gaussian prior
centred on the shared value; Gelman et al., "Bayesian Data Analysis", ch. 5). A class without
measurements therefore gets exactly the shared value. Efficiencies live on the logit scale,
factors and latencies on the log scale, so every fitted value stays in its physical range.
The shared values carry a weak prior (PRIORS, weight PRIOR_WEIGHT) that only decides a table no
measurement informs; with data its pull is negligible (its weight is 1% of one figure's).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import least_squares
from scipy.sparse import lil_matrix

from solver.calibration.batch import FigureBatch
from solver.calibration.cases import Case, predicted_decode, predicted_prefill_seconds
from solver.calibration.parameters import PRIOR_WEIGHT, PRIORS, Parameters, case_keys, inverse, parameters_for
from solver.specs.performance import SpeedCoefficients

WEIGHT_POWER = 0.5
DEFAULT_SHRINKAGE = 0.001
"""λ of the class deviations, chosen by the leave-one-source-out error (README, calibration)."""

@dataclass(frozen=True)
class Figure:
    """One published figure a residual compares with: a case's decode or prefill."""

    case: Case
    phase: str

    @property
    def measured(self) -> float:
        """As a speed (higher is faster) so every residual reads log(predicted/measured speed)."""
        if self.phase == "decode":
            assert self.case.measured_decode is not None
            return self.case.measured_decode
        assert self.case.measured_prefill_seconds is not None
        return 1.0 / self.case.measured_prefill_seconds

    def predicted(self, coefficients: SpeedCoefficients) -> float:
        if self.phase == "decode":
            return predicted_decode(self.case, coefficients)
        return 1.0 / predicted_prefill_seconds(self.case, coefficients)


def figures_of(cases: Iterable[Case]) -> list[Figure]:
    figures = []
    for case in cases:
        if case.decode is not None:
            figures.append(Figure(case, "decode"))
        if case.prefill is not None:
            figures.append(Figure(case, "prefill"))
    return figures


def _weights(figures: list[Figure]) -> np.ndarray:
    per_source: dict[str, int] = {}
    for figure in figures:
        per_source[figure.case.source] = per_source.get(figure.case.source, 0) + 1
    return np.array([1.0 / per_source[f.case.source] ** WEIGHT_POWER for f in figures])


@dataclass(frozen=True)
class FitResult:
    parameters: Parameters
    theta: np.ndarray
    coefficients: SpeedCoefficients
    cost: float
    shrinkage: float


def fit(cases: list[Case], *, shrinkage: float = DEFAULT_SHRINKAGE, parameters: Parameters | None = None, start: np.ndarray | None = None) -> FitResult:
    """Coefficients minimising the weighted squared log errors plus the shrinkage penalty."""
    parameters = parameters or parameters_for(cases)
    figures = figures_of(cases)
    weights = _weights(figures)
    deviations = [position for (name, key), position in parameters.index.items() if key != "default"]
    shared = [(position, inverse(name, PRIORS[name])) for (name, key), position in parameters.index.items() if key == "default"]
    root_shrinkage, root_prior = math.sqrt(shrinkage), math.sqrt(PRIOR_WEIGHT)

    batch = FigureBatch(cases, parameters, figures)
    deviation_index = np.array(deviations, dtype=int)
    shared_index = np.array([p for p, _ in shared], dtype=int)
    shared_prior = np.array([value for _, value in shared])

    def residuals(theta: np.ndarray) -> np.ndarray:
        data = weights * batch.log_errors(theta)
        return np.concatenate([data, root_shrinkage * theta[deviation_index], root_prior * (theta[shared_index] - shared_prior)])

    sparsity = lil_matrix((len(figures) + len(deviations) + len(shared), len(parameters)), dtype=int)
    for row, figure in enumerate(figures):
        for table, path in case_keys(figure.case).items():
            for column in parameters.touched(table, path):
                sparsity[row, column] = 1
    for offset, position in enumerate(deviations):
        sparsity[len(figures) + offset, position] = 1
    for offset, (position, _) in enumerate(shared):
        sparsity[len(figures) + len(deviations) + offset, position] = 1
    theta0 = parameters.initial() if start is None else start
    result = least_squares(residuals, theta0, jac_sparsity=sparsity, method="trf", x_scale=1.0, max_nfev=400)
    return FitResult(parameters, result.x, parameters.coefficients(result.x), float(result.cost), shrinkage)


def held_out_predictions(cases: list[Case], full: FitResult, progress: Callable[[int, int], None] | None = None) -> dict[int, float]:
    """Leave-one-source-out: for each source, refit without its rows and predict them.
    Returns predicted speed by figure position in figures_of(cases)."""
    figures = figures_of(cases)
    sources = sorted({case.source for case in cases})
    predictions: dict[int, float] = {}
    for number, source in enumerate(sources):
        kept = [case for case in cases if case.source != source]
        refit = fit(kept, shrinkage=full.shrinkage, parameters=full.parameters, start=full.theta)
        for position, figure in enumerate(figures):
            if figure.case.source == source:
                predictions[position] = figure.predicted(refit.coefficients)
        if progress is not None:
            progress(number + 1, len(sources))
    return predictions
