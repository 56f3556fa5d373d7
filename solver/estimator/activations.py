"""Activation memory: the inference prefill peak and training activations.

Inference keeps no activations between layers; the peak is one layer's transient tensors for one
prefill chunk (vLLM profiles exactly this with max_num_batched_tokens tokens) plus FP32 logits of
the sequences being sampled.

Training follows Korthikanti et al. 2022 ("Reducing Activation Recomputation in Large Transformer
Models", arXiv:2205.05198, Table 2), whose GPT layer stores 34·s·b·h + 5·a·s²·b bytes without
parallelism and s·b·h·(10 + 24/t + 5·a·s/(h·t)) under tensor parallel t. Adapted to today's
models: FlashAttention stores no s×s scores (the 5·a·s² term goes; only Q, K, V, the output and a
per-head log-sum-exp are kept), Llama/Qwen training uses no dropout (no mask bytes), K/V are
narrower under GQA, and the MLP is gated (SwiGLU keeps gate, up, SiLU(gate) and the product,
each intermediate-wide). Per layer and token, in 16-bit (2 bytes):
  replicated across TP: two norm inputs + QKV input + MLP input       = 4 tensors of h
  split across TP:      Q, attention output (2h) + K, V (2·kv) + 4 tensors of the MLP width
so bytes/token/layer = 2·(4h) + 2·(2h + 2·kv + 4·I)/t. With full recomputation only each layer's
input (2·h bytes per token) is kept, plus one layer's worth during its backward pass.
The output layer stores 4·s·b·h·(1 + v/h)/t (Korthikanti §4.3: logits and their FP32 loss).
Under 1F1B pipelining the first stage holds p micro-batches of its L/p layers (≈ L layers' worth).
"""

from __future__ import annotations

from solver.specs.model import ModelSpec

ACTIVATION_BYTES = 2
LOGIT_BYTES = 4


def kv_width_per_rank(model: ModelSpec, tp: int) -> float:
    """Width of K plus V per token on one TP rank (MLA expands its latent to per-head K and V
    for the attention computation)."""
    if model.mla is not None:
        mla = model.mla
        return model.num_attention_heads / tp * (mla.qk_nope_head_dim + mla.qk_rope_head_dim + mla.v_head_dim)
    return 2 * max(model.num_key_value_heads // tp, 1) * model.head_dim


def mlp_width_per_token(model: ModelSpec, moe_layer: bool) -> float:
    """Intermediate activations one token creates in a layer's MLP: routed tokens fan out to k experts."""
    if moe_layer and model.moe is not None:
        moe = model.moe
        return moe.experts_per_token * moe.expert_intermediate_size + moe.shared_width
    return model.intermediate_size


def _widest_mlp(model: ModelSpec) -> float:
    widths = []
    if model.dense_layers:
        widths.append(mlp_width_per_token(model, False))
    if model.moe_layers:
        widths.append(mlp_width_per_token(model, True))
    return max(widths)


def prefill_activation_bytes(model: ModelSpec, tokens: int, sequences: int, tp: int) -> float:
    """Peak transient bytes of one layer processing `tokens` prefill tokens, plus the sampler's
    FP32 logits for `sequences` sequences."""
    hidden = model.hidden_size
    q_width = model.num_attention_heads * model.head_dim / tp
    per_token = 2 * hidden + q_width * 2 + kv_width_per_rank(model, tp) + 3 * _widest_mlp(model) / tp
    return tokens * per_token * ACTIVATION_BYTES + sequences * model.vocab_size * LOGIT_BYTES


def training_activation_bytes_per_layer(model: ModelSpec, tokens: int, tp: int, moe_layer: bool) -> float:
    """Stored activations of one layer for `tokens` tokens (sequence × micro-batch), no recomputation."""
    hidden = model.hidden_size
    q_width = model.num_attention_heads * model.head_dim
    replicated = 4 * hidden
    split = (2 * q_width + 4 * mlp_width_per_token(model, moe_layer)) / tp + kv_width_per_rank(model, tp)
    return tokens * (replicated + split) * ACTIVATION_BYTES


def training_activation_bytes(
    model: ModelSpec,
    *,
    sequence: int,
    micro_batch: int,
    tp: int,
    stage_dense_layers: int,
    stage_moe_layers: int,
    in_flight_micro_batches: int,
    last_stage: bool,
    checkpointing: bool,
) -> float:
    """Activation bytes on one rank of a pipeline stage at the peak of the backward pass."""
    tokens = sequence * micro_batch
    dense = training_activation_bytes_per_layer(model, tokens, tp, False)
    moe = training_activation_bytes_per_layer(model, tokens, tp, True) if model.moe_layers else 0.0
    layers = stage_dense_layers + stage_moe_layers
    if checkpointing:
        kept = layers * tokens * model.hidden_size * ACTIVATION_BYTES * in_flight_micro_batches
        stored = kept + max(dense if stage_dense_layers else 0.0, moe if stage_moe_layers else 0.0)
    else:
        stored = (stage_dense_layers * dense + stage_moe_layers * moe) * in_flight_micro_batches
    if last_stage:
        stored += 4 * tokens * model.hidden_size * (1 + model.vocab_size / model.hidden_size) / tp
    return stored
