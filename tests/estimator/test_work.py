"""What a decode step and a prefill must do (work.py): bytes by kind, FLOPs, collectives.

Hand-worked with Llama-3.1-8B (config.json: 32 layers, hidden 4096, 8 KV heads of 128, vocab
128,256; 16,060,522,496 B of BF16 weights per the safetensors index) and Mixtral-8x7B.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.catalog import load_catalog
from solver.estimator.deployment import Deployment
from solver.estimator.work import decode_work, expected_experts_touched, prefill_work

CATALOG = load_catalog(include_user=False)


def test_expected_experts_touched_hand_worked() -> None:
    # E · (1 − (1 − k/E)^b): E = 8, k = 2.
    assert expected_experts_touched(8, 2, 1) == pytest.approx(2.0)
    assert expected_experts_touched(8, 2, 2) == pytest.approx(8 * (1 - 0.75**2)) == 3.5
    assert expected_experts_touched(8, 2, 10_000) == pytest.approx(8.0)
    assert expected_experts_touched(256, 8, 1) == pytest.approx(8.0)  # DeepSeek-V3: 8 of 256
    assert 8 < expected_experts_touched(256, 8, 32) < 256


def test_llama_3_1_8b_decode_bytes_and_flops() -> None:
    work = decode_work(CATALOG.model("llama-3.1-8b"), Deployment(context_tokens=4096))
    (stage,) = work.stages
    # Weights 16,060,522,496 B minus the embedding table (decode looks up one row per sequence).
    assert stage.weight_bytes == 16_060_522_496 - 128_256 * 4096 * 2
    assert stage.expert_bytes == 0
    # KV: 4,096 tokens × 32 layers × 2 (K, V) × 8 heads × 128 × 2 B = 536,870,912 B.
    assert stage.kv_bytes == 4096 * 131_072 == 536_870_912
    # FLOPs: 2 per layer weight (6,979,584,000) + lm_head 2 × 128,256 × 4,096; attention 4 × 4,096 × 4,096 × 32.
    assert stage.linear_flops == pytest.approx(2 * 6_979_584_000 + 2 * 128_256 * 4096)
    assert stage.attention_flops == 4 * 4096 * 4096 * 32
    assert (stage.layers, stage.moe_layers, stage.allreduces, work.pipeline_hops) == (32, 0, 0, 0)


def test_tensor_parallel_splits_work_and_adds_two_allreduces_per_layer() -> None:
    model = CATALOG.model("llama-3.1-70b")
    one, eight = decode_work(model, Deployment()).stages[0], decode_work(model, Deployment(tp=8)).stages[0]
    assert eight.allreduces == 160 and one.allreduces == 0
    assert eight.allreduce_bytes == 8192 * 2  # one sequence's hidden state in 16-bit
    assert eight.linear_flops == pytest.approx(one.linear_flops / 8)
    # KV heads split 8 ways: one head per rank.
    assert eight.kv_bytes == pytest.approx(one.kv_bytes / 8)


def test_moe_decode_reads_only_touched_experts() -> None:
    model = CATALOG.model("mixtral-8x7b")
    one = decode_work(model, Deployment()).stages[0]
    # 32 layers × 8 experts × 3 × 4,096 × 14,336 × 2 B = 90,194,313,216 B of experts; 2 of 8 touched.
    experts = 32 * 8 * 3 * 4096 * 14_336 * 2
    assert one.expert_bytes == pytest.approx(experts * 2 / 8)
    many = decode_work(model, Deployment(batch=64)).stages[0]
    assert many.expert_bytes == pytest.approx(experts * (1 - 0.75**64))
    assert many.weight_bytes == one.weight_bytes  # attention and embeddings do not grow with the batch


def test_expert_parallel_replaces_mlp_allreduce_by_two_all_to_alls() -> None:
    model = CATALOG.model("deepseek-v3")
    work = decode_work(model, Deployment(precision="fp8", tp=1, ep=8, batch=16))
    stage = work.stages[0]
    assert stage.alltoalls == 2 * model.moe_layers
    assert stage.allreduces == 0  # attention is not split (TP1 groups)
    assert stage.group == 8


def test_pipeline_stages_and_hops() -> None:
    work = decode_work(CATALOG.model("llama-3.1-8b"), Deployment(pp=2, batch=4))
    assert [s.layers for s in work.stages] == [16, 16]
    assert work.pipeline_hops == 1 and work.hop_bytes == 4 * 4096 * 2
    # lm_head FLOPs only on the last stage.
    assert work.stages[1].linear_flops > work.stages[0].linear_flops


def test_prefill_work_hand_worked() -> None:
    work = prefill_work(CATALOG.model("llama-3.1-8b"), Deployment(), 1000)
    (stage,) = work.stages
    # 2 × 6,979,584,000 × 1,000 layer FLOPs + one token's logits; causal attention 2 × 1,000² × 4,096 × 32.
    assert stage.linear_flops == pytest.approx(2 * 6_979_584_000 * 1000 + 2 * 128_256 * 4096)
    assert stage.attention_flops == 2 * 1000**2 * 4096 * 32
    assert stage.weight_bytes == 16_060_522_496  # every weight read once


@settings(max_examples=40, deadline=None)
@given(
    model_id=st.sampled_from(sorted(CATALOG.models)),
    batches=st.lists(st.integers(min_value=1, max_value=512), min_size=2, max_size=2),
    context=st.integers(min_value=1, max_value=32_768),
)
def test_decode_work_grows_with_batch(model_id: str, batches: list[int], context: int) -> None:
    model = CATALOG.model(model_id)
    small, large = sorted(batches)
    a = decode_work(model, Deployment(context_tokens=context, batch=small)).stages[0]
    b = decode_work(model, Deployment(context_tokens=context, batch=large)).stages[0]
    assert b.kv_bytes >= a.kv_bytes and b.linear_flops >= a.linear_flops and b.expert_bytes >= a.expert_bytes
    assert b.weight_bytes == a.weight_bytes


def test_a_deep_pipeline_computes_each_stage_shape_once() -> None:
    # Llama-3.1-70B's 80 layers on 32 stages: 16 stages of 3 layers and 16 of 2, plus the first
    # and last. Equal stages are one object, with the work a stage of that shape has on its own.
    model = CATALOG.model("llama-3.1-70b")
    work = decode_work(model, Deployment(tp=4, pp=32, batch=8))
    assert len(work.stages) == 32
    assert len({id(stage) for stage in work.stages}) == 4
    assert work.stages[1] is work.stages[15] and work.stages[16] is work.stages[30]
    assert work.stages[1].layers == 3 and work.stages[16].layers == 2
    single = decode_work(model, Deployment(tp=4, pp=1, batch=8)).stages[0]
    assert sum(stage.kv_bytes for stage in work.stages) == pytest.approx(single.kv_bytes)
