"""Problem defaults that protect the buyer (solver/specs/problem.py)."""

from __future__ import annotations

from solver.specs.problem import Problem


def problem(**workload) -> Problem:
    base = {"name": "w", "model": "llama-3.1-8b", "context_tokens": 4096, "demand": {"sessions": 2}}
    return Problem.model_validate({"name": "p", "workloads": [base | workload]})


def test_interactive_workloads_get_the_documented_floor_and_ceiling() -> None:
    (workload,) = problem().workloads
    assert workload.min_decode_tokens_per_s == 10.0 and workload.max_ttft_s == 10.0


def test_stated_values_and_explicit_opt_outs_are_kept() -> None:
    (workload,) = problem(min_decode_tokens_per_s=25, max_ttft_s=None).workloads
    assert workload.min_decode_tokens_per_s == 25 and workload.max_ttft_s is None


def test_assumptions_move_the_defaults() -> None:
    raw = {"name": "p", "assumptions": {"interactive_min_decode_tokens_per_s": 15, "interactive_max_ttft_s": 4},
           "workloads": [{"name": "w", "model": "m", "context_tokens": 4096, "demand": {"sessions": 2}}]}
    (workload,) = Problem.model_validate(raw).workloads
    assert (workload.min_decode_tokens_per_s, workload.max_ttft_s) == (15, 4)


def test_batch_and_training_workloads_get_no_interactive_defaults() -> None:
    (batch,) = problem(kind="batch", demand={"jobs": 1}, tokens=1e9, deadline_hours=10).workloads
    assert batch.min_decode_tokens_per_s is None and batch.max_ttft_s is None
