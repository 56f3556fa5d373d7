"""Options estimated in forked processes are the options estimated here, field by field."""

from __future__ import annotations

from pathlib import Path

import pytest

from solver.catalog import load_catalog
from solver.model.data import build_data
from solver.options import parallel
from solver.problem_io import load_problem
from solver.specs.problem import Problem

LAB20 = Path(__file__).resolve().parents[2] / "problems" / "lab20.yaml"


@pytest.fixture(scope="module")
def lab20():
    catalog = load_catalog(include_user=False)
    return load_problem(LAB20, catalog), catalog


def _everything(data) -> list[tuple]:
    return [(entry.workload, entry.model, entry.required, entry.unit, entry.options, entry.rejections, entry.smallest_need, entry.fastest, entry.unsupported) for entry in data.workloads]


def test_forked_processes_estimate_the_same_options_in_the_same_order(lab20, monkeypatch):
    problem, catalog = lab20
    forks = []
    real_pool = parallel.forked_pool

    def counted(jobs):
        forks.append(jobs)
        return real_pool(jobs)

    monkeypatch.setattr(parallel, "forked_pool", counted)
    monkeypatch.setattr(parallel, "import_wanted", lambda: forks.append("imported meanwhile"))
    alone = build_data(problem, catalog, jobs=1)
    assert forks == []
    forked = build_data(problem, catalog, jobs=2)
    assert forks == [2, "imported meanwhile"]  # lab20 deploys six models: the work was split
    assert _everything(forked) == _everything(alone)
    assert forked.options == alone.options and [c.key for c in forked.configs] == [c.key for c in alone.configs]
    # The entries point at this process's workloads and models, not at copies from a worker.
    assert all(entry.workload is workload for entry, workload in zip(forked.workloads, problem.workloads))


def test_where_forking_is_unsafe_the_options_are_estimated_here(lab20, monkeypatch):
    problem, catalog = lab20

    def no_fork(jobs):
        raise AssertionError("forked although forking was unsafe")

    monkeypatch.setattr(parallel, "forking_is_safe", lambda: False)
    monkeypatch.setattr(parallel, "forked_pool", no_fork)
    assert _everything(build_data(problem, catalog, jobs=2)) == _everything(build_data(problem, catalog, jobs=1))


def test_one_models_workloads_are_one_task_and_the_largest_tasks_go_first():
    def workload(name: str, model: str, variants: int) -> dict:
        return {"name": name, "model": model, "precision": ["bf16", "fp8", "int8"][:variants], "context_tokens": 4096, "demand": {"sessions": 1}}

    problem = Problem.model_validate({"name": "p", "workloads": [workload("a", "m1", 1), workload("b", "m2", 1), workload("c", "m1", 1), workload("d", "m3", 3)]})
    assert [len(w.variants) for w in problem.workloads] == [1, 1, 1, 3]
    # m3: 3 variants; m1: 2 (two workloads); m2: 1.
    assert parallel._model_groups(problem) == [("m3", [3]), ("m1", [0, 2]), ("m2", [1])]
