"""Every workload's deployment options, estimated in forked worker processes when that is safe.

Estimating is most of a solve's set-up (100 generated workloads: 7 s of one core) and each
workload's options depend only on its own inputs, so the work splits across the machine's
cores. Workloads that deploy one model share replica estimates (solver.options.replica), so a
task is all workloads of one model; tasks go out in descending order of their variants (whole
passes over the configurations), so the longest start first. Workers are forked: they inherit
the catalog, the problem and the estimates made so far without pickling, and return their
options. The estimates they make stay in the workers: pickling them back (100 generated
workloads: 14.5 MB, 0.5 s to pickle alone) cost most of what a later build saves by reusing them.

Options are pure functions of their inputs, so they are the same, in the same order, whatever
the number of processes or the order tasks finish in (tests compare them field by field).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from solver.catalog import Catalog
from solver.options.configs import NodeConfig
from solver.options.generate import WorkloadOptions, workload_options
from solver.options.replica import SharedEstimates
from solver.preload import import_wanted
from solver.processes import forked_pool, forking_is_safe
from solver.specs.problem import Problem


@dataclass(frozen=True)
class _Inputs:
    problem: Problem
    catalog: Catalog
    configs: list[NodeConfig]
    shared: SharedEstimates
    prune: bool


_INPUTS: _Inputs | None = None
"""Set just before forking, so the workers inherit it."""


def options_of_workloads(problem: Problem, catalog: Catalog, configs: list[NodeConfig], shared: SharedEstimates, *, prune: bool = True, jobs: int = 1) -> list[WorkloadOptions]:
    """Options of each of `problem`'s workloads, in its order; with `jobs` > 1 on up to that
    many forked processes, where forking is safe (solver.processes), else here."""
    inputs = _Inputs(problem, catalog, configs, shared, prune)
    groups = _model_groups(problem)
    if jobs <= 1 or len(groups) <= 1 or not forking_is_safe():
        return [_options_of(inputs, index) for index in range(len(problem.workloads))]
    global _INPUTS
    _INPUTS = inputs
    try:
        with forked_pool(min(jobs, len(groups))) as pool:
            futures = [pool.submit(_estimate_group, indices) for _model_id, indices in groups]
            import_wanted()  # while the workers estimate
            found: dict[int, WorkloadOptions] = {}
            for future in futures:
                found.update(future.result())
    finally:
        _INPUTS = None
    # Entries travel back with copies of their workload and model: point them at this process's.
    return [replace(found[index], workload=workload, model=catalog.model(workload.model)) for index, workload in enumerate(problem.workloads)]


def _model_groups(problem: Problem) -> list[tuple[str, list[int]]]:
    """Workload indices per model, the groups with the most variants first (then by model id)."""
    groups: dict[str, list[int]] = {}
    for index, workload in enumerate(problem.workloads):
        groups.setdefault(workload.model, []).append(index)
    variants = {model_id: sum(len(problem.workloads[i].variants) for i in indices) for model_id, indices in groups.items()}
    return sorted(groups.items(), key=lambda group: (-variants[group[0]], group[0]))


def _options_of(inputs: _Inputs, index: int) -> WorkloadOptions:
    problem = inputs.problem
    workload = problem.workloads[index]
    return workload_options(
        workload, inputs.catalog.model(workload.model), inputs.configs, problem.limits, problem.assumptions, inputs.shared.performance,
        prune=inputs.prune, shared=inputs.shared,
    )


def _estimate_group(indices: Sequence[int]) -> dict[int, WorkloadOptions]:
    """In a worker: the options of one model's workloads."""
    assert _INPUTS is not None, "worker forked without its inputs"
    return {index: _options_of(_INPUTS, index) for index in indices}


__all__ = ["options_of_workloads"]
