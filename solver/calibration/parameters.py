"""The fit's parameters: one shared value per coefficient table and one deviation per class key
on the path from the most specific key to the default (see solver.calibration.fit).
Efficiencies live on the logit scale, factors and latencies on the log scale."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from solver.calibration.cases import Case
from solver.estimator.classes import speed_keys
from solver.specs.performance import SpeedCoefficients

SIGMOID_TABLES = ("memory_efficiency", "decode_compute_efficiency", "prefill_compute_efficiency", "link_efficiency")

PRIORS: dict[str, float] = {
    "memory_efficiency": 0.80,  # memory-bound GEMV kernels reach 70-90% of HBM peak (vendor STREAM-like figures)
    "decode_compute_efficiency": 0.50,
    "prefill_compute_efficiency": 0.50,  # large-GEMM model FLOPs utilisation in prefill
    "weight_read_factor": 1.0,
    "dequant_compute_factor": 1.0,
    "weight_reuse_tokens": 100.0,
    "expert_read_factor": 1.0,
    "kv_read_factor": 1.0,
    "layer_latency_us": 20.0,  # a few kernel launches of ~5 µs per layer (CUDA launch latency)
    "moe_layer_latency_us": 20.0,
    "prefill_layer_latency_us": 100.0,  # ~20 kernels per layer at ~5 µs launch each, no graph replay
    "step_latency_us": 100.0,
    "sequence_latency_us": 10.0,
    "collective_latency_us": 10.0,  # NCCL small-message all-reduce latency over NVLink
    "link_efficiency": 0.70,  # NCCL bus bandwidth vs link peak
}
"""Weak priors of the shared values, used only where no measurement informs a table."""
PRIOR_WEIGHT = 0.01


def forward(table: str, theta: float) -> float:
    if table in SIGMOID_TABLES:
        return 1.0 / (1.0 + math.exp(-theta))
    return math.exp(theta)


def inverse(table: str, value: float) -> float:
    if table in SIGMOID_TABLES:
        return math.log(value / (1 - value))
    return math.log(value)


def case_keys(case: Case) -> dict[str, tuple[str, ...]]:
    """Per table, the key path (most specific first, 'default' last) the case's figures read."""
    keys = speed_keys(case.row.engine, case.device.gpu, case.row.precision, case.device.link)
    paths = {name: keys.hardware for name in ("memory_efficiency", "decode_compute_efficiency", "prefill_compute_efficiency")}
    paths |= {name: keys.platform for name in ("expert_read_factor", "kv_read_factor", "layer_latency_us", "moe_layer_latency_us", "prefill_layer_latency_us", "step_latency_us", "sequence_latency_us")}
    paths |= {"collective_latency_us": keys.link, "link_efficiency": keys.link}
    if keys.format is not None:
        paths |= {"weight_read_factor": keys.format, "dequant_compute_factor": keys.format, "weight_reuse_tokens": keys.format}
    return paths


@dataclass
class Parameters:
    """Index of θ: one shared value per table, one deviation per (table, class key)."""

    index: dict[tuple[str, str], int] = field(default_factory=dict)
    paths: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    """(table, key) → the key path from that key up to, not including, 'default'."""

    def add(self, table: str, path: tuple[str, ...]) -> None:
        self.index.setdefault((table, "default"), len(self.index))
        for position, key in enumerate(path[:-1]):
            self.index.setdefault((table, key), len(self.index))
            self.paths[(table, key)] = path[position:-1]

    def __len__(self) -> int:
        return len(self.index)

    def touched(self, table: str, path: tuple[str, ...]) -> list[int]:
        return [self.index[(table, "default")]] + [self.index[(table, key)] for key in path[:-1]]

    def coefficients(self, theta: np.ndarray) -> SpeedCoefficients:
        tables: dict[str, dict[str, float]] = {name: {} for name in SpeedCoefficients.model_fields}
        for name in tables:
            shared = theta[self.index[(name, "default")]] if (name, "default") in self.index else inverse(name, PRIORS[name])
            tables[name]["default"] = forward(name, shared)
        for (name, key), path in self.paths.items():
            value = theta[self.index[(name, "default")]] + sum(theta[self.index[(name, k)]] for k in path)
            tables[name][key] = forward(name, value)
        return SpeedCoefficients.model_construct(**{name: dict(sorted(values.items())) for name, values in tables.items()})

    def initial(self) -> np.ndarray:
        theta = np.zeros(len(self))
        for (name, key), position in self.index.items():
            if key == "default":
                theta[position] = inverse(name, PRIORS[name])
        return theta


def parameters_for(cases: Iterable[Case]) -> Parameters:
    parameters = Parameters()
    for name in SpeedCoefficients.model_fields:
        parameters.index.setdefault((name, "default"), len(parameters.index))
    for case in cases:
        for table, path in case_keys(case).items():
            parameters.add(table, path)
    return parameters


