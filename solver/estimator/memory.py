"""Memory of one deployment: per GPU (the most loaded one) and summed over its GPUs."""

from __future__ import annotations

from dataclasses import dataclass

from solver.estimator import activations, kv_cache, training
from solver.estimator.deployment import Deployment, validate_deployment
from solver.estimator.formats import weight_format
from solver.estimator.overhead import runtime_overhead_bytes
from solver.estimator.params import count_parameters
from solver.estimator.weights import RankWeights, StageLayers, model_weight_bytes, pipeline_stages, rank_weights, stage_shapes, stage_weight_bytes
from solver.specs.assumptions import Assumptions
from solver.specs.model import ModelSpec

DEFAULT_ASSUMPTIONS = Assumptions()


@dataclass(frozen=True)
class MemoryParts:
    weights: float = 0.0
    kv_cache: float = 0.0
    activations: float = 0.0
    gradients: float = 0.0
    optimizer: float = 0.0
    overhead: float = 0.0

    @property
    def total(self) -> float:
        return self.weights + self.kv_cache + self.activations + self.gradients + self.optimizer + self.overhead

    def scaled(self, factor: float) -> "MemoryParts":
        return MemoryParts(*(value * factor for value in (self.weights, self.kv_cache, self.activations, self.gradients, self.optimizer, self.overhead)))

    def plus(self, other: "MemoryParts") -> "MemoryParts":
        return MemoryParts(
            self.weights + other.weights,
            self.kv_cache + other.kv_cache,
            self.activations + other.activations,
            self.gradients + other.gradients,
            self.optimizer + other.optimizer,
            self.overhead + other.overhead,
        )


@dataclass(frozen=True)
class MemoryEstimate:
    model_id: str
    deployment: Deployment
    params_total: float
    params_active: float
    trainable_params: float
    model_weights_bytes: float
    """The checkpoint in its storage format (what must be on disk and loaded)."""
    kv_bytes_per_token: float
    per_gpu: MemoryParts
    """The most loaded GPU."""
    all_gpus: MemoryParts
    """Summed over every GPU of the deployment (replicated tensors count on each)."""

    @property
    def per_gpu_bytes(self) -> float:
        return self.per_gpu.total

    @property
    def total_bytes(self) -> float:
        return self.all_gpus.total


def _rank_weights(model: ModelSpec, deployment: Deployment) -> RankWeights:
    """One rank's weights in the format it holds: 16-bit master weights for full training, else
    the base format (split over expert-parallel ranks too)."""
    if deployment.mode == "full":
        return rank_weights(model, weight_format("bf16"), deployment.tp)
    return rank_weights(model, weight_format(deployment.base_precision), deployment.tp, deployment.ep)


def _stage_memory(model: ModelSpec, deployment: Deployment, rank: RankWeights, stage: StageLayers, stage_index: int, assumptions: Assumptions) -> MemoryParts:
    tp, dp = deployment.tp, deployment.dp
    if deployment.mode == "full":
        bf16_weights = stage_weight_bytes(model, rank, stage)
        params_on_rank = bf16_weights / training.WEIGHT_BYTES_16BIT
        states = training.zero_sharded_states(params_on_rank, dp, deployment.zero_stage)
        weights = states.weights
        if deployment.zero_stage >= 3:
            # ZeRO-3 gathers one layer's full weights at a time before using them.
            weights += count_parameters(model).per_layer_max / tp * training.WEIGHT_BYTES_16BIT
        gradients, optimizer = states.gradients, states.optimizer
    else:
        weights = stage_weight_bytes(model, rank, stage)
        gradients = optimizer = 0.0
        if deployment.mode in ("lora", "qlora"):
            adapters = training.lora_parameters(model, deployment.lora_rank) * stage.layers / model.num_layers / tp
            states = training.adapter_states(adapters, dp, deployment.zero_stage)
            weights += states.weights
            gradients, optimizer = states.gradients, states.optimizer

    if deployment.is_training:
        kv = 0.0
        acts = activations.training_activation_bytes(
            model,
            sequence=deployment.context_tokens,
            micro_batch=deployment.batch,
            tp=tp,
            stage_dense_layers=stage.dense,
            stage_moe_layers=stage.moe,
            in_flight_micro_batches=deployment.pp - stage_index,
            last_stage=stage.last,
            checkpointing=deployment.gradient_checkpointing,
        )
    else:
        # Each attention copy caches only its own sequences.
        sequences = deployment.sequences_per_group
        cached_tokens = deployment.context_tokens * sequences
        kv = kv_cache.kv_cache_bytes_per_rank(model, deployment.kv_precision, tp, stage.layers, cached_tokens)
        chunk = min(assumptions.prefill_chunk_tokens, cached_tokens)
        acts = activations.prefill_activation_bytes(model, chunk, sequences if stage.last else 0, tp)
    payload = weights + kv + acts + gradients + optimizer
    overhead = runtime_overhead_bytes(payload, deployment.gpus_per_stage, deployment.pp, dp, assumptions)
    return MemoryParts(weights, kv, acts, gradients, optimizer, overhead)


def training_memory_floor(model: ModelSpec, deployment: Deployment, assumptions: Assumptions = DEFAULT_ASSUMPTIONS) -> float:
    """A lower bound on ``estimate_memory(...).per_gpu_bytes`` for every data-parallel degree and
    ZeRO stage with ``deployment``'s TP and PP (training): what no data-parallel sharding reduces
    on the first pipeline stage — its activations, a LoRA/QLoRA base's frozen weights — plus the
    runtime context. Option generation skips a TP×PP split whose floor exceeds the GPU, instead
    of trying it at every width up to hundreds of nodes."""
    first = pipeline_stages(model, deployment.pp)[0]
    acts = activations.training_activation_bytes(
        model,
        sequence=deployment.context_tokens,
        micro_batch=deployment.batch,
        tp=deployment.tp,
        stage_dense_layers=first.dense,
        stage_moe_layers=first.moe,
        in_flight_micro_batches=deployment.pp,
        last_stage=first.last,
        checkpointing=deployment.gradient_checkpointing,
    )
    frozen = 0.0
    if deployment.mode in ("lora", "qlora"):
        frozen = stage_weight_bytes(model, rank_weights(model, weight_format(deployment.base_precision), deployment.tp), first)
    return acts + frozen + assumptions.cuda_context


def _stage_parts(model: ModelSpec, deployment: Deployment, assumptions: Assumptions) -> list[MemoryParts]:
    """Each pipeline stage's memory on its most loaded GPU, in stage order."""
    validate_deployment(model, deployment)
    stages = pipeline_stages(model, deployment.pp)
    rank = _rank_weights(model, deployment)
    if deployment.is_training:
        # 1F1B: a stage's in-flight micro-batches depend on its position.
        return [_stage_memory(model, deployment, rank, stage, index, assumptions) for index, stage in enumerate(stages)]
    # Inference stages with the same layers are identical (and one object, see pipeline_stages):
    # compute each shape once, and give equal stages one MemoryParts object.
    by_shape: dict[int, MemoryParts] = {}
    stage_parts = []
    for index, stage in enumerate(stages):
        parts = by_shape.get(id(stage))
        if parts is None:
            parts = by_shape[id(stage)] = _stage_memory(model, deployment, rank, stage, index, assumptions)
        stage_parts.append(parts)
    return stage_parts


def _most_loaded(stage_parts: list[MemoryParts]) -> MemoryParts:
    return max(stage_parts, key=lambda parts: parts.total)


def per_gpu_memory(model: ModelSpec, deployment: Deployment, assumptions: Assumptions = DEFAULT_ASSUMPTIONS) -> MemoryParts:
    """``estimate_memory(...).per_gpu`` without the sums over every GPU: option generation needs
    only the most loaded GPU, for thousands of splits, and for inference that takes one pass over
    the distinct stage shapes rather than over every stage of a deep pipeline."""
    if deployment.is_training:
        return _most_loaded(_stage_parts(model, deployment, assumptions))
    validate_deployment(model, deployment)
    rank = _rank_weights(model, deployment)
    # Stage positions matter only to training; equal shapes have equal totals, so the first
    # maximum over the shapes in order of first appearance is the first maximum over all stages.
    return _most_loaded([_stage_memory(model, deployment, rank, stage, 0, assumptions) for stage in stage_shapes(model, deployment.pp)])


def estimate_memory(model: ModelSpec, deployment: Deployment, assumptions: Assumptions = DEFAULT_ASSUMPTIONS) -> MemoryEstimate:
    stage_parts = _stage_parts(model, deployment, assumptions)
    counts = count_parameters(model)
    per_gpu = _most_loaded(stage_parts)
    all_gpus = MemoryParts()
    for parts in stage_parts:
        all_gpus = all_gpus.plus(parts.scaled(deployment.gpus_per_stage * deployment.dp))
    if deployment.mode == "full":
        trainable = counts.total
    elif deployment.mode in ("lora", "qlora"):
        trainable = training.lora_parameters(model, deployment.lora_rank)
    else:
        trainable = 0.0
    return MemoryEstimate(
        model_id=model.id,
        deployment=deployment,
        params_total=counts.total,
        params_active=counts.active,
        trainable_params=trainable,
        model_weights_bytes=model_weight_bytes(model, weight_format(deployment.base_precision)),
        kv_bytes_per_token=kv_cache.kv_bytes_per_token(model, deployment.kv_precision),
        per_gpu=per_gpu,
        all_gpus=all_gpus,
    )
