"""Weight bytes of a model in a storage format, whole and per tensor-parallel rank.

Tensor parallelism (Megatron-LM, Shoeybi et al. 2019, arXiv:1909.08053) splits attention by heads
and MLPs by columns/rows; embeddings and lm_head are vocab-parallel. What stays whole on every rank:
norms, the MoE router, K/V projections once TP exceeds the KV heads (vLLM replicates a KV head to
each rank that needs it), and MLA's down-projections `q_a_proj` and `kv_a_proj_with_mqa`, which
all heads share.
Routed experts divide across the TP (or expert-parallel) group either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from solver.estimator.formats import WeightFormat
from solver.estimator.params import attention_parameters
from solver.specs.model import ModelSpec

SMALL_TENSOR_BITS = 16
"""Norms, biases and routers stay in 16-bit in every format."""


@dataclass(frozen=True)
class RankWeights:
    """Bytes one TP rank holds, by piece; a pipeline stage adds up the pieces it owns."""

    dense_layer: float
    moe_layer: float
    moe_layer_experts: float
    """Routed-expert bytes within `moe_layer` (decode reads only the touched experts)."""
    embedding: float
    lm_head: float
    final_norm: float


def kv_share(model: ModelSpec, tp: int) -> float:
    """Fraction of the KV heads one rank holds: 1/tp, but never less than one head."""
    kv_heads = model.num_key_value_heads
    return max(kv_heads // tp, 1) / kv_heads


def _mixed_bits(fmt: WeightFormat) -> float:
    """Bits of tensors that *_M GGUF mixes upgrade for part of the layers (attn_v, ffn_down)."""
    return (1 - fmt.more_bits_fraction) * fmt.linear_bits + fmt.more_bits_fraction * fmt.more_bits


def _attention_rank_bits(model: ModelSpec, fmt: WeightFormat, tp: int) -> float:
    hidden = model.hidden_size
    mla = model.mla
    if mla is not None:
        projections, value_part, small = attention_parameters(model)
        # vLLM builds both down-projections (q_a_proj, kv_a_proj_with_mqa) as ReplicatedLinear.
        replicated = hidden * (mla.kv_lora_rank + mla.qk_rope_head_dim) + hidden * (mla.q_lora_rank or 0)
        split = projections - replicated - value_part
        return (
            split / tp * fmt.linear_bits
            + value_part / tp * _mixed_bits(fmt)
            + replicated * fmt.linear_bits
            + small * SMALL_TENSOR_BITS
        )
    q_width = model.num_attention_heads * model.head_dim
    kv_width = model.num_key_value_heads * model.head_dim
    share = kv_share(model, tp)
    bits = 2 * hidden * q_width / tp * fmt.linear_bits
    bits += hidden * kv_width * share * fmt.linear_bits  # k_proj
    bits += hidden * kv_width * share * _mixed_bits(fmt)  # v_proj
    small = (q_width / tp + 2 * kv_width * share) if model.attention_bias else 0
    small += 2 * model.head_dim if model.qk_norm else 0
    return bits + small * SMALL_TENSOR_BITS


def _mlp_bits(hidden: int, width: float, fmt: WeightFormat) -> float:
    """Gated MLP: gate and up at the base rate, down at the mixed rate."""
    return 2 * hidden * width * fmt.linear_bits + hidden * width * _mixed_bits(fmt)


@lru_cache(maxsize=4096)
def rank_weights(model: ModelSpec, fmt: WeightFormat, tp: int = 1, ep: int = 1) -> RankWeights:
    """One rank's bytes; with expert parallelism (ep > 1) it holds num_experts/ep whole experts."""
    hidden = model.hidden_size
    attention = _attention_rank_bits(model, fmt, tp)
    norms = 2 * hidden * SMALL_TENSOR_BITS
    dense = attention + _mlp_bits(hidden, model.intermediate_size / tp, fmt) + norms
    moe_bits = experts_bits = 0.0
    if model.moe is not None:
        moe = model.moe
        experts_bits = moe.num_experts * _mlp_bits(hidden, moe.expert_intermediate_size, fmt) / (ep if ep > 1 else tp)
        shared = _mlp_bits(hidden, moe.shared_width / tp, fmt) if moe.shared_width else 0.0
        router = hidden * moe.num_experts * SMALL_TENSOR_BITS
        moe_bits = attention + experts_bits + shared + router + norms
    embedding = model.vocab_size * hidden
    return RankWeights(
        dense_layer=dense / 8,
        moe_layer=moe_bits / 8,
        moe_layer_experts=experts_bits / 8,
        embedding=embedding * fmt.embedding_bits / tp / 8,
        lm_head=0.0 if model.tie_word_embeddings else embedding * fmt.lm_head_bits / tp / 8,
        final_norm=hidden * SMALL_TENSOR_BITS / 8,
    )


@dataclass(frozen=True)
class StageLayers:
    dense: int
    moe: int
    first: bool
    last: bool

    @property
    def layers(self) -> int:
        return self.dense + self.moe


@lru_cache(maxsize=4096)
def pipeline_stages(model: ModelSpec, pp: int) -> tuple[StageLayers, ...]:
    """Contiguous layer split, earlier stages taking the remainder (vLLM/Megatron default)."""
    base, extra = divmod(model.num_layers, pp)
    dense_total = model.dense_layers
    stages = []
    shapes: dict[StageLayers, StageLayers] = {}
    start = 0
    for stage in range(pp):
        count = base + (1 if stage < extra else 0)
        dense = max(0, min(start + count, dense_total) - start)
        layers = StageLayers(dense=dense, moe=count - dense, first=stage == 0, last=stage == pp - 1)
        # Equal stages are one object, so callers can compute per shape by identity.
        stages.append(shapes.setdefault(layers, layers))
        start += count
    return tuple(stages)


@lru_cache(maxsize=4096)
def stage_shapes(model: ModelSpec, pp: int) -> tuple[StageLayers, ...]:
    """The distinct stages of ``pipeline_stages(model, pp)`` in order of first appearance: a
    hundred-stage pipeline has at most five (first, last, and two or three middle shapes)."""
    return tuple(dict.fromkeys(pipeline_stages(model, pp)))


def stage_weight_bytes(model: ModelSpec, weights: RankWeights, stage: StageLayers) -> float:
    """Bytes one rank of a pipeline stage holds. With tied embeddings the last stage keeps its own
    copy of the embedding as lm_head (Megatron-LM does the same)."""
    total = stage.dense * weights.dense_layer + stage.moe * weights.moe_layer
    if stage.first:
        total += weights.embedding
    if stage.last:
        total += weights.final_norm
        total += weights.lm_head if not model.tie_word_embeddings else (0.0 if stage.first else weights.embedding)
    return total


def model_weight_bytes(model: ModelSpec, fmt: WeightFormat) -> float:
    """The whole model in one format (checkpoint size on disk, to within file headers)."""
    return stage_weight_bytes(model, rank_weights(model, fmt, 1), StageLayers(model.dense_layers, model.moe_layers, True, True))
