"""`objective: rent`: the cheapest set of cloud instances that serves every workload.

A SkyPilot-like optimum over instance types, found by the same CP-SAT model as a purchase: each
rentable instance type is a node configuration priced at its monthly rent (solver.rent.instances),
so the same deployment options, exact NVLink packing and speed floors apply, and the cost stage
minimises the monthly bill. Checkpoint storage is left out of the model (instance prices exclude
storage; the plan states how much is needed).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

from solver.catalog import Catalog
from solver.errors import InfeasibleError, InputError, ProcureError
from solver.explain import conflict_error, raise_if_unservable
from solver.interrupt import Interrupted
from solver.model.data import ModelData, StoredCheckpoint, build_data
from solver.model.solve import Solution, SolveSettings, solve
from solver.options.replica import SharedEstimates
from solver.preload import preload
from solver.plan.extract import build_plan
from solver.plan.schema import Plan
from solver.rent.instances import rented_configs
from solver.rent.plan import to_rented_plan, unpriced_storage_gb
from solver.rent.problem import rent_view
from solver.specs.problem import Problem

RENT_HINT = "allow more providers (rent.providers / rent.excluded_providers) or GPU types, or buy instead (objective cost)"


@dataclass
class RentResult:
    problem: Problem
    """The problem as renting sees it (machine-room limits lifted, no inventory)."""
    data: ModelData
    solution: Solution
    plan: Plan
    checkpoints: list[StoredCheckpoint]


def build_rent_data(problem: Problem, catalog: Catalog, share_of_day: float = 1.0, *, estimates: SharedEstimates | None = None, jobs: int = 1) -> tuple[ModelData, list[StoredCheckpoint]]:
    """Model data over rented configurations, and the checkpoints the model leaves out
    (`estimates`: the purchase's replica estimates, reused; `jobs`: see build_data)."""
    view = rent_view(problem)
    configs = rented_configs(catalog, view, share_of_day)
    if not configs:
        raise InputError("no cloud instance of catalogs/cloud.yaml is allowed (rent.providers, rent.excluded_providers, limits.allowed_gpus/excluded_gpus/vendors)", hint=RENT_HINT)
    data = build_data(view, catalog, configs=configs, estimates=estimates, jobs=jobs)
    return replace(data, checkpoints=[]), data.checkpoints


def solve_rent(problem: Problem, catalog: Catalog, settings: SolveSettings, share_of_day: float = 1.0, *, estimates: SharedEstimates | None = None) -> RentResult:
    """The cheapest rented plan serving all of `problem`'s demand, as a reservation plan."""
    started = time.perf_counter()
    data, checkpoints = build_rent_data(problem, catalog, share_of_day, estimates=estimates, jobs=settings.precompute_jobs)
    precompute_seconds = time.perf_counter() - started
    preload(settings.preload)
    try:
        raise_if_unservable(data)
    except InfeasibleError as error:
        raise InfeasibleError(f"renting: {error.message}", explanation=error.explanation, hint=RENT_HINT) from None
    solution = solve(data, replace(settings, objective="cost"))
    if solution.interrupted and not solution.feasible:
        raise Interrupted("search interrupted before any rented plan was found")
    if solution.status == "INFEASIBLE":
        error = conflict_error(solution.infeasible_guards, {})
        raise InfeasibleError(f"renting: {error.message}", explanation=error.explanation, hint=RENT_HINT)
    if not solution.feasible:
        raise ProcureError(f"no rented plan found within {settings.time_limit_s:g} s (status {solution.status})", hint="raise --time-limit")
    plan = build_plan(data, solution, tco_usd=0.0)
    plan.summary.precompute_seconds = round(precompute_seconds, 3)
    plan = to_rented_plan(plan, data, problem, unpriced_storage_gb(plan, checkpoints))
    return RentResult(data.problem, data, solution, plan, checkpoints)
