"""Expert parallelism (MoE inference): experts spread whole over EP GPUs, attention replicated in
data-parallel groups that each cache only their own sequences."""

from __future__ import annotations

import pytest

from solver.catalog import load_catalog
from solver.errors import InputError
from solver.estimator.deployment import Deployment
from solver.estimator.formats import weight_format
from solver.estimator.memory import estimate_memory
from solver.estimator.speed import decode_speed, whole_gpu
from solver.estimator.weights import rank_weights

CATALOG = load_catalog(include_user=False)
V2 = CATALOG.model("deepseek-v2")


def test_each_rank_holds_whole_experts() -> None:
    # 160 routed experts / EP8 = 20 experts per GPU, each 3 × 5120 × 1536 weights in BF16.
    per_rank = rank_weights(V2, weight_format("bf16"), 1, 8).moe_layer_experts
    assert per_rank == 20 * 3 * 5120 * 1536 * 2
    # The same bytes as splitting every expert eight ways (TP8): EP changes layout, not size.
    assert per_rank == rank_weights(V2, weight_format("bf16"), 8).moe_layer_experts


def test_mla_cache_is_not_replicated_under_data_parallel_attention() -> None:
    # MLA caches (512 + 64) × 60 layers × 2 B per token. Under TP8 every rank keeps the latent of
    # all 8 sequences; with EP8 (attention TP1, 8 copies) each GPU keeps one sequence's.
    per_sequence = 4096 * 60 * (512 + 64) * 2
    tp8 = estimate_memory(V2, Deployment(context_tokens=4096, batch=8, tp=8))
    ep8 = estimate_memory(V2, Deployment(context_tokens=4096, batch=8, tp=1, ep=8))
    assert tp8.per_gpu.kv_cache == 8 * per_sequence
    assert ep8.per_gpu.kv_cache == per_sequence
    assert ep8.deployment.gpus == tp8.deployment.gpus == 8
    # ...but each EP rank holds full (unsplit) attention weights.
    assert ep8.per_gpu.weights > tp8.per_gpu.weights


def test_expert_parallel_decode_runs_and_reports_all_to_all() -> None:
    gpu = CATALOG.gpu("h200-sxm")
    assert CATALOG.speed_model is not None
    speed = decode_speed(V2, Deployment(precision="fp8", context_tokens=4096, batch=64, tp=2, ep=8), whole_gpu(gpu, True), "vllm", CATALOG.speed_model.coefficients)
    assert speed.tokens_per_s_per_sequence > 0 and speed.time.communication_seconds > 0


@pytest.mark.parametrize(
    ("model", "deployment", "message"),
    [
        ("llama-3.1-70b", Deployment(ep=8), "mixture-of-experts"),
        ("deepseek-v2", Deployment(ep=8, tp=16), "multiple of tensor parallel"),
        ("deepseek-v2", Deployment(ep=64), "does not divide"),
        ("deepseek-v2", Deployment(ep=8, mode="lora"), "inference only"),
    ],
)
def test_invalid_expert_parallel(model: str, deployment: Deployment, message: str) -> None:
    with pytest.raises(InputError, match=message):
        estimate_memory(CATALOG.model(model), deployment)
