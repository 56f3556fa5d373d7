"""Solve what-if scenarios in worker processes, each hinted with its neighbour's solution.

Scheduling. Scenarios of one *series* (same knobs, objective and demand mode; differing only in
budget, or in the power cap for frontier points) are sorted ascending; the budgets the series'
prepared all-demand optimum answers take one chain of their own, and the rest are cut into at
most :data:`CHAINS_PER_SERIES` contiguous *chains* of at least :data:`MIN_CHAIN` scenarios. A chain
is one task: a worker process solves its scenarios in order, hinting each solve with the previous
solution's values (a plan that fits a smaller budget fits a larger one, so the hint is feasible).
Chains go to a ``ProcessPoolExecutor`` of ``--jobs`` processes. Each worker keeps the precomputed
model data (``build_data``, the slow part) per distinct data key, so a budget sweep builds it
once per process.

Reuse. When a chain's previous scenario differs only by a smaller budget, minimises cost, was
proved optimal in every stage and serves every workload in full, its plan is optimal for the
larger budget too (see :func:`_same_optimum`): it is re-extracted and re-verified, not
re-solved. On a budget sweep most budgets above the cost of serving everything take this path.

Determinism. The chains depend only on the scenarios, never on ``--jobs`` or timing, and every
solve uses one CP-SAT worker with a fixed seed: the same input gives the same plans whatever
the number of processes (as long as no solve stops at its time limit).

Every plan is re-checked by the independent verifier (``require_valid``) in the worker.
"""

from __future__ import annotations

import math
import multiprocessing
import queue as queue_module
import sys
import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from solver.catalog import Catalog
from solver.errors import InfeasibleError, ProcureError
from solver.plan.schema import Plan
from solver.processes import ignore_interrupts_in_worker, stop_pool
from solver.whatif.scenarios import Scenario

if TYPE_CHECKING:  # the estimator is imported where scenarios are solved, not here
    from solver.options.replica import SharedEstimates

CHAINS_PER_SERIES = 3
MIN_CHAIN = 2
DATA_CACHE_SIZE = 4


@dataclass
class ScenarioResult:
    """The outcome of one scenario (picklable: it travels back from a worker)."""

    index: int
    status: str
    """OPTIMAL, FEASIBLE (time limit), INFEASIBLE, UNKNOWN (no plan in time), ERROR, REJECTED."""
    note: str = ""
    plan: Plan | None = None
    stages: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    """Wall time of this scenario, including building the model data when it was not cached."""
    data_seconds: float = 0.0
    hinted: bool = False
    values: dict[str, int] | None = None
    """The solution's variable values (kept only when asked: frontier ends hint the ε points)."""
    reused_from: str = ""
    """The neighbour whose optimal plan is provably optimal here too (no solve was needed)."""


@dataclass
class ChainTask:
    indices: list[int]
    scenarios: list[Scenario]
    initial_hint: dict[str, int] | None = None
    keep_values: frozenset[int] = frozenset()
    """Indices whose solution values travel back with the result."""


def make_chains(scenarios: Sequence[Scenario], reuses_optimum: Callable[[Scenario], bool] = lambda scenario: False) -> list[list[int]]:
    """Indices of ``scenarios`` grouped into hint chains (see the module docstring).

    Scenarios ``reuses_optimum`` picks (budgets the prepared all-demand optimum already answers)
    take one chain per series and need no solve; the chains to solve are cut from the rest, so
    the work spreads over the workers instead of landing in the chains of the lowest budgets."""
    series: dict[Any, tuple[list[int], list[int]]] = {}
    for index, scenario in enumerate(scenarios):
        solved, reused = series.setdefault((scenario.series, scenario.data_key), ([], []))
        (reused if reuses_optimum(scenario) else solved).append(index)
    chains: list[list[int]] = []
    for solved, reused in series.values():
        chains.extend(_cut(sorted(solved, key=lambda i: _chain_order(scenarios[i], i))))
        if reused:
            chains.append(sorted(reused, key=lambda i: _chain_order(scenarios[i], i)))
    return chains


def _chain_order(scenario: Scenario, index: int) -> tuple:
    return (scenario.budget_usd or 0.0, scenario.power_cap_w or 0, index)


def _cut(members: list[int]) -> list[list[int]]:
    """At most CHAINS_PER_SERIES contiguous chains of at least MIN_CHAIN scenarios."""
    if not members:
        return []
    count = max(1, min(CHAINS_PER_SERIES, math.ceil(len(members) / MIN_CHAIN)))
    size, extra = divmod(len(members), count)
    chains, start = [], 0
    for number in range(count):
        end = start + size + (1 if number < extra else 0)
        chains.append(members[start:end])
        start = end
    return chains


# ============================================================================================
# The solving side (runs in workers, or in-process with one job)


@dataclass
class Prepared:
    """What the coordinator computes once before any worker starts (forked workers inherit it):
    model data per data key, and per budget series the optimum serving all demand."""

    data: dict[str, Any] = field(default_factory=dict)
    optima: dict[Any, tuple[Scenario, Any]] = field(default_factory=dict)
    """(series, data key) → (the series' scenario without a budget, its Solution)."""
    seconds: float = 0.0


def all_demand_scenario(scenario: Scenario) -> Scenario:
    """``scenario`` without its budget: its optimum is every larger budget's (see _fits_optimum)."""
    return replace(scenario, name=ALL_DEMAND, budget_usd=None, problem=_without_budget(scenario))


ALL_DEMAND = "all demand (no budget)"


class ScenarioSolver:
    """Solves scenarios against one catalog, caching model data per data key."""

    def __init__(self, catalog: Catalog, *, time_limit_s: float, seed: int = 0, prepared: Prepared | None = None, precompute_jobs: int = 1):
        self.catalog = catalog
        self.time_limit_s = time_limit_s
        self.seed = seed
        self.precompute_jobs = precompute_jobs
        """Processes estimating options for a data build (the coordinator's; a worker builds alone)."""
        self._data: OrderedDict[str, Any] = OrderedDict()
        self._estimates: SharedEstimates | None = None
        """Replica estimates of the last model data built, for the next (scenario knobs such as
        prices or allowed GPUs leave them as they were: solver.model.data.reuse_estimates)."""
        self.prepared = prepared or Prepared()

    def prepare(self, scenarios: Sequence[Scenario]) -> Prepared:
        """Model data for every data key of ``scenarios``, and the all-demand optimum of every
        cost-minimising budget series, computed here once (before workers fork)."""
        started = time.perf_counter()
        prepared = Prepared()
        failed: set[str] = set()
        for scenario in scenarios:
            if scenario.data_key not in prepared.data and scenario.data_key not in failed:
                try:
                    prepared.data[scenario.data_key] = self._model_data(scenario)[0]
                except ProcureError:
                    failed.add(scenario.data_key)  # each scenario reports it when it is solved
        for scenario in scenarios:
            key = (scenario.series, scenario.data_key)
            if scenario.budget_usd is None or scenario.objective != "cost" or scenario.power_cap_w is not None or scenario.data_key in failed or key in prepared.optima:
                continue
            reference = all_demand_scenario(scenario)
            _, solution = self.solve(-1, reference, None)
            if solution is not None:
                prepared.optima[key] = (reference, solution)
        prepared.seconds = time.perf_counter() - started
        self.prepared = prepared
        return prepared

    def reuses_optimum(self, scenario: Scenario) -> bool:
        """Whether the prepared all-demand optimum of the scenario's series answers it (no solve)."""
        optimum = self.prepared.optima.get((scenario.series, scenario.data_key))
        data = self.prepared.data.get(scenario.data_key)
        return optimum is not None and data is not None and _fits_optimum(optimum[0], optimum[1], scenario, replace(data, problem=scenario.problem))

    def _model_data(self, scenario: Scenario) -> tuple[Any, float]:
        from solver.model.data import build_data, reuse_estimates

        key = scenario.data_key
        if key in self.prepared.data:
            return self.prepared.data[key], 0.0
        if key in self._data:
            self._data.move_to_end(key)
            return self._data[key], 0.0
        started = time.perf_counter()
        self._estimates = reuse_estimates(self._estimates, scenario.problem, self.catalog)
        data = build_data(scenario.problem, self.catalog, estimates=self._estimates, jobs=self.precompute_jobs)
        self._data[key] = data
        while len(self._data) > DATA_CACHE_SIZE:
            self._data.popitem(last=False)
        return data, time.perf_counter() - started

    def solve(self, index: int, scenario: Scenario, hint: dict[str, int] | None, previous: tuple[Scenario, Any] | None = None) -> tuple[ScenarioResult, Any]:
        """One scenario → its result and the Solution (None without a plan), for the next one."""
        from solver.economics.attach import attach_economics, bought_node_prices
        from solver.explain import conflict_error, raise_if_unservable
        from solver.model.solve import SolveSettings, solve
        from solver.plan.extract import build_plan
        from solver.verify.checker import PlanRejected, require_valid

        started = time.perf_counter()
        result = ScenarioResult(index=index, status="ERROR", hinted=hint is not None)
        try:
            base, result.data_seconds = self._model_data(scenario)
            # The model data does not depend on the budget, power cap or objective settings:
            # reuse it with the scenario's problem, which the model reads those from.
            data = replace(base, problem=scenario.problem)
            if scenario.hard_demand:
                raise_if_unservable(data)
            optimum = self.prepared.optima.get((scenario.series, scenario.data_key))
            if previous is not None and _same_optimum(previous[0], previous[1], scenario, data):
                solution = previous[1]
                result.reused_from = previous[0].name
                result.hinted = False
            elif optimum is not None and _fits_optimum(optimum[0], optimum[1], scenario, data):
                solution = optimum[1]
                result.reused_from = optimum[0].name
                result.hinted = False
            else:
                if hint is None and optimum is not None and _fits_budget(optimum[1], scenario):
                    # A chain head above an all-demand plan that is not proved optimal (a large
                    # model's time-limited solve) still starts from that plan, which serves all
                    # demand within its budget: unhinted, 100 generated workloads at $10M
                    # (all demand costs $9.83M) ended serving 87.8%.
                    hint = optimum[1].values
                    result.hinted = True
                settings = SolveSettings(
                    objective=scenario.objective,
                    time_limit_s=self.time_limit_s,
                    workers=1,
                    seed=self.seed,
                    hard_demand=scenario.hard_demand,
                    hint=hint,
                )
                solution = solve(data, settings)
                result.stages = [{"name": s.name, "status": s.status, "value": s.value, "bound": s.bound, "seconds": round(s.seconds, 3)} for s in solution.stages]
            result.status = solution.status
            if solution.status == "INFEASIBLE":
                error = conflict_error(solution.infeasible_guards, {}, racks_capped=data.facility.rack_bins_capped)
                result.note = "; ".join(error.explanation) or error.message
                return self._finish(result, started), None
            if not solution.feasible or not any(s.name == scenario.objective for s in solution.stages):
                result.status = "UNKNOWN" if not solution.feasible else solution.status
                result.note = f"no complete plan within {self.time_limit_s:g} s"
                return self._finish(result, started), None
            plan = build_plan(data, solution, tco_usd=solution.tco_cents / 100)
            plan.summary.precompute_seconds = round(result.data_seconds, 3)
            attach_economics(plan, scenario.problem, bought_node_prices(plan, data))
            try:
                require_valid(plan, scenario.problem, self.catalog)
            except PlanRejected as error:
                result.status = "REJECTED"
                result.note = error.message.replace("\n", "; ")
                return self._finish(result, started), None
            result.plan = plan
            return self._finish(result, started), solution
        except InfeasibleError as error:
            result.status = "INFEASIBLE"
            result.note = _first_line([error.message, *error.explanation])
        except ProcureError as error:
            result.status = "ERROR"
            result.note = _first_line(error.message.splitlines())
        return self._finish(result, started), None

    @staticmethod
    def _finish(result: ScenarioResult, started: float) -> ScenarioResult:
        result.seconds = time.perf_counter() - started
        return result

    def run_chain(self, task: ChainTask, notify: Callable[[int], None] | None = None) -> list[ScenarioResult]:
        hint = task.initial_hint
        previous: tuple[Scenario, Any] | None = None
        results = []
        for index, scenario in zip(task.indices, task.scenarios):
            result, solution = self.solve(index, scenario, hint, previous)
            if solution is not None:
                hint = solution.values
                previous = (scenario, solution)
                if index in task.keep_values:
                    result.values = solution.values
            results.append(result)
            if notify is not None:
                notify(index)
        return results


def _without_budget(scenario: Scenario) -> Any:
    problem = scenario.problem
    return problem.model_copy(update={"limits": problem.limits.model_copy(update={"budget_usd": None})})


def _same_optimum(before: Scenario, solution: Any, after: Scenario, data: Any) -> bool:
    """Whether ``solution``, optimal for ``before``, is optimal for ``after`` without a solve.

    True when the two differ only by a larger (or no) budget, the objective is cost, every stage
    was proved optimal and every workload is fully served: then the cheapest full plan already
    fit the smaller budget, so it is the cheapest under the larger one too, and the later stages
    (power, then servers, among plans of that cost) choose among the same plans.
    """
    if solution.status != "OPTIMAL" or any(stage.status != "OPTIMAL" for stage in solution.stages):
        return False
    if before.objective != "cost" or after.objective != "cost":
        return False
    if (before.hard_demand, before.kind, before.data_key, before.power_cap_w) != (after.hard_demand, after.kind, after.data_key, after.power_cap_w):
        return False
    small, large = before.problem.limits.budget_usd, after.problem.limits.budget_usd
    if large is not None and (small is None or large < small):
        return False
    if solution.capex_usd > (large if large is not None else float("inf")):
        return False
    if any(solution.values.get(f"served[{entry.workload.name}]", -1) < entry.required for entry in data.workloads):
        return False
    return _without_budget(before) == _without_budget(after)


def _fits_budget(solution: Any, scenario: Scenario) -> bool:
    """Whether ``solution`` (a plan, proved optimal or not) is within ``scenario``'s budget."""
    budget = scenario.problem.limits.budget_usd
    return solution.feasible and budget is not None and solution.capex_usd <= budget


def _fits_optimum(unbudgeted: Scenario, solution: Any, after: Scenario, data: Any) -> bool:
    """Whether ``solution``, proved optimal for ``unbudgeted`` (``after`` without its budget),
    is optimal for ``after``: it serves all demand within ``after``'s budget, and a plan
    optimal without the budget that fits it is optimal with it (the budget only removes plans)."""
    if solution.status != "OPTIMAL" or any(stage.status != "OPTIMAL" for stage in solution.stages):
        return False
    if unbudgeted.objective != "cost" or after.objective != "cost" or unbudgeted.budget_usd is not None:
        return False
    if (unbudgeted.hard_demand, unbudgeted.kind, unbudgeted.data_key, unbudgeted.power_cap_w, unbudgeted.series) != (after.hard_demand, after.kind, after.data_key, after.power_cap_w, after.series):
        return False
    budget = after.problem.limits.budget_usd
    if budget is not None and solution.capex_usd > budget:
        return False
    if any(solution.values.get(f"served[{entry.workload.name}]", -1) < entry.required for entry in data.workloads):
        return False
    return unbudgeted.problem == _without_budget(after)


def _first_line(lines: Sequence[str]) -> str:
    for line in lines:
        text = line.strip()
        if text:
            return text.removeprefix("To fix: ")
    return ""


def _catalog_state(catalog: Catalog) -> tuple[Any, ...]:
    # Catalog holds a mappingproxy name index and does not pickle; its entries do.
    return (dict(catalog.gpus), dict(catalog.nodes), dict(catalog.fabric), dict(catalog.models), tuple(catalog.files), catalog.speed_model, catalog.engines, catalog.cloud, catalog.training_runs)


def _catalog_from_state(state: tuple[Any, ...]) -> Catalog:
    gpus, nodes, fabric, models, files, speed_model, engines, cloud, training_runs = state
    return Catalog(gpus=gpus, nodes=nodes, fabric=fabric, models=models, files=files, speed_model=speed_model, engines=engines, cloud=cloud, training_runs=training_runs)


_WORKER: ScenarioSolver | None = None
_PROGRESS: Any = None


def _init_worker(catalog_state: tuple[Any, ...], time_limit_s: float, seed: int, progress_queue: Any, prepared: Prepared | None = None) -> None:
    global _WORKER, _PROGRESS
    # The coordinator stops its workers: one must neither stop its search on its own (the
    # coordinator would wait for a half-finished result) nor outlive the coordinator's SIGTERM.
    ignore_interrupts_in_worker()
    _WORKER = ScenarioSolver(_catalog_from_state(catalog_state), time_limit_s=time_limit_s, seed=seed, prepared=prepared)
    _PROGRESS = progress_queue


def _worker_ready() -> bool:
    return _WORKER is not None


def _worker_run_chain(task: ChainTask) -> list[ScenarioResult]:
    assert _WORKER is not None, "worker not initialised"
    return _WORKER.run_chain(task, notify=lambda index: _PROGRESS.put(index))


# ============================================================================================
# The coordinating side


class Sweep:
    """Runs batches of scenarios on ``jobs`` processes (in this process when ``jobs`` is 1).

    Use as a context manager: entering starts the worker processes (before any progress bar's
    thread exists, so forking is safe), leaving stops them.
    """

    def __init__(self, catalog: Catalog, *, jobs: int = 1, time_limit_s: float = 60.0, seed: int = 0, on_done: Callable[[Scenario], None] | None = None, prepared: Prepared | None = None):
        self.catalog = catalog
        self.prepared = prepared
        self.jobs = max(1, jobs)
        self.time_limit_s = time_limit_s
        self.seed = seed
        self.on_done = on_done
        self._executor: ProcessPoolExecutor | None = None
        self._queue: Any = None
        self._local: ScenarioSolver | None = None

    def __enter__(self) -> "Sweep":
        if self.jobs > 1:
            context = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else None)
            self._queue = context.Queue()
            self._executor = ProcessPoolExecutor(
                max_workers=self.jobs,
                mp_context=context,
                initializer=_init_worker,
                # Forked workers inherit the prepared data instead of building it each.
                initargs=(_catalog_state(self.catalog), self.time_limit_s, self.seed, self._queue, self.prepared),
            )
            self._executor.submit(_worker_ready).result()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._executor is not None:
            if exc[0] is not None:
                # Interrupted or failed: a worker would otherwise finish its chain first (up to
                # the time limit per scenario) and the interpreter would wait for it at exit.
                stop_pool(self._executor)
            else:
                self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
        if self._queue is not None:
            self._queue.close()
            self._queue = None

    def _solver(self) -> ScenarioSolver:
        if self._local is None:
            self._local = ScenarioSolver(self.catalog, time_limit_s=self.time_limit_s, seed=self.seed, prepared=self.prepared)
        return self._local

    def run(self, scenarios: Sequence[Scenario], *, initial_hint: dict[str, int] | None = None, keep_values: Collection[int] = ()) -> list[ScenarioResult]:
        """Results in the order of ``scenarios`` (``result.index`` is the position)."""
        if not scenarios:
            return []
        tasks = [
            ChainTask(indices=chain, scenarios=[scenarios[i] for i in chain], initial_hint=initial_hint, keep_values=frozenset(keep_values))
            for chain in make_chains(scenarios, self._solver().reuses_optimum)
        ]
        results: dict[int, ScenarioResult] = {}
        notify = (lambda index: self.on_done(scenarios[index])) if self.on_done else None
        if self._executor is None:
            solver = self._solver()
            for task in tasks:
                for result in solver.run_chain(task, notify):
                    results[result.index] = result
        else:
            pending: dict[Future[list[ScenarioResult]], ChainTask] = {self._executor.submit(_worker_run_chain, task): task for task in tasks}
            reported = 0
            while pending:
                done, _ = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
                reported += self._drain(scenarios)
                for future in done:
                    pending.pop(future)
                    for result in future.result():
                        results[result.index] = result
            # Progress messages can trail the results: report whatever has not arrived.
            reported += self._drain(scenarios, wait_s=0.2, expected=len(scenarios) - reported)
            if self.on_done:
                for _ in range(len(scenarios) - reported):
                    self.on_done(scenarios[-1])
        return [results[index] for index in range(len(scenarios))]

    def _drain(self, scenarios: Sequence[Scenario], *, wait_s: float = 0.0, expected: int = 0) -> int:
        count = 0
        deadline = time.monotonic() + wait_s
        while True:
            try:
                index = self._queue.get(timeout=max(0.0, deadline - time.monotonic())) if count < expected else self._queue.get_nowait()
            except (queue_module.Empty, OSError, ValueError):
                return count
            count += 1
            if self.on_done:
                self.on_done(scenarios[index])


__all__ = ["ALL_DEMAND", "ChainTask", "Prepared", "ScenarioResult", "ScenarioSolver", "Sweep", "all_demand_scenario", "make_chains"]
