"""Does a model fit on N GPUs of a type, and with which TP×PP (or EP) split?"""

from __future__ import annotations

from dataclasses import dataclass, replace

from solver.errors import InputError
from solver.estimator.deployment import Deployment, valid_tp_degrees
from solver.estimator.engine_choice import choose_engine, unsupported_reason
from solver.estimator.estimates import DecodeEstimate, Performance, estimate_decode
from solver.estimator.memory import MemoryEstimate, estimate_memory
from solver.estimator.speed import whole_gpu
from solver.specs.assumptions import Assumptions
from solver.specs.hardware import GpuSpec
from solver.specs.model import ModelSpec


@dataclass(frozen=True)
class SplitResult:
    deployment: Deployment
    memory: MemoryEstimate
    usable_bytes: float
    engine: str | None
    speed: DecodeEstimate | None

    @property
    def fits(self) -> bool:
        return self.memory.per_gpu_bytes <= self.usable_bytes


def check_format_supported(gpu: GpuSpec, deployment: Deployment) -> None:
    if deployment.base_precision not in gpu.supported_formats:
        raise InputError(
            f"{gpu.id} cannot run {deployment.base_precision} weights natively",
            hint=f"{gpu.id} runs: {', '.join(gpu.supported_formats)}",
        )
    if not deployment.is_training and deployment.kv_precision not in gpu.supported_kv_formats:
        raise InputError(
            f"{gpu.id} cannot hold a {deployment.kv_precision} KV cache",
            hint=f"{gpu.id} supports KV precisions: {', '.join(gpu.supported_kv_formats)}",
        )


def inference_engine(performance: Performance, gpu: GpuSpec, deployment: Deployment) -> str:
    """The engine that runs an inference deployment on `gpu`, or an InputError saying why none does."""
    engine = choose_engine(performance.engines, performance.preferred_engines, gpu, deployment.precision, deployment.kv_precision, tp=deployment.tp, ep=deployment.ep)
    if engine is None:
        reason = unsupported_reason(performance.engines, performance.preferred_engines, gpu, deployment.precision, deployment.kv_precision)
        if choose_engine(performance.engines, performance.preferred_engines, gpu, deployment.precision, deployment.kv_precision) is not None:
            reason = f"no engine splits {deployment.precision} with TP{deployment.tp}/EP{deployment.ep} on {gpu.id} ({gpu.architecture})"
        raise InputError(reason, hint="choose another --precision, --gpu or split, or name an engine that runs it with --engine")
    return engine


def check_devices_linked(gpu: GpuSpec, devices: int) -> None:
    """Several devices need a link between them to share a model."""
    if devices > 1 and not gpu.has_device_link:
        raise InputError(
            f"{gpu.id} has no link between devices (no scale-up link, host_link_gb_s 0): a model runs on one device, not {devices}",
            hint="use one device (--count 1, or --tp/--pp/--ep/--dp 1), or a GPU with NVLink or PCIe peer links",
        )


def group_is_linked(gpu: GpuSpec, group: int) -> bool:
    """Whether a tensor/expert-parallel group of ``group`` GPUs has a link to run its collectives
    over: the scale-up link inside the domain, else the host link (as ``whole_gpu`` picks)."""
    return group == 1 or whole_gpu(gpu, scaleup=group <= gpu.max_scaleup_domain).link_bytes_per_s > 0


def check_split_runs(gpu: GpuSpec, deployment: Deployment) -> None:
    """Refuse a split the device has no link for (its speed would divide by a zero bandwidth)."""
    check_devices_linked(gpu, deployment.gpus)
    group = deployment.gpus_per_stage
    if not group_is_linked(gpu, group):
        raise InputError(
            f"{gpu.id} links at most {gpu.max_scaleup_domain} devices (scale-up domain) and has no host link: a tensor/expert-parallel group of {group} cannot run",
            hint=f"use --tp/--ep of at most {gpu.max_scaleup_domain}",
        )


def evaluate_split(model: ModelSpec, deployment: Deployment, gpu: GpuSpec, headroom: float, assumptions: Assumptions, nvlink: bool, performance: Performance) -> SplitResult:
    memory = estimate_memory(model, deployment, assumptions)
    usable = gpu.usable_memory_bytes * (1 - headroom)
    if deployment.is_training:
        return SplitResult(deployment, memory, usable, None, None)
    engine = choose_engine(performance.engines, performance.preferred_engines, gpu, deployment.precision, deployment.kv_precision, tp=deployment.tp, ep=deployment.ep)
    speed = None
    if engine is not None and memory.per_gpu_bytes <= usable:
        speed = estimate_decode(model, deployment, whole_gpu(gpu, nvlink), engine, performance.speed_model, assumptions.speed_confidence)
    return SplitResult(deployment, memory, usable, engine, speed)


def best_split(model: ModelSpec, base: Deployment, gpu: GpuSpec, count: int, headroom: float, assumptions: Assumptions, performance: Performance) -> SplitResult:
    """Over every TP×PP(×DP) split of `count` GPUs an engine accepts and the GPU has links for,
    the best one that fits (fastest planning decode speed; for training the fewest bytes per
    GPU), else the one closest to fitting. TP stays within the GPU's scale-up domain when it has one."""
    check_format_supported(gpu, base)
    check_devices_linked(gpu, count)
    if not base.is_training:
        inference_engine(performance, gpu, base)
    candidates: list[SplitResult] = []
    domain = gpu.max_scaleup_domain
    for tp in valid_tp_degrees(model, limit=count):
        if count % tp or not group_is_linked(gpu, tp):
            continue
        rest = count // tp
        nvlink = tp == 1 or tp <= domain
        pp_options = [rest] if not base.is_training else [p for p in range(1, min(rest, model.num_layers) + 1) if rest % p == 0]
        for pp in pp_options:
            if pp > model.num_layers:
                continue
            dp = rest // pp if base.is_training else 1
            deployment = replace(base, tp=tp, pp=pp, dp=dp)
            candidates.append(evaluate_split(model, deployment, gpu, headroom, assumptions, nvlink, performance))
    if model.moe is not None and not base.is_training and count > 1 and model.moe.num_experts % count == 0 and group_is_linked(gpu, count):
        for tp in valid_tp_degrees(model, limit=count):
            if count % tp == 0:
                deployment = replace(base, tp=tp, pp=1, ep=count)
                candidates.append(evaluate_split(model, deployment, gpu, headroom, assumptions, count <= domain, performance))
    runnable = [c for c in candidates if c.deployment.is_training or c.engine is not None]
    if not runnable:
        raise InputError(f"no tensor/pipeline split of {count} GPUs works for {model.id} on {gpu.id}", hint=f"use a GPU count divisible by one of {valid_tp_degrees(model)}")

    def rank(result: SplitResult) -> tuple:
        speed = result.speed.planning if result.speed else 0.0
        return (not result.fits, -speed if result.fits else result.memory.per_gpu_bytes, result.memory.per_gpu_bytes, result.deployment.pp)

    return min(runnable, key=rank)
