"""Memory of one deployment, per GPU and over all GPUs (memory.py).

Hand-worked breakdowns for Llama-3.1-8B and -70B, and the QLoRA paper's headline figures
(Dettmers et al. 2023, arXiv:2305.14314): the abstract's "reduces memory usage enough to
finetune a 65B parameter model on a single 48GB GPU", and the introduction's "regular 16-bit
finetuning of a LLaMA 65B parameter model requires more than 780 GB of GPU memory".

Monotonicity properties are checked with hypothesis over the catalog models.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.catalog import load_catalog
from solver.errors import InputError
from solver.estimator.deployment import Deployment, valid_tp_degrees
from solver.estimator.memory import MemoryParts, estimate_memory, training_memory_floor
from solver.estimator.params import count_parameters
from solver.estimator.weights import model_weight_bytes
from solver.estimator.formats import weight_format

CATALOG = load_catalog(include_user=False)
MODEL_IDS = sorted(CATALOG.models)
INFERENCE_FORMATS = ["bf16", "fp8", "awq", "q4_k_m", "nf4", "int8"]


def model(name: str):
    return CATALOG.model(name)


def test_llama_3_1_8b_one_gpu_hand_worked() -> None:
    e = estimate_memory(model("llama-3.1-8b"), Deployment())  # BF16, 4,096 tokens, batch 1
    parts = e.per_gpu
    assert parts.weights == 16_060_522_496
    # KV: 4,096 tokens × 131,072 B (2 × 32 × 8 × 128 × 2) = 536,870,912 B.
    assert parts.kv_cache == 4096 * 131_072 == 536_870_912
    # Prefill peak, one chunk of min(8192, 4096) tokens: per token 2·4096 + 2·4096 (Q, attn out)
    # + 2·8·128 (K, V) + 3·14336 (gate, up, product) = 61,440 elements × 2 B × 4,096 tokens
    # = 503,316,480 B, plus FP32 logits 128,256 × 4 = 513,024 B → 503,829,504 B.
    assert parts.activations == 61_440 * 2 * 4096 + 128_256 * 4 == 503_829_504
    assert parts.gradients == parts.optimizer == 0
    # Overhead: 0.5 GiB + 5 % of 17,101,222,912 B = 1,391,932,057.6 B.
    assert parts.overhead == pytest.approx(1_391_932_057.6, abs=1e-3)
    assert e.per_gpu_bytes == pytest.approx(18_493_154_969.6, abs=1e-3)
    assert e.total_bytes == e.per_gpu_bytes  # one GPU
    assert e.kv_bytes_per_token == 131_072
    assert e.model_weights_bytes == 16_060_522_496
    assert e.params_total == e.params_active == 8_030_261_248
    assert e.trainable_params == 0


def test_llama_3_1_70b_tp8_hand_worked() -> None:
    e = estimate_memory(model("llama-3.1-70b"), Deployment(tp=8))
    # Per rank: 80 × 213,942,272 (see test_weights) + embedding and lm_head 2 × 262,668,288
    # + final norm 16,384 = 17,640,734,720 B.
    assert e.per_gpu.weights == 80 * 213_942_272 + 2 * 262_668_288 + 16_384 == 17_640_734_720
    # KV: one head per rank: 4,096 × 80 × 512 B = 167,772,160 B.
    assert e.per_gpu.kv_cache == 167_772_160
    # Prefill: per token 2·8192 + 2·1024 + 2·128 + 3·28672/8 = 29,440 elements → × 2 × 4,096
    # = 241,172,480 B + logits 513,024 B.
    assert e.per_gpu.activations == 241_685_504
    # Summed over 8 GPUs the replicated norms count 8 times: 7 extra × 2,637,824 B.
    assert e.all_gpus.weights == 8 * e.per_gpu.weights == model_weight_bytes(model("llama-3.1-70b"), weight_format("bf16")) + 7 * 2_637_824
    assert e.total_bytes == pytest.approx(8 * e.per_gpu_bytes, rel=1e-12)


def test_pipeline_parallel_per_gpu_is_the_most_loaded_stage() -> None:
    e = estimate_memory(model("llama-3.1-70b"), Deployment(pp=2))
    one = estimate_memory(model("llama-3.1-70b"), Deployment())
    # Each stage holds 40 layers and one of embedding/lm_head: half the weights (+ final norm).
    assert e.per_gpu.weights == pytest.approx(one.per_gpu.weights / 2 + 8192, rel=1e-12)
    assert e.all_gpus.weights == one.per_gpu.weights
    assert e.per_gpu.kv_cache == one.per_gpu.kv_cache / 2


def test_full_fine_tune_states_hand_worked() -> None:
    m = model("llama-3.1-8b")
    psi = 8_030_261_248
    e = estimate_memory(m, Deployment(mode="full", context_tokens=2048, dp=8, zero_stage=0))
    assert (e.per_gpu.weights, e.per_gpu.gradients, e.per_gpu.optimizer) == (2 * psi, 2 * psi, 12 * psi)
    assert e.per_gpu.kv_cache == 0
    assert e.trainable_params == psi
    # Checkpointed activations, sequence 2,048, micro-batch 1: layer inputs 32 × 2,048 × 4,096 × 2
    # = 536,870,912; one layer 2,048 × 167,936 = 343,932,928; output layer
    # 4 × 2,048 × (4,096 + 128,256) = 1,084,227,584 → 1,965,031,424 B.
    assert e.per_gpu.activations == 536_870_912 + 343_932_928 + 1_084_227_584 == 1_965_031_424
    z3 = estimate_memory(m, Deployment(mode="full", context_tokens=2048, dp=8, zero_stage=3))
    # ZeRO-3 over 8 ranks: 2Ψ/8 + one gathered layer (the largest, here the 525,336,576-weight
    # embedding) in 16-bit; gradients 2Ψ/8; optimizer 12Ψ/8.
    assert count_parameters(m).per_layer_max == 525_336_576
    assert z3.per_gpu.weights == 2 * psi / 8 + 2 * 525_336_576
    assert (z3.per_gpu.gradients, z3.per_gpu.optimizer) == (2 * psi / 8, 12 * psi / 8)


def test_zero_3_on_a_single_rank_costs_one_gathered_layer_more_than_zero_2() -> None:
    # With N_d = 1 nothing is sharded; DeepSpeed stage 3 still materialises each gathered layer
    # next to its (full-size) partition, which the estimator counts: + per_layer_max × 2 B,
    # plus 5 % allocator slack on it.
    m = model("llama-3.1-8b")
    z2 = estimate_memory(m, Deployment(mode="full", context_tokens=1024, zero_stage=2))
    z3 = estimate_memory(m, Deployment(mode="full", context_tokens=1024, zero_stage=3))
    assert z3.per_gpu_bytes - z2.per_gpu_bytes == pytest.approx(2 * 525_336_576 * 1.05, rel=1e-9)


def test_lora_and_qlora_states() -> None:
    m = model("llama-3.1-8b")
    lora = estimate_memory(m, Deployment(mode="lora", context_tokens=2048, lora_rank=16))
    adapters = 41_943_040
    assert lora.trainable_params == adapters
    # Frozen BF16 base + FP32 adapters (4 B); gradients 4 B and Adam 8 B for adapters only.
    assert lora.per_gpu.weights == 16_060_522_496 + 4 * adapters
    assert (lora.per_gpu.gradients, lora.per_gpu.optimizer) == (4 * adapters, 8 * adapters)
    qlora = estimate_memory(m, Deployment(mode="qlora", context_tokens=2048, lora_rank=16))
    # QLoRA stores the base in NF4 whatever --precision says.
    assert qlora.model_weights_bytes == model_weight_bytes(m, weight_format("nf4"))
    assert qlora.per_gpu.weights == qlora.model_weights_bytes + 4 * adapters


@pytest.mark.parametrize("model_id", ["llama-3.1-70b", "deepseek-llm-67b"])
def test_qlora_of_a_65_to_70b_model_fits_48_gb_but_full_fine_tuning_does_not(model_id: str) -> None:
    """QLoRA abstract: a 65B model fine-tunes on one 48 GB GPU; introduction: 16-bit fine-tuning
    of LLaMA-65B needs more than 780 GB. Sequence 512, micro-batch 1, default LoRA rank 16."""
    m = model(model_id)
    qlora = estimate_memory(m, Deployment(mode="qlora", context_tokens=512, batch=1))
    full = estimate_memory(m, Deployment(mode="full", precision="bf16", context_tokens=512, batch=1))
    assert qlora.per_gpu_bytes < 48e9, f"{model_id}: QLoRA {qlora.per_gpu_bytes / 1e9:.1f} GB"
    assert full.per_gpu_bytes > 780e9, f"{model_id}: full {full.per_gpu_bytes / 1e9:.0f} GB"
    assert full.per_gpu_bytes / qlora.per_gpu_bytes > 20


def test_invalid_deployment_is_rejected_before_estimating() -> None:
    with pytest.raises(InputError):
        estimate_memory(model("llama-3.1-70b"), Deployment(tp=3))


def test_memory_parts_arithmetic() -> None:
    a = MemoryParts(1, 2, 3, 4, 5, 6)
    assert a.total == 21
    assert a.scaled(2) == MemoryParts(2, 4, 6, 8, 10, 12)
    assert a.plus(a) == a.scaled(2)


# ------------------------------------------------------------------------------------------
# Monotonicity


@settings(max_examples=40, deadline=None)
@given(
    model_id=st.sampled_from(MODEL_IDS),
    precision=st.sampled_from(INFERENCE_FORMATS),
    contexts=st.lists(st.integers(min_value=1, max_value=131_072), min_size=2, max_size=2),
    batch=st.integers(min_value=1, max_value=64),
)
def test_memory_nondecreasing_in_context(model_id: str, precision: str, contexts: list[int], batch: int) -> None:
    short, long = sorted(contexts)
    m = model(model_id)
    a = estimate_memory(m, Deployment(precision=precision, context_tokens=short, batch=batch))
    b = estimate_memory(m, Deployment(precision=precision, context_tokens=long, batch=batch))
    assert b.per_gpu_bytes >= a.per_gpu_bytes
    assert b.total_bytes >= a.total_bytes


@settings(max_examples=40, deadline=None)
@given(
    model_id=st.sampled_from(MODEL_IDS),
    mode=st.sampled_from(["inference", "full", "lora", "qlora"]),
    batches=st.lists(st.integers(min_value=1, max_value=256), min_size=2, max_size=2),
    context=st.integers(min_value=1, max_value=32_768),
)
def test_memory_nondecreasing_in_batch(model_id: str, mode: str, batches: list[int], context: int) -> None:
    small, large = sorted(batches)
    m = model(model_id)
    a = estimate_memory(m, Deployment(mode=mode, context_tokens=context, batch=small))
    b = estimate_memory(m, Deployment(mode=mode, context_tokens=context, batch=large))
    assert b.per_gpu_bytes >= a.per_gpu_bytes


@settings(max_examples=40, deadline=None)
@given(
    model_id=st.sampled_from(MODEL_IDS),
    precision=st.sampled_from(INFERENCE_FORMATS),
    context=st.integers(min_value=1, max_value=131_072),
    batch=st.integers(min_value=1, max_value=64),
)
def test_per_gpu_memory_nonincreasing_in_tp_within_a_node(model_id: str, precision: str, context: int, batch: int) -> None:
    """Valid TP degrees up to 8 (one NVLink node); larger TP: see the next test."""
    m = model(model_id)
    base = Deployment(precision=precision, context_tokens=context, batch=batch)
    per_gpu = [estimate_memory(m, replace(base, tp=tp)).per_gpu_bytes for tp in valid_tp_degrees(m, limit=8)]
    assert all(later <= earlier for earlier, later in zip(per_gpu, per_gpu[1:])), per_gpu


def test_per_gpu_memory_nonincreasing_in_tp_beyond_a_node() -> None:
    """Collective buffers do not grow with the group (ring/tree neighbours), so wider TP keeps saving memory."""
    m = model("llama-3.1-70b")
    at32 = estimate_memory(m, Deployment(tp=32)).per_gpu_bytes
    at64 = estimate_memory(m, Deployment(tp=64)).per_gpu_bytes
    assert at64 <= at32


@settings(max_examples=30, deadline=None)
@given(
    model_id=st.sampled_from(MODEL_IDS),
    dp=st.integers(min_value=2, max_value=256),
    context=st.integers(min_value=128, max_value=8192),
    checkpointing=st.booleans(),
    tp=st.sampled_from([1, 2, 4, 8]),
)
def test_higher_zero_stage_never_uses_more_memory(model_id: str, dp: int, context: int, checkpointing: bool, tp: int) -> None:
    """Full fine-tuning over N_d ≥ 2 ranks: stage k+1 ≤ stage k per GPU (N_d = 1: see above)."""
    m = model(model_id)
    if tp not in valid_tp_degrees(m, limit=8):
        tp = 1
    per_gpu = [
        estimate_memory(m, Deployment(mode="full", context_tokens=context, dp=dp, tp=tp, zero_stage=stage, gradient_checkpointing=checkpointing)).per_gpu_bytes
        for stage in (0, 1, 2, 3)
    ]
    assert all(later <= earlier for earlier, later in zip(per_gpu, per_gpu[1:])), per_gpu


@settings(max_examples=150, deadline=None)
@given(
    model_id=st.sampled_from(MODEL_IDS),
    mode=st.sampled_from(["full", "lora", "qlora"]),
    tp_index=st.integers(0, 3),
    pp=st.integers(1, 12),
    dp=st.integers(1, 64),
    zero=st.integers(0, 3),
    context=st.sampled_from([512, 4096, 32768]),
    micro_batch=st.integers(1, 8),
    checkpointing=st.booleans(),
)
def test_training_memory_floor_bounds_every_dp_and_zero_stage(model_id, mode, tp_index, pp, dp, zero, context, micro_batch, checkpointing) -> None:
    m = model(model_id)
    tps = valid_tp_degrees(m, limit=8)
    deployment = Deployment(
        precision="bf16", mode=mode, tp=tps[min(tp_index, len(tps) - 1)], pp=min(pp, m.num_layers), dp=dp, zero_stage=zero,
        context_tokens=context, batch=micro_batch, gradient_checkpointing=checkpointing,
    )
    assert training_memory_floor(m, deployment) <= estimate_memory(m, deployment).per_gpu_bytes
