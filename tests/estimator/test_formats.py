"""Bits per weight of every storage format (solver/estimator/formats.py).

Hand-worked from each format's block layout, and checked against the figures their authors
publish:
- llama.cpp k-quants PR (ggerganov/llama.cpp #1684, "k-quants" description, copied in
  s3nh/transformers-gym k-quants-description.md): "GGML_TYPE_Q4_K ... This ends up using 4.5 bpw",
  "GGML_TYPE_Q6_K ... This ends up using 6.5625 bpw". Q8_0 is 34 bytes per block of 32 (8.5 bpw).
- QLoRA (Dettmers et al. 2023, arXiv:2305.14314 §3, Double Quantization): the quantisation
  constants cost 8/64 + 32/(64·256) = 0.127 bits per parameter, down from 32/64 = 0.5.
"""

from __future__ import annotations

import pytest

from solver.estimator import formats
from solver.estimator.formats import KV_FORMAT_BYTES, WEIGHT_FORMATS, weight_format


def test_group_quantised_formats_hand_worked() -> None:
    # AutoAWQ / AutoGPTQ packing, group size 128: per group of 128 input channels one FP16 scale
    # (16 bits) and one packed zero point of the weight's own width.
    # 4-bit: 4 + (16 + 4)/128 = 4 + 0.15625 = 4.15625 bits per weight.
    for name in ("int4", "awq", "gptq-int4"):
        assert weight_format(name).linear_bits == pytest.approx(4.15625, abs=1e-12)
    # 8-bit: 8 + (16 + 8)/128 = 8.1875 bits per weight.
    assert weight_format("gptq-int8").linear_bits == pytest.approx(8.1875, abs=1e-12)


def test_nf4_double_quantisation_hand_worked() -> None:
    # 4-bit codes + one 8-bit absmax per 64 weights + one FP32 constant per 256 absmaxes:
    # 4 + 8/64 + 32/(64·256) = 4 + 0.125 + 0.001953125 = 4.126953125
    assert formats.NF4_DOUBLE_QUANT_BITS == pytest.approx(4.126953125, abs=1e-12)
    assert weight_format("nf4").linear_bits == formats.NF4_DOUBLE_QUANT_BITS


def test_nf4_overhead_matches_qlora_paper() -> None:
    """QLoRA §3: double quantisation takes the constants from 32/64 = 0.5 to 0.127 bits per
    parameter (the paper rounds to three decimals)."""
    overhead = formats.NF4_DOUBLE_QUANT_BITS - 4
    assert overhead == pytest.approx(0.127, abs=0.0005)
    # ... a saving of 0.373 bits per parameter over single quantisation (32-bit absmax per 64).
    assert 32 / 64 - overhead == pytest.approx(0.373, abs=0.0005)


def test_llama_cpp_block_sizes_hand_worked() -> None:
    # Q4_K super-block: 256 weights in 144 bytes (2 FP16 scales + 12 B of 6-bit sub-scales/mins
    # + 128 B of nibbles): 144·8/256 = 4.5 bpw.
    assert formats.Q4_K_BITS == 144 * 8 / 256 == 4.5
    # Q6_K: 210 bytes per 256 weights: 210·8/256 = 6.5625 bpw.
    assert formats.Q6_K_BITS == 210 * 8 / 256 == 6.5625
    # Q8_0: one FP16 scale + 32 int8 = 34 bytes per 32 weights: 34·8/32 = 8.5 bpw.
    assert formats.Q8_0_BITS == 34 * 8 / 32 == 8.5


def test_llama_cpp_block_sizes_match_k_quants_description() -> None:
    """llama.cpp PR #1684 ("k-quants"): Q4_K "ends up using 4.5 bpw", Q6_K "6.5625 bpw"; exact."""
    assert formats.Q4_K_BITS == 4.5
    assert formats.Q6_K_BITS == 6.5625


def test_q4_k_m_mix() -> None:
    fmt = weight_format("q4_k_m")
    # llama_tensor_get_type: token embeddings Q4_K, output Q6_K, attn_v/ffn_down Q6_K in the
    # half of the layers use_more_bits selects, Q4_K elsewhere.
    assert (fmt.linear_bits, fmt.embedding_bits, fmt.lm_head_bits) == (4.5, 4.5, 6.5625)
    assert (fmt.more_bits_fraction, fmt.more_bits) == (0.5, 6.5625)
    # GGUF quantises embeddings too; Q8_0 everything at 8.5.
    q8 = weight_format("q8_0")
    assert (q8.linear_bits, q8.embedding_bits, q8.lm_head_bits) == (8.5, 8.5, 8.5)


@pytest.mark.parametrize("name", ["fp8", "int8", "int4", "awq", "gptq-int4", "gptq-int8", "nf4"])
def test_serving_formats_keep_embedding_and_lm_head_in_16_bit(name: str) -> None:
    fmt = weight_format(name)
    assert fmt.embedding_bits == 16 and fmt.lm_head_bits == 16
    assert fmt.more_bits_fraction == 0.0


def test_sixteen_and_eight_bit_formats() -> None:
    for name in ("bf16", "fp16"):
        fmt = weight_format(name)
        assert (fmt.linear_bits, fmt.embedding_bits, fmt.lm_head_bits) == (16, 16, 16)
        assert fmt.compute == name
    assert weight_format("fp8").linear_bits == 8 and weight_format("fp8").compute == "fp8"
    assert weight_format("int8").linear_bits == 8 and weight_format("int8").compute == "int8"


def test_weight_only_formats_compute_in_16_bit() -> None:
    # Weight-only quantisation dequantises to 16-bit before the matmul.
    for name in ("int4", "awq", "gptq-int4", "gptq-int8", "nf4", "q4_k_m", "q8_0"):
        assert weight_format(name).compute in ("bf16", "fp16")


def test_every_format_is_smaller_than_bf16_or_equal() -> None:
    for fmt in WEIGHT_FORMATS.values():
        assert 4 <= fmt.linear_bits <= 16
        assert fmt.name == next(key for key, value in WEIGHT_FORMATS.items() if value is fmt)


def test_kv_format_bytes() -> None:
    assert KV_FORMAT_BYTES == {"bf16": 2.0, "fp16": 2.0, "fp8": 1.0, "int8": 1.0}


def test_unknown_format_is_a_key_error_at_this_layer() -> None:
    # User-facing validation (InputError) happens in deployment.validate_deployment.
    with pytest.raises(KeyError):
        weight_format("int3")
