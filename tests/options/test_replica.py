"""Replica estimates shared across configurations: the cached searches answer exactly what a
plain search over fresh estimates answers."""

from __future__ import annotations

from dataclasses import replace

import pytest

from solver.catalog import load_catalog
from solver.estimator.deployment import Deployment
from solver.estimator.estimates import estimate_decode
from solver.estimator.memory import estimate_memory, per_gpu_memory
from solver.estimator.speed import whole_gpu
from solver.model.data import performance_of
from solver.options.configs import node_configs
from solver.options.generate import workload_options
from solver.options.replica import ReplicaEstimates, SharedEstimates, Split
from solver.specs.assumptions import Assumptions
from solver.specs.problem import Problem

CATALOG = load_catalog(include_user=False)
ASSUMPTIONS = Assumptions()
PERFORMANCE = performance_of(Problem.model_validate({"name": "p", "workloads": [{"name": "w", "model": "llama-3.1-8b", "context_tokens": 4096, "demand": {"sessions": 1}}]}), CATALOG)
CAP = 64


def _estimates(model_id: str, precision: str = "bf16", context: int = 8192) -> ReplicaEstimates:
    base = Deployment(precision=precision, kv_precision="bf16", context_tokens=context)
    return ReplicaEstimates(CATALOG.model(model_id), base, ASSUMPTIONS, PERFORMANCE)


def _plain_search(estimates: ReplicaEstimates, split: Split, gpu_id: str, usable: float, floor: float | None) -> int:
    """The search option generation ran before sharing: every probe estimates afresh."""
    model, device = estimates.model, whole_gpu(CATALOG.gpu(gpu_id), scaleup=True)

    def fits(batch: int) -> bool:
        deployment = replace(estimates.base, tp=split.tp, pp=split.pp, ep=split.ep, batch=batch)
        if estimate_memory(model, deployment, ASSUMPTIONS).per_gpu_bytes > usable:
            return False
        return floor is None or estimate_decode(model, deployment, device, "vllm", PERFORMANCE.speed_model, ASSUMPTIONS.speed_confidence).planning >= floor

    if not fits(1):
        return 0
    low, high = 1, CAP
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (middle, high) if fits(middle) else (low, middle - 1)
    return low


@pytest.mark.parametrize("model_id, split, gpu_id, floor", [
    ("llama-3.1-8b", Split(1, 1), "l40s", None),
    ("llama-3.1-8b", Split(1, 1), "l40s", 40.0),
    ("llama-3.1-70b", Split(4, 1), "h100-sxm", 25.0),
    ("llama-3.1-70b", Split(2, 2), "a100-80gb-sxm", 15.0),
    ("qwen2.5-72b", Split(8, 1), "h100-sxm", None),
])
def test_max_sessions_is_the_plain_search(model_id: str, split: Split, gpu_id: str, floor: float | None) -> None:
    estimates = _estimates(model_id)
    usable = CATALOG.gpu(gpu_id).usable_memory_bytes * 0.9
    device = whole_gpu(CATALOG.gpu(gpu_id), scaleup=True)
    assert estimates.max_sessions(split, device, "vllm", False, usable, CAP, floor) == _plain_search(estimates, split, gpu_id, usable, floor)


def test_batch_limit_is_the_largest_batch_that_fits() -> None:
    estimates = _estimates("llama-3.1-70b")
    usable = CATALOG.gpu("h100-sxm").usable_memory_bytes * 0.9
    limit = estimates.batch_limit(Split(4, 1), usable, CAP)
    fitting = [b for b in range(1, CAP + 1) if estimates.memory(Split(4, 1), b).total <= usable]
    assert 1 < limit < CAP
    assert fitting == list(range(1, limit + 1))
    assert estimates.batch_limit(Split(1, 1), 1e9, CAP) == 0  # 70B does not fit 1 GB at any batch


def test_memory_is_the_most_loaded_gpu_of_the_full_estimate() -> None:
    model = CATALOG.model("deepseek-v2")
    for deployment in (Deployment(precision="fp8", tp=8, pp=6, batch=5), Deployment(tp=2, pp=1, ep=8, batch=17), Deployment(pp=60)):
        assert per_gpu_memory(model, deployment) == estimate_memory(model, deployment).per_gpu


def test_estimates_do_not_depend_on_the_chassis() -> None:
    # Two whole-GPU devices of one GPU type are the same device: one estimate serves both.
    estimates = _estimates("llama-3.1-8b")
    gpu = CATALOG.gpu("h100-sxm")
    first = estimates.decode(Split(1, 1), 4, whole_gpu(gpu, scaleup=True), "vllm", False)
    assert estimates.decode(Split(1, 1), 4, whole_gpu(gpu, scaleup=True), "vllm", False) is first
    assert estimates.decode(Split(1, 1), 4, whole_gpu(gpu, scaleup=True), "vllm", True) is not first


@pytest.mark.parametrize("model_id, precision, split, gpu_id", [
    ("llama-3.1-8b", "bf16", Split(1, 1), "rtx-4090"),
    ("mixtral-8x7b", "awq", Split(2, 1), "mi300x"),
    ("llama-3.1-70b", "fp8", Split(2, 2), "l40s"),
])
def test_bisection_runs_when_the_band_could_rise_with_the_batch(monkeypatch: pytest.MonkeyPatch, model_id: str, precision: str, split: Split, gpu_id: str) -> None:
    # A refit whose batched band is more optimistic than core makes per-session speed rise at
    # BATCHED_FROM; the search then falls back to the bisection, and both agree with a plain
    # search wherever the test is monotone (the bundled fit).
    gpu = CATALOG.gpu(gpu_id)
    usable = gpu.usable_memory_bytes * 0.9
    device = whole_gpu(gpu, scaleup=True)
    for floor in (5.0, 12.0, 30.0):
        interpolated = _estimates(model_id, precision).max_sessions(split, device, "vllm", False, usable, CAP, floor)
        monkeypatch.setattr("solver.options.replica.planning_ratio_never_rises", lambda *args: False)
        bisected = _estimates(model_id, precision).max_sessions(split, device, "vllm", False, usable, CAP, floor)
        monkeypatch.undo()
        assert interpolated == bisected


def test_speed_is_searched_only_where_its_band_never_rises() -> None:
    estimates = _estimates("llama-3.1-8b")
    device = whole_gpu(CATALOG.gpu("h100-sxm"), scaleup=True)
    assert estimates._speed_falls_with_batch(device)
    rising = PERFORMANCE.speed_model.model_copy(update={"decode_bands": {
        **PERFORMANCE.speed_model.decode_bands,
        "batched": PERFORMANCE.speed_model.decode_bands["batched"].model_copy(update={"quantiles": {"0.0": 0.99, "1.0": 0.99}}),
    }})
    performance = replace(PERFORMANCE, speed_model=rising)
    assert not ReplicaEstimates(estimates.model, estimates.base, ASSUMPTIONS, performance)._speed_falls_with_batch(device)


def test_workloads_of_one_model_and_formats_share_estimates() -> None:
    shared = SharedEstimates(ASSUMPTIONS, PERFORMANCE)
    model = CATALOG.model("llama-3.1-8b")
    base = Deployment(precision="bf16", kv_precision="bf16", context_tokens=8192)
    assert shared.of(model, base) is shared.of(model, replace(base))
    assert shared.of(model, replace(base, precision="fp8")) is not shared.of(model, base)
    assert shared.of(CATALOG.model("llama-3.1-70b"), base) is not shared.of(model, base)


def test_shared_estimates_give_the_options_of_separate_ones() -> None:
    problem = Problem.model_validate({"name": "p", "workloads": [
        {"name": "chat", "model": "llama-3.1-8b", "context_tokens": 8192, "demand": {"sessions": 40}, "min_decode_tokens_per_s": 20},
        {"name": "sandbox", "model": "llama-3.1-8b", "context_tokens": 8192, "demand": {"sessions": 3}, "min_decode_tokens_per_s": 40},
    ]})
    configs = node_configs(CATALOG, problem.limits)
    performance = performance_of(problem, CATALOG)
    shared = SharedEstimates(problem.assumptions, performance)
    for workload in problem.workloads:
        args = (workload, CATALOG.model(workload.model), configs, problem.limits, problem.assumptions, performance)
        assert workload_options(*args, shared=shared).options == workload_options(*args).options
