"""The three ways renting enters a solve, each returning a checked SolveResult:
- `objective: rent`: a fully rented plan (solver.rent.solve);
- `objective: hybrid`: owned base load plus rented remainder (solver.rent.hybrid);
- a bought plan's comparison with renting the same capacity (solver.rent.compare).
Every plan carries its unit economics; every plan, rented parts included, passes the verifier.
"""

from __future__ import annotations

from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace

from solver.catalog import Catalog
from solver.economics.attach import attach_economics, bought_node_prices
from solver.errors import InputError, InternalError, ProcureError
from solver.interrupt import Interrupted
from solver.model.solve import SolveSettings
from solver.options.replica import SharedEstimates
from solver.pipeline import SolveResult, solve_purchase
from solver.plan.schema import Plan
from solver.processes import fork_pool, forking_is_safe, stop_pool
from solver.rent import compare, hybrid
from solver.rent.plan import rent_section, rented_configs_used, rented_node_monthly, reservation_lines, unpriced_storage_gb
from solver.rent.solve import RentResult, solve_rent
from solver.specs.problem import Problem
from solver.verify.checker import require_valid

COMPARISON_TIME_LIMIT_S = 60.0
"""The comparison's own solve is bounded: it informs the purchase and must not dominate it."""


def _rented_result(problem: Problem, catalog: Catalog, rented: RentResult) -> SolveResult:
    plan = attach_economics(rented.plan, problem, {}, rented_node_monthly(rented.plan, rented.data))
    require_valid(plan, rented.problem, catalog)
    return SolveResult(rented.problem, rented.data, rented.solution, plan, None)


def solve_rented(problem: Problem, catalog: Catalog, settings: SolveSettings, *, estimates: SharedEstimates | None = None) -> SolveResult:
    """`objective: rent`."""
    return _rented_result(problem, catalog, solve_rent(problem, catalog, settings, estimates=estimates))


class RentComparison:
    """What renting a bought plan's capacity would cost (plan.json `rent`), worked out while the
    purchase is solved.

    The rented plan does not depend on the purchase. Where the caller allows more than one
    process (settings.precompute_jobs) and forking is safe (solver.processes), it is solved in
    a forked worker, entered before the purchase's search, and CP-SAT searches the purchase
    here meanwhile, each on a core. Otherwise ``attach`` solves it after the purchase. The
    rented plan is the same either way: both searches are deterministic, and the worker
    estimates its options alone. The plan is verified here, like every plan.

    Use as a context manager around the purchase's solve; leaving it stops a worker whose
    answer was not needed (the purchase was interrupted or failed)."""

    def __init__(self, problem: Problem, catalog: Catalog, settings: SolveSettings, *, estimates: SharedEstimates | None = None):
        self.problem = problem
        self.catalog = catalog
        self.estimates = estimates
        self.wanted = catalog.cloud is not None and problem.rent.compare
        self.keep_interrupted = settings.keep_interrupted
        self.settings = replace(settings, time_limit_s=min(settings.time_limit_s, COMPARISON_TIME_LIMIT_S), keep_interrupted=False, preload=())
        self._pool: ProcessPoolExecutor | None = None
        self._future: Future[RentResult] | None = None

    def __enter__(self) -> RentComparison:
        global _COMPARISON
        if self.wanted and self.settings.precompute_jobs > 1 and forking_is_safe():
            _COMPARISON = self  # the worker, forked from here, inherits it
            self._pool = fork_pool(1)
            self._future = self._pool.submit(_solve_in_worker)
        return self

    def __exit__(self, *exc: object) -> None:
        global _COMPARISON
        if self._pool is not None:
            stop_pool(self._pool)
            self._pool = None
            _COMPARISON = None

    def attach(self, result: SolveResult) -> SolveResult:
        """`result` (the purchase) with its unit economics and, when the catalog has cloud
        prices and the problem asks for it, the comparison with renting."""
        plan = attach_economics(result.plan, result.problem, bought_node_prices(result.plan, result.data))
        if not self.wanted or result.interrupted:
            return result
        try:
            rented = _rented_result(self.problem, self.catalog, self._rented())
        except Interrupted:
            if not self.keep_interrupted:
                raise
            # The purchase is complete: keep it, as asked, and still end the run as interrupted.
            plan.rent = compare.unavailable("interrupted before the rented plan was found")
            result.solution.interrupted = True
            # Labelled like any plan kept at an interrupt (its gap still says how good it is).
            plan.summary.status = "INTERRUPTED"
            return result
        except (InputError, ProcureError) as error:
            if isinstance(error, InternalError):
                raise
            plan.rent = compare.unavailable(error.message.splitlines()[0])
            return result
        except BrokenProcessPool:
            # The worker was killed (out of memory, say): the purchase stands without the comparison.
            plan.rent = compare.unavailable("the worker process solving it ended unexpectedly")
            return result
        plan.rent = compare.comparison(plan, rented.plan)
        return result

    def _rented(self) -> RentResult:
        if self._future is None:
            return solve_rent(self.problem, self.catalog, self.settings, estimates=self.estimates)
        return self._future.result()


_COMPARISON: RentComparison | None = None
"""The comparison a worker is forked for (set while its pool runs)."""


def _solve_in_worker() -> RentResult:
    """In the forked worker: the rented plan, its options estimated here alone (the purchase's
    search has the other core)."""
    assert _COMPARISON is not None, "worker forked without its comparison"
    comparison = _COMPARISON
    return solve_rent(comparison.problem, comparison.catalog, replace(comparison.settings, precompute_jobs=1), estimates=comparison.estimates)


def _merge(problem: Problem, owned: SolveResult, rented: RentResult | None) -> Plan:
    plan = owned.plan.model_copy(deep=True)
    burst = problem.rent.burst_hours_per_day
    used = rented_configs_used(rented.plan, rented.data) if rented else {}
    if rented is not None:
        ids = {node.id for node in plan.nodes}
        clash = [node.id for node in rented.plan.nodes if node.id in ids]
        if clash:
            raise InternalError(f"hybrid plan: rented instance ids {clash} repeat owned server ids")
        plan.nodes = plan.nodes + rented.plan.nodes
        plan.replicas = sorted(plan.replicas + rented.plan.replicas, key=lambda r: (r.workload, r.placement[0].node, r.placement[0].gpus, r.placement[0].mig_slice or 0))
        plan.bom = plan.bom + reservation_lines(used, burst, first_line=len(plan.bom) + 1)
        for gpu, count in rented.plan.summary.gpus.items():
            plan.summary.gpus[gpu] = plan.summary.gpus.get(gpu, 0) + count
        plan.summary.gpus = dict(sorted(plan.summary.gpus.items()))
        plan.summary.nodes = len(plan.nodes)
        plan.summary.solve_seconds = round(plan.summary.solve_seconds + rented.plan.summary.solve_seconds, 3)
        plan.summary.stages = plan.summary.stages + [{**stage, "name": f"rent:{stage['name']}"} for stage in rented.plan.summary.stages]
        if rented.plan.summary.status != "OPTIMAL":
            plan.summary.status = rented.plan.summary.status
        plan.summary.gap = max(plan.summary.gap, rented.plan.summary.gap)
    plan.workloads = hybrid.merged_workloads(problem, owned.plan, rented.plan if rented else None)
    storage = unpriced_storage_gb(rented.plan, rented.checkpoints) if rented else 0
    plan.rent = rent_section(used, problem, mode="hybrid", storage_gb=storage, hours_per_day=burst)
    plan.rent.update({"base_fraction": problem.rent.base_fraction, "owned_capacity": hybrid.capacity(owned.plan)})
    plan.baseline = None
    return plan


def solve_hybrid(problem: Problem, catalog: Catalog, settings: SolveSettings, *, estimates: SharedEstimates | None = None) -> SolveResult:
    """`objective: hybrid`."""
    owned = solve_purchase(hybrid.base_problem(problem), catalog, replace(settings, objective="cost"), estimates=estimates)
    remainder = hybrid.remainder_problem(problem, hybrid.capacity(owned.plan))
    rented = solve_rent(remainder, catalog, settings, share_of_day=problem.rent.burst_hours_per_day / 24, estimates=estimates) if remainder is not None else None
    plan = _merge(problem, owned, rented)
    rented_monthly = rented_node_monthly(plan, rented.data) if rented else {}
    attach_economics(plan, problem, bought_node_prices(plan, owned.data), rented_monthly)
    summary = plan.summary
    assert plan.economics is not None and plan.rent is not None
    summary.objective = "hybrid"
    summary.objective_unit = "USD/month"
    summary.objective_value = plan.economics["total"]["usd_per_month"]
    summary.best_bound = summary.objective_value
    summary.tco_usd = round(summary.tco_usd + plan.rent["monthly_usd"] * 12 * problem.objective.tco.years, 2)
    require_valid(plan, problem, catalog)
    return SolveResult(problem, owned.data, owned.solution, plan, None)

