"""Deployment validation (deployment.py): every impossible deployment is an InputError with one
clear message, raised before any estimate is made."""

from __future__ import annotations

import pytest

from solver.catalog import load_catalog
from solver.errors import InputError
from solver.estimator.deployment import MODES, Deployment, valid_tp_degrees, validate_deployment

CATALOG = load_catalog(include_user=False)


def model(name: str):
    return CATALOG.model(name)


def rejects(model_id: str, match: str, **fields) -> InputError:
    with pytest.raises(InputError, match=match) as info:
        validate_deployment(model(model_id), Deployment(**fields))
    message = info.value.message
    assert "\n" not in message and message == message.strip()
    return info.value


def test_defaults_are_valid_for_every_catalog_model() -> None:
    for m in CATALOG.models.values():
        validate_deployment(m, Deployment())


def test_deployment_properties() -> None:
    d = Deployment(tp=4, pp=2, dp=3)
    assert d.gpus == 24
    assert not d.is_training and Deployment(mode="lora").is_training
    assert Deployment(mode="qlora", precision="bf16").base_precision == "nf4"
    assert Deployment(mode="lora", precision="fp8").base_precision == "fp8"
    assert MODES == ("inference", "full", "lora", "qlora")


def test_tp_not_dividing_attention_heads() -> None:
    err = rejects("llama-3.1-70b", "tensor parallel 3 does not divide llama-3.1-70b's 64 attention heads", tp=3)
    assert err.hint is not None and "1, 2, 4, 8, 16, 32, 64" in err.hint


def test_tp_not_compatible_with_kv_heads() -> None:
    # A model with 48 query heads and 16 KV heads (a variant of Llama-3.1-70B's layout):
    odd = model("llama-3.1-70b").model_copy(update={"num_key_value_heads": 16, "num_attention_heads": 48, "id": "odd"})
    with pytest.raises(InputError, match="does not divide odd's 16 KV heads"):
        validate_deployment(odd, Deployment(tp=12))  # 12 | 48 heads, 12 ∤ 16 KV heads
    # Beyond the KV heads TP must be a multiple of them: 24 | 48, 24 > 16 but 24 % 16 ≠ 0.
    with pytest.raises(InputError, match="is not a multiple of odd's 16 KV heads"):
        validate_deployment(odd, Deployment(tp=24))
    # Catalog model: Qwen2.5-7B has 28 heads and 4 KV heads; TP 14 divides 28 but is no multiple of 4.
    rejects("qwen2.5-7b", "is not a multiple of qwen2.5-7b's 4 KV heads", tp=14)


def test_pp_beyond_layers() -> None:
    rejects("llama-3.1-8b", "pipeline parallel 33 exceeds llama-3.1-8b's 32 layers", pp=33)
    validate_deployment(model("llama-3.1-8b"), Deployment(pp=32))


@pytest.mark.parametrize(("field", "label"), [("context_tokens", "context"), ("batch", "batch"), ("tp", "tp"), ("pp", "pp"), ("dp", "dp"), ("lora_rank", "lora rank")])
@pytest.mark.parametrize("value", [0, -1])
def test_non_positive_sizes(field: str, label: str, value: int) -> None:
    rejects("llama-3.1-8b", rf"^{label} must be at least 1 \(got {value}\)$", **{field: value})


def test_unknown_precision_kv_precision_and_mode() -> None:
    err = rejects("llama-3.1-8b", "unknown precision 'int3'", precision="int3")
    assert err.hint is not None and "awq" in err.hint
    rejects("llama-3.1-8b", "unknown KV precision 'fp4'", kv_precision="fp4")
    rejects("llama-3.1-8b", "unknown mode 'pretrain'", mode="pretrain")


def test_zero_stage_range() -> None:
    rejects("llama-3.1-8b", r"ZeRO stage must be 0-3 \(got 4\)", zero_stage=4)
    rejects("llama-3.1-8b", r"ZeRO stage must be 0-3 \(got -1\)", zero_stage=-1)


@pytest.mark.parametrize("precision", ["int4", "awq", "fp8", "nf4", "q4_k_m"])
def test_full_fine_tune_needs_16_bit_weights(precision: str) -> None:
    err = rejects("llama-3.1-8b", f"full fine-tuning trains 16-bit weights, not {precision}", mode="full", precision=precision)
    assert err.hint is not None and "qlora" in err.hint
    # QLoRA over the same request is fine: its base is NF4 by definition.
    validate_deployment(model("llama-3.1-8b"), Deployment(mode="qlora", precision=precision))


def test_valid_tp_degrees() -> None:
    assert valid_tp_degrees(model("llama-3.1-70b")) == [1, 2, 4, 8, 16, 32, 64]
    assert valid_tp_degrees(model("llama-3.1-70b"), limit=8) == [1, 2, 4, 8]
    # Qwen2.5-7B: 28 heads → 8 does not divide them.
    assert valid_tp_degrees(model("qwen2.5-7b")) == [1, 2, 4]
    # MLA has no KV-head constraint: DeepSeek-V3's 128 heads allow TP up to 128.
    assert valid_tp_degrees(model("deepseek-v3")) == [1, 2, 4, 8, 16, 32, 64, 128]
    for m in CATALOG.models.values():
        for tp in valid_tp_degrees(m):
            validate_deployment(m, Deployment(tp=tp))
