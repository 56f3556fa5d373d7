"""Parameter counts from a model's architecture (config.json fields).

Per decoder layer, following the Hugging Face modelling code of each family (LlamaModel,
Qwen2Model, Qwen3MoeModel, MixtralModel, DeepseekV2/V3Model):

- attention (MHA/GQA/MQA): q and o are hidden×(heads·head_dim); k and v are
  hidden×(kv_heads·head_dim); Qwen2 adds biases on q, k, v; Qwen3 adds q/k RMSNorm (head_dim each).
- attention (MLA, DeepSeek-V2 paper arXiv:2405.04434 §2.1.2): q = hidden×q_rank + norm(q_rank)
  + q_rank×heads·(nope+rope) (or hidden×heads·(nope+rope) without query compression);
  kv_a = hidden×(kv_rank+rope) + norm(kv_rank); kv_b = kv_rank×heads·(nope+v);
  o = heads·v×hidden.
- gated MLP (SwiGLU): 3·hidden·intermediate; an MoE layer holds `num_experts` such MLPs of
  `expert_intermediate_size`, the shared experts, and a hidden×num_experts router.
- two RMSNorms of `hidden` per layer, a final norm, the embedding vocab×hidden and, unless tied,
  an lm_head of the same size.
Active parameters replace the routed experts by `experts_per_token` of them (embedding and
lm_head counted, as DeepSeek's "37B activated" does).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from solver.specs.model import ModelSpec


@dataclass(frozen=True)
class LayerParameters:
    """Parameters of one decoder layer, by the tensors that matter for memory and quantisation."""

    attention: int
    """Attention projections."""
    mlp_dense: int
    """Dense or shared-expert MLP (always active)."""
    experts: int
    """All routed experts (stored)."""
    expert_one: int
    """One routed expert."""
    router: int
    small: int
    """Norms and biases (kept in 16/32-bit by every format)."""


@dataclass(frozen=True)
class ParameterCount:
    total: float
    active: float
    embedding: int
    lm_head: int
    """Zero when tied to the embedding."""
    layers_total: int
    layers_active: int
    per_layer_max: int
    """Largest single layer (ZeRO-3 gathers one layer at a time)."""


def attention_parameters(model: ModelSpec) -> tuple[int, int, int]:
    """(projection weights, value-projection weights, norm/bias parameters) of one attention block."""
    hidden = model.hidden_size
    heads = model.num_attention_heads
    mla = model.mla
    if mla is not None:
        q_head = mla.qk_nope_head_dim + mla.qk_rope_head_dim
        if mla.q_lora_rank:
            q_proj = hidden * mla.q_lora_rank + mla.q_lora_rank * heads * q_head
            q_norm = mla.q_lora_rank
        else:
            q_proj, q_norm = hidden * heads * q_head, 0
        kv_a = hidden * (mla.kv_lora_rank + mla.qk_rope_head_dim)
        kv_b = mla.kv_lora_rank * heads * (mla.qk_nope_head_dim + mla.v_head_dim)
        value_share = mla.kv_lora_rank * heads * mla.v_head_dim
        o_proj = heads * mla.v_head_dim * hidden
        return q_proj + kv_a + kv_b + o_proj, value_share, q_norm + mla.kv_lora_rank
    q_width = heads * model.head_dim
    kv_width = model.num_key_value_heads * model.head_dim
    projections = 2 * hidden * q_width + 2 * hidden * kv_width
    small = (q_width + 2 * kv_width) if model.attention_bias else 0
    if model.qk_norm:
        small += 2 * model.head_dim
    return projections, hidden * kv_width, small


def layer_parameters(model: ModelSpec, moe_layer: bool) -> LayerParameters:
    hidden = model.hidden_size
    attention, _, attention_small = attention_parameters(model)
    norms = 2 * hidden + attention_small
    if moe_layer and model.moe is not None:
        moe = model.moe
        expert_one = 3 * hidden * moe.expert_intermediate_size
        shared = 3 * hidden * moe.shared_width
        return LayerParameters(
            attention=attention,
            mlp_dense=shared,
            experts=moe.num_experts * expert_one,
            expert_one=expert_one,
            router=hidden * moe.num_experts,
            small=norms,
        )
    return LayerParameters(
        attention=attention,
        mlp_dense=3 * hidden * model.intermediate_size,
        experts=0,
        expert_one=0,
        router=0,
        small=norms,
    )


def layer_total(layer: LayerParameters) -> int:
    return layer.attention + layer.mlp_dense + layer.experts + layer.router + layer.small


def layer_active(layer: LayerParameters, experts_per_token: int) -> int:
    return layer.attention + layer.mlp_dense + experts_per_token * layer.expert_one + layer.router + layer.small


@lru_cache(maxsize=1024)
def count_parameters(model: ModelSpec) -> ParameterCount:
    embedding = model.vocab_size * model.hidden_size
    lm_head = 0 if model.tie_word_embeddings else embedding
    dense_layer = layer_parameters(model, moe_layer=False)
    moe_layer = layer_parameters(model, moe_layer=True)
    experts_per_token = model.moe.experts_per_token if model.moe else 0
    layers_total = model.dense_layers * layer_total(dense_layer) + model.moe_layers * layer_total(moe_layer)
    layers_active = model.dense_layers * layer_active(dense_layer, 0) + model.moe_layers * layer_active(moe_layer, experts_per_token)
    final_norm = model.hidden_size
    per_layer_max = max(layer_total(dense_layer) if model.dense_layers else 0, layer_total(moe_layer) if model.moe_layers else 0)
    return ParameterCount(
        total=float(embedding + lm_head + layers_total + final_norm),
        active=float(embedding + lm_head + layers_active + final_norm),
        embedding=embedding,
        lm_head=lm_head,
        layers_total=layers_total,
        layers_active=layers_active,
        per_layer_max=max(per_layer_max, embedding),
    )
