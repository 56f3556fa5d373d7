"""Monte Carlo what-if: the distribution of capex and served demand over uncertain prices and
demand growth.

Sample i draws, from a generator seeded with (seed, i) — so a sample does not depend on which
worker runs it, nor on the others:

- every catalog price that states a published range (GPU, chassis, fabric item; see
  solver.catalog.price_points) uniformly within [low, high], in whole dollars;
- one demand growth factor g uniformly in [1, 1 + growth], applied to every workload's demand
  (rounded up).

Each sample is then precomputed and solved like ``procure solve`` (one CP-SAT worker; with a
budget in the problem, demand is maximised first, as in a budget sweep) up to the stage that
decides capex: the later tie-breaks (power, servers) choose among plans of that capex and
served demand, so they cannot change a row. Samples run in local
worker processes or as Ray tasks (``--backend ray``): the rows are the same either way.
"""

from __future__ import annotations

import dataclasses
import math
import random
import statistics
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from solver.catalog import Catalog
from solver.processes import forked_pool, forking_is_safe
from solver.specs.problem import Problem

if TYPE_CHECKING:  # the estimator is imported where samples are solved, not here
    from solver.options.replica import SharedEstimates

QUANTILES = (0.05, 0.5, 0.95)

_process_estimates: tuple[str, SharedEstimates] | None = None
"""(run, replica estimates) this process made for its previous sample of that run: a worker
solves many samples, and prices and demand growth leave every estimate as it was
(solver.model.data.reuse_estimates checks the rest). Never across runs: another run's catalog
may give a model or GPU id other specifications, which estimates, keyed by id, would not see."""


@dataclass(frozen=True)
class SampleResult:
    index: int
    growth: float
    status: str
    capex_usd: int | None
    served: float | None
    """Σ priority × served share ÷ Σ priority (1: every workload fully served)."""
    seconds: float


def _draw(entry: Any, field: str, rng: random.Random) -> Any:
    low, high = getattr(entry, "price_low_usd", None), getattr(entry, "price_high_usd", None)
    if low is None or high is None:
        return entry
    return entry.model_copy(update={field: float(round(rng.uniform(low, high)))})


def sampled_catalog(catalog: Catalog, rng: random.Random) -> Catalog:
    """The catalog with every ranged price drawn within its range (ids in sorted order)."""
    gpus = {key: _draw(catalog.gpus[key], "price_usd", rng) for key in sorted(catalog.gpus)}
    nodes = {key: _draw(catalog.nodes[key], "base_price_usd", rng) for key in sorted(catalog.nodes)}
    fabric = {key: _draw(catalog.fabric[key], "price_usd", rng) for key in sorted(catalog.fabric)}
    return dataclasses.replace(catalog, gpus=gpus, nodes=nodes, fabric=fabric)


def grown_problem(problem: Problem, growth: float) -> Problem:
    """Every workload's demand multiplied by `growth` (rounded up)."""
    workloads = []
    for workload in problem.workloads:
        demand = workload.demand
        update = {name: math.ceil(value * growth) for name, value in demand.model_dump().items() if name in GROWING_FIELDS and isinstance(value, (int, float)) and value}
        workloads.append(workload.model_copy(update={"demand": demand.model_copy(update=update)}))
    return problem.model_copy(update={"workloads": workloads})


GROWING_FIELDS = ("sessions", "users", "jobs")
"""Demand fields that scale with growth (the active share does not)."""


def sample_rng(seed: int, index: int) -> random.Random:
    return random.Random(f"procure-montecarlo:{seed}:{index}")


def solve_sample(catalog_state: tuple[Any, ...], problem: Problem, index: int, growth: float, seed: int, time_limit_s: float, run: str = "") -> SampleResult:
    """Draw sample `index` and solve it (runs in a worker process or a Ray task); `run`
    identifies the Monte Carlo run, whose samples share replica estimates (empty: share none)."""
    global _process_estimates
    from solver.errors import ProcureError
    from solver.model.data import build_data, reuse_estimates
    from solver.model.solve import SolveSettings, solve
    from solver.whatif.sweep import _catalog_from_state

    started = time.perf_counter()
    rng = sample_rng(seed, index)
    catalog = sampled_catalog(_catalog_from_state(catalog_state), rng)
    factor = rng.uniform(1.0, 1.0 + growth)
    sampled = grown_problem(problem, factor)
    soft = sampled.limits.budget_usd is not None
    try:
        earlier = _process_estimates[1] if run and _process_estimates is not None and _process_estimates[0] == run else None
        estimates = reuse_estimates(earlier, sampled, catalog)
        _process_estimates = (run, estimates) if run else None
        data = build_data(sampled, catalog, estimates=estimates)
        solution = solve(data, SolveSettings(objective=sampled.objective.minimize, time_limit_s=time_limit_s, hard_demand=not soft, tie_breaks=False))
    except ProcureError as error:
        return SampleResult(index, factor, f"ERROR: {error.message.splitlines()[0]}", None, None, time.perf_counter() - started)
    if not solution.feasible:
        return SampleResult(index, factor, solution.status, None, None if soft else 0.0, time.perf_counter() - started)
    weights = sum(entry.workload.priority for entry in data.workloads)
    served = sum(entry.workload.priority * solution.values[f"served[{entry.workload.name}]"] / entry.required for entry in data.workloads) / weights
    return SampleResult(index, factor, solution.status, solution.capex_usd, round(served, 6), time.perf_counter() - started)


@dataclass
class MonteCarloRun:
    samples: list[SampleResult]
    seconds: float
    workers: int
    backend: str

    def quantiles(self, field: str) -> dict[float, float]:
        values = sorted(getattr(s, field) for s in self.samples if getattr(s, field) is not None)
        if not values:
            return {}
        return {q: values[min(len(values) - 1, max(0, math.ceil(q * len(values)) - 1))] for q in QUANTILES}

    def mean(self, field: str) -> float | None:
        values = [getattr(s, field) for s in self.samples if getattr(s, field) is not None]
        return statistics.fmean(values) if values else None


def run_montecarlo(
    problem: Problem, catalog: Catalog, samples: int, *, growth: float = 0.0, seed: int = 0, jobs: int = 1,
    time_limit_s: float = 60.0, backend: str = "local", address: str | None = None, on_done: Callable[[], None] | None = None,
) -> MonteCarloRun:
    from solver.whatif.sweep import _catalog_state

    started = time.perf_counter()
    state = _catalog_state(catalog)
    run = uuid.uuid4().hex  # scopes shared estimates to this run (see _process_estimates); no result depends on it
    results: list[SampleResult] = []
    if backend == "ray":
        from solver.whatif.ray_backend import import_ray, start_ray

        ray = import_ray()
        owned = start_ray(address, jobs)
        try:
            task = ray.remote(num_cpus=1)(solve_sample)
            shared = ray.put(state)
            pending = [task.remote(shared, problem, index, growth, seed, time_limit_s, run) for index in range(samples)]
            while pending:
                done, pending = ray.wait(pending, num_returns=1)
                results.extend(ray.get(done))
                if on_done:
                    on_done()
        finally:
            if owned:
                ray.shutdown()
    elif jobs > 1 and forking_is_safe():
        # Stopped at once on Ctrl-C (which reached the workers too and left each to finish its
        # sample and the queue behind it: 19 s to stop 40 lab20 samples on 2 workers).
        with forked_pool(jobs) as pool:
            futures = [pool.submit(solve_sample, state, problem, index, growth, seed, time_limit_s, run) for index in range(samples)]
            for future in futures:
                results.append(future.result())
                if on_done:
                    on_done()
    else:
        for index in range(samples):
            results.append(solve_sample(state, problem, index, growth, seed, time_limit_s, run))
            if on_done:
                on_done()
    results.sort(key=lambda sample: sample.index)
    return MonteCarloRun(results, time.perf_counter() - started, jobs, backend)


def montecarlo_csv(run: MonteCarloRun) -> str:
    """One row per sample (no timings: the same samples give the same file on any backend)."""
    lines = ["sample,demand_growth,status,capex_usd,served"]
    for s in run.samples:
        lines.append(f"{s.index},{s.growth:.6f},{s.status},{'' if s.capex_usd is None else s.capex_usd},{'' if s.served is None else f'{s.served:.6f}'}")
    return "\n".join(lines) + "\n"


def montecarlo_summary(run: MonteCarloRun) -> list[str]:
    lines = [f"{len(run.samples)} samples in {run.seconds:.1f} s ({run.backend}, {run.workers} workers)"]
    for field, label, fmt in (("capex_usd", "capex $", "{:,.0f}"), ("served", "served", "{:.1%}")):
        quantiles = run.quantiles(field)
        if quantiles:
            mean = run.mean(field)
            lines.append(f"{label}: mean {fmt.format(mean)}; " + ", ".join(f"p{round(q * 100)} {fmt.format(v)}" for q, v in quantiles.items()))
    failed = sum(1 for s in run.samples if s.capex_usd is None)
    if failed:
        lines.append(f"{failed} samples without a plan")
    return lines


__all__ = ["MonteCarloRun", "SampleResult", "grown_problem", "montecarlo_csv", "montecarlo_summary", "run_montecarlo", "sampled_catalog"]
