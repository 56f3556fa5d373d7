"""Training states (training.py): ZeRO sharding of 16-bit weights, gradients and Adam states,
and LoRA adapter sizes.

Published figures:
- ZeRO (Rajbhandari et al. 2019, arXiv:1910.02054) Figure 1: Ψ = 7.5B parameters, K = 12,
  N_d = 64 data-parallel ranks → model states of 120 GB (baseline), 31.4 GB (P_os),
  16.6 GB (P_os+g) and 1.9 GB (P_os+g+p) per device. The figure rounds to 0.1 GB (10^9 B).
- PEFT ``print_trainable_parameters()`` for (Meta-)Llama-3(.1)-8B with r = 16 on q, k, v, o,
  gate, up and down (target_modules="all-linear"): "trainable params: 41,943,040" (printed in
  many public fine-tuning tutorials and notebooks).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.catalog import load_catalog
from solver.estimator.training import (
    ADAM_STATE_BYTES,
    adapter_states,
    lora_mlp_parameters,
    lora_parameters,
    lora_parameters_per_layer,
    zero_sharded_states,
)

CATALOG = load_catalog(include_user=False)


def total(states) -> float:
    return states.weights + states.gradients + states.optimizer


def test_mixed_precision_adam_is_16_bytes_per_parameter() -> None:
    # ZeRO §3.1: 2Ψ (FP16 weights) + 2Ψ (FP16 gradients) + KΨ with K = 12 (FP32 master, m, v).
    assert ADAM_STATE_BYTES == 12
    states = zero_sharded_states(1_000, dp=1, zero_stage=0)
    assert (states.weights, states.gradients, states.optimizer) == (2_000, 2_000, 12_000)


def test_zero_stages_hand_worked() -> None:
    # Ψ = 1,000 parameters over N_d = 4 ranks:
    # stage 1: 2,000 + 2,000 + 12,000/4 = 7,000
    # stage 2: 2,000 + 2,000/4 + 12,000/4 = 5,500
    # stage 3: (2,000 + 2,000 + 12,000)/4 = 4,000
    assert [total(zero_sharded_states(1_000, 4, stage)) for stage in (0, 1, 2, 3)] == [16_000, 7_000, 5_500, 4_000]


def test_zero_paper_figure_1() -> None:
    """ZeRO Figure 1: Ψ = 7.5B, K = 12, N_d = 64 → 120, 31.4, 16.6, 1.9 GB per device.
    Exact values: 120; 30 + 1.40625 = 31.40625; 15 + 1.640625 = 16.640625; 1.875."""
    published = {0: 120.0, 1: 31.4, 2: 16.6, 3: 1.9}
    exact = {0: 120.0, 1: 31.40625, 2: 16.640625, 3: 1.875}
    for stage, gigabytes in published.items():
        estimate = total(zero_sharded_states(7.5e9, dp=64, zero_stage=stage)) / 1e9
        assert estimate == pytest.approx(exact[stage], rel=1e-12)
        assert estimate == pytest.approx(gigabytes, abs=0.05), f"stage {stage}: {estimate} GB vs {gigabytes} GB"


def test_adapter_states_are_fp32_with_adam() -> None:
    # 4 B FP32 adapter weight + 4 B gradient + 8 B Adam moments, sharded like full states.
    states = adapter_states(1_000, dp=1, zero_stage=0)
    assert (states.weights, states.gradients, states.optimizer) == (4_000, 4_000, 8_000)
    assert total(adapter_states(1_000, dp=4, zero_stage=3)) == 4_000


def test_lora_llama_3_1_8b_hand_worked_and_published() -> None:
    """PEFT prints "trainable params: 41,943,040" for Llama-3(.1)-8B, r = 16, all seven projections."""
    m = CATALOG.model("llama-3.1-8b")
    # r · (d_in + d_out) per adapted matrix:
    # q 4096→4096, k 4096→1024, v 4096→1024, o 4096→4096: 16 × 26,624 = 425,984
    assert lora_parameters_per_layer(m, 16) == 16 * (8192 + 5120 + 5120 + 8192) == 425_984
    # gate, up 4096→14336 and down 14336→4096: 16 × 3 × 18,432 = 884,736
    assert lora_mlp_parameters(m, 16, 14336) == 884_736
    # (425,984 + 884,736) × 32 layers = 41,943,040
    assert lora_parameters(m, 16) == 41_943_040


def test_lora_scales_linearly_with_rank() -> None:
    m = CATALOG.model("llama-3.1-70b")
    assert lora_parameters(m, 64) == 4 * lora_parameters(m, 16)


def test_lora_mla_hand_worked() -> None:
    v3 = CATALOG.model("deepseek-v3")
    # q_a 7168→1536, q_b 1536→128·192, kv_a 7168→576, kv_b 512→128·256, o 128·128→7168:
    # d_in + d_out = 8,704 + 26,112 + 7,744 + 33,280 + 23,552 = 99,392; × r = 16 → 1,590,272.
    assert lora_parameters_per_layer(v3, 16) == 16 * 99_392 == 1_590_272
    # Routed experts stay frozen: 3 dense MLPs (width 18,432) and 58 shared experts (2,048).
    expected = 61 * 1_590_272 + 3 * 16 * 3 * (7168 + 18432) + 58 * 16 * 3 * (7168 + 2048)
    assert lora_parameters(v3, 16) == expected == 126_350_336


def test_lora_moe_without_shared_experts_adapts_attention_only() -> None:
    mixtral = CATALOG.model("mixtral-8x7b")
    # Same attention shapes as Llama-3.1-8B: 425,984 per layer × 32 = 13,631,488.
    assert lora_parameters(mixtral, 16) == 32 * 425_984 == 13_631_488


@settings(max_examples=40, deadline=None)
@given(
    params=st.floats(min_value=1e3, max_value=2e12, allow_nan=False, allow_infinity=False),
    dp=st.integers(min_value=1, max_value=4096),
)
def test_higher_zero_stage_never_holds_more_states(params: float, dp: int) -> None:
    totals = [total(zero_sharded_states(params, dp, stage)) for stage in (0, 1, 2, 3)]
    adapters = [total(adapter_states(params, dp, stage)) for stage in (0, 1, 2, 3)]
    for series in (totals, adapters):
        assert all(later <= earlier for earlier, later in zip(series, series[1:]))
    # Stage 3 is exactly the baseline divided by the data-parallel ranks.
    assert totals[3] == pytest.approx(totals[0] / dp, rel=1e-12)
