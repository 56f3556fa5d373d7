"""Solve the procurement model lexicographically and extract the chosen values.

Stages (each re-solves the same model with the previous objectives fixed at their optimum and
the previous solution as a hint): what-if runs first maximise weighted served demand; then the
chosen objective (cost, power or TCO); then the other measure (power, or cost) and, folded into
the same search by an exact weighting (Fold), preferred formats and fewest servers. Status,
objective, best bound and gap are reported for every stage; the plan's status and gap are those
of the deciding objective, since tie-breaks only choose among its optima.

A stage stopped by its time limit fixes its objective at the value it reached, so a later stage
may still improve it: the plan reports each deciding objective's value *at the final solution*
against that stage's bound, never a stale intermediate value. An interrupt (Ctrl-C, SIGTERM)
stops the search and the remaining stages; ``solve`` then raises ``Interrupted`` unless the
settings ask to keep the best plan so far (``Solution.interrupted`` marks it).

Time. Every search is limited in CP-SAT's deterministic time (work units that do not depend on
the machine's load), at DETERMINISTIC_PER_SECOND units per second of the time limit, and the
stages share the limit by the deterministic time each one used: with one worker, a run stopped
by its time limit gives the same plan every time. A wall-clock backstop (WALL_BACKSTOP times the
limit, plus a second) ends a search that takes much longer than its deterministic budget on a
slow or busy machine; a run it stopped is no longer deterministic and says so
(``Solution.deterministic``; the plan and the log mention it).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from solver.interrupt import Interrupted
from solver.model.build import BuiltModel, build_model
from solver.model.data import ModelData
from solver.model.objective import preference_upper
from solver.model.settings import SolveSettings
from solver.model.search import SearchOutcome, run_search
from solver.model.start import starting_plan

if TYPE_CHECKING:
    from solver.model.mip import MipOutcome

log = logging.getLogger(__name__)

TIE_BREAK_SHARE = 0.2
MIN_STAGE_SECONDS = 1.0
LARGE_TIE_BREAK_SHARE = 0.1
"""A large model's tie-break stage gets this share of the time limit, left to it by the deciding
stage: with MIN_STAGE_SECONDS its presolve alone used the budget and the power tie-break found
no plan in any gen-500 run (~0.45 of its 0.2–0.5 deterministic units went to presolve), while the
exact cost stage it takes from gained at most $1,500 (gen-200) in its last tens of seconds."""
RELAXATION_SHARE = 0.3
"""Most of the time limit the rack relaxation may take: it sizes the rack bins and bounds the
optimum, the exact model needs the rest."""
RELAXATION_GAP = 0.001
"""The relaxation stops within this relative gap: its bound stays valid, and a closer plan of a
relaxation only sizes bins and hints the exact model."""
MIP_MODEL_OPTIONS = 4_000
"""From this many options the rack relaxation is solved by HiGHS (solver.model.mip), whose branch
and bound proves these relaxations where CP-SAT's one worker crawls: 100 generated workloads
(4,906 options) proved within 0.01% in 25 s against 203 s; 500 (27,607), 0.28% from the bound in
40 s where CP-SAT's plans stayed 1.5% above its own. Below it CP-SAT is the faster (50 workloads,
2,699 options: the whole exact model proved in ~8 s, HiGHS's relaxation alone took 13 s)."""
MIP_SHARE = 0.6
"""Share of the time limit for the relaxation solved by HiGHS; the layout and the exact model's
stages (tie-breaks included) start from its plan with the rest. 100 generated workloads need
~29 deterministic seconds to prove their relaxation."""
LARGE_MIP_SHARE = 0.35
"""The same for a large model, whose layout and exact stages take ~20 s of a minute (500
workloads: layout 4.6 s, exact model 1 s, the confirming stage 8.8 s, the tie-break 3 s), and
whose root node alone takes HiGHS ~55 s of wall time."""
LARGE_WALL_BACKSTOP = 2.0
"""WALL_BACKSTOP for a large model's searches, whose interleaved subsolvers do 0.13–0.16
deterministic units a second where DETERMINISTIC_PER_SECOND counts 0.2: at 1.5× a 500-workload
confirming stage met the backstop on a plan it had not changed, and the run was marked
possibly not repeating."""
MIP_POLISH_SHARE = 0.25
"""Least share of HiGHS's budget for re-solving a served-demand plan for cost (_mip_relaxation)."""
MIP_WALL_BACKSTOP = 3.0
"""A HiGHS search's wall-clock backstop, in multiples of its budget (+1 s): its calls come in
bursts that the budget counts evenly (solver.model.mip.TickClock). The 500-workload relaxation's
first 44 root calls took 38.9 s where the fit counts 21.5 s, and at 1.5× and 2× searches met
the backstop before their budget (in 3 of 3 runs at 2×, with two different plans)."""
MIP_GAP = 1e-4
"""HiGHS stops within this relative gap (its default): at 1e-3, 100 workloads stopped at a plan
$7,592 dearer (0.08%) only 1 s sooner."""
RACK_MARGIN = 2
"""Rack bins beyond the racks the relaxation's plan fills."""
DETERMINISTIC_PER_SECOND = 0.2
"""CP-SAT deterministic time per second of the time limit: what one worker did per wall-clock
second on the reference 2-core machine on the bench problems (0.1 when the machine ran two
other test suites, see README "Performance")."""
LARGE_MODEL_OPTIONS = 10_000
"""From this many options CP-SAT's presolve probing takes most of a minute (500 workloads,
37,095 options: 17 s of 29 s of presolve) and its search found no plan of its own within 60 s
(200 workloads, 14,336 options, and 500): such models skip probing, start from the greedy
plan (solver.model.start) and interleave CP-SAT's subsolvers on their one worker
(Clock.solver); their rack relaxation is solved by HiGHS (MIP_MODEL_OPTIONS). Below it the
greedy hint only slowed the search (100 workloads, 7,506 options: its first plan 10% above the
optimum, kept for the whole limit), so CP-SAT starts on its own."""
NONREPEATING_SUBSOLVER = "core"
"""CP-SAT's core-based subsolver, left out of interleaved searches (Clock.solver): with it a
large model's search did not always repeat."""
WALL_BACKSTOP = 1.5
"""A search stops at this multiple of the time limit (+1 s) in wall-clock time whatever its
deterministic budget, so a busy machine cannot stretch a run without end."""

STATUS_NAMES = {
    cp_model.OPTIMAL: "OPTIMAL",
    cp_model.FEASIBLE: "FEASIBLE",
    cp_model.INFEASIBLE: "INFEASIBLE",
    cp_model.MODEL_INVALID: "MODEL_INVALID",
    cp_model.UNKNOWN: "UNKNOWN",
}


def relative_gap(value: float, bound: float) -> float:
    if value == 0:
        return 0.0
    return abs(value - bound) / abs(value)


def meets_bound(value: float, bound: float) -> bool:
    """Whether an integer objective value equals its proven bound (bounds are floats)."""
    return abs(value - bound) <= 0.5


@dataclass(frozen=True)
class StageResult:
    name: str
    status: str
    value: float
    """The objective's value at this stage's own solution."""
    bound: float
    seconds: float

    @property
    def gap(self) -> float:
        return relative_gap(self.value, self.bound)


class Clock:
    """The time limit of one solve, spent in deterministic time (see the module docstring)."""

    def __init__(self, limit_s: float):
        self.limit_s = limit_s
        self.spent_s = 0.0
        self.wall_deadline = time.perf_counter() + WALL_BACKSTOP * limit_s + 1.0
        self.deterministic = True

    def remaining(self) -> float:
        return self.limit_s - self.spent_s

    def wall_limit(self, budget_s: float, backstop: float) -> float:
        """Wall seconds a search with `budget_s` of the limit may take: `backstop` times its
        budget plus a second, and no more than the whole solve's backstop leaves."""
        return max(min(self.wall_deadline - time.perf_counter(), backstop * max(budget_s, 0.1) + 1.0), 0.1)

    def solver(self, settings: SolveSettings, budget_s: float, *, large: bool = False) -> cp_model.CpSolver:
        """A solver limited to `budget_s` of the time limit (deterministically), and in wall time
        to the backstop of that budget or of the whole solve, whichever comes first."""
        solver = _solver(settings, budget_s)
        solver.parameters.max_deterministic_time = max(budget_s, 0.1) * DETERMINISTIC_PER_SECOND
        solver.parameters.max_time_in_seconds = self.wall_limit(budget_s, LARGE_WALL_BACKSTOP if large else WALL_BACKSTOP)
        if large:
            solver.parameters.cp_model_probing_level = 0
            # CP-SAT's subsolvers (LNS neighbourhoods, feasibility jump, the LP search) taking
            # turns on the one worker, in deterministic batches: one search alone never improved
            # the greedy start of a large model (200 workloads: $16.17M kept for 23 s; interleaved:
            # $15.14M, its bound also up from $14.29M to $14.46M).
            solver.parameters.interleave_search = True
        elif settings.workers > 1:
            # Several workers run CP-SAT's portfolio, whose full searches mostly use a lighter LP
            # (default_lp: linearization level 1) than the one search procure relies on (level 2,
            # CP-SAT's "max_lp"). Keep that one as the only full search and give the other
            # workers to CP-SAT's helpers (LNS, feasibility jump). With 2 workers: lab20's cost
            # stage 8.7 s → 0.9 s (1 worker: 1.1 s); 100 generated workloads in 60 s: $15.66M at
            # a 38.7% gap → $9.83M at 0.65% (1 worker: $9.85M, 0.81%). Large models keep the
            # whole portfolio, whose variety is what leaves their greedy start (200 workloads,
            # 2 workers: $15.17M with it, $15.55M with max_lp alone).
            solver.parameters.subsolvers.append("max_lp")
        if solver.parameters.interleave_search:
            # Without the core-based subsolver, since with it the same search did not repeat:
            # gen-500's relaxation (same model, hint and parameters, fresh processes) ended at
            # $38,373,544 after 3.6057 deterministic units in 3 of 12 runs, and at $38,372,044
            # after 3.6000 in the others, the runs parting where "core" took a second turn; 8
            # runs without it all ended alike.
            solver.parameters.ignore_subsolvers.append(NONREPEATING_SUBSOLVER)
        return solver

    def charge(self, solver: cp_model.CpSolver, outcome: SearchOutcome) -> None:
        """Count a finished search's deterministic time; note a stop by the wall-clock backstop."""
        self.spent_s += solver.deterministic_time / DETERMINISTIC_PER_SECOND
        log.info("search: %.3f deterministic units in %.2f s", solver.deterministic_time, solver.wall_time)
        finished = outcome.status in (cp_model.OPTIMAL, cp_model.INFEASIBLE, cp_model.MODEL_INVALID)
        if finished or outcome.interrupted:
            return
        if solver.deterministic_time < 0.99 * solver.parameters.max_deterministic_time:
            self.deterministic = False
            log.warning("a search stopped at the wall-clock backstop before its deterministic budget: this run may not repeat exactly")

    def charge_mip(self, outcome: MipOutcome) -> None:
        """Count a HiGHS search: the deterministic seconds it used, at most its budget."""
        self.spent_s += min(outcome.work_s, outcome.budget_s)
        if outcome.wall_stopped:
            self.deterministic = False
            log.warning("HiGHS stopped at the wall-clock backstop before its tick budget: this run may not repeat exactly")


@dataclass
class Solution:
    status: str
    objective: str
    stages: list[StageResult]
    build_seconds: float
    solve_seconds: float
    values: dict[str, int] = field(default_factory=dict)
    """Every named variable's value, for extraction and hints."""
    infeasible_guards: list[str] = field(default_factory=list)
    capex_usd: int = 0
    power_w: int = 0
    tco_cents: int = 0
    final_values: dict[str, float] = field(default_factory=dict)
    """Each stage's objective evaluated at the final solution (the one ``values`` holds)."""
    interrupted: bool = False
    """An interrupt stopped the search: the solution is the best found so far, not proven."""
    deterministic: bool = True
    """False when a search stopped at the wall-clock backstop rather than its deterministic
    budget: the same input may then give another plan (see Clock.charge)."""

    @property
    def feasible(self) -> bool:
        return self.status in ("OPTIMAL", "FEASIBLE")

    @property
    def primary(self) -> StageResult:
        return next(s for s in self.stages if s.name == self.objective)

    @property
    def primary_value(self) -> float:
        """The chosen objective at the final solution."""
        return self.final_values.get(self.objective, self.primary.value)

    @property
    def gap(self) -> float:
        """Relative gap of the objective that decides the plan (what-if: also served demand),
        at the final solution against the stage's bound."""
        return max((relative_gap(self.final_values.get(s.name, s.value), s.bound) for s in self.stages if s.name in (self.objective, "served")), default=0.0)


def _objective_order(objective: str, hard_demand: bool) -> list[str]:
    order = {"cost": ["cost", "power"], "power": ["power", "cost"], "tco": ["tco", "cost"]}[objective]
    return ([] if hard_demand else ["served"]) + order + ["nodes"]


def _expression(built: BuiltModel, name: str) -> tuple[cp_model.LinearExprT, bool]:
    """Stage expression and whether it is maximised."""
    return {
        "served": (built.served_score, True),
        "cost": (built.capex, False),
        "power": (built.power, False),
        "tco": (built.tco, False),
        "nodes": (built.preference, False),
    }[name]


def _solver(settings: SolveSettings, time_limit: float) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(time_limit, 0.1)
    solver.parameters.num_workers = settings.workers
    solver.parameters.random_seed = settings.seed
    # One worker searches deterministically; several workers race unless their work is
    # interleaved, which CP-SAT then schedules deterministically. Same input, same plan.
    solver.parameters.interleave_search = settings.workers > 1
    solver.parameters.log_search_progress = settings.log_search
    # Full LP relaxation of the linear constraints: the packing and demand rows make the bound
    # tight, and on lab20 it proves optimality ~30x faster than the default level.
    solver.parameters.linearization_level = 2
    return solver


def _all_values(built: BuiltModel, solver: cp_model.CpSolver) -> dict[str, int]:
    proto = built.model.proto
    return {var.name: int(solver.value(built.model.get_int_var_from_proto_index(i))) for i, var in enumerate(proto.variables) if var.name}


def _apply_hint(built: BuiltModel, values: dict[str, int]) -> None:
    built.model.clear_hints()
    proto = built.model.proto
    for index, var in enumerate(proto.variables):
        if var.name in values:
            built.model.add_hint(built.model.get_int_var_from_proto_index(index), values[var.name])


def solve(data: ModelData, settings: SolveSettings) -> Solution:
    """Solve lexicographically. With no rack limit, or one above the racks any sensible plan
    fills, or a large model, racks are sized from the rack relaxation first (see
    _solve_with_rack_bound; the limit still holds there); otherwise the limit is the number of
    rack bins. A large model under a rack limit found no plan at all on its own (500 generated
    workloads, 30 racks: nothing in 60 s); through the relaxation it starts from a laid-out plan.

    Raises ``Interrupted`` when an interrupt stopped the search, unless
    ``settings.keep_interrupted`` (then the solution says ``interrupted``)."""
    racks = data.problem.limits.racks
    clock = Clock(settings.time_limit_s)
    if racks is None or racks > data.facility.rack_bins_unlimited or _is_large(data):
        solution = _solve_with_rack_bound(data, settings, clock)
    else:
        started = time.perf_counter()
        solution = _with_totals(_solve_lexicographic(data, _with_start(data, settings), clock), started, 0.0)
    # Large models' time-limited solves repeat too, their interleaved searches leaving out
    # NONREPEATING_SUBSOLVER (the runs are in Clock.solver and README "Performance", with the one
    # gen-500 run in 8 that differed, cause unconfirmed).
    solution.deterministic = clock.deterministic
    if solution.interrupted and not settings.keep_interrupted:
        raise Interrupted("search interrupted")
    return solution


def _is_large(data: ModelData) -> bool:
    return len(data.options) >= LARGE_MODEL_OPTIONS


def _with_start(data: ModelData, settings: SolveSettings) -> SolveSettings:
    """The settings with a hint: the caller's (a neighbouring what-if scenario), else for a large
    model the greedy starting plan, so that CP-SAT has a plan to improve (LARGE_MODEL_OPTIONS)."""
    return replace(settings, hint=starting_plan(data)) if settings.hint is None and _is_large(data) else settings


def _solve_with_rack_bound(data: ModelData, settings: SolveSettings, clock: Clock) -> Solution:
    """Racks without hundreds of symmetric rack bins.

    The relaxation that only counts total rack space, load and PDUs (and the rack limit, if
    any) bounds the exact optimum (minimising: from below). Solve it — with CP-SAT, or from
    MIP_MODEL_OPTIONS with HiGHS — lay its plan out in racks, and give the exact model
    RACK_MARGIN bins more than the racks its plan fills, at most the bins allowed: sized once.
    Matching the bound proves optimality for any number of racks, and so does an optimum over
    the full bin count (data.Facility.rack_bins: the limit, or rack_bins_unlimited racks, which
    suffice for every sensible plan). When neither proves the plan and time is left, the
    exact model is solved once more at the full bin count, hinted with the plan (no doubling
    loop), and a better or newly proven plan kept: a small problem proves its optimum there. A
    plan within MIP_GAP of the bound, or of a large model, is not retried.
    """
    started = time.perf_counter()
    callers_hint = settings.hint
    settings = _with_start(data, settings)
    relaxed = build_model(data, hard_demand=settings.hard_demand, budget_usd=settings.budget_usd, aggregate_racks=True)
    build_seconds = time.perf_counter() - started
    for guard in relaxed.variables.guards.values():
        relaxed.model.add(guard == 1)
    first = _objective_order(settings.objective, settings.hard_demand)[0]
    expression, maximise = _expression(relaxed, first)
    (relaxed.model.maximize if maximise else relaxed.model.minimize)(expression)
    if settings.hint:
        _apply_hint(relaxed, settings.hint)
    relaxation = _mip_relaxation(data, relaxed, settings, clock, callers_hint) if _solves_as_mip(data) else _cp_sat_relaxation(data, relaxed, settings, clock)
    if relaxation.interrupted:
        # The relaxation's solution is no plan (racks are only counted): nothing to keep.
        return _with_totals(Solution("UNKNOWN", settings.objective, [], 0.0, 0.0, interrupted=True), started, build_seconds)
    if relaxation.status == "INFEASIBLE":
        # The relaxation is infeasible, so is the exact model: explain with the full model.
        return _with_totals(Solution("INFEASIBLE", settings.objective, [], 0.0, 0.0, infeasible_guards=_conflicting_guards(data, settings)), started, build_seconds)
    if relaxation.status not in ("OPTIMAL", "FEASIBLE"):
        return _with_totals(_solve_lexicographic(data, settings, clock), started, build_seconds)
    bound = relaxation.bound
    hint = {**(settings.hint or {}), **relaxation.values}
    bins = min(data.facility.rack_bins, hint[relaxed.variables.rack_used[0].name] + RACK_MARGIN)
    log.info("rack relaxation: %s bound %s with %d racks; %d rack bins", first, bound, bins - RACK_MARGIN, bins)
    sized = replace(data, facility=replace(data.facility, rack_bins=bins))
    enough = bins >= data.facility.rack_bins
    completed = _completed(sized, settings, hint, clock)
    if completed is None:
        # Interrupted while laying out the relaxation's plan: no plan to keep yet.
        return _with_totals(Solution("UNKNOWN", settings.objective, [], 0.0, 0.0, interrupted=True), started, build_seconds)
    hint = completed
    global_bound = GlobalBound(first, bound, bins_suffice=enough)
    # The exact model's deciding stage only confirms a plan within MIP_GAP of the bound, and on
    # a large model it did not improve HiGHS's laid-out plan (500 workloads: 22.8 s, nothing).
    confirm_only = global_bound.settled(hint, expression.name) or (_solves_as_mip(data) and _is_large(data))
    solution = _solve_lexicographic(sized, replace(settings, hint=hint), clock, global_bound=global_bound, confirm_only=confirm_only)
    # Within MIP_GAP of the bound the plan is as proven as HiGHS's own stop, and a large model's
    # search cannot prove it in the time left (500 workloads: 14 s more, the same plan): no retry.
    if solution.interrupted or not solution.feasible or solution.status == "OPTIMAL" or solution.gap <= MIP_GAP or _is_large(data) or enough or clock.remaining() < MIN_STAGE_SECONDS:
        return _with_totals(solution, started, build_seconds)
    log.info("optimum not proven against the relaxation's bound: once more with all %d rack bins", data.facility.rack_bins)
    build_seconds += solution.build_seconds
    retry = _solve_lexicographic(data, replace(settings, hint=solution.values), clock, global_bound=GlobalBound(first, bound, bins_suffice=True))
    if retry.feasible and not retry.interrupted and _improves(retry, solution, maximise):
        return _with_totals(retry, started, build_seconds)
    solution.build_seconds += retry.build_seconds
    # An interrupt during the retry ends the run: the earlier plan is kept, but as interrupted.
    solution.interrupted = retry.interrupted
    return _with_totals(solution, started, build_seconds)


@dataclass(frozen=True)
class Relaxation:
    """The rack relaxation's outcome: a status name, a bound on the exact optimum (valid for any
    number of racks) and, when a plan was found, its values."""

    status: str
    bound: float = 0.0
    values: dict[str, int] = field(default_factory=dict)
    interrupted: bool = False


def _solves_as_mip(data: ModelData) -> bool:
    return len(data.options) >= MIP_MODEL_OPTIONS


def _cp_sat_relaxation(data: ModelData, relaxed: BuiltModel, settings: SolveSettings, clock: Clock) -> Relaxation:
    """The relaxation solved by CP-SAT within RELAXATION_GAP."""
    solver = clock.solver(settings, RELAXATION_SHARE * settings.time_limit_s, large=_is_large(data))
    solver.parameters.relative_gap_limit = RELAXATION_GAP
    outcome = run_search(solver, relaxed.model)
    clock.charge(solver, outcome)
    status = STATUS_NAMES[outcome.status]
    if outcome.interrupted or outcome.status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Relaxation(status, interrupted=outcome.interrupted)
    return Relaxation(status, solver.best_objective_bound, _all_values(relaxed, solver))


def _mip_relaxation(data: ModelData, relaxed: BuiltModel, settings: SolveSettings, clock: Clock, hint: dict[str, int] | None) -> Relaxation:
    """The relaxation solved by HiGHS (solver.model.mip) within MIP_GAP, in a budget of
    MIP_SHARE (LARGE_MIP_SHARE) of the time limit, from the caller's `hint` (a what-if
    neighbour's plan) if any. Not from the greedy start: HiGHS finds a better first plan on its
    own, and given it, took another path (500 workloads: $36,358,736 after 24.4 deterministic
    seconds, against $36,334,018 after 22.4 unhinted). A what-if's hint matters: maximising
    served demand under a budget, HiGHS alone found no plan serving all of it (100 workloads,
    $10M, above the $9.83M that serves all: 87.8% served)."""
    # Imported here: HiGHS with scipy.sparse takes ~0.14 s to import, which lab20's solve never needs.
    from solver.model import mip

    def search(budget_s: float, start: dict[str, int] | None) -> MipOutcome:
        outcome = mip.solve_mip(relaxed.model.proto, seconds=budget_s, wall_limit_s=clock.wall_limit(budget_s, MIP_WALL_BACKSTOP), gap=MIP_GAP, seed=settings.seed, hint=start, log_search=settings.log_search)
        clock.charge_mip(outcome)
        return outcome

    budget_s = (LARGE_MIP_SHARE if _is_large(data) else MIP_SHARE) * settings.time_limit_s
    outcome = search(budget_s, hint)
    relaxation = Relaxation(outcome.status, outcome.bound, outcome.values, outcome.interrupted)
    order = _objective_order(settings.objective, settings.hard_demand)
    if order[0] != "served" or outcome.interrupted or outcome.status not in ("OPTIMAL", "FEASIBLE"):
        return relaxation
    # Served demand says nothing of cost: HiGHS's plan for it may buy anything the budget allows
    # (100 generated workloads, all demand: $16.6M of servers, racks and switches for a $9.8M
    # need), more than the exact model's cost stage could undo in its time. The plan is kept at
    # its served demand and re-solved for the next objective, in what is left of the budget
    # (at least MIP_POLISH_SHARE of it); the bound stays the served stage's.
    served, _ = _expression(relaxed, "served")
    relaxed.model.add(served >= round(outcome.objective))
    expression, _ = _expression(relaxed, order[1])
    relaxed.model.minimize(expression)
    polished = search(max(budget_s - outcome.work_s, MIP_POLISH_SHARE * budget_s), outcome.values)
    if polished.interrupted:
        return replace(relaxation, interrupted=True)
    return replace(relaxation, values=polished.values) if polished.values else relaxation


PURCHASE_PREFIXES = (
    "bought[", "replicas[", "mig_gpus[", "served[", "dedicated_servers[", "replicas_per_server[",
    "fabric_nodes[", "use_fabric[", "two_tier[", "nic_ports[", "nics_bought[", "leaf_switches[", "spine_switches[", "uplinks[",
)
"""Variables of the relaxation's plan that carry over to the exact model unchanged: what is
bought and how it is used, the scale-out fabric included (its constraints are the same in both
models). Racks and PDUs, and the rack each server and switch sits in, are laid out afresh.
With the fabric left free, a layout search stopped at its time limit could keep a poor
fabric: gen-500 with other time shares laid out with 37 leaf switches for the relaxation's 3
(+$1.76M), which no later stage undid."""
COMPLETION_SHARE = 0.05


def _completed(data: ModelData, settings: SolveSettings, relaxed: dict[str, int], clock: Clock) -> dict[str, int] | None:
    """A complete plan of the exact model from the relaxation's plan: its purchases and replicas
    fixed, racks laid out by CP-SAT (a small search over the layout alone). A hint
    that sets every variable lets the exact model start from that plan; when the purchases
    do not fit the bins (or no layout is found in time) the relaxation's values are the hint.
    None when an interrupt stopped the search."""
    built = build_model(data, hard_demand=settings.hard_demand, budget_usd=settings.budget_usd)
    for guard in built.variables.guards.values():
        built.model.add(guard == 1)
    proto = built.model.proto
    for index, var in enumerate(proto.variables):
        if var.name.startswith(PURCHASE_PREFIXES) and var.name in relaxed:
            built.model.add(built.model.get_int_var_from_proto_index(index) == relaxed[var.name])
    _apply_hint(built, relaxed)
    solver = clock.solver(settings, COMPLETION_SHARE * settings.time_limit_s, large=_is_large(data))
    # The first cost-like stage's objective over the layout alone (rack enclosures, PDUs,
    # switches, cables): served demand is fixed with the purchases, and laid out for it the
    # racks were left as they came (100 generated workloads, all demand: +$399k over the plan).
    order = _objective_order(settings.objective, settings.hard_demand)
    expression, maximise = _expression(built, order[1] if order[0] == "served" else order[0])
    (built.model.maximize if maximise else built.model.minimize)(expression)
    outcome = run_search(solver, built.model)
    clock.charge(solver, outcome)
    if outcome.interrupted:
        return None
    if outcome.status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        log.info("relaxation's plan not laid out in racks (%s): hinting its values", STATUS_NAMES[outcome.status])
        return relaxed
    log.info("relaxation's plan laid out in racks: capex %s", solver.value(built.capex))
    return _all_values(built, solver)


def _improves(retry: Solution, solution: Solution, maximise: bool) -> bool:
    """The retry's plan is better, or as good and proven where the first was not."""
    if retry.primary_value != solution.primary_value:
        return _at_least_as_good(retry.primary_value, solution.primary_value, maximise)
    return retry.status == "OPTIMAL" and solution.status != "OPTIMAL"


def _at_least_as_good(value: float, other: float, maximise: bool) -> bool:
    return value >= other if maximise else value <= other


def _with_totals(solution: Solution, started: float, earlier_build_seconds: float) -> Solution:
    """``solution`` timed over the whole solve: the relaxation and every attempt, not just the last."""
    solution.build_seconds += earlier_build_seconds
    solution.solve_seconds = time.perf_counter() - started - solution.build_seconds
    return solution


@dataclass(frozen=True)
class GlobalBound:
    """A bound on the first stage from the rack relaxation, valid for any number of racks."""

    stage: str
    value: float
    bins_suffice: bool
    """The exact model has every rack bin a plan can use, so its own proof is a global one too."""

    def tighter(self, own_bound: float, maximise: bool) -> float:
        """The better of this bound and the exact model's own, where that one holds globally."""
        if not self.bins_suffice:
            return self.value
        return min(self.value, own_bound) if maximise else max(self.value, own_bound)

    def settled(self, hint: dict[str, int] | None, variable_name: str) -> bool:
        """The hinted plan already meets this bound within MIP_GAP: the stage can only confirm it."""
        if not hint or variable_name not in hint:
            return False
        return relative_gap(hint[variable_name], self.value) <= MIP_GAP


def _solve_lexicographic(data: ModelData, settings: SolveSettings, clock: Clock, global_bound: GlobalBound | None = None, *, confirm_only: bool = False) -> Solution:
    """The stages of the module docstring. `global_bound` bounds the first stage beyond this
    model's rack bins: unless the bins suffice, the stage is OPTIMAL only when its value meets it.
    With `confirm_only` the first stage gets a tie-break's budget: its hint already meets the
    bound within MIP_GAP, so searching on could gain at most that (100 workloads: 25 s of a 60 s
    limit gained nothing), or the model is too large for the search to improve it."""
    started = time.perf_counter()
    built = build_model(data, hard_demand=settings.hard_demand, budget_usd=settings.budget_usd)
    build_seconds = time.perf_counter() - started
    log.info("model built in %.2f s: %d variables, %d constraints", build_seconds, len(built.model.proto.variables), len(built.model.proto.constraints))
    guards = dict(sorted(built.variables.guards.items()))
    stages: list[StageResult] = []
    values: dict[str, int] = {}
    solve_started = time.perf_counter()
    time_limit = max(clock.remaining(), MIN_STAGE_SECONDS)
    if settings.hint:
        _apply_hint(built, settings.hint)
    # Guards hold during the solve (assumptions would hide them from presolve and make the
    # search several times slower); only an infeasible model is re-solved with them as
    # assumptions, to name the conflicting families.
    for guard in guards.values():
        built.model.add(guard == 1)
    expressions: dict[str, cp_model.LinearExprT] = {}
    final: cp_model.CpSolver | None = None
    interrupted = False
    order = _objective_order(settings.objective, settings.hard_demand)
    if not settings.tie_breaks:
        order = order[: order.index("cost") + 1]
    deciding = (settings.objective, "served")
    large = _is_large(data)
    tie_break_floor = LARGE_TIE_BREAK_SHARE * settings.time_limit_s if large else MIN_STAGE_SECONDS
    for index, name in enumerate(order):
        expression, maximise = _expression(built, name)
        folds = final is not None and order[-1] == "nodes" and index == len(order) - 2
        fold = _fold(data, built, name, expression, final.value(expression)) if folds else None
        if maximise:
            built.model.maximize(expression)
        else:
            built.model.minimize(fold.objective if fold else expression)
        remaining = clock.remaining()
        primary = name in deciding
        # Tie-breaking stages refine an already optimal plan: each gets a bounded share of the
        # time limit, and stopping early only leaves a less polished tie-break. A large model's
        # tie-break needs LARGE_TIE_BREAK_SHARE of the limit (its presolve alone outlasts the
        # minimum), which its deciding stage leaves to it.
        if primary and not (index == 0 and confirm_only):
            tie_breaks_follow = any(later not in deciding for later in order[index + 1 :])
            budget = remaining - (tie_break_floor if large and tie_breaks_follow else 0.0)
        else:
            budget = max(min(remaining, TIE_BREAK_SHARE * time_limit), tie_break_floor)
        solver = clock.solver(settings, max(budget, MIN_STAGE_SECONDS if index else 0.1), large=large)
        stage_started = time.perf_counter()
        outcome = run_search(solver, built.model)
        clock.charge(solver, outcome)
        interrupted = outcome.interrupted
        status_name = STATUS_NAMES[outcome.status]
        if outcome.status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            if index == 0:
                if interrupted:
                    return Solution("UNKNOWN", settings.objective, stages, build_seconds, time.perf_counter() - solve_started, interrupted=True)
                infeasible = _conflicting_guards(data, settings) if outcome.status == cp_model.INFEASIBLE else []
                return Solution(status_name, settings.objective, stages, build_seconds, time.perf_counter() - solve_started, infeasible_guards=infeasible)
            if not interrupted:
                # A tie-break that found no plan in its share of the time (a large model's presolve
                # alone can take longer): the previous stage's plan stands, and says it was not
                # tie-broken here. Power and capex are never negative, so 0 bounds them.
                log.warning("tie-break %s found no plan in %.1f s: the plan keeps the previous stage's", name, solver.wall_time)
                stages.append(StageResult(name, status_name, float(final.value(expression)), 0.0, time.perf_counter() - stage_started))
            break  # keep the previous stage's solution
        value, bound = solver.objective_value, solver.best_objective_bound
        if global_bound is not None and name == global_bound.stage:
            proven_here = status_name == "OPTIMAL" and global_bound.bins_suffice
            bound = global_bound.tighter(bound, maximise)
            met = value <= bound + 0.5 if not maximise else value >= bound - 0.5
            status_name = "OPTIMAL" if met or proven_here else "FEASIBLE"
        if fold is not None:
            stages.extend(fold.stages(solver, status_name, time.perf_counter() - stage_started))
            expressions["nodes"] = built.preference
        else:
            stages.append(StageResult(name, status_name, value, bound, time.perf_counter() - stage_started))
        log.info("stage %s: %s value=%s bound=%s", name if fold is None else f"{name} then nodes", status_name, value, bound)
        values = _all_values(built, solver)
        expressions[name] = expression
        final = solver
        if interrupted or fold is not None:
            break  # the user asked to stop, or the last stage is done (folded into this one)
        fixed = round(value)
        if maximise:
            built.model.add(expression >= fixed)
        else:
            built.model.add(expression <= fixed)
        if index + 1 < len(order):
            _apply_hint(built, _next_hint(built, order[index + 1], values, settings.hint if index == 0 else None, expression.name, fixed, maximise))
    assert final is not None
    final_values = {name: float(final.value(expression)) for name, expression in expressions.items()}
    # A deciding objective is proven when its stage was, or when a later stage's solution
    # reached the stage's bound (a later stage may improve a time-limited one).
    proven = all(stage.status == "OPTIMAL" or meets_bound(final_values[stage.name], stage.bound) for stage in stages if stage.name in deciding)
    status = "OPTIMAL" if proven else "FEASIBLE"
    solution = Solution(status, settings.objective, stages, build_seconds, time.perf_counter() - solve_started, values, final_values=final_values, interrupted=interrupted)
    solution.capex_usd, solution.power_w, solution.tco_cents = values["capex_usd"], values["power_w"], values["tco_cents"]
    return solution


def _next_hint(built: BuiltModel, following: str, values: dict[str, int], given: dict[str, int] | None, fixed_name: str, fixed: int, maximise: bool) -> dict[str, int]:
    """The hint of the stage after the first: its solution `values`, or the plan `given` to the
    solve when that plan also reaches the `fixed` value and is at least as good for the
    `following` stage. A served-demand stage confirming a laid-out plan may end on another plan
    that serves as much but costs more (100 generated workloads, all demand: $10.04M after the
    cost stage, from a hint of $9.83M)."""
    if not given or given.get(fixed_name) is None:
        return values
    reaches = given[fixed_name] >= fixed if maximise else given[fixed_name] <= fixed
    next_expression, next_maximise = _expression(built, following)
    name = getattr(next_expression, "name", None)
    if not reaches or name not in given or name not in values:
        return values
    return given if _at_least_as_good(given[name], values[name], next_maximise) else values


FOLD_LIMIT = 2**50
"""A folded objective stays within the range procure gives its named expressions."""


@dataclass(frozen=True)
class Fold:
    """The last two tie-breaks as one stage: minimise tie-break × weight + preference_then_nodes,
    where weight exceeds the most preference_then_nodes can be, so the sum orders plans exactly as
    the two stages did (lexicographically) and saves a search. The tie-break is capped at its
    value in the previous stage's plan (an optimum is no worse), which bounds the sum."""

    name: str
    expression: cp_model.LinearExprT
    preference: cp_model.LinearExprT
    weight: int

    @property
    def objective(self) -> cp_model.LinearExprT:
        return self.expression * self.weight + self.preference

    def stages(self, solver: cp_model.CpSolver, status: str, seconds: float) -> list[StageResult]:
        """The two stages' results from the folded one's: the tie-break's bound follows from the
        sum's (the preference adds less than one weight); the preference's is proven only with
        an optimal sum."""
        value, preference = solver.value(self.expression), solver.value(self.preference)
        optimal = status == "OPTIMAL"
        bound = value if optimal else -(-(math.ceil(solver.best_objective_bound) - self.weight + 1) // self.weight)
        return [
            StageResult(self.name, status, float(value), float(bound), seconds),
            StageResult("nodes", status, float(preference), float(preference if optimal else 0), 0.0),
        ]


def _fold(data: ModelData, built: BuiltModel, name: str, expression: cp_model.LinearExprT, current: float) -> Fold | None:
    """The Fold of tie-break `name` (its `expression`, now at `current`) with the last stage, or
    None when the folded objective would be too large to be safe (the stages then run apart).

    The tie-break enters the objective as a variable whose domain is [0, current] (the folded
    tie-breaks, capex and power, are sums of non-negative amounts): CP-SAT bounds an objective by
    its variables' domains, not by constraints, and the named expression spans ±2^50, so
    weight × power_w could overflow int64 and CP-SAT rejected the model (100 generated
    workloads, weight 14,700: the tie-breaks were lost)."""
    weight = preference_upper(data) + 1
    cap = round(current)
    if cap < 0 or weight * (cap + 1) >= FOLD_LIMIT:
        return None
    capped = built.model.new_int_var(0, cap, f"{name}_folded")
    built.model.add(capped == expression)
    built.model.add_hint(capped, cap)  # the previous stage's plan, hinted whole, stays a complete hint
    return Fold(name, capped, built.preference, weight)


def _conflicting_guards(data: ModelData, settings: SolveSettings) -> list[str]:
    """Names of guarded families in a sufficient infeasible set, from a fresh model solved with
    the guards as assumptions (one worker: core extraction needs it)."""
    relaxed_racks = replace(
        data,
        facility=replace(data.facility, rack_bins=data.facility.rack_bins_unlimited),
        node_upper=data.node_upper_without_node_limit,
    )
    built = build_model(relaxed_racks, hard_demand=settings.hard_demand, budget_usd=settings.budget_usd)
    guards = dict(sorted(built.variables.guards.items()))
    built.model.add_assumptions(list(guards.values()))
    solver = _solver(replace(settings, workers=1), max(settings.time_limit_s, 5.0))
    outcome = run_search(solver, built.model)
    if outcome.interrupted:
        raise Interrupted("search interrupted")
    if outcome.status != cp_model.INFEASIBLE:
        return []
    core = set(solver.sufficient_assumptions_for_infeasibility())
    return [name for name, literal in guards.items() if literal.index in core]
