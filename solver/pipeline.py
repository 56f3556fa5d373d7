"""The solve pipeline: precompute options → CP-SAT → plan → independent check → baseline."""

from __future__ import annotations

import datetime

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from solver.baseline import Baseline, rule_of_thumb
from solver.prices import expired_quotes
from solver.catalog import Catalog
from solver.errors import ProcureError
from solver.interrupt import Interrupted
from solver.explain import conflict_error, raise_if_unservable
from solver.model.data import LIMIT_FIELDS, ModelData, build_data, reuse_estimates, without_limit
from solver.options.replica import SharedEstimates
from solver.model.settings import SEARCH_MODULES, SolveSettings
from solver.plan.schema import Plan
from solver.preload import import_wanted, preload, want
from solver.specs.problem import Problem
from solver.verify.checker import require_valid

if TYPE_CHECKING:
    from solver.model.solve import Solution


log = logging.getLogger(__name__)


@dataclass
class SolveResult:
    problem: Problem
    data: ModelData
    solution: Solution
    plan: Plan
    baseline: Baseline | None

    @property
    def interrupted(self) -> bool:
        """An interrupt stopped the search and the plan is the best found so far (kept only
        when the settings asked for it)."""
        return self.solution.interrupted


def _relaxed_minimum(data: ModelData, guard: str, settings: SolveSettings) -> str | None:
    """What the plan would need if `guard`'s limit were lifted (a short re-solve)."""
    from solver.model.solve import solve

    if guard not in LIMIT_FIELDS:
        return None
    limits = data.problem.limits
    measure = "power" if guard == "power" else "cost"
    solution = solve(without_limit(data, guard), SolveSettings(objective=measure, time_limit_s=min(settings.time_limit_s, 10), workers=settings.workers, seed=settings.seed))
    if not solution.feasible:
        return "still infeasible without it"
    if guard == "budget":
        return f"the cheapest plan serving all demand costs ${solution.capex_usd:,} (budget ${limits.budget_usd:,.0f})"
    if guard == "power":
        return f"the lowest-power plan serving all demand draws {solution.power_w / 1000:,.1f} kW (cap {limits.power_kw:g} kW)"
    if guard == "racks":
        racks = sum(1 for name, value in solution.values.items() if name.startswith("rack_used[") and value)
        return f"the cheapest plan without the limit uses {racks} racks (limit {limits.racks})"
    if guard == "max_nodes":
        return f"the cheapest plan without the limit uses {solution.values.get('nodes_total', 0)} nodes (limit {limits.max_nodes})"
    return "the cheapest plan without it exceeds the per-rack power"


def solve_problem(problem: Problem, catalog: Catalog, settings: SolveSettings) -> SolveResult:
    """The plan for `settings.objective`: a purchase (cost, power, tco) with its unit economics and
    what renting the same capacity would cost, or a rented (rent) or part-rented (hybrid) plan."""
    # The purchase and the rented plan deploy the same models on the same GPU types: one set of
    # replica estimates serves both.
    estimates = reuse_estimates(None, problem, catalog)
    if settings.objective in ("rent", "hybrid"):
        from solver.rent import run  # renting builds on this module

        solve_other = run.solve_rented if settings.objective == "rent" else run.solve_hybrid
        return solve_other(problem, catalog, settings, estimates=estimates)
    want((*SEARCH_MODULES, "solver.rent.run"))  # imported while workers estimate the options
    precomputed = purchase_data(problem, catalog, settings, estimates=estimates)
    import_wanted()  # already done unless the estimating ran in this process
    from solver.rent import run  # renting builds on this module
    # The rented plan does not depend on the purchase: it is solved beside the purchase's search.
    with run.RentComparison(problem, catalog, settings, estimates=estimates) as comparison:
        return comparison.attach(solve_purchase(problem, catalog, settings, precomputed=precomputed))


def purchase_data(problem: Problem, catalog: Catalog, settings: SolveSettings, *, estimates: SharedEstimates | None = None) -> tuple[ModelData, float]:
    """The purchase's model data and the seconds it took (`estimates`: replica estimates to
    reuse, see solver.model.data.reuse_estimates)."""
    started = time.perf_counter()
    data = build_data(problem, catalog, estimates=estimates, jobs=settings.precompute_jobs)
    return data, time.perf_counter() - started


def solve_purchase(problem: Problem, catalog: Catalog, settings: SolveSettings, *, estimates: SharedEstimates | None = None, precomputed: tuple[ModelData, float] | None = None) -> SolveResult:
    """The optimal purchase, checked by the verifier, with the rule-of-thumb baseline, from
    `precomputed` model data (purchase_data) or from data built here with `estimates`."""
    from solver.model.solve import solve
    from solver.plan.extract import build_plan

    data, precompute_seconds = precomputed or purchase_data(problem, catalog, settings, estimates=estimates)
    preload(settings.preload)
    log.info(
        "estimated %d deployment options for %d workloads on %d node configurations in %.2f s",
        len(data.options), len(data.workloads), len(data.configs), precompute_seconds,
    )
    raise_if_unservable(data)
    solution = solve(data, settings)
    if solution.interrupted and not solution.feasible:
        raise Interrupted("search interrupted before any plan was found")
    if solution.status == "INFEASIBLE":
        minimums = {}
        for guard in solution.infeasible_guards:
            if not guard.startswith("demand:"):
                minimums[guard] = _relaxed_minimum(data, guard, settings)
        raise conflict_error(solution.infeasible_guards, {k: v for k, v in minimums.items() if v}, racks_capped=data.facility.rack_bins_capped)
    if not solution.feasible:
        raise ProcureError(
            f"no plan found within {settings.time_limit_s:g} s (status {solution.status})",
            hint="raise --time-limit or add --workers",
        )
    tco_usd = solution.tco_cents / 100
    plan = build_plan(data, solution, tco_usd=tco_usd)
    plan.summary.precompute_seconds = round(precompute_seconds, 3)
    plan.summary.warnings = expired_quotes(catalog, datetime.date.today())
    baseline = rule_of_thumb(data)
    if baseline is not None:
        # The rule of thumb prices servers only, so it is compared with the plan's servers
        # (configured systems), not with its networking, racks and services.
        servers_usd = sum(line.extended_price_usd for line in plan.bom if line.parent is None and line.category == "system")
        plan.baseline = {
            "description": "one dedicated instance per concurrent session/job on its own server, cheapest single GPU type that fits at batch 1, no packing",
            "capex_usd": baseline.capex_usd,
            "gpus": baseline.gpus,
            "plan_servers_usd": servers_usd,
            "saving_usd": baseline.capex_usd - servers_usd,
            "lines": [line.__dict__ for line in baseline.lines],
        }
    require_valid(plan, problem, catalog)
    return SolveResult(problem, data, solution, plan, baseline)
