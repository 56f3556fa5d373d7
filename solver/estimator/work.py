"""What one decode step or one prefill must do, before any hardware efficiency is applied.

The roofline view of inference (Pope et al. 2022, "Efficiently Scaling Transformer Inference",
arXiv:2211.05102; Kaplan et al. 2020 §2.1 for 2 FLOPs per parameter per token): a decode step
produces one token for each of b sequences, so each GPU streams the weights it holds once, plus
each sequence's KV cache, and performs 2 FLOPs per active weight per sequence plus attention.
This module counts that work per pipeline stage and per GPU, split by kind, because engines pay
differently for each kind (solver.estimator.speed turns work into seconds):

- weights read: dense (attention, dense MLPs, shared experts, lm_head) vs routed experts, of
  which a decode step at batch b touches E·(1 − (1 − k/E)^b) per MoE layer under uniform routing;
- KV cache read: context × sequences of the attention group;
- FLOPs: matmuls in the weight format's arithmetic vs attention (QKᵀ and PV) in 16-bit;
- collectives: tensor-parallel all-reduces (Megatron-LM: two per layer, Shoeybi et al. 2019,
  arXiv:1909.08053) and, with expert parallelism, a dispatch and a combine all-to-all per MoE
  layer, whose message sizes set their bandwidth term;
- layer counts, which set the fixed per-layer kernel latency engines pay.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from solver.estimator.deployment import Deployment
from solver.estimator.formats import weight_format
from solver.estimator.kv_cache import kv_cache_bytes_per_rank
from solver.estimator.params import count_parameters, layer_parameters
from solver.estimator.weights import StageLayers, pipeline_stages, rank_weights, stage_weight_bytes
from solver.specs.model import ModelSpec

ACTIVATION_BYTES = 2
"""Hidden states cross devices in 16-bit."""


@dataclass(frozen=True)
class StageWork:
    """One pipeline stage's work on its most loaded GPU during one step."""

    layers: int
    moe_layers: int
    weight_bytes: float
    """Weights other than routed experts that the GPU streams."""
    expert_bytes: float
    """Routed-expert weights the GPU streams (only the experts the step touches)."""
    kv_bytes: float
    linear_flops: float
    """Matmul FLOPs, in the weight format's arithmetic."""
    attention_flops: float
    allreduces: int
    allreduce_bytes: float
    """Message of one all-reduce (per rank, before the ring's 2(t−1)/t factor)."""
    alltoalls: int
    alltoall_bytes: float
    group: int
    """Ranks taking part in the stage's collectives (TP degree, or EP degree for all-to-alls)."""
    tokens: int
    """Tokens each weight multiplies in this step: the sequences of a decode step, the prompt of a
    prefill. Kernels that cannot keep a weight tile on chip re-read it as this grows."""


@dataclass(frozen=True)
class StepWork:
    stages: tuple[StageWork, ...]
    sequences: int
    """Sequences one step advances (the replica's batch)."""
    pipeline_hops: int
    hop_bytes: float
    tp: int
    ep: int
    compute_format: str

    @property
    def layers(self) -> int:
        return sum(stage.layers for stage in self.stages)

    @property
    def moe_layers(self) -> int:
        return sum(stage.moe_layers for stage in self.stages)


def expected_experts_touched(num_experts: int, experts_per_token: int, sequences: int) -> float:
    """Distinct experts a batch of `sequences` tokens routes to, under uniform routing."""
    return num_experts * (1 - (1 - experts_per_token / num_experts) ** sequences)


def attention_width(model: ModelSpec) -> int:
    """Per-token K (and V) width one query attends over: MLA decodes in its absorbed latent form
    (DeepSeek-V2 paper §2.1.2: W_UK folds into the query, W_UV into the output)."""
    if model.mla is not None:
        return model.num_attention_heads * (model.mla.kv_lora_rank + model.mla.qk_rope_head_dim)
    return model.num_attention_heads * model.head_dim


def expert_flops_per_token_layer(model: ModelSpec) -> float:
    """Routed-expert FLOPs of one token in one MoE layer (2 per active expert weight)."""
    if model.moe is None:
        return 0.0
    return 2 * model.moe.experts_per_token * layer_parameters(model, moe_layer=True).expert_one


def _per_shape(layout: tuple[StageLayers, ...], work_of: Callable[[StageLayers], StageWork]) -> tuple[StageWork, ...]:
    """Every stage's work, computed once per stage shape: a deep pipeline has up to a hundred
    stages but only a few shapes (first, last, and middle ones of one or two layer counts), each
    one object in `layout` (see pipeline_stages); equal stages share one StageWork object too,
    which step_time evaluates once."""
    by_shape: dict[int, StageWork] = {}
    stages = []
    for stage in layout:
        work = by_shape.get(id(stage))
        if work is None:
            work = by_shape[id(stage)] = work_of(stage)
        stages.append(work)
    return tuple(stages)


def decode_work(model: ModelSpec, deployment: Deployment) -> StepWork:
    """One decode step at batch `deployment.batch` with every sequence holding
    `deployment.context_tokens` tokens.

    With expert parallelism each GPU runs attention for its group's share of the sequences and
    the routed experts it holds for the whole batch; two all-to-alls per MoE layer replace the
    MLP all-reduce.
    """
    fmt = weight_format(deployment.precision)
    counts = count_parameters(model)
    tp, ep = deployment.tp, deployment.ep
    weights = rank_weights(model, fmt, tp, ep)
    batch, sequences = deployment.batch, deployment.sequences_per_group
    touched_share = 1.0
    if model.moe is not None:
        touched_share = expected_experts_touched(model.moe.num_experts, model.moe.experts_per_token, batch) / model.moe.num_experts
    expert_flops = expert_flops_per_token_layer(model)
    other_flops_per_layer = 2 * counts.layers_active / model.num_layers
    expert_group = ep if ep > 1 else tp

    def work_of(stage: StageLayers) -> StageWork:
        held_experts = stage.moe * weights.moe_layer_experts
        dense_read = stage_weight_bytes(model, weights, stage) - held_experts
        if stage.first:
            dense_read -= weights.embedding  # decode looks up b rows, not the matrix
            if stage.last and model.tie_word_embeddings:
                dense_read += weights.embedding  # ...but a tied lm_head reads it all
        linear = sequences * (other_flops_per_layer * stage.layers - expert_flops * stage.moe) / tp
        linear += batch * expert_flops * stage.moe / expert_group
        if stage.last:
            linear += 2 * sequences * model.vocab_size * model.hidden_size / tp
        attention = 4 * sequences * deployment.context_tokens * attention_width(model) / tp * stage.layers
        if ep > 1:
            allreduces = (stage.layers + stage.dense) if tp > 1 else 0
            alltoalls = 2 * stage.moe
        else:
            allreduces = 2 * stage.layers if tp > 1 else 0
            alltoalls = 0
        return StageWork(
            layers=stage.layers,
            moe_layers=stage.moe,
            weight_bytes=dense_read,
            expert_bytes=held_experts * touched_share,
            kv_bytes=kv_cache_bytes_per_rank(model, deployment.kv_precision, tp, stage.layers, deployment.context_tokens * sequences),
            linear_flops=linear,
            attention_flops=attention,
            allreduces=allreduces,
            allreduce_bytes=sequences * model.hidden_size * ACTIVATION_BYTES,
            alltoalls=alltoalls,
            alltoall_bytes=batch / max(ep, 1) * (model.moe.experts_per_token if model.moe else 0) * model.hidden_size * ACTIVATION_BYTES,
            group=ep if ep > 1 else tp,
            tokens=sequences,
        )

    return StepWork(
        stages=_per_shape(pipeline_stages(model, deployment.pp), work_of),
        sequences=batch,
        pipeline_hops=deployment.pp - 1,
        hop_bytes=batch * model.hidden_size * ACTIVATION_BYTES,
        tp=tp,
        ep=ep,
        compute_format=fmt.compute,
    )


def prefill_work(model: ModelSpec, deployment: Deployment, prompt_tokens: int) -> StepWork:
    """Prefill of one prompt of `prompt_tokens` on an otherwise idle replica: every weight is
    read once (a long prompt touches every expert), causal attention costs 2·P²·width per layer,
    and each layer all-reduces the prompt's hidden states twice under TP."""
    fmt = weight_format(deployment.precision)
    counts = count_parameters(model)
    tp, ep = deployment.tp, deployment.ep
    weights = rank_weights(model, fmt, tp, ep)
    expert_group = ep if ep > 1 else tp
    per_layer_other = 2 * counts.layers_active / model.num_layers * prompt_tokens
    expert_flops = expert_flops_per_token_layer(model) * prompt_tokens

    def work_of(stage: StageLayers) -> StageWork:
        held_experts = stage.moe * weights.moe_layer_experts
        linear = (per_layer_other * stage.layers - expert_flops * stage.moe) / tp + expert_flops * stage.moe / expert_group
        if stage.last:
            linear += 2 * model.vocab_size * model.hidden_size / tp  # the first token's logits
        return StageWork(
            layers=stage.layers,
            moe_layers=stage.moe,
            weight_bytes=stage_weight_bytes(model, weights, stage) - held_experts,
            expert_bytes=held_experts,
            kv_bytes=0.0,
            linear_flops=linear,
            attention_flops=2 * prompt_tokens**2 * attention_width(model) / tp * stage.layers,
            allreduces=2 * stage.layers if tp > 1 else 0,
            allreduce_bytes=prompt_tokens * model.hidden_size * ACTIVATION_BYTES,
            alltoalls=2 * stage.moe if ep > 1 else 0,
            alltoall_bytes=prompt_tokens * (model.moe.experts_per_token if model.moe else 0) * model.hidden_size * ACTIVATION_BYTES / max(ep, 1),
            group=ep if ep > 1 else tp,
            tokens=prompt_tokens,
        )

    return StepWork(
        stages=_per_shape(pipeline_stages(model, deployment.pp), work_of),
        sequences=1,
        pipeline_hops=deployment.pp - 1,
        hop_bytes=prompt_tokens * model.hidden_size * ACTIVATION_BYTES,
        tp=tp,
        ep=ep,
        compute_format=fmt.compute,
    )
