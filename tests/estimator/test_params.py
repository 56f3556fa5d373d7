"""Parameter counts derived from the bundled model catalog against published figures.

Every model in catalogs/models.yaml must come within 2% of the total (and, for MoE models, the
active) parameter count its publisher states; a miss means either the catalog's architecture
fields or the counting formula in solver/estimator/params.py is wrong. Two counts are also worked
out by hand from config.json values: Llama-3.1-8B in full, and DeepSeek-V3's MLA attention block.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from solver.estimator.params import attention_parameters, count_parameters
from solver.specs.model import ModelSpec

CATALOG = Path(__file__).resolve().parents[2] / "catalogs" / "models.yaml"
TOLERANCE = 0.02


def _load_models() -> list[ModelSpec]:
    data = yaml.safe_load(CATALOG.read_text(encoding="utf-8"))
    return [ModelSpec.model_validate(entry) for entry in data["models"]]


MODELS = _load_models()
BY_ID = {model.id: model for model in MODELS}


def _relative_error(computed: float, official: float) -> float:
    return abs(computed - official) / official


@pytest.mark.parametrize("model", MODELS, ids=[model.id for model in MODELS])
def test_total_parameters_match_published_figure(model: ModelSpec) -> None:
    count = count_parameters(model)
    assert isinstance(count.total, float)
    assert isinstance(count.active, float)
    assert _relative_error(count.total, model.official_params_total) <= TOLERANCE, (
        f"{model.id}: computed {count.total / 1e9:.3f}B vs published {model.official_params_total / 1e9:.3f}B "
        f"(ratio {count.total / model.official_params_total:.4f})"
    )
    assert count.active <= count.total


@pytest.mark.parametrize("model", [m for m in MODELS if m.is_moe], ids=[m.id for m in MODELS if m.is_moe])
def test_active_parameters_match_published_figure(model: ModelSpec) -> None:
    assert model.official_params_active is not None, f"{model.id}: MoE model without official_params_active"
    count = count_parameters(model)
    assert _relative_error(count.active, model.official_params_active) <= TOLERANCE, (
        f"{model.id}: computed active {count.active / 1e9:.3f}B vs published {model.official_params_active / 1e9:.3f}B "
        f"(ratio {count.active / model.official_params_active:.4f})"
    )
    assert count.active < count.total


def test_catalog_ids_and_aliases_are_unique() -> None:
    ids = [model.id for model in MODELS]
    aliases = [alias for model in MODELS for alias in model.aliases]
    assert len(ids) == len(set(ids))
    assert len(aliases) == len(set(aliases))
    assert not set(ids) & set(aliases)


def test_llama_3_1_8b_counted_by_hand() -> None:
    model = BY_ID["llama-3.1-8b"]
    # config.json of meta-llama/Llama-3.1-8B
    assert (model.num_layers, model.hidden_size, model.num_attention_heads, model.num_key_value_heads) == (32, 4096, 32, 8)
    assert (model.head_dim, model.intermediate_size, model.vocab_size, model.tie_word_embeddings) == (128, 14336, 128256, False)

    embeddings = 128256 * 4096  # 525,336,576
    q_proj = 4096 * 4096  # 32 heads x 128 = 4096 wide: 16,777,216
    k_proj = 4096 * 1024  # 8 KV heads x 128 = 1024 wide: 4,194,304
    v_proj = 4096 * 1024  # 4,194,304
    o_proj = 4096 * 4096  # 16,777,216
    mlp = 3 * 4096 * 14336  # gate, up, down: 176,160,768
    norms = 2 * 4096  # input and post-attention RMSNorm: 8,192
    per_layer = q_proj + k_proj + v_proj + o_proj + mlp + norms
    assert per_layer == 218_112_000
    final_norm = 4096
    lm_head = 128256 * 4096  # untied
    total = embeddings + 32 * per_layer + final_norm + lm_head
    assert total == 8_030_261_248

    count = count_parameters(model)
    assert count.total == total
    assert count.active == total  # dense: every parameter is read for every token
    assert count.embedding == embeddings
    assert count.lm_head == lm_head


def test_deepseek_v3_mla_attention_counted_by_hand() -> None:
    model = BY_ID["deepseek-v3"]
    mla = model.mla
    assert mla is not None and model.moe is not None
    # config.json of deepseek-ai/DeepSeek-V3
    assert (model.hidden_size, model.num_attention_heads) == (7168, 128)
    assert (mla.q_lora_rank, mla.kv_lora_rank, mla.qk_nope_head_dim, mla.qk_rope_head_dim, mla.v_head_dim) == (1536, 512, 128, 64, 128)

    # Multi-head latent attention, one layer (DeepSeek-V2 paper, arXiv:2405.04434, section 2.1):
    q_a_proj = 7168 * 1536  # hidden -> query latent: 11,010,048
    q_b_proj = 1536 * 128 * (128 + 64)  # query latent -> 128 heads x (nope 128 + rope 64): 37,748,736
    kv_a_proj_with_mqa = 7168 * (512 + 64)  # hidden -> KV latent 512 + shared rope key 64: 4,128,768
    kv_b_proj = 512 * 128 * (128 + 128)  # KV latent -> 128 heads x (key nope 128 + value 128): 16,777,216
    o_proj = 128 * 128 * 7168  # 128 heads x value 128 -> hidden: 117,440,512
    projections = q_a_proj + q_b_proj + kv_a_proj_with_mqa + kv_b_proj + o_proj
    assert projections == 187_105_280
    latent_norms = 1536 + 512  # q_a_layernorm, kv_a_layernorm
    value_part_of_kv_b = 512 * 128 * 128

    weights, value_weights, small = attention_parameters(model)
    assert weights == projections
    assert value_weights == value_part_of_kv_b
    assert small == latent_norms

    # The whole model from the same pieces: 3 dense layers, 58 MoE layers.
    layer_norms = 2 * 7168
    attention = projections + latent_norms + layer_norms
    dense_mlp = 3 * 7168 * 18432
    expert = 3 * 7168 * 2048
    router = 7168 * 256
    moe_total = 256 * expert + 1 * expert + router  # routed + 1 shared + router
    moe_active = 8 * expert + 1 * expert + router
    embeddings = 129280 * 7168
    lm_head = 129280 * 7168
    final_norm = 7168
    total = embeddings + lm_head + final_norm + 3 * (attention + dense_mlp) + 58 * (attention + moe_total)
    active = embeddings + lm_head + final_norm + 3 * (attention + dense_mlp) + 58 * (attention + moe_active)
    # Hugging Face's DeepseekV3 gate also holds a 256-element e_score_correction_bias per MoE layer
    # (14,848 in all); neither this hand count nor count_parameters includes it.
    count = count_parameters(model)
    assert count.total == total
    assert count.active == active
    assert round(total / 1e9, 1) == 671.0
