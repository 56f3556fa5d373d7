"""Model FLOPs utilisation of training, calibrated on published runs (catalogs/training_runs.yaml).

Definition (PaLM, Chowdhery et al. 2022 §4; Korthikanti et al. 2022): MFU = model FLOPs per
second / peak FLOPs, where model FLOPs = 6 · N_active · tokens (forward 2N, backward 4N; no
attention FLOPs, no recomputation) and the peak is the dense peak of the arithmetic the matrix
multiplications run in: FP8 for FP8 mixed-precision training, BF16 otherwise. A published run's
MFU is its whole-run average, 6·N·D / (GPU-hours · 3600 · peak): downtime, restarts and
checkpointing are in its GPU-hours, as they are in any budget.

A budget takes the median MFU of the published whole runs most like it, relaxing one criterion
at a time until some run qualifies:
1. the same GPU architecture (hopper, ampere, ...), arithmetic and model scale;
2. the same architecture and arithmetic, any scale;
3. FP8 only: the same architecture's BF16 runs, against the BF16 peak (FP8's gain not credited);
4. any architecture, the same arithmetic (then BF16) and scale, against this GPU's own peak.
Scale: MFU rises with model size, as larger matrix multiplications fill the GPU better (Narayanan
et al. 2021, SC'21, Table 1: 44% of the A100 peak at 1.7B parameters, 52% at 1T), so runs of
models with at least LARGE_MODEL_ACTIVE_PARAMS active parameters calibrate large models and the
rest small ones. The median keeps one unusual run (e.g. GPU-hours that include other work) from
moving the figure.
"""

from __future__ import annotations

import statistics
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from solver.errors import InputError
from solver.specs.hardware import GpuSpec
from solver.specs.training_runs import TrainingRun

LARGE_MODEL_ACTIVE_PARAMS = 30e9
"""Active parameters from which a model counts as large for MFU (module docstring)."""
SECONDS_PER_HOUR = 3600
TRAINING_ARITHMETIC = ("bf16", "fp8")


def model_flops_per_token(active_params: float) -> float:
    """6·N: forward 2N, backward 4N (Kaplan et al. 2020)."""
    return 6 * active_params


def peak_flops(gpu: GpuSpec, arithmetic: str) -> float:
    """Dense peak FLOP/s of `gpu` in the training arithmetic."""
    if arithmetic == "fp8":
        if gpu.fp8_tflops is None:
            raise InputError(f"{gpu.id} has no native FP8 ({gpu.architecture}): FP8 training needs Hopper, Ada, Blackwell, MI300-class or Gaudi 3", hint="train in bf16 (--precision bf16)")
        return gpu.fp8_tflops * 1e12
    return gpu.bf16_tflops * 1e12


def run_mfu(run: TrainingRun, gpu: GpuSpec) -> float:
    """The run's MFU on procure's basis (whole-run average for `run` rows)."""
    peak = peak_flops(gpu, run.precision)
    if run.kind == "run":
        assert run.tokens is not None and run.gpu_hours is not None
        return model_flops_per_token(run.params_active) * run.tokens / (run.gpu_hours * SECONDS_PER_HOUR * peak)
    assert run.tokens_per_s_per_gpu is not None
    return model_flops_per_token(run.params_active) * run.tokens_per_s_per_gpu / peak


def scale(active_params: float) -> str:
    return "large" if active_params >= LARGE_MODEL_ACTIVE_PARAMS else "small"


@dataclass(frozen=True)
class CalibratedMfu:
    mfu: float
    """Against `peak_flops` (the arithmetic's peak of the budget's GPU)."""
    arithmetic: str
    peak_flops: float
    runs: tuple[str, ...]
    """The published runs whose median it is."""
    basis: str
    """One sentence: which runs, on which peak, and what was relaxed."""

    @property
    def flops_per_gpu(self) -> float:
        return self.mfu * self.peak_flops


@dataclass(frozen=True)
class _Measured:
    run: TrainingRun
    architecture: str
    mfu: float


def _measured(runs: Sequence[TrainingRun], gpus: Mapping[str, GpuSpec], exclude: Collection[str]) -> list[_Measured]:
    return [_Measured(run, gpus[run.gpu].architecture, run_mfu(run, gpus[run.gpu])) for run in runs if run.kind == "run" and run.id not in exclude]


def calibrated_mfu(runs: Sequence[TrainingRun], gpus: Mapping[str, GpuSpec], gpu: GpuSpec, arithmetic: str, active_params: float, exclude: Collection[str] = ()) -> CalibratedMfu | None:
    """The MFU a budget on `gpu` in `arithmetic` for a model of `active_params` counts on (None:
    no published run qualifies). `exclude` leaves runs out (held-out checks)."""
    if arithmetic not in TRAINING_ARITHMETIC:
        raise InputError(f"training arithmetic must be bf16 or fp8 (got {arithmetic})")
    peak = peak_flops(gpu, arithmetic)
    measured = _measured(runs, gpus, exclude)
    size = scale(active_params)
    arch = gpu.architecture
    # (arithmetic of the runs, their scale, same architecture only, what was relaxed)
    steps: list[tuple[str, str, bool, str]] = [
        (arithmetic, size, True, ""),
        (arithmetic, "any", True, f"no {size} {arithmetic} run on {arch}: {arithmetic} runs of any scale"),
    ]
    if arithmetic == "fp8":
        steps += [
            ("bf16", size, True, f"no FP8 run on {arch}: its BF16 runs against the BF16 peak, FP8's gain not credited"),
            ("bf16", "any", True, f"no FP8 run on {arch}: its BF16 runs of any scale against the BF16 peak, FP8's gain not credited"),
        ]
    steps.append((arithmetic, size, False, f"no published run on {arch}: {size} {arithmetic} runs on other GPUs, against {gpu.id}'s own peak"))
    if arithmetic == "fp8":
        steps.append(("bf16", size, False, f"no FP8 or {arch} run: {size} BF16 runs on other GPUs against {gpu.id}'s BF16 peak"))
    for run_arithmetic, run_scale, same_arch, note in steps:
        chosen = [
            m for m in measured
            if m.run.precision == run_arithmetic and (run_scale == "any" or scale(m.run.params_active) == run_scale) and (m.architecture == arch or not same_arch)
        ]
        if not chosen:
            continue
        mfu = statistics.median(m.mfu for m in chosen)
        if run_arithmetic != arithmetic:
            # BF16 runs' throughput on this GPU, expressed against the FP8 peak.
            mfu *= peak_flops(gpu, run_arithmetic) / peak
        ids = tuple(sorted(m.run.id for m in chosen))
        where = f"on {arch}" if same_arch else "on other GPUs"
        basis = (
            f"median of {len(chosen)} published whole run{'s' if len(chosen) > 1 else ''} {where} "
            f"({', '.join(f'{m.run.id} {m.mfu:.3f}' for m in sorted(chosen, key=lambda m: m.run.id))}) against the {run_arithmetic.upper()} dense peak"
        )
        if note:
            basis += f"; {note}"
        return CalibratedMfu(mfu, arithmetic, peak, ids, basis)
    return None


@dataclass(frozen=True)
class RunCheck:
    """A published run's GPU-hours predicted from the others (held out) and with itself."""

    run: TrainingRun
    mfu: float
    in_sample: CalibratedMfu
    held_out: CalibratedMfu | None

    def predicted_gpu_hours(self, calibrated: CalibratedMfu | None) -> float | None:
        if calibrated is None:
            return None
        assert self.run.tokens is not None
        return model_flops_per_token(self.run.params_active) * self.run.tokens / (calibrated.flops_per_gpu * SECONDS_PER_HOUR)

    def error(self, calibrated: CalibratedMfu | None) -> float | None:
        predicted = self.predicted_gpu_hours(calibrated)
        assert self.run.gpu_hours is not None
        return None if predicted is None else predicted / self.run.gpu_hours - 1


def calibration_checks(runs: Sequence[TrainingRun], gpus: Mapping[str, GpuSpec]) -> list[RunCheck]:
    """Every whole run predicted from the calibration with and without itself."""
    checks = []
    for run in runs:
        if run.kind != "run":
            continue
        gpu = gpus[run.gpu]
        in_sample = calibrated_mfu(runs, gpus, gpu, run.precision, run.params_active)
        assert in_sample is not None  # the run itself qualifies
        held_out = calibrated_mfu(runs, gpus, gpu, run.precision, run.params_active, exclude={run.id})
        checks.append(RunCheck(run, run_mfu(run, gpu), in_sample, held_out))
    return checks
