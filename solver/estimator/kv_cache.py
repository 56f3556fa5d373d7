"""KV-cache bytes from the attention layout.

- MHA/GQA/MQA: every layer caches K and V for each KV head:
  2 · layers · kv_heads · head_dim · bytes per token (Ainslie et al. 2023, GQA, arXiv:2305.13245).
  Sizing from the hidden size instead overstates Llama-3.1-70B eightfold.
- MLA (DeepSeek-V2, arXiv:2405.04434 §2.1.2, Table 1): each layer caches the compressed latent
  c_KV (kv_lora_rank) and the shared decoupled RoPE key (qk_rope_head_dim):
  layers · (kv_lora_rank + qk_rope_head_dim) · bytes per token — 70,272 B in BF16 for DeepSeek-V3.
Under tensor parallelism K/V heads divide across ranks until each rank has one head; beyond that
heads are replicated. MLA's latent is shared by all heads, so every TP rank keeps all of it (as
vLLM's MLA backends do).
"""

from __future__ import annotations

from solver.estimator.formats import KV_FORMAT_BYTES
from solver.estimator.weights import kv_share
from solver.specs.model import ModelSpec


def kv_elements_per_token_per_layer(model: ModelSpec) -> int:
    if model.mla is not None:
        return model.mla.kv_lora_rank + model.mla.qk_rope_head_dim
    return 2 * model.num_key_value_heads * model.head_dim


def kv_bytes_per_token(model: ModelSpec, kv_precision: str = "bf16") -> float:
    """Whole-model KV bytes per cached token (all layers, all heads)."""
    return model.num_layers * kv_elements_per_token_per_layer(model) * KV_FORMAT_BYTES[kv_precision]


def kv_bytes_per_token_per_rank_layer(model: ModelSpec, kv_precision: str, tp: int) -> float:
    """KV bytes per token per layer that one TP rank holds."""
    elements = kv_elements_per_token_per_layer(model)
    share = 1.0 if model.mla is not None else kv_share(model, tp)
    return elements * share * KV_FORMAT_BYTES[kv_precision]


def kv_cache_bytes_per_rank(model: ModelSpec, kv_precision: str, tp: int, layers: int, tokens: int) -> float:
    """KV bytes one rank holds for `tokens` cached tokens (context × sequences) over its `layers`."""
    return tokens * layers * kv_bytes_per_token_per_rank_layer(model, kv_precision, tp)
