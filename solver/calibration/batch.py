"""Predicted speeds of every calibration figure at once, for the fit's thousands of evaluations.

The arithmetic is solver.estimator.speed's own (`stage_terms`, `step_overhead_seconds`,
`hop_seconds`), applied to numpy arrays: every stage of every step the figures need is one
element, and each coefficient is gathered from θ by the element's key path. Only the gathering is
specific to this module; tests check its predictions equal the scalar ones figure for figure.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from solver.calibration.cases import Case
from solver.calibration.parameters import SIGMOID_TABLES, Parameters, case_keys
from solver.estimator.speed import FULL_REUSE_TOKENS, Rates, hop_seconds, stage_terms
from solver.estimator.work import StepWork
from solver.specs.performance import SpeedCoefficients

STAGE_FIELDS = ("weight_bytes", "expert_bytes", "kv_bytes", "linear_flops", "attention_flops", "layers", "moe_layers", "allreduces", "allreduce_bytes", "alltoalls", "alltoall_bytes", "group", "tokens")


class FigureBatch:
    """Every step (decode, prefill) the figures of `cases` need, flattened for numpy."""

    def __init__(self, cases: list[Case], parameters: Parameters, figures: list) -> None:
        """`figures` are solver.calibration.fit.Figure objects of `cases`, in residual order."""
        self.parameters = parameters
        self.figures = figures
        self.sentinel = len(parameters)
        self.steps: list[tuple[Case, StepWork, str]] = []
        step_of: dict[tuple[int, str], int] = {}
        for case in cases:
            for work, phase in ((case.decode, "decode"), (case.prefill or case.new_prompt, "prefill")):
                if work is not None:
                    step_of[(id(case), phase)] = len(self.steps)
                    self.steps.append((case, work, phase))
        columns: dict[str, list[float]] = {name: [] for name in STAGE_FIELDS}
        owner = []
        for index, (_, work, _) in enumerate(self.steps):
            for stage in work.stages:
                owner.append(index)
                for name in STAGE_FIELDS:
                    columns[name].append(getattr(stage, name))
        self.stages = SimpleNamespace(**{name: np.array(values, dtype=float) for name, values in columns.items()})
        self.owner = np.array(owner)
        self.paths = self._paths()
        self._constants()
        # Per figure: the steps it combines and how.
        self.decode_step = np.array([step_of.get((id(f.case), "decode"), -1) for f in figures])
        self.prefill_step = np.array([step_of.get((id(f.case), "prefill"), -1) for f in figures])
        self.is_decode = np.array([f.phase == "decode" for f in figures])
        self.serving = np.array([f.phase == "decode" and f.case.new_prompt is not None and not f.case.end_to_end for f in figures])
        self.end_to_end = np.array([f.phase == "decode" and f.case.end_to_end for f in figures])
        self.batch = np.array([f.case.deployment.batch for f in figures], dtype=float)
        self.output = np.array([f.case.row.output_tokens for f in figures], dtype=float)
        self.measured = np.array([f.measured for f in figures])

    def _paths(self) -> dict[str, np.ndarray]:
        """Per table, per step: θ indices of its key path (padded with the sentinel)."""
        tables: dict[str, list[list[int]]] = {}
        for case, work, phase in self.steps:
            keys = case_keys(case)
            for table in SpeedCoefficients.model_fields:
                path = keys.get(table)
                indices = self.parameters.touched(table, path) if path is not None else []
                if table == "dequant_compute_factor" and work.compute_format in ("fp8", "int8"):
                    indices = []
                tables.setdefault(table, []).append(indices + [self.sentinel] * (4 - len(indices)))
        return {table: np.array(rows) for table, rows in tables.items()}

    def _constants(self) -> None:
        per_step = [(case.device, work, phase) for case, work, phase in self.steps]
        engines = [case.row.engine for case, _, _ in self.steps]
        self.bandwidth = np.array([device.bandwidth_bytes_per_s for device, _, _ in per_step])
        self.matmul_peak = np.array([device.peak_flops(work.compute_format, engine) for (device, work, _), engine in zip(per_step, engines)])
        self.attention_peak = np.array([device.peak_flops("bf16", engine) for (device, _, _), engine in zip(per_step, engines)])
        self.link_bytes = np.array([device.link_bytes_per_s for device, _, _ in per_step])
        self.decode_phase = np.array([phase == "decode" for _, _, phase in per_step])
        self.sequences = np.array([work.sequences for _, work, _ in per_step], dtype=float)
        self.hops = np.array([hop_seconds(work, device, False) for device, work, _ in per_step])

    def _values(self, theta: np.ndarray) -> dict[str, np.ndarray]:
        extended = np.append(theta, 0.0)
        values = {}
        for table, paths in self.paths.items():
            summed = extended[paths].sum(axis=1)
            has_path = paths[:, 0] != self.sentinel
            if table in SIGMOID_TABLES:
                values[table] = 1.0 / (1.0 + np.exp(-summed))
            else:
                values[table] = np.where(has_path, np.exp(summed), FULL_REUSE_TOKENS if table == "weight_reuse_tokens" else 1.0)
        return values

    def predicted(self, theta: np.ndarray) -> np.ndarray:
        """Predicted speed of every figure (decode tokens/s per sequence; prefill 1/seconds)."""
        v = self._values(theta)
        phase_efficiency = np.where(self.decode_phase, v["decode_compute_efficiency"], v["prefill_compute_efficiency"])
        layer_us = np.where(self.decode_phase, v["layer_latency_us"], v["prefill_layer_latency_us"])
        link_rate = np.where(self.link_bytes > 0, self.link_bytes * v["link_efficiency"], 1.0)
        per_step = Rates(
            bandwidth=self.bandwidth * v["memory_efficiency"],
            matmul_peak=self.matmul_peak * phase_efficiency,
            attention_peak=self.attention_peak * phase_efficiency,
            weight_factor=v["weight_read_factor"],
            reuse_tokens=v["weight_reuse_tokens"],
            expert_factor=v["expert_read_factor"],
            kv_factor=v["kv_read_factor"],
            dequant=v["dequant_compute_factor"],
            layer_s=layer_us * 1e-6,
            moe_s=v["moe_layer_latency_us"] * 1e-6,
            collective_s=v["collective_latency_us"] * 1e-6,
            link_rate=link_rate,
        )
        per_stage = Rates(**{name: getattr(per_step, name)[self.owner] for name in Rates.__dataclass_fields__})
        memory, compute, fixed, comm = stage_terms(self.stages, per_stage)
        stage_seconds = np.maximum(memory, compute) + fixed + comm
        count = len(self.steps)
        step_seconds = np.bincount(self.owner, weights=stage_seconds, minlength=count)
        step_seconds += v["step_latency_us"] * 1e-6 + np.where(self.decode_phase, self.sequences * v["sequence_latency_us"] * 1e-6, 0.0) + self.hops
        compute_seconds = np.bincount(self.owner, weights=compute, minlength=count)
        decode = step_seconds[self.decode_step]
        prefill = step_seconds[self.prefill_step]
        batched_prompt = compute_seconds[self.prefill_step]
        serving = decode + self.batch / self.output * batched_prompt
        end_to_end = self.output / (prefill + (self.batch - 1) * batched_prompt + self.output * decode)
        speed = np.where(self.is_decode, 1.0 / np.where(self.serving, serving, decode), 1.0 / prefill)
        return np.where(self.end_to_end, end_to_end, speed)

    def log_errors(self, theta: np.ndarray) -> np.ndarray:
        return np.log(self.predicted(theta) / self.measured)
