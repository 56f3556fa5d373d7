"""Activation memory (activations.py): inference prefill peak and training activations.

The training formula adapts Korthikanti et al. 2022 ("Reducing Activation Recomputation in Large
Transformer Models", arXiv:2205.05198, Table 2 / §4): per layer sbh(10 + 24/t) + 5as²b/t bytes
with tensor parallel t, output layer 4sbh(1 + v/h)/t, full recomputation 2sbh per layer. The
adaptation (module docstring) drops the s² scores (FlashAttention) and the two sbh dropout
masks, and keeps four intermediate tensors for a gated MLP. A tiny configuration is worked by
hand below, and one shaped like Korthikanti's GPT layer must reproduce its 24/t term exactly.
"""

from __future__ import annotations

import datetime as dt

import pytest

from solver.catalog import load_catalog
from solver.estimator.activations import (
    kv_width_per_rank,
    mlp_width_per_token,
    prefill_activation_bytes,
    training_activation_bytes,
    training_activation_bytes_per_layer,
)
from solver.specs.model import ModelSpec

CATALOG = load_catalog(include_user=False)


def tiny(**overrides) -> ModelSpec:
    """2 layers, hidden 64, 4 query heads of 16, 2 KV heads, SwiGLU width 128, vocab 100."""
    fields = dict(
        id="tiny",
        name="Tiny",
        source="hand-made test model",
        as_of=dt.date(2025, 1, 1),
        family="test",
        hf_repo="test/tiny",
        num_layers=2,
        hidden_size=64,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=16,
        intermediate_size=128,
        vocab_size=100,
        max_position_embeddings=1024,
        official_params_total=1e5,
        params_source="test",
    )
    fields.update(overrides)
    return ModelSpec(**fields)


def test_kv_width_per_rank() -> None:
    m = tiny()
    # K + V: 2 × 2 heads × 16 = 64 elements per token; 32 at TP2 (one head each);
    # 32 at TP4 too (a KV head is replicated to each rank that needs it).
    assert [kv_width_per_rank(m, tp) for tp in (1, 2, 4)] == [64, 32, 32]
    # MLA expands its latent to per-head K and V: DeepSeek-V3 at TP8 has 16 heads per rank of
    # (nope 128 + rope 64) key + 128 value = 16 × 320 = 5,120.
    assert kv_width_per_rank(CATALOG.model("deepseek-v3"), 8) == 5_120


def test_mlp_width_per_token() -> None:
    assert mlp_width_per_token(tiny(), moe_layer=False) == 128
    mixtral = CATALOG.model("mixtral-8x7b")
    # Routed tokens fan out to k = 2 experts of 14,336: 28,672.
    assert mlp_width_per_token(mixtral, moe_layer=True) == 2 * 14336
    v3 = CATALOG.model("deepseek-v3")
    # 8 routed experts of 2,048 + one shared expert of 2,048 = 18,432.
    assert mlp_width_per_token(v3, moe_layer=True) == 8 * 2048 + 2048 == 18_432


def test_prefill_peak_hand_worked() -> None:
    m = tiny()
    # Per token: 2·h (residual + norm out) = 128; Q and attention output 2 × 64 = 128;
    # K + V 64; gate, up and their product 3 × 128 = 384 → 704 elements × 2 B.
    # 10 tokens: 14,080 B; plus FP32 logits of 3 sequences: 3 × 100 × 4 = 1,200 B.
    assert prefill_activation_bytes(m, tokens=10, sequences=3, tp=1) == 15_280
    # TP2: 128 + 2 × 32 + 32 + 192 = 416 → 8,320 + 1,200 = 9,520.
    assert prefill_activation_bytes(m, tokens=10, sequences=3, tp=2) == 9_520
    # TP4: 128 + 2 × 16 + 32 (replicated head) + 96 = 288 → 5,760 + 1,200 = 6,960.
    assert prefill_activation_bytes(m, tokens=10, sequences=3, tp=4) == 6_960
    # Logits only on the sampling stage: sequences = 0 drops them.
    assert prefill_activation_bytes(m, tokens=10, sequences=0, tp=1) == 14_080


def test_training_layer_hand_worked() -> None:
    m = tiny()
    # Replicated across TP: two norm inputs + QKV input + MLP input = 4 × 64 = 256 elements.
    # Split: Q and attention output 2 × 64 + K, V 64 + four SwiGLU tensors 4 × 128 = 704.
    # (256 + 704) × 2 B × 10 tokens = 19,200 B.
    assert training_activation_bytes_per_layer(m, tokens=10, tp=1, moe_layer=False) == 19_200
    # TP2: (256 + 352) × 2 × 10 = 12,160 B.
    assert training_activation_bytes_per_layer(m, tokens=10, tp=2, moe_layer=False) == 12_160


def test_training_layer_reproduces_korthikanti_tensor_parallel_term() -> None:
    """Korthikanti Table 2: sbh(10 + 24/t) per layer without the s² term. For an MHA layer whose
    SwiGLU width is 2h (its four intermediate tensors then hold as many elements as GPT's two 4h
    tensors), the adaptation must give exactly sbh(8 + 24/t): Korthikanti's 10 minus the two
    one-byte-per-element dropout masks (sbh each) that dropout-free training does not keep."""
    h = 64
    gpt_like = tiny(num_key_value_heads=4, intermediate_size=2 * h)
    s_times_b = 10
    for t in (1, 2, 4):
        expected = s_times_b * h * (8 + 24 / t)
        assert training_activation_bytes_per_layer(gpt_like, tokens=s_times_b, tp=t, moe_layer=False) == pytest.approx(expected, rel=1e-12)


def test_training_stage_hand_worked() -> None:
    m = tiny()
    layer = 19_200
    # Output layer (Korthikanti §4.3): 4·s·b·h·(1 + v/h)/t = 4 × 10 × 64 × (1 + 100/64) = 6,560 B.
    output = 4 * 10 * 64 * (1 + 100 / 64)
    assert output == 6_560
    common = dict(sequence=5, micro_batch=2, tp=1, stage_dense_layers=2, stage_moe_layers=0)
    # No recomputation: every layer's activations, once per in-flight micro-batch.
    assert training_activation_bytes(m, **common, in_flight_micro_batches=1, last_stage=True, checkpointing=False) == 2 * layer + output
    # Full recomputation: each layer's input (2·s·b·h bytes = 2 × 10 × 64 = 1,280) plus one
    # layer's full activations during its backward pass: 2 × 1,280 + 19,200 + 6,560 = 28,320.
    assert training_activation_bytes(m, **common, in_flight_micro_batches=1, last_stage=True, checkpointing=True) == 28_320
    # First 1F1B stage of PP3 holds 3 micro-batches of layer inputs, and no output layer:
    # 3 × 2,560 + 19,200 = 26,880.
    assert training_activation_bytes(m, **common, in_flight_micro_batches=3, last_stage=False, checkpointing=True) == 26_880


def test_checkpointing_saves_memory_on_real_models() -> None:
    for name in ("llama-3.1-8b", "mixtral-8x7b", "deepseek-v3"):
        m = CATALOG.model(name)
        common = dict(sequence=4096, micro_batch=1, tp=1, stage_dense_layers=m.dense_layers, stage_moe_layers=m.moe_layers, in_flight_micro_batches=1, last_stage=True)
        assert training_activation_bytes(m, **common, checkpointing=True) < training_activation_bytes(m, **common, checkpointing=False)


def test_llama_3_1_8b_training_layer_bytes() -> None:
    m = CATALOG.model("llama-3.1-8b")
    # Per token: 4 × 4096 replicated + (2 × 4096 + 2 × 8 × 128 + 4 × 14336) split
    # = 16,384 + 67,584 = 83,968 elements × 2 B = 167,936 B; × 4,096 tokens = 687,865,856 B.
    assert training_activation_bytes_per_layer(m, tokens=4096, tp=1, moe_layer=False) == 687_865_856
