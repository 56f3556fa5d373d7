"""Weight and KV-cache storage formats: bits per weight, and which tensors each keeps in 16-bit.

Bits per weight include the format's own metadata (group scales, zero points, block headers):
- GPTQ (Frantar et al. 2022, arXiv:2210.17323) and AWQ (Lin et al. 2023, arXiv:2306.00978) as
  packed by AutoGPTQ/AutoAWQ: per group of 128 input channels one FP16 scale and one packed
  zero point of the weight's bit width → b + (16 + b)/128 bits.
- NF4 with double quantisation (Dettmers et al. 2023, QLoRA, arXiv:2305.14314 §3): blocks of 64
  with an 8-bit absmax, the absmaxes re-quantised in blocks of 256 with an FP32 constant →
  4 + 8/64 + 32/(64·256) = 4.127 bits.
- llama.cpp k-quants (ggml-quants.h block layouts): Q4_K = 144 B per 256 weights = 4.5 bpw,
  Q6_K = 210 B per 256 = 6.5625 bpw, Q8_0 = 34 B per 32 = 8.5 bpw, Q4_0 = 18 B per 32 = 4.5 bpw. Q4_K_M (llama.cpp
  `llama_tensor_get_type`) stores attn_v and ffn_down as Q6_K in the layers `use_more_bits`
  selects (first and last eighth, and every third in between: half of all layers), output as
  Q6_K, token embeddings as Q4_K.
- FP8 (E4M3 with per-tensor or per-channel scales) and INT8 (W8A8, per-channel scales):
  8 bits plus negligible scales. vLLM and TensorRT-LLM keep embeddings and lm_head in 16-bit.
Quantised serving formats keep the embedding, lm_head, norms and MoE router in 16-bit; only GGUF
quantises the embedding and output matrices too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ComputeFormat = Literal["bf16", "fp16", "fp8", "int8"]


@dataclass(frozen=True)
class WeightFormat:
    name: str
    linear_bits: float
    """Bits per weight of the transformer's linear layers, metadata included."""
    embedding_bits: float
    """Bits per weight of the input embedding matrix."""
    lm_head_bits: float
    """Bits per weight of the output projection (when untied)."""
    compute: ComputeFormat
    """Arithmetic used by the matmuls (weight-only formats dequantise to 16-bit)."""
    more_bits_fraction: float = 0.0
    """Share of attn_v/ffn_down tensors stored at `more_bits` instead (GGUF *_M mixes)."""
    more_bits: float = 0.0
    description: str = ""


def _group_bits(bits: int, group: int = 128, scale_bits: int = 16) -> float:
    """b-bit weights with one FP16 scale and one b-bit zero point per group."""
    return bits + (scale_bits + bits) / group


NF4_DOUBLE_QUANT_BITS = 4 + 8 / 64 + 32 / (64 * 256)
Q4_K_BITS = 144 * 8 / 256
Q6_K_BITS = 210 * 8 / 256
Q8_0_BITS = 34 * 8 / 32
Q4_0_BITS = 18 * 8 / 32

WEIGHT_FORMATS: dict[str, WeightFormat] = {
    f.name: f
    for f in (
        WeightFormat("bf16", 16, 16, 16, "bf16", description="BF16 weights"),
        WeightFormat("fp16", 16, 16, 16, "fp16", description="FP16 weights"),
        WeightFormat("fp8", 8, 16, 16, "fp8", description="FP8 E4M3 weights and activations (W8A8), 16-bit embeddings/lm_head"),
        WeightFormat("int8", 8, 16, 16, "int8", description="INT8 W8A8 (SmoothQuant-style), per-channel scales"),
        WeightFormat("int4", _group_bits(4), 16, 16, "bf16", description="generic 4-bit weight-only, group 128"),
        WeightFormat("awq", _group_bits(4), 16, 16, "fp16", description="AWQ 4-bit, group 128, FP16 scales + packed zeros"),
        WeightFormat("gptq-int4", _group_bits(4), 16, 16, "fp16", description="GPTQ 4-bit, group 128"),
        WeightFormat("gptq-int8", _group_bits(8), 16, 16, "fp16", description="GPTQ 8-bit, group 128"),
        WeightFormat("nf4", NF4_DOUBLE_QUANT_BITS, 16, 16, "bf16", description="bitsandbytes NF4 with double quantisation"),
        WeightFormat("q4_k_m", Q4_K_BITS, Q4_K_BITS, Q6_K_BITS, "fp16", more_bits_fraction=0.5, more_bits=Q6_K_BITS, description="llama.cpp GGUF Q4_K_M"),
        WeightFormat("q8_0", Q8_0_BITS, Q8_0_BITS, Q8_0_BITS, "fp16", description="llama.cpp GGUF Q8_0"),
        WeightFormat("q4_0", Q4_0_BITS, Q4_0_BITS, Q6_K_BITS, "fp16", description="llama.cpp GGUF Q4_0 (output matrix kept at Q6_K)"),
    )
}

KV_FORMAT_BYTES: dict[str, float] = {
    "bf16": 2.0,
    "fp16": 2.0,
    "fp8": 1.0,
    "int8": 1.0,
}
"""Bytes per cached element. FP8/INT8 KV caches (vLLM `kv_cache_dtype`) keep per-tensor scales only."""


def weight_format(name: str) -> WeightFormat:
    return WEIGHT_FORMATS[name]
