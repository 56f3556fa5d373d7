"""Measurements as calibration cases: the work the model would count for each published figure.

Decode figures are compared at the average context a sequence holds while decoding (prompt plus
half the output). A serving benchmark decodes as many of its concurrent requests as the engine's KV cache holds
(the rest queue); with more than one sequence it keeps admitting new prompts,
whose prefill stalls decode (solver.estimator.speed.serving_step_seconds); a static-batch
benchmark (llama-bench, a fixed batch started together) does not. Time to first token is compared
only where one prompt ran alone (batch 1), since under load it includes queueing. A figure
measured over the whole request (`includes_prefill`) is compared with the prompt's prefill plus
the decode steps.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from solver.estimator.bands import Setting, groups_of
from solver.catalog.loader import Catalog
from solver.estimator.deployment import Deployment, validate_deployment
from solver.estimator.memory import estimate_memory
from solver.estimator.speed import Device, batched_prefill_seconds, serving_step_seconds, step_time, whole_gpu
from solver.estimator.work import StepWork, decode_work, prefill_work
from solver.specs.measurement import Measurement
from solver.specs.model import ModelSpec
from solver.specs.performance import SpeedCoefficients


@dataclass(frozen=True)
class Case:
    row: Measurement
    model: ModelSpec
    deployment: Deployment
    device: Device
    groups: tuple[str, ...]
    decode: StepWork | None
    """Work of one decode step, when the row gives a decode figure."""
    prefill: StepWork | None
    """Work of the row's prompt, when the row gives a prefill figure."""
    new_prompt: StepWork | None
    """Work of each new prompt a serving benchmark admits while decoding (batch > 1)."""
    measured_decode: float | None
    """Per-sequence decode tokens/s (over the whole request when `end_to_end`)."""
    end_to_end: bool
    """The decode figure is output over the whole request, prompt processing included."""
    measured_prefill_seconds: float | None

    @property
    def source(self) -> str:
        return self.row.source


ENGINE_MEMORY_SHARE = 0.9
"""Share of device memory serving engines plan their KV cache in (vLLM gpu_memory_utilization 0.9)."""


def vllm_max_sequences(device_memory_bytes: int) -> int:
    """vLLM's default max_num_seqs (V1 engine arguments): 1024 on devices of 70 GiB or more, else 256."""
    return 1024 if device_memory_bytes >= 70 * 2**30 else 256


def running_sequences(row: Measurement, model: ModelSpec, deployment: Deployment, device: Device) -> int:
    """Sequences a serving engine actually decodes at once: the benchmark's concurrency, unless the
    KV cache cannot hold that many contexts (the rest wait in the queue) or the engine caps it."""
    if row.static_batch or row.batch == 1:
        return row.batch
    cap = row.batch
    if row.engine == "vllm":
        cap = min(cap, vllm_max_sequences(device.memory_bytes))
    usable = device.memory_bytes * ENGINE_MEMORY_SHARE
    low, high = 1, cap
    while low < high:
        middle = (low + high + 1) // 2
        if estimate_memory(model, replace(deployment, batch=middle)).per_gpu_bytes <= usable:
            low = middle
        else:
            high = middle - 1
    return low


def build_case(row: Measurement, catalog: Catalog) -> Case:
    model = catalog.model(row.model)
    gpu = catalog.gpu(row.hardware)
    context = row.input_tokens + row.output_tokens // 2
    device = whole_gpu(gpu, scaleup=row.link == "scaleup")
    requested = Deployment(precision=row.precision, kv_precision=row.kv_precision, context_tokens=context, batch=row.batch, tp=row.tp, pp=row.pp, ep=row.ep)
    validate_deployment(model, requested)
    running = running_sequences(row, model, requested, device)
    deployment = replace(requested, batch=running)
    measured_decode = row.decode_tokens_per_s_per_sequence
    if measured_decode is None and row.output_tokens_per_s is not None:
        measured_decode = row.output_tokens_per_s / running
    end_to_end = row.decode_tokens_per_s_per_sequence is None and row.includes_prefill
    prefill_seconds = None
    if row.prefill_tokens_per_s is not None:
        prefill_seconds = row.input_tokens / row.prefill_tokens_per_s
    elif row.ttft_s is not None and row.batch == 1:
        prefill_seconds = row.ttft_s
    return Case(
        row=row,
        model=model,
        deployment=deployment,
        device=device,
        groups=groups_of(Setting(model, row.precision, gpu, running, row.link)),
        decode=decode_work(model, deployment) if measured_decode is not None else None,
        prefill=prefill_work(model, deployment, row.input_tokens) if prefill_seconds is not None else None,
        new_prompt=prefill_work(model, deployment, row.input_tokens) if measured_decode is not None and (end_to_end or (running > 1 and not row.static_batch)) else None,
        measured_decode=measured_decode,
        end_to_end=end_to_end,
        measured_prefill_seconds=prefill_seconds,
    )


def build_cases(rows: tuple[Measurement, ...], catalog: Catalog) -> list[Case]:
    """Cases of the rows the fit uses (rows with `excluded` set are left out)."""
    return [build_case(row, catalog) for row in rows if row.excluded is None]


def excluded_cases(rows: tuple[Measurement, ...], catalog: Catalog) -> list[Case]:
    return [build_case(row, catalog) for row in rows if row.excluded is not None]


def predicted_decode(case: Case, coefficients: SpeedCoefficients) -> float:
    """Per-sequence decode tokens/s the model predicts for the case's benchmark."""
    assert case.decode is not None
    row = case.row
    step = step_time(case.decode, case.device, row.engine, coefficients, row.precision, phase="decode").seconds
    if case.end_to_end:
        assert case.new_prompt is not None
        first = step_time(case.new_prompt, case.device, row.engine, coefficients, row.precision, phase="prefill").seconds
        rest = (case.deployment.batch - 1) * batched_prefill_seconds(case.new_prompt, case.device, row.engine, coefficients, row.precision)
        return row.output_tokens / (first + rest + row.output_tokens * step)
    if case.new_prompt is not None:
        new_prompt = batched_prefill_seconds(case.new_prompt, case.device, row.engine, coefficients, row.precision)
        step = serving_step_seconds(step, new_prompt, case.deployment.batch, row.output_tokens)
    return 1.0 / step


def predicted_prefill_seconds(case: Case, coefficients: SpeedCoefficients) -> float:
    assert case.prefill is not None
    return step_time(case.prefill, case.device, case.row.engine, coefficients, case.row.precision, phase="prefill").seconds
