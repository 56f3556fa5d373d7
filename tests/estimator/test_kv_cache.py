"""KV-cache bytes per token, per rank and per deployment (kv_cache.py).

Published figures:
- Llama-3.1-70B: IETF draft-calabria-bmwg-ai-fabric-inference-bench, appendix "sample
  calculation ... 70B parameter model at FP16 with 4K context": S_KV = 2 × 80 × 8 × 128 × 4,096
  × 2 = 1,342,177,280 bytes, i.e. 327,680 B (320 KiB) per token.
- DeepSeek-V2 (arXiv:2405.04434) Table 1: MLA caches (d_c + d_h^R)·l elements per token; with
  d_c = 4·d_h = 512 and d_h^R = d_h/2 = 64 that is "equal to GQA with only 2.25 groups"
  (2 × 2.25 × 128 = 576 per layer). DeepSeek-V2 has l = 60: 34,560 elements.
- DeepSeek-V2 README/abstract: "reduces the KV cache by 93.3%" versus DeepSeek 67B, whose
  deployment §3.2.3 describes as MLA plus KV-cache quantisation "into 6 bits on average".
- DeepSeek-V3: 61 layers × 576 × 2 B = 70,272 B per token in BF16 (from config.json; the
  estimator's own docstring figure).
"""

from __future__ import annotations

import pytest

from solver.catalog import load_catalog
from solver.estimator.kv_cache import (
    kv_bytes_per_token,
    kv_bytes_per_token_per_rank_layer,
    kv_cache_bytes_per_rank,
    kv_elements_per_token_per_layer,
)

CATALOG = load_catalog(include_user=False)


def model(name: str):
    return CATALOG.model(name)


def test_llama_3_1_70b_hand_worked() -> None:
    # K and V × 80 layers × 8 KV heads × 128 head_dim × 2 bytes (BF16) = 327,680 B = 320 KiB.
    assert kv_bytes_per_token(model("llama-3.1-70b")) == 2 * 80 * 8 * 128 * 2 == 327_680 == 320 * 1024


def test_llama_3_1_70b_matches_published_4k_context_figure() -> None:
    """IETF bmwg AI-fabric inference draft: 1,342,177,280 bytes for one 4,096-token sequence."""
    published = 1_342_177_280
    assert kv_bytes_per_token(model("llama-3.1-70b")) * 4096 == published


def test_sizing_from_hidden_size_would_overstate_llama_3_1_70b_eightfold() -> None:
    llama70 = model("llama-3.1-70b")
    from_hidden = 2 * llama70.num_layers * llama70.hidden_size * 2  # 2 × 80 × 8192 × 2 = 2,621,440
    assert from_hidden / kv_bytes_per_token(llama70) == 8


def test_llama_2_13b_mha_versus_gqa() -> None:
    llama2 = model("llama-2-13b")  # MHA: 40 KV heads = 40 query heads
    # 2 × 40 layers × 40 heads × 128 × 2 B = 819,200 B per token (800 KiB).
    assert kv_bytes_per_token(llama2) == 2 * 40 * 40 * 128 * 2 == 819_200
    # For MHA, heads × head_dim = hidden, so the hidden-size shortcut is exact here.
    assert kv_bytes_per_token(llama2) == 2 * 40 * 5120 * 2
    # The same layer with 8 KV groups (GQA-8) caches 40/8 = 5 times less: 163,840 B.
    gqa8 = llama2.model_copy(update={"num_key_value_heads": 8, "id": "llama-2-13b-gqa8"})
    assert kv_bytes_per_token(gqa8) == 163_840
    assert kv_bytes_per_token(llama2) / kv_bytes_per_token(gqa8) == 5


def test_deepseek_v2_mla_elements_match_paper_table_1() -> None:
    """DeepSeek-V2 Table 1: (d_c + d_h^R)·l = (512 + 64) × 60 = 34,560 elements per token, the
    same as GQA with 2.25 groups of d_h = 128."""
    v2 = model("deepseek-v2")
    assert v2.mla is not None
    assert (v2.mla.kv_lora_rank, v2.mla.qk_rope_head_dim, v2.num_layers) == (512, 64, 60)
    per_layer = kv_elements_per_token_per_layer(v2)
    assert per_layer == 512 + 64 == 576
    assert per_layer == 2 * 2.25 * 128  # "GQA with only 2.25 groups"
    assert per_layer * v2.num_layers == 34_560
    assert kv_bytes_per_token(v2) == 34_560 * 2 == 69_120


def test_deepseek_v3_hand_worked() -> None:
    # 61 layers × (512 + 64) × 2 B = 70,272 B per token in BF16.
    assert kv_bytes_per_token(model("deepseek-v3")) == 61 * 576 * 2 == 70_272
    assert kv_bytes_per_token(model("deepseek-v3"), "fp8") == 35_136


def test_deepseek_v2_kv_reduction_versus_deepseek_67b_matches_published_93_3_percent() -> None:
    """DeepSeek-V2 abstract: "reduces the KV cache by 93.3%" against DeepSeek 67B; §3.2.3:
    deployed with KV elements quantised to 6 bits on average. DeepSeek 67B: 95 layers × 8 KV
    heads × 128 × 2 (K, V) = 194,560 elements per token in BF16 → 389,120 B. DeepSeek-V2:
    34,560 elements × 6 bits = 25,920 B. 1 − 25,920 / 389,120 = 0.93339."""
    dense_67b = kv_bytes_per_token(model("deepseek-llm-67b"), "bf16")
    assert dense_67b == 2 * 95 * 8 * 128 * 2 == 389_120
    v2_six_bit = kv_bytes_per_token(model("deepseek-v2"), "fp8") * 6 / 8  # 1 byte per element → 6 bits
    assert v2_six_bit == 25_920
    reduction = 1 - v2_six_bit / dense_67b
    assert reduction == pytest.approx(0.933, abs=0.0005)


def test_fp8_and_int8_halve_the_cache() -> None:
    for name in ("llama-3.1-8b", "deepseek-v3", "qwen2.5-72b"):
        m = model(name)
        assert kv_bytes_per_token(m, "fp8") == kv_bytes_per_token(m, "int8") == kv_bytes_per_token(m, "bf16") / 2
        assert kv_bytes_per_token(m, "fp16") == kv_bytes_per_token(m, "bf16")


def test_per_rank_heads_divide_until_one_per_rank() -> None:
    llama70 = model("llama-3.1-70b")
    # One layer, one token: 2 × 8 × 128 × 2 B = 4,096 B at TP1; 512 B (one head) at TP8 ...
    assert [kv_bytes_per_token_per_rank_layer(llama70, "bf16", tp) for tp in (1, 2, 4, 8)] == [4096, 2048, 1024, 512]
    # ... and still one whole head per rank at TP16 and TP64 (replicated, as vLLM does).
    assert kv_bytes_per_token_per_rank_layer(llama70, "bf16", 16) == 512
    assert kv_bytes_per_token_per_rank_layer(llama70, "bf16", 64) == 512


def test_mla_latent_is_whole_on_every_rank() -> None:
    v3 = model("deepseek-v3")
    for tp in (1, 8, 32):
        assert kv_bytes_per_token_per_rank_layer(v3, "bf16", tp) == 576 * 2


def test_kv_cache_bytes_per_rank_hand_worked() -> None:
    llama8 = model("llama-3.1-8b")
    # 8 sequences × 4,096 tokens on a rank of TP2 holding 16 of 32 layers:
    # 32,768 tokens × 16 layers × (2 × 4 heads × 128 × 2 B = 2,048 B) = 1,073,741,824 B = 1 GiB.
    assert kv_cache_bytes_per_rank(llama8, "bf16", 2, 16, 8 * 4096) == 32_768 * 16 * 2_048 == 2**30
    # The whole model on one rank: tokens × kv_bytes_per_token.
    assert kv_cache_bytes_per_rank(llama8, "bf16", 1, 32, 1000) == 1000 * kv_bytes_per_token(llama8)
