"""Training states: gradients and optimizer, sharded by ZeRO; LoRA adapter sizes.

Mixed-precision Adam (Rajbhandari et al. 2019, ZeRO, arXiv:1910.02054 §3.1): 16-bit weights 2Ψ,
16-bit gradients 2Ψ, and K·Ψ optimizer state with K = 12 (FP32 master weights, momentum and
variance). Over N_d data-parallel ranks, stage 1 shards the optimizer (2Ψ + 2Ψ + KΨ/N_d), stage 2
also the gradients (2Ψ + (2+K)Ψ/N_d), stage 3 also the weights ((2+2+K)Ψ/N_d).

LoRA (Hu et al. 2021, arXiv:2106.09685) trains r·(d_in + d_out) parameters per adapted matrix;
PEFT keeps adapters in FP32 under autocast, so each adapter parameter carries 4 B weight, 4 B
gradient and 8 B Adam moments. The frozen base needs no gradient or optimizer state. QLoRA
(Dettmers et al. 2023, arXiv:2305.14314) stores that base in NF4.
"""

from __future__ import annotations

from dataclasses import dataclass

from solver.specs.model import ModelSpec

WEIGHT_BYTES_16BIT = 2
GRADIENT_BYTES_16BIT = 2
ADAM_STATE_BYTES = 12
"""FP32 master copy + momentum + variance (ZeRO's K)."""
ADAPTER_WEIGHT_BYTES = 4
ADAPTER_GRADIENT_BYTES = 4
ADAPTER_ADAM_BYTES = 8


@dataclass(frozen=True)
class TrainingStates:
    weights: float
    gradients: float
    optimizer: float


def _sharded(weights: float, gradients: float, optimizer: float, dp: int, zero_stage: int) -> TrainingStates:
    """Stage 1 shards the optimizer over dp ranks, stage 2 also gradients, stage 3 also weights."""
    return TrainingStates(
        weights / dp if zero_stage >= 3 else weights,
        gradients / dp if zero_stage >= 2 else gradients,
        optimizer / dp if zero_stage >= 1 else optimizer,
    )


def zero_sharded_states(trained_params: float, dp: int, zero_stage: int) -> TrainingStates:
    """Per-rank bytes of 16-bit weights, gradients and Adam states for `trained_params` parameters."""
    return _sharded(
        trained_params * WEIGHT_BYTES_16BIT,
        trained_params * GRADIENT_BYTES_16BIT,
        trained_params * ADAM_STATE_BYTES,
        dp,
        zero_stage,
    )


def adapter_states(adapter_params: float, dp: int, zero_stage: int) -> TrainingStates:
    """FP32 LoRA adapters with Adam, sharded like full states by the ZeRO stage."""
    return _sharded(
        adapter_params * ADAPTER_WEIGHT_BYTES,
        adapter_params * ADAPTER_GRADIENT_BYTES,
        adapter_params * ADAPTER_ADAM_BYTES,
        dp,
        zero_stage,
    )


def lora_parameters_per_layer(model: ModelSpec, rank: int) -> int:
    """Adapter parameters for one layer with LoRA on every attention and dense/shared MLP matrix
    (PEFT target_modules="all-linear" minus routed experts, which are usually left frozen)."""
    hidden = model.hidden_size
    if model.mla is not None:
        mla = model.mla
        q_in_out = [(hidden, mla.q_lora_rank), (mla.q_lora_rank, model.num_attention_heads * (mla.qk_nope_head_dim + mla.qk_rope_head_dim))] if mla.q_lora_rank else [(hidden, model.num_attention_heads * (mla.qk_nope_head_dim + mla.qk_rope_head_dim))]
        matrices = q_in_out + [
            (hidden, mla.kv_lora_rank + mla.qk_rope_head_dim),
            (mla.kv_lora_rank, model.num_attention_heads * (mla.qk_nope_head_dim + mla.v_head_dim)),
            (model.num_attention_heads * mla.v_head_dim, hidden),
        ]
    else:
        q_width = model.num_attention_heads * model.head_dim
        kv_width = model.num_key_value_heads * model.head_dim
        matrices = [(hidden, q_width), (hidden, kv_width), (hidden, kv_width), (q_width, hidden)]
    return rank * sum(d_in + d_out for d_in, d_out in matrices)


def lora_mlp_parameters(model: ModelSpec, rank: int, width: int) -> int:
    """gate, up (hidden→width) and down (width→hidden) adapters."""
    return rank * 3 * (model.hidden_size + width)


def lora_parameters(model: ModelSpec, rank: int) -> float:
    """All adapter parameters of the model."""
    attention = lora_parameters_per_layer(model, rank) * model.num_layers
    dense_mlp = lora_mlp_parameters(model, rank, model.intermediate_size) * model.dense_layers
    shared = model.moe.shared_width if model.moe is not None else 0
    moe_mlp = lora_mlp_parameters(model, rank, shared) * model.moe_layers if shared else 0
    return float(attention + dense_mlp + moe_mlp)
