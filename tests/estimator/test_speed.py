"""Seconds from work (speed.py): roofline, fixed latencies, collectives, and the coefficient
lookups by class. Hand-worked with coefficients set here (every table at its 'default'), so each
term can be checked by hand; the fitted coefficients are tested against measurements in
tests/calibration.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.catalog import load_catalog
from solver.errors import InputError
from solver.estimator.deployment import Deployment, valid_tp_degrees
from solver.estimator.speed import (
    INTER_NODE_BYTES_PER_S,
    INTER_NODE_LATENCY_S,
    decode_speed,
    mig_slice,
    prefill_seconds,
    serving_step_seconds,
    step_time,
    training_flops,
    training_hours,
    whole_gpu,
)
from solver.estimator.work import decode_work
from solver.specs.assumptions import Assumptions
from solver.specs.performance import SpeedCoefficients

CATALOG = load_catalog(include_user=False)
H100 = CATALOG.gpu("h100-sxm")
H100_NVLINK = whole_gpu(H100, scaleup=True)

BASE = {
    "memory_efficiency": 0.8, "decode_compute_efficiency": 0.5, "prefill_compute_efficiency": 0.5,
    "weight_read_factor": 1.25, "weight_reuse_tokens": 64.0, "dequant_compute_factor": 2.0, "expert_read_factor": 1.5, "kv_read_factor": 1.1,
    "layer_latency_us": 20.0, "moe_layer_latency_us": 50.0, "prefill_layer_latency_us": 100.0,
    "step_latency_us": 200.0, "sequence_latency_us": 10.0, "collective_latency_us": 10.0, "link_efficiency": 0.7,
}


def coefficients(**overrides: float | dict[str, float]) -> SpeedCoefficients:
    tables = {name: {"default": value} for name, value in BASE.items()}
    for name, value in overrides.items():
        tables[name] = value if isinstance(value, dict) else {"default": value}
    return SpeedCoefficients(**tables)


C = coefficients()


def test_whole_gpu_links() -> None:
    assert (H100_NVLINK.link, H100_NVLINK.link_bytes_per_s) == ("scaleup", 450e9)  # half of 900 GB/s bidirectional
    assert (whole_gpu(H100, scaleup=False).link, whole_gpu(H100, scaleup=False).link_bytes_per_s) == ("pcie", 64e9)
    assert whole_gpu(CATALOG.gpu("rtx-4090"), scaleup=True).link == "pcie"  # no NVLink on the card
    assert whole_gpu(CATALOG.gpu("m3-ultra-512gb"), scaleup=True).link == "none"


def test_mig_slice_shares() -> None:
    profile = next(p for p in H100.mig_profiles if p.name == "1g.10gb")
    device = mig_slice(H100, profile)
    assert device.bandwidth_bytes_per_s == pytest.approx(3350e9 / 8)  # one of eight memory slices
    assert device.peak_flops("bf16") == pytest.approx(989e12 / 7)  # one of seven compute slices
    assert device.memory_bytes == int(profile.memory)


def test_memory_bound_decode_hand_worked() -> None:
    model = CATALOG.model("llama-3.1-8b")
    speed = decode_speed(model, Deployment(context_tokens=4096), H100_NVLINK, "vllm", C)
    weights = 16_060_522_496 - 128_256 * 4096 * 2
    kv = 4096 * 131_072
    memory = (weights + kv * 1.1) / (3350e9 * 0.8)
    fixed = 32 * 20e-6 + 200e-6 + 1 * 10e-6
    assert speed.time.memory_seconds == pytest.approx(memory, rel=1e-12)
    assert speed.time.fixed_seconds == pytest.approx(fixed, rel=1e-12)
    assert speed.time.compute_seconds == 0 and speed.time.communication_seconds == 0
    assert speed.tokens_per_s_per_sequence == pytest.approx(1 / (memory + fixed), rel=1e-12)


def test_weight_only_format_pays_read_and_dequant_factors() -> None:
    model = CATALOG.model("llama-3.1-8b")
    work = decode_work(model, Deployment(precision="awq", batch=512, context_tokens=64))
    time = step_time(work, H100_NVLINK, "vllm", C, "awq", phase="decode")
    stage = work.stages[0]
    # Compute-bound at batch 512: matmuls dequantise (×2) at 16-bit peak × 0.5.
    compute = stage.linear_flops * 2.0 / (989e12 * 0.5) + stage.attention_flops / (989e12 * 0.5)
    # The weight-only kernel re-reads each weight tile every 64 tokens: 1 + 512/64 = 9 passes.
    memory = (stage.weight_bytes * 1.25 * 9 + stage.kv_bytes * 1.1) / (3350e9 * 0.8)
    assert time.memory_seconds + time.compute_seconds == pytest.approx(max(compute, memory), rel=1e-12)
    # FP8 computes natively: no dequantisation factor, FP8 peak.
    fp8 = decode_work(model, Deployment(precision="fp8", batch=512, context_tokens=64))
    stage8 = fp8.stages[0]
    t8 = step_time(fp8, H100_NVLINK, "vllm", C, "fp8", phase="decode")
    compute8 = stage8.linear_flops / (1979e12 * 0.5) + stage8.attention_flops / (989e12 * 0.5)
    memory8 = (stage8.weight_bytes * 1.25 * 9 + stage8.kv_bytes * 1.1) / (3350e9 * 0.8)
    assert t8.memory_seconds + t8.compute_seconds == pytest.approx(max(compute8, memory8), rel=1e-12)


def test_llama_cpp_uses_the_fp16_accumulate_rate_on_geforce() -> None:
    rtx = whole_gpu(CATALOG.gpu("rtx-4090"), scaleup=False)
    assert rtx.peak_flops("fp16", "llama.cpp") == 330.3e12  # FP16 accumulate: twice the FP32-accumulate rate
    assert rtx.peak_flops("fp16", "vllm") == 165.2e12
    assert H100_NVLINK.peak_flops("bf16", "llama.cpp") == 989e12  # data-centre parts: one rate


def test_class_keys_pick_the_most_specific_coefficient() -> None:
    model = CATALOG.model("llama-3.1-8b")
    tuned = coefficients(memory_efficiency={"default": 0.5, "nvidia-hbm": 0.6, "vllm/nvidia-hbm": 0.9})
    work = decode_work(model, Deployment())
    vllm = step_time(work, H100_NVLINK, "vllm", tuned, "bf16", phase="decode").memory_seconds
    sglang = step_time(work, H100_NVLINK, "sglang", tuned, "bf16", phase="decode").memory_seconds
    amd = step_time(work, whole_gpu(CATALOG.gpu("mi300x"), True), "vllm", tuned, "bf16", phase="decode").memory_seconds
    streamed = work.stages[0].weight_bytes + work.stages[0].kv_bytes * 1.1
    assert vllm == pytest.approx(streamed / (3350e9 * 0.9))
    assert sglang == pytest.approx(streamed / (3350e9 * 0.6))  # falls back to the hardware class
    assert amd == pytest.approx(streamed / (5300e9 * 0.5))  # no amd-hbm entry: the shared default


def test_tensor_parallel_collectives_hand_worked() -> None:
    speed = decode_speed(CATALOG.model("llama-3.1-70b"), Deployment(tp=8), H100_NVLINK, "vllm", C)
    # 160 all-reduces × (10 µs + 2 · 7/8 · 16,384 B / (450 GB/s × 0.7)).
    assert speed.time.communication_seconds == pytest.approx(160 * (10e-6 + 2 * 7 / 8 * 16_384 / 315e9), rel=1e-12)


def test_moe_layers_pay_extra_latency_and_expert_factor() -> None:
    model = CATALOG.model("mixtral-8x7b")
    work = decode_work(model, Deployment())
    time = step_time(work, H100_NVLINK, "vllm", C, "bf16", phase="decode")
    stage = work.stages[0]
    assert time.fixed_seconds == pytest.approx(32 * (20e-6 + 50e-6) + 200e-6 + 10e-6, rel=1e-12)
    assert time.memory_seconds == pytest.approx((stage.weight_bytes + stage.expert_bytes * 1.5 + stage.kv_bytes * 1.1) / (3350e9 * 0.8), rel=1e-12)


def test_pipeline_hops() -> None:
    model = CATALOG.model("llama-3.1-8b")
    two = decode_speed(model, Deployment(pp=2), H100_NVLINK, "vllm", C)
    assert two.time.communication_seconds == pytest.approx(INTER_NODE_LATENCY_S + 8192 / 450e9, rel=1e-12)
    across = decode_speed(model, Deployment(pp=2), H100_NVLINK, "vllm", C, inter_node_stages=True)
    assert across.time.communication_seconds == pytest.approx(INTER_NODE_LATENCY_S + 8192 / INTER_NODE_BYTES_PER_S, rel=1e-12)


def test_prefill_pays_prefill_layer_latency_and_no_per_sequence_cost() -> None:
    seconds = prefill_seconds(CATALOG.model("llama-3.1-8b"), Deployment(), H100_NVLINK, 1000, "vllm", C)
    flops = 2 * 6_979_584_000 * 1000 + 2 * 128_256 * 4096 + 2 * 1000**2 * 4096 * 32
    assert seconds == pytest.approx(flops / (989e12 * 0.5) + 32 * 100e-6 + 200e-6, rel=1e-12)


def test_serving_step_adds_new_prompts_share() -> None:
    # 32 sequences of 256 output tokens: 1/8 of a new prompt's prefill per step.
    assert serving_step_seconds(0.02, 0.4, 32, 256) == pytest.approx(0.02 + 0.05)
    assert serving_step_seconds(0.02, 0.4, 1, 256) == 0.02


def test_splitting_over_devices_without_a_link_is_refused() -> None:
    mac = whole_gpu(CATALOG.gpu("m3-ultra-512gb"), scaleup=True)
    with pytest.raises(InputError, match="no link between devices"):
        decode_speed(CATALOG.model("llama-3.1-70b"), Deployment(tp=2), mac, "llama.cpp", C)


@settings(max_examples=40, deadline=None)
@given(
    model_id=st.sampled_from(sorted(CATALOG.models)),
    batches=st.lists(st.integers(min_value=1, max_value=512), min_size=2, max_size=2),
    context=st.integers(min_value=1, max_value=65_536),
    precision=st.sampled_from(["bf16", "fp8", "awq", "q4_k_m"]),
    gpu_id=st.sampled_from(["h100-sxm", "a100-80gb-sxm", "rtx-4090", "mi300x"]),
    tp_index=st.integers(min_value=0, max_value=3),
)
def test_fitted_speed_per_sequence_nonincreasing_in_batch(model_id: str, batches: list[int], context: int, precision: str, gpu_id: str, tp_index: int) -> None:
    assert CATALOG.speed_model is not None
    fitted = CATALOG.speed_model.coefficients
    model = CATALOG.model(model_id)
    degrees = valid_tp_degrees(model, limit=8)
    tp = degrees[min(tp_index, len(degrees) - 1)]
    device = whole_gpu(CATALOG.gpu(gpu_id), scaleup=True)
    small, large = sorted(batches)
    a = decode_speed(model, Deployment(precision=precision, context_tokens=context, batch=small, tp=tp), device, "vllm", fitted)
    b = decode_speed(model, Deployment(precision=precision, context_tokens=context, batch=large, tp=tp), device, "vllm", fitted)
    assert b.tokens_per_s_per_sequence <= a.tokens_per_s_per_sequence
    assert b.aggregate_tokens_per_s(large) >= a.aggregate_tokens_per_s(small) * 0.999 or small == large


def test_training_flops_and_hours_hand_worked() -> None:
    model = CATALOG.model("llama-3.1-8b")
    n = 8_030_261_248
    assert training_flops(model, 1e9, "full", checkpointing=False) == 6 * n * 1e9  # Kaplan 6ND
    assert training_flops(model, 1e9, "full", checkpointing=True) == 8 * n * 1e9  # + recompute 2ND
    assert training_flops(model, 1e9, "lora", checkpointing=False) == 4 * n * 1e9  # no weight gradients
    hours = training_hours(model, 1e9, 8, H100_NVLINK, "full", True, Assumptions())
    assert hours == pytest.approx(8 * n * 1e9 / (8 * 989e12 * 0.4) / 3600, rel=1e-12)
