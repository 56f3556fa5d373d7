"""Hugging Face config.json → ModelSpec, and importing into the user catalog."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from solver.catalog import bundled_catalog_dir, load_catalog, load_yaml
from solver.catalog.hf_import import (
    PARAMS_SOURCE,
    default_model_id,
    import_model,
    model_from_config_file,
    model_from_hf_config,
    read_hf_config,
)
from solver.errors import InputError

HF = Path(__file__).parent / "fixtures" / "hf"
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """User catalog in tmp; bundled catalog = the small fixtures (imports check alias clashes)."""
    home = tmp_path / "home"
    monkeypatch.setenv("PROCURE_HOME", str(home))
    monkeypatch.setattr("solver.catalog.loader.bundled_catalog_dir", lambda: FIXTURES)
    return home


def config(name: str) -> dict:
    return json.loads((HF / name / "config.json").read_text())


def spec(name: str, model_id: str = "m"):
    return model_from_hf_config(config(name), model_id=model_id, source_path=str(HF / name / "config.json"))


# ------------------------------------------------------------------------------- field mapping


def test_llama_3_1_8b():
    model = spec("Llama-3.1-8B", "llama-3.1-8b")
    assert (model.num_layers, model.hidden_size, model.num_attention_heads, model.num_key_value_heads) == (32, 4096, 32, 8)
    assert (model.head_dim, model.intermediate_size, model.vocab_size, model.max_position_embeddings) == (128, 14336, 128256, 131072)
    assert not model.tie_word_embeddings and not model.attention_bias and not model.qk_norm
    assert model.moe is None and model.mla is None
    assert model.family == "llama" and model.id == "llama-3.1-8b" and model.name == "llama-3.1-8b"
    # 8,030,261,248 parameters: the well-known exact count of Llama-3.1-8B
    assert model.official_params_total == 8_030_261_248
    assert model.official_params_active is None
    assert model.params_source == PARAMS_SOURCE
    assert model.source == str(HF / "Llama-3.1-8B" / "config.json")
    assert model.as_of == dt.date.today()


def test_deepseek_v3():
    model = spec("DeepSeek-V3")
    assert model.family == "deepseek-v3"
    assert model.mla is not None and model.moe is not None
    assert (model.mla.q_lora_rank, model.mla.kv_lora_rank, model.mla.qk_rope_head_dim) == (1536, 512, 64)
    assert (model.mla.qk_nope_head_dim, model.mla.v_head_dim) == (128, 128)
    assert model.head_dim == 192
    assert (model.moe.num_experts, model.moe.experts_per_token, model.moe.num_shared_experts) == (256, 8, 1)
    assert (model.moe.expert_intermediate_size, model.moe.first_k_dense_layers) == (2048, 3)
    assert model.intermediate_size == 18432
    # DeepSeek-V3: 671B total, 37B activated (main model, without the MTP module)
    assert model.official_params_total == pytest.approx(671e9, rel=0.005)
    assert model.official_params_active == pytest.approx(37e9, rel=0.03)


def test_qwen3_moe():
    model = spec("Qwen3-30B-A3B")
    assert model.qk_norm and not model.attention_bias
    assert model.moe is not None
    assert (model.moe.num_experts, model.moe.experts_per_token, model.moe.expert_intermediate_size) == (128, 8, 768)
    assert model.moe.first_k_dense_layers == 0 and model.moe.num_shared_experts == 0
    assert model.head_dim == 128  # given explicitly (hidden/heads would be 64)
    assert model.official_params_total == pytest.approx(30.5e9, rel=0.01)
    assert model.official_params_active == pytest.approx(3.3e9, rel=0.03)


def test_mixtral_experts_use_intermediate_size():
    model = spec("Mixtral-8x7B-v0.1")
    assert model.moe is not None
    assert (model.moe.num_experts, model.moe.experts_per_token, model.moe.expert_intermediate_size) == (8, 2, 14336)
    assert model.official_params_total == pytest.approx(46.7e9, rel=0.01)
    assert model.official_params_active == pytest.approx(12.9e9, rel=0.01)


def test_qwen2_implies_qkv_bias():
    model = spec("Qwen2.5-7B")
    assert model.attention_bias and not model.qk_norm
    assert model.head_dim == 128 and model.num_key_value_heads == 4
    assert model.official_params_total == pytest.approx(7.61e9, rel=0.005)


def test_defaults_for_kv_heads_and_head_dim():
    cfg = config("Llama-3.1-8B")
    del cfg["num_key_value_heads"]
    cfg["tie_word_embeddings"] = True
    model = model_from_hf_config(cfg, model_id="x", source_path="c.json")
    assert model.num_key_value_heads == 32 and model.head_dim == 128 and model.tie_word_embeddings


def test_qwen3_dense_and_qwen2_moe():
    dense = config("Qwen2.5-7B") | {"architectures": ["Qwen3ForCausalLM"], "head_dim": 128}
    assert model_from_hf_config(dense, model_id="x", source_path="c.json").qk_norm
    moe = config("Qwen2.5-7B") | {
        "architectures": ["Qwen2MoeForCausalLM"], "num_experts": 60, "num_experts_per_tok": 4,
        "moe_intermediate_size": 1408, "shared_expert_intermediate_size": 5632,
    }
    model = model_from_hf_config(moe, model_id="x", source_path="c.json")
    assert model.moe is not None and model.moe.num_shared_experts == 1 and model.moe.shared_width == 5632
    assert model.attention_bias


def test_model_type_fallback_and_leading_dense_layers():
    cfg = config("Qwen3-30B-A3B")
    del cfg["architectures"]
    cfg["mlp_only_layers"] = [0, 1]
    model = model_from_hf_config(cfg, model_id="x", source_path="c.json")
    assert model.family == "qwen3-moe" and model.moe is not None and model.moe.first_k_dense_layers == 2


def test_mla_without_query_compression():
    cfg = config("DeepSeek-V3") | {"architectures": ["DeepseekV2ForCausalLM"], "q_lora_rank": None}
    model = model_from_hf_config(cfg, model_id="x", source_path="c.json")
    assert model.mla is not None and model.mla.q_lora_rank is None and model.family == "deepseek-v2"


# ------------------------------------------------------------------------------------- errors


def test_missing_required_field_names_file_and_field():
    cfg = config("Llama-3.1-8B")
    del cfg["hidden_size"]
    with pytest.raises(InputError) as excinfo:
        model_from_hf_config(cfg, model_id="x", source_path="models/llama/config.json")
    assert excinfo.value.message == "models/llama/config.json: field 'hidden_size' is missing"


@pytest.mark.parametrize("value", ["4096", 0, -1, 4096.5, True])
def test_invalid_field(value):
    cfg = config("Llama-3.1-8B") | {"hidden_size": value}
    with pytest.raises(InputError, match=r"c\.json: field 'hidden_size' must be"):
        model_from_hf_config(cfg, model_id="x", source_path="c.json")


def test_unsupported_architecture():
    cfg = config("Llama-3.1-8B") | {"architectures": ["GPT2LMHeadModel"]}
    with pytest.raises(InputError) as excinfo:
        model_from_hf_config(cfg, model_id="x", source_path="c.json")
    assert excinfo.value.message.startswith("c.json: unsupported architecture 'GPT2LMHeadModel'")
    assert "LlamaForCausalLM" in (excinfo.value.hint or "")


def test_architecture_did_you_mean():
    cfg = config("Llama-3.1-8B") | {"architectures": ["LlamaForCausalLm"]}
    with pytest.raises(InputError, match="did you mean 'LlamaForCausalLM'"):
        model_from_hf_config(cfg, model_id="x", source_path="c.json")


def test_inconsistent_heads_become_input_error():
    cfg = config("Llama-3.1-8B") | {"num_key_value_heads": 5}
    with pytest.raises(InputError) as excinfo:
        model_from_hf_config(cfg, model_id="x", source_path="c.json")
    assert excinfo.value.message == "c.json: num_attention_heads 32 must be a multiple of num_key_value_heads 5"


def test_unsupported_moe_layout():
    cfg = config("Qwen3-30B-A3B") | {"decoder_sparse_step": 2}
    with pytest.raises(InputError, match="decoder_sparse_step"):
        model_from_hf_config(cfg, model_id="x", source_path="c.json")


# ------------------------------------------------------------------ malformed config.json


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.json"
    path.write_text(text, encoding="utf-8")
    return path


def import_refused(path: Path, *fragments: str) -> str:
    with pytest.raises(InputError) as caught:
        model_from_config_file(path, "x")
    message = caught.value.message
    assert str(path) in message, message
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    return message


def test_config_hidden_size_5000_digit_integer(tmp_path):
    text = json.dumps(config("Llama-3.1-8B")).replace('"hidden_size": 4096', '"hidden_size": ' + "9" * 5000)
    import_refused(write_config(tmp_path, text), "field 'hidden_size' must be an integer", "(5,000 digits)")


def test_config_huge_integer_in_an_unused_field_is_ignored(tmp_path):
    text = json.dumps(config("Llama-3.1-8B") | {"unused": 0}).replace('"unused": 0', '"unused": ' + "9" * 5000)
    assert model_from_config_file(write_config(tmp_path, text), "x").hidden_size == 4096


def test_config_nested_100000_deep(tmp_path):
    text = json.dumps(config("Llama-3.1-8B") | {"x": 0}).replace('"x": 0', '"x": ' + "[" * 100_000 + "]" * 100_000)
    import_refused(write_config(tmp_path, text), "config.json:1: invalid config.json: nested more than 64 levels deep")


def test_config_hidden_size_1e308(tmp_path):
    text = json.dumps(config("Llama-3.1-8B")).replace('"hidden_size": 4096', '"hidden_size": 1e308')
    import_refused(write_config(tmp_path, text), "hidden_size: must be less than or equal to 1048576")


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_config_non_finite_numbers(tmp_path, constant):
    text = json.dumps(config("Llama-3.1-8B")).replace('"hidden_size": 4096', f'"hidden_size": {constant}')
    import_refused(write_config(tmp_path, text), "field 'hidden_size' must be an integer")


def test_config_mlp_only_layers_with_text(tmp_path):
    cfg = config("Qwen3-30B-A3B") | {"mlp_only_layers": [0, "a"]}
    import_refused(write_config(tmp_path, json.dumps(cfg)), "field 'mlp_only_layers' must be a list of layer numbers, got [0, 'a']")


@pytest.mark.parametrize("name", ["meta/\ud800", "meta/\x1b[2Jclear", "meta/two\nlines"], ids=["lone-surrogate", "escape", "newline"])
def test_config_name_with_lone_surrogate_or_control_character(tmp_path, name):
    text = json.dumps(config("Llama-3.1-8B") | {"_name_or_path": name})  # escaped: \ud800, \u001b, \n
    import_refused(write_config(tmp_path, text), "field '_name_or_path' contains the character U+")


def test_config_name_with_lone_surrogate_writes_nothing(tmp_path, isolated):
    text = json.dumps(config("Llama-3.1-8B") | {"_name_or_path": "meta/\ud800"})
    with pytest.raises(InputError):
        import_model(write_config(tmp_path, text), "x")
    assert not (isolated / "models.yaml").exists()


def test_overlong_id_is_refused():
    with pytest.raises(InputError, match="cannot use"):
        model_from_config_file(HF / "Llama-3.1-8B", "x" * 500)


def test_read_hf_config_errors(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        read_hf_config(tmp_path / "nothing")
    bad = tmp_path / "config.json"
    bad.write_text('{"a": 1,\n "b": }')
    with pytest.raises(InputError, match=r"config\.json:2:7: invalid JSON"):
        read_hf_config(bad)
    bad.write_text("[1, 2]")
    with pytest.raises(InputError, match="JSON object"):
        read_hf_config(tmp_path)


# -------------------------------------------------------------------------------------- ids


def test_default_id(tmp_path):
    assert default_model_id(HF / "Llama-3.1-8B" / "config.json", {}) == "llama-3.1-8b"
    snapshot = tmp_path / "models--meta-llama--Llama-3.1-8B" / "snapshots" / ("a" * 40) / "config.json"
    assert default_model_id(snapshot, {}) == "llama-3.1-8b"
    plain = tmp_path / ("0123456789abcdef" * 3)[:40] / "config.json"
    assert default_model_id(plain, {"_name_or_path": "Qwen/Qwen2.5 7B"}) == "qwen2.5-7b"


# ----------------------------------------------------------------------------------- import


def test_import_writes_user_catalog(isolated):
    target = import_model(HF / "Mixtral-8x7B-v0.1")
    assert target == isolated / "models.yaml"
    document = load_yaml(target)
    assert [entry["id"] for entry in document.data["models"]] == ["mixtral-8x7b-v0.1"]
    catalog = load_catalog()
    model = catalog.model("mixtral-8x7b-v0.1")
    assert model.moe is not None and model.official_params_total == pytest.approx(46.7e9, rel=0.01)
    assert "llama-3.1-8b" in catalog.models  # bundled entries still there
    assert not [p for p in isolated.iterdir() if p.name.endswith(".tmp")]


def test_import_replaces_same_id_and_keeps_others(isolated):
    (isolated).mkdir(parents=True)
    (isolated / "models.yaml").write_text("gpus:\n  - {id: h100-sxm, price_usd: 5}\nmodels: []\n")
    import_model(HF / "Qwen2.5-7B" / "config.json", "my-qwen")
    import_model(HF / "Llama-3.1-8B", "other")
    import_model(HF / "Llama-3.1-8B" / "config.json", "my-qwen", replace=True)
    data = load_yaml(isolated / "models.yaml").data
    assert [entry["id"] for entry in data["models"]] == ["my-qwen", "other"]
    assert data["gpus"] == [{"id": "h100-sxm", "price_usd": 5}]
    catalog = load_catalog()
    assert catalog.model("my-qwen").family == "llama"
    assert catalog.gpu("h100").price_usd == 5


def test_import_over_a_bundled_model_replaces_it_when_asked(isolated):
    import_model(HF / "Llama-3.1-8B", "deepseek-v3", replace=True)
    model = load_catalog().model("deepseek-v3")
    assert model.moe is None and model.mla is None and model.family == "llama"


def test_import_refuses_an_existing_alias(isolated):
    isolated.mkdir(parents=True)
    (isolated / "models.yaml").write_text("models:\n  - {id: llama-3.1-8b, aliases: [llama31-8b]}\n")
    with pytest.raises(InputError) as excinfo:
        model_from_config_file(HF / "Llama-3.1-8B", "llama31-8b")
    assert "already an alias of catalog model 'llama-3.1-8b'" in excinfo.value.message


def test_import_refuses_bad_id():
    with pytest.raises(InputError) as excinfo:
        import_model(HF / "Llama-3.1-8B", "My Model")
    assert excinfo.value.hint == "pass --id my-model"


# -------------------------------------------------------------- against the bundled catalog


BUNDLED_IDS = {
    "Llama-3.1-8B": "llama-3.1-8b",
    "DeepSeek-V3": "deepseek-v3",
    "Qwen3-30B-A3B": "qwen3-30b-a3b",
    "Mixtral-8x7B-v0.1": "mixtral-8x7b",
    "Qwen2.5-7B": "qwen2.5-7b",
}
ARCHITECTURE_FIELDS = (
    "num_layers", "hidden_size", "num_attention_heads", "num_key_value_heads", "head_dim",
    "intermediate_size", "vocab_size", "tie_word_embeddings", "attention_bias", "qk_norm", "moe", "mla",
)


@pytest.mark.parametrize("folder", sorted(BUNDLED_IDS))
def test_import_matches_bundled_models(folder, monkeypatch):
    monkeypatch.undo()
    models_yaml = bundled_catalog_dir() / "models.yaml"
    if not models_yaml.is_file():
        pytest.skip("bundled models.yaml not written yet")
    from solver.catalog.files import ModelCatalogFile
    from solver.catalog.yaml_source import load_document

    bundled = {model.id: model for model in load_document(models_yaml, ModelCatalogFile).models}
    if BUNDLED_IDS[folder] not in bundled:
        pytest.skip(f"{BUNDLED_IDS[folder]} not in the bundled catalog")
    reference = bundled[BUNDLED_IDS[folder]]
    imported = spec(folder)
    for name in ARCHITECTURE_FIELDS:
        assert getattr(imported, name) == getattr(reference, name), name
    assert imported.official_params_total == pytest.approx(reference.official_params_total, rel=0.02)
