"""Model architecture schema: the config.json fields that decide memory and speed."""

from __future__ import annotations

from pydantic import Field, model_validator

from solver.specs.common import CatalogEntry, StrictModel
from solver.specs.fields import Line, Paragraph

# Bounds: far beyond published architectures (the widest today: hidden 16,384 and 256 experts;
# the longest context 10M tokens) and small enough that parameter, FLOP and byte counts stay
# finite floats and exact where they are integers.
MAX_LAYERS = 1_024
MAX_WIDTH = 2**20
"""Hidden, head and MLP widths (2^20 = 1,048,576)."""
MAX_HEADS = 2**14
MAX_EXPERTS = 2**14
MAX_VOCAB = 2**24
MAX_POSITIONS = 100_000_000
MAX_PARAMS = 1e15


class MoeSpec(StrictModel):
    """Mixture-of-experts layout. All experts are stored; `experts_per_token` are read per token."""

    num_experts: int = Field(ge=2, le=MAX_EXPERTS, description="Routed experts per MoE layer (n_routed_experts / num_local_experts / num_experts; at most 16,384).")
    experts_per_token: int = Field(ge=1, le=MAX_EXPERTS, description="Routed experts active per token (num_experts_per_tok).")
    num_shared_experts: int = Field(default=0, ge=0, le=MAX_EXPERTS, description="Always-active shared experts (n_shared_experts).")
    expert_intermediate_size: int = Field(ge=1, le=MAX_WIDTH, description="Width of one expert's MLP (moe_intermediate_size).")
    shared_expert_intermediate_size: int | None = Field(default=None, ge=1, le=MAX_WIDTH * MAX_EXPERTS, description="Total width of the shared experts; default num_shared_experts × expert width.")
    first_k_dense_layers: int = Field(default=0, ge=0, le=MAX_LAYERS, description="Leading layers with a dense MLP of `intermediate_size` (first_k_dense_replace).")

    @model_validator(mode="after")
    def _active_within_total(self) -> "MoeSpec":
        if self.experts_per_token > self.num_experts:
            raise ValueError("experts_per_token cannot exceed num_experts")
        return self

    @property
    def shared_width(self) -> int:
        if self.shared_expert_intermediate_size is not None:
            return self.shared_expert_intermediate_size
        return self.num_shared_experts * self.expert_intermediate_size


class MlaSpec(StrictModel):
    """DeepSeek multi-head latent attention (DeepSeek-V2 paper, arXiv:2405.04434, §2.1)."""

    q_lora_rank: int | None = Field(default=None, ge=1, le=MAX_WIDTH, description="Query compression rank; null when queries are not compressed.")
    kv_lora_rank: int = Field(ge=1, le=MAX_WIDTH, description="Compressed KV latent width d_c (cached per token per layer).")
    qk_rope_head_dim: int = Field(ge=1, le=MAX_WIDTH, description="Decoupled RoPE key width (cached per token per layer, shared by heads).")
    qk_nope_head_dim: int = Field(ge=1, le=MAX_WIDTH)
    v_head_dim: int = Field(ge=1, le=MAX_WIDTH)


class ModelSpec(CatalogEntry):
    family: Line
    hf_repo: Line = Field(description="Hugging Face repository the config.json comes from.")
    num_layers: int = Field(ge=1, le=MAX_LAYERS, description="num_hidden_layers (at most 1,024)")
    hidden_size: int = Field(ge=1, le=MAX_WIDTH, description="At most 2^20.")
    num_attention_heads: int = Field(ge=1, le=MAX_HEADS, description="At most 16,384.")
    num_key_value_heads: int = Field(ge=1, le=MAX_HEADS, description="KV heads (GQA); equal to heads for MHA, 1 for MQA.")
    head_dim: int = Field(ge=1, le=MAX_WIDTH)
    intermediate_size: int = Field(ge=1, le=MAX_WIDTH * 4, description="Dense MLP width (in MoE models: the dense layers' width); at most 2^22.")
    vocab_size: int = Field(ge=1, le=MAX_VOCAB, description="At most 2^24 (today's largest vocabularies hold ~256k tokens).")
    tie_word_embeddings: bool = False
    max_position_embeddings: int = Field(ge=1, le=MAX_POSITIONS, description="Longest context the model accepts, tokens (at most 1e8).")
    attention_bias: bool = Field(default=False, description="Bias on the Q, K and V projections (Qwen2).")
    qk_norm: bool = Field(default=False, description="RMSNorm on queries and keys per head (Qwen3).")
    moe: MoeSpec | None = None
    mla: MlaSpec | None = None
    official_params_total: float = Field(gt=0, le=MAX_PARAMS, description="Published total parameters (at most 1e15).")
    official_params_active: float | None = Field(default=None, gt=0, le=MAX_PARAMS, description="Published active parameters per token (MoE).")
    params_source: Paragraph = Field(min_length=3)

    @model_validator(mode="after")
    def _heads_consistent(self) -> "ModelSpec":
        if self.mla is None and self.num_attention_heads % self.num_key_value_heads:
            raise ValueError(
                f"num_attention_heads {self.num_attention_heads} must be a multiple of num_key_value_heads {self.num_key_value_heads}"
            )
        if self.moe is not None and self.moe.first_k_dense_layers > self.num_layers:
            raise ValueError("moe.first_k_dense_layers cannot exceed num_layers")
        return self

    @property
    def is_moe(self) -> bool:
        return self.moe is not None

    @property
    def moe_layers(self) -> int:
        return 0 if self.moe is None else self.num_layers - self.moe.first_k_dense_layers

    @property
    def dense_layers(self) -> int:
        return self.num_layers - self.moe_layers
