"""The calculator questions behind `procure estimate` and `procure fits`, as plain data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from solver.catalog import Catalog
from solver.errors import InputError
from solver.estimator.deployment import Deployment
from solver.estimator.estimates import DecodeEstimate, Performance, TtftEstimate, estimate_decode, estimate_ttft
from solver.estimator.fit import SplitResult, best_split, check_format_supported, check_split_runs, inference_engine
from solver.estimator.memory import MemoryEstimate, estimate_memory
from solver.estimator.speed import training_hours, whole_gpu
from solver.specs.assumptions import Assumptions
from solver.specs.hardware import GpuSpec
from solver.specs.model import ModelSpec

if TYPE_CHECKING:
    from solver.estimator.training_budget import TrainingBudget

DEFAULT_HEADROOM = 0.10
MAX_COUNT = 100_000
"""GPUs `fits` splits a model over: beyond any single deployment (and the split search is linear in it)."""


@dataclass(frozen=True)
class EstimateReport:
    model: ModelSpec
    gpu: GpuSpec | None
    memory: MemoryEstimate
    usable_bytes: float | None
    """Per GPU, after headroom (None without a GPU)."""
    decode: DecodeEstimate | None
    """None without a GPU, for training, and when the deployment does not fit: no speed is
    estimated for a configuration that cannot run."""
    ttft: TtftEstimate | None
    prompt_tokens: int | None

    @property
    def fits(self) -> bool | None:
        """Whether each GPU holds its share (None without a GPU)."""
        return None if self.usable_bytes is None else self.memory.per_gpu_bytes <= self.usable_bytes

    @property
    def engine(self) -> str | None:
        return None if self.decode is None else self.decode.engine

    def as_dict(self) -> dict:
        memory = self.memory
        deployment = memory.deployment
        parts = memory.all_gpus
        result = {
            "model": self.model.id,
            "precision": deployment.precision,
            "kv_precision": deployment.kv_precision,
            "mode": deployment.mode,
            "context_tokens": deployment.context_tokens,
            "batch": deployment.batch,
            "tp": deployment.tp,
            "pp": deployment.pp,
            "dp": deployment.dp,
            "ep": deployment.ep,
            "gpus": deployment.gpus,
            "params_total": round(memory.params_total),
            "params_active": round(memory.params_active),
            "trainable_params": round(memory.trainable_params),
            "model_weights_bytes": round(memory.model_weights_bytes),
            "kv_bytes_per_token": round(memory.kv_bytes_per_token),
            "weights_bytes": round(parts.weights),
            "kv_cache_bytes": round(parts.kv_cache),
            "activations_bytes": round(parts.activations),
            "gradients_bytes": round(parts.gradients),
            "optimizer_bytes": round(parts.optimizer),
            "overhead_bytes": round(parts.overhead),
            "total_bytes": round(parts.total),
            "per_gpu_bytes": round(memory.per_gpu_bytes),
            "per_gpu": {
                "weights_bytes": round(memory.per_gpu.weights),
                "kv_cache_bytes": round(memory.per_gpu.kv_cache),
                "activations_bytes": round(memory.per_gpu.activations),
                "gradients_bytes": round(memory.per_gpu.gradients),
                "optimizer_bytes": round(memory.per_gpu.optimizer),
                "overhead_bytes": round(memory.per_gpu.overhead),
            },
        }
        if self.gpu is not None:
            result["gpu"] = self.gpu.id
            result["gpu_memory_bytes"] = int(self.gpu.memory)
            result["usable_bytes_per_gpu"] = None if self.usable_bytes is None else round(self.usable_bytes)
            result["fits"] = self.fits
        if self.gpu is not None and self.decode is None:
            result["decode_tokens_per_s"] = result["ttft_s"] = None  # no speed for what cannot run (or trains)
        if self.decode is not None:
            decode = self.decode
            result["engine"] = decode.engine
            result["decode_tokens_per_s"] = round(decode.central, 3)
            result["decode_tokens_per_s_band"] = [round(decode.low, 3), round(decode.high, 3)]
            result["decode_tokens_per_s_planning"] = round(decode.planning, 3)
            result["speed_confidence"] = decode.confidence
            result["band_group"] = decode.band_group
            result["aggregate_tokens_per_s"] = round(decode.central * deployment.batch, 3)
            result["decode_bound"] = decode.bound
        if self.ttft is not None:
            result["prompt_tokens"] = self.prompt_tokens
            result["ttft_s"] = round(self.ttft.central, 4)
            result["ttft_s_band"] = [round(self.ttft.low, 4), round(self.ttft.high, 4)]
            result["ttft_s_planning"] = round(self.ttft.planning, 4)
        return result


def _speeds(model: ModelSpec, deployment: Deployment, gpu: GpuSpec, assumptions: Assumptions, performance: Performance, fits: bool) -> tuple[DecodeEstimate | None, TtftEstimate | None, int | None]:
    if deployment.is_training or not fits:
        return None, None, None
    engine = inference_engine(performance, gpu, deployment)
    device = whole_gpu(gpu, scaleup=deployment.gpus_per_stage <= gpu.max_scaleup_domain)
    decode = estimate_decode(model, deployment, device, engine, performance.speed_model, assumptions.speed_confidence)
    prompt = max(1, deployment.context_tokens - min(512, deployment.context_tokens // 2))
    ttft = estimate_ttft(model, deployment, device, prompt, engine, performance.speed_model, assumptions.speed_confidence)
    return decode, ttft, prompt


def performance(catalog: Catalog, engine: str | None = None) -> Performance:
    """The catalog's speed model and engine matrix; `engine` restricts estimates to that engine."""
    if catalog.speed_model is None or catalog.engines is None:
        raise InputError("the catalog has no speed model or engine matrix (speed_model.yaml, engines.yaml)", hint="reinstall procure")
    return Performance(catalog.speed_model, catalog.engines, (engine,) if engine else None)


def check_context(model: ModelSpec, deployment: Deployment) -> None:
    if deployment.context_tokens > model.max_position_embeddings:
        raise InputError(
            f"--context {deployment.context_tokens:,} exceeds {model.id}'s maximum context of {model.max_position_embeddings:,} tokens",
            hint=f"use --context {model.max_position_embeddings} or less",
        )


def estimate(catalog: Catalog, model_name: str, deployment: Deployment, gpu_name: str | None, assumptions: Assumptions = Assumptions(), headroom: float = DEFAULT_HEADROOM, engine: str | None = None) -> EstimateReport:
    """Memory of ``deployment``; with a GPU, whether it fits (keeping ``headroom`` free) and, if
    it does, its speed on the engine that runs it there."""
    model = catalog.model(model_name)
    check_context(model, deployment)
    gpu = catalog.gpu(gpu_name) if gpu_name else None
    if gpu is not None:
        check_format_supported(gpu, deployment)
        check_split_runs(gpu, deployment)
    memory = estimate_memory(model, deployment, assumptions)
    if gpu is None:
        return EstimateReport(model, None, memory, None, None, None, None)
    usable = gpu.usable_memory_bytes * (1 - headroom)
    speeds = _speeds(model, deployment, gpu, assumptions, performance(catalog, engine), memory.per_gpu_bytes <= usable)
    return EstimateReport(model, gpu, memory, usable, *speeds)


@dataclass(frozen=True)
class FitReport:
    estimate: EstimateReport
    split: SplitResult
    count: int
    headroom: float
    training_hours_per_billion_tokens: float | None

    @property
    def fits(self) -> bool:
        return self.split.fits

    def as_dict(self) -> dict:
        result = self.estimate.as_dict()
        result.update(
            {
                "fits": self.fits,
                "count": self.count,
                "usable_bytes_per_gpu": round(self.split.usable_bytes),
                "headroom": self.headroom,
                "free_bytes_per_gpu": round(self.split.usable_bytes - self.split.memory.per_gpu_bytes),
                "best_split": {"tp": self.split.deployment.tp, "pp": self.split.deployment.pp, "dp": self.split.deployment.dp, "ep": self.split.deployment.ep},
                "engine": self.split.engine,
            }
        )
        if self.training_hours_per_billion_tokens is not None:
            result["training_hours_per_billion_tokens"] = round(self.training_hours_per_billion_tokens, 3)
        return result


def fits(catalog: Catalog, model_name: str, base: Deployment, gpu_name: str, count: int, headroom: float = DEFAULT_HEADROOM, assumptions: Assumptions = Assumptions(), engine: str | None = None) -> FitReport:
    if not 1 <= count <= MAX_COUNT:
        raise InputError(f"--count must be 1 to {MAX_COUNT:,} (got {count:,})")
    if not 0 <= headroom < 1:
        raise InputError(f"--headroom must be in [0, 1) (got {headroom})")
    model = catalog.model(model_name)
    check_context(model, base)
    gpu = catalog.gpu(gpu_name)
    context = performance(catalog, engine)
    split = best_split(model, base, gpu, count, headroom, assumptions, context)
    deployment = split.deployment
    speeds = _speeds(model, deployment, gpu, assumptions, context, split.fits)
    report = EstimateReport(model, gpu, split.memory, split.usable_bytes, *speeds)
    hours = None
    if deployment.is_training and split.fits:
        device = whole_gpu(gpu, scaleup=True)
        hours = training_hours(model, 1e9, count, device, deployment.mode, deployment.gradient_checkpointing, assumptions)
    return FitReport(report, split, count, headroom, hours)


def training_split(options: dict, gpus: int | None) -> tuple[dict, str]:
    """`procure estimate` options for a training job: `--mode full --precision fp8` is FP8 mixed
    precision (FP8 matmuls, BF16 weights and FP32 optimizer states: memory as BF16 mixed
    precision, arithmetic FP8); `--gpus` sets DP = GPUS / (TP × PP). Returns the options and the
    matmul arithmetic."""
    options = dict(options)
    mode = str(options.get("mode", "inference")).strip().lower()
    arithmetic = "bf16"
    if mode == "full" and str(options.get("precision", "")).strip().lower() == "fp8":
        arithmetic, options["precision"] = "fp8", "bf16"
    if gpus is not None:
        if mode == "inference":
            raise InputError("--gpus is for training (--mode full, lora or qlora)", hint="for inference, --tp/--pp/--ep set the GPUs of one replica")
        if not 1 <= gpus <= 10_000_000:
            raise InputError(f"--gpus must be 1 to 10,000,000 (got {gpus:,})")
        group = options.get("tp", 1) * options.get("pp", 1)
        if gpus % group:
            raise InputError(f"--gpus {gpus:,} is not a multiple of TP × PP = {group}")
        if options.get("dp", 1) == 1:
            options["dp"] = gpus // group
        elif options["dp"] * group != gpus:
            raise InputError(f"--gpus {gpus:,} but TP × PP × DP = {options['dp'] * group:,}", hint="give --gpus or --dp, not both")
    return options, arithmetic


def budget_for(catalog: Catalog, model_name: str, deployment: Deployment, gpu_name: str | None, tokens: str, gpus: int | None, **settings: Any) -> "TrainingBudget":
    """The training budget of `procure estimate --tokens`."""
    from solver.estimator.training_budget import parse_tokens, training_budget

    if not deployment.is_training:
        raise InputError("--tokens budgets training: add --mode full, lora or qlora")
    if gpu_name is None:
        raise InputError("--tokens needs --gpu: the GPU type to train on")
    return training_budget(catalog, catalog.model(model_name), parse_tokens(tokens), gpus or deployment.gpus, catalog.gpu(gpu_name), mode=deployment.mode, **settings)
