"""The lexicographic solve: interrupts, numbers taken from the final solution, total timings."""

from __future__ import annotations

import io
import subprocess
import sys
from dataclasses import replace
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from solver.interrupt import Interrupted
from solver.model import mip
from solver.model import solve as solve_module
from solver.model.build import build_model
from solver.model.data import ModelData, build_data
from solver.model.search import SearchOutcome, run_search
from solver.model.solve import Solution, relative_gap
from solver.report.tables import print_renderable
from solver.report.views import plan_view
from solver.specs.problem import Problem
from tests.fixtures.problems import chat_fleet, interactive, make_problem, mini_catalog, plan_of, settings, solve_mini


def mixed_problem():
    """Two workloads over the mini catalog's GPUs: enough choice that a first solution is rarely optimal."""
    return make_problem(
        interactive("chat", "llama-3.1-8b", 40),
        interactive("big", "llama-3.1-70b", 6, precision="fp8"),
    )


def interrupt_at_call(monkeypatch, call: int) -> list[int]:
    """Make the ``call``-th search (1-based) report an interrupt; returns the call counter."""
    calls = [0]

    def fake(solver, model):
        calls[0] += 1
        outcome = run_search(solver, model)
        return SearchOutcome(outcome.status, calls[0] == call)

    monkeypatch.setattr(solve_module, "run_search", fake)
    return calls


def test_interrupted_solve_raises_unless_the_best_plan_is_kept(monkeypatch):
    interrupt_at_call(monkeypatch, 3)  # 1: the rack relaxation, 2: its plan laid out in racks, 3: the cost stage
    with pytest.raises(Interrupted):
        solve_mini(chat_fleet(8))
    calls = interrupt_at_call(monkeypatch, 3)
    data, solution = solve_mini(chat_fleet(8), keep_interrupted=True)
    assert solution.interrupted and solution.feasible
    assert [stage.name for stage in solution.stages] == ["cost"]  # no tie-break stages after it
    assert calls[0] == 3
    assert plan_of(data, solution).summary.status == "INTERRUPTED"


def test_interrupt_while_laying_out_the_relaxations_plan_stops_the_solve(monkeypatch):
    calls = interrupt_at_call(monkeypatch, 2)
    _, solution = solve_mini(chat_fleet(8), keep_interrupted=True)
    assert solution.interrupted and not solution.feasible and calls[0] == 2


def test_interrupted_relaxation_has_nothing_to_keep(monkeypatch):
    interrupt_at_call(monkeypatch, 1)
    _, solution = solve_mini(chat_fleet(8), keep_interrupted=True)
    assert solution.interrupted and not solution.feasible and solution.stages == []


def test_summary_reports_the_objective_at_the_final_solution(monkeypatch):
    # The cost stage stops at its first solution (as a time limit would); the power stage may
    # then find a cheaper plan. Whatever it finds, the report must describe that plan.
    real_solver = solve_module._solver
    made = [0]

    def first_solution_only_for_the_cost_stage(settings, time_limit):
        solver = real_solver(settings, time_limit)
        made[0] += 1
        if made[0] == 3:  # after the relaxation and its layout
            solver.parameters.stop_after_first_solution = True
        return solver

    monkeypatch.setattr(solve_module, "_solver", first_solution_only_for_the_cost_stage)
    data, solution = solve_mini(mixed_problem())
    summary = plan_of(data, solution).summary
    cost_stage = solution.primary
    assert summary.objective_value == summary.capex_usd == solution.final_values["cost"] <= cost_stage.value
    assert summary.best_bound == cost_stage.bound
    assert summary.gap == pytest.approx(relative_gap(summary.capex_usd, cost_stage.bound), abs=1e-6)
    assert (summary.status == "OPTIMAL") == (abs(summary.capex_usd - cost_stage.bound) <= 0.5 or cost_stage.status == "OPTIMAL")


def test_solve_seconds_include_the_rack_relaxation(monkeypatch):
    calls = [0]

    def slow_relaxation(solver, model):
        calls[0] += 1
        if calls[0] == 1:
            time.sleep(0.3)
        return run_search(solver, model)

    monkeypatch.setattr(solve_module, "run_search", slow_relaxation)
    started = time.perf_counter()
    _, solution = solve_mini(chat_fleet(8))
    wall = time.perf_counter() - started
    assert solution.solve_seconds >= 0.3
    assert solution.solve_seconds + solution.build_seconds <= wall


def test_rack_bins_are_sized_once(monkeypatch):
    # The relaxation, the layout of its plan, the exact model: no retries with doubled bins.
    built = []
    real_build = solve_module.build_model
    monkeypatch.setattr(solve_module, "build_model", lambda data, **kw: built.append(data.facility.rack_bins) or real_build(data, **kw))
    data, solution = solve_mini(mixed_problem())
    assert solution.status == "OPTIMAL"
    assert len(built) == 3 and built[1] == built[2] <= data.facility.rack_bins_unlimited


def test_the_relaxations_plan_completed_hints_every_variable():
    data, _ = solve_mini(mixed_problem())
    clock = solve_module.Clock(100.0)
    settings = solve_module.SolveSettings(time_limit_s=100.0)
    relaxed = solve_module.build_model(data, aggregate_racks=True)
    for guard in relaxed.variables.guards.values():
        relaxed.model.add(guard == 1)
    relaxed.model.minimize(relaxed.capex)
    solver = solve_module._solver(settings, 10.0)
    assert solver.solve(relaxed.model) == solve_module.cp_model.OPTIMAL
    values = solve_module._all_values(relaxed, solver)
    completed = solve_module._completed(data, settings, values, clock)
    exact = solve_module.build_model(data)
    assert {var.name for var in exact.model.proto.variables if var.name} <= set(completed)
    # Purchases and replicas are the relaxation's; only the layout is new.
    assert all(completed[name] == value for name, value in values.items() if name.startswith(solve_module.PURCHASE_PREFIXES))
    assert clock.spent_s > 0


class _FinishedSearch:
    def __init__(self, deterministic_time: float, limit: float):
        self.deterministic_time = deterministic_time
        self.wall_time = 1.0
        self.parameters = type("Parameters", (), {"max_deterministic_time": limit})()


def test_a_search_stopped_by_the_wall_clock_is_marked_not_deterministic():
    clock = solve_module.Clock(10.0)
    clock.charge(_FinishedSearch(2.0, 2.0), SearchOutcome(solve_module.cp_model.FEASIBLE, False))
    assert clock.deterministic and clock.spent_s == pytest.approx(2.0 / solve_module.DETERMINISTIC_PER_SECOND)
    clock.charge(_FinishedSearch(0.5, 2.0), SearchOutcome(solve_module.cp_model.OPTIMAL, False))
    assert clock.deterministic  # finished before its budget: proved, not stopped
    clock.charge(_FinishedSearch(0.5, 2.0), SearchOutcome(solve_module.cp_model.FEASIBLE, False))
    assert not clock.deterministic


def test_a_large_models_time_limited_solve_is_deterministic(monkeypatch):
    """gen-500's solve, stopped by its time limit, had given three plans in 9 runs; with the
    interleaved searches leaving out the subsolver that parted them it gave one plan in 6 of 6.
    Only a stop at the wall-clock backstop (before the deterministic budget) marks a solve as
    possibly not repeating."""
    monkeypatch.setattr(solve_module, "LARGE_MODEL_OPTIONS", 0)
    real_charge = solve_module.Clock.charge

    def as_if_stopped_by_its_budget(clock, solver, outcome):
        real_charge(clock, _FinishedSearch(2.0, 2.0), SearchOutcome(solve_module.cp_model.FEASIBLE, False))

    monkeypatch.setattr(solve_module.Clock, "charge", as_if_stopped_by_its_budget)
    _, large = solve_mini(mixed_problem())
    assert large.deterministic

    def as_if_stopped_by_the_wall_clock(clock, solver, outcome):
        real_charge(clock, _FinishedSearch(0.5, 2.0), SearchOutcome(solve_module.cp_model.FEASIBLE, False))

    monkeypatch.setattr(solve_module.Clock, "charge", as_if_stopped_by_the_wall_clock)
    _, stopped = solve_mini(mixed_problem())
    assert not stopped.deterministic


def test_time_limits_are_deterministic_budgets():
    clock = solve_module.Clock(10.0)
    solver = clock.solver(solve_module.SolveSettings(), 4.0)
    assert solver.parameters.max_deterministic_time == pytest.approx(4.0 * solve_module.DETERMINISTIC_PER_SECOND)
    assert solver.parameters.max_time_in_seconds <= solve_module.WALL_BACKSTOP * 4.0 + 1.0


def test_large_models_start_from_the_greedy_plan_and_reach_the_same_optimum(monkeypatch):
    _, small = solve_mini(mixed_problem())
    monkeypatch.setattr(solve_module, "LARGE_MODEL_OPTIONS", 0)
    hinted = []
    real_start = solve_module.starting_plan
    monkeypatch.setattr(solve_module, "starting_plan", lambda data: hinted.append(1) or real_start(data))
    _, large = solve_mini(mixed_problem())
    assert hinted and large.status == small.status == "OPTIMAL"
    assert large.capex_usd == small.capex_usd and large.power_w == small.power_w


def test_several_workers_keep_the_strong_lp_search_as_their_only_full_search():
    """CP-SAT's default multi-worker portfolio searches with a weaker LP and was 8× slower on
    lab20 with 2 workers than with 1; small models keep the level-2 LP search alone."""
    clock = solve_module.Clock(10.0)
    several = clock.solver(solve_module.SolveSettings(workers=2), 4.0)
    assert list(several.parameters.subsolvers) == ["max_lp"] and several.parameters.interleave_search
    assert list(clock.solver(solve_module.SolveSettings(workers=1), 4.0).parameters.subsolvers) == []
    # Large models keep the whole portfolio: its variety leaves the greedy start.
    assert list(clock.solver(solve_module.SolveSettings(workers=2), 4.0, large=True).parameters.subsolvers) == []


def test_interleaved_searches_leave_out_the_subsolver_that_did_not_repeat():
    """With CP-SAT's core-based subsolver taking turns, gen-500's relaxation ended with another
    plan in 3 of 12 runs; without it 8 of 8 agreed. A plain single search has no turns to take."""
    clock = solve_module.Clock(10.0)
    large = clock.solver(solve_module.SolveSettings(), 4.0, large=True)
    several = clock.solver(solve_module.SolveSettings(workers=2), 4.0)
    single = clock.solver(solve_module.SolveSettings(), 4.0)
    for interleaved in (large, several):
        assert interleaved.parameters.interleave_search
        assert list(interleaved.parameters.ignore_subsolvers) == [solve_module.NONREPEATING_SUBSOLVER] == ["core"]
    assert not single.parameters.interleave_search and list(single.parameters.ignore_subsolvers) == []


def test_two_workers_reach_the_same_plan_every_time():
    _, one = solve_mini(mixed_problem())
    _, two = solve_mini(mixed_problem(), workers=2)
    _, again = solve_mini(mixed_problem(), workers=2)
    assert two.status == one.status == "OPTIMAL"
    assert (two.capex_usd, two.power_w) == (one.capex_usd, one.power_w)
    assert two.values == again.values  # interleaved workers are deterministic


def test_a_tie_break_that_finds_no_plan_in_time_is_reported_not_dropped(monkeypatch):
    """500 generated workloads: the power stage's second of time ended inside CP-SAT's presolve,
    and the stage vanished from the plan. It is kept as UNKNOWN and the plan says so."""
    _, full = solve_mini(chat_fleet(8))
    calls = [0]

    def fake(solver, model):
        calls[0] += 1
        outcome = run_search(solver, model)
        # 1: relaxation, 2: its layout, 3: cost, 4: power folded with nodes
        return SearchOutcome(solve_module.cp_model.UNKNOWN, False) if calls[0] == 4 else outcome

    monkeypatch.setattr(solve_module, "run_search", fake)
    data, short = solve_mini(chat_fleet(8))
    assert [(stage.name, stage.status) for stage in short.stages] == [("cost", "OPTIMAL"), ("power", "UNKNOWN")]
    assert short.status == "OPTIMAL" and short.capex_usd == full.capex_usd  # the deciding objective is proven
    assert short.stages[1].value == short.power_w and short.stages[1].bound == 0.0
    assert "tie-break power found no plan in its time" in _printed(plan_view(plan_of(data, short)))
    assert "tie-break" not in _printed(plan_view(plan_of(*solve_mini(chat_fleet(8)))))


def _printed(renderable) -> str:
    buffer = io.StringIO()
    print_renderable(renderable, file=buffer)
    return buffer.getvalue()


def _solved_as_large(monkeypatch, problem: Callable[[], Problem], step: str) -> tuple[ModelData, Solution]:
    """`problem` solved as a large model (LARGE_MODEL_OPTIONS 0), which must pass once through
    solve_module.<step> and reach the optimum the small-model path reaches."""
    data, small = solve_mini(problem())
    monkeypatch.setattr(solve_module, "LARGE_MODEL_OPTIONS", 0)
    calls = []
    real = getattr(solve_module, step)
    monkeypatch.setattr(solve_module, step, lambda *args, **kwargs: calls.append(1) or real(*args, **kwargs))
    _, large = solve_mini(problem())
    assert calls == [1]
    assert large.status == small.status == "OPTIMAL" and (large.capex_usd, large.power_w) == (small.capex_usd, small.power_w)
    return data, large


def test_models_solved_through_highs_reach_the_optimum_cp_sat_proves(monkeypatch):
    """With every model past MIP_MODEL_OPTIONS, the relaxation goes to HiGHS, its plan is laid
    out and confirmed by CP-SAT: the same optimum, proven, as the CP-SAT path."""
    monkeypatch.setattr(solve_module, "MIP_MODEL_OPTIONS", 0)
    _, through_highs = _solved_as_large(monkeypatch, mixed_problem, "_mip_relaxation")
    assert through_highs.primary.bound == pytest.approx(through_highs.capex_usd, abs=0.5)


def test_a_what_if_budget_solved_through_highs_serves_what_cp_sat_serves(monkeypatch):
    """The served-demand stage is maximised: HiGHS minimises its negation and reads it back."""
    budget = 60_000.0
    _, by_cp_sat = solve_mini(mixed_problem(), hard_demand=False, budget_usd=budget)
    monkeypatch.setattr(solve_module, "MIP_MODEL_OPTIONS", 0)
    _, by_highs = solve_mini(mixed_problem(), hard_demand=False, budget_usd=budget)
    served = {stage.name: stage for stage in by_highs.stages}["served"]
    assert by_highs.final_values["served"] == by_cp_sat.final_values["served"] and served.status == "OPTIMAL"
    assert served.bound == pytest.approx(served.value, abs=0.5) and by_highs.capex_usd == by_cp_sat.capex_usd


def test_an_interrupt_during_the_highs_search_stops_the_solve(monkeypatch):
    monkeypatch.setattr(solve_module, "MIP_MODEL_OPTIONS", 0)
    real = mip.solve_mip
    monkeypatch.setattr(mip, "solve_mip", lambda *args, **kwargs: replace(real(*args, **kwargs), interrupted=True))
    _, solution = solve_mini(mixed_problem(), keep_interrupted=True)
    assert solution.interrupted and not solution.feasible
    with pytest.raises(Interrupted):
        solve_mini(mixed_problem())


def test_a_highs_search_stopped_by_the_wall_clock_is_marked_not_deterministic(monkeypatch):
    monkeypatch.setattr(solve_module, "MIP_MODEL_OPTIONS", 0)
    real = mip.solve_mip
    monkeypatch.setattr(mip, "solve_mip", lambda *args, **kwargs: replace(real(*args, **kwargs), wall_stopped=True))
    _, solution = solve_mini(mixed_problem())
    assert solution.feasible and not solution.deterministic


def test_a_plan_within_the_mip_gap_of_the_bound_is_only_confirmed(monkeypatch):
    """The deciding stage of a plan HiGHS already put within MIP_GAP of the bound gets a
    tie-break's budget (100 workloads: 25 s of searching gained nothing), and no retry follows."""
    monkeypatch.setattr(solve_module, "MIP_MODEL_OPTIONS", 0)
    confirmed = []
    real = solve_module._solve_lexicographic
    monkeypatch.setattr(solve_module, "_solve_lexicographic", lambda *args, **kwargs: confirmed.append(kwargs.get("confirm_only")) or real(*args, **kwargs))
    solve_mini(mixed_problem())
    assert confirmed == [True]


def test_the_tighter_of_two_valid_bounds_is_reported():
    bound = solve_module.GlobalBound("cost", 100.0, bins_suffice=True)
    assert bound.tighter(120.0, maximise=False) == 120.0 and bound.tighter(90.0, maximise=False) == 100.0
    assert bound.tighter(90.0, maximise=True) == 90.0
    assert solve_module.GlobalBound("cost", 100.0, bins_suffice=False).tighter(120.0, maximise=False) == 100.0
    assert not bound.settled({"capex_usd": 100_009}, "capex_usd") and bound.settled({"capex_usd": 100}, "capex_usd")
    assert not bound.settled(None, "capex_usd")


def _rack_limited_fleet():
    """Chat on many small servers that fill more than one rack unless they are consolidated."""
    return make_problem(interactive("chat", "llama-3.1-8b", 160), interactive("big", "llama-3.1-70b", 6, precision="fp8"), racks=1)


def test_a_large_model_under_a_rack_limit_also_starts_from_the_relaxation(monkeypatch):
    """500 generated workloads under a 30-rack limit found no plan in 60 s when the exact model
    searched alone; large models now go through the relaxation (which keeps the limit) there too."""
    data, large = _solved_as_large(monkeypatch, _rack_limited_fleet, "_solve_with_rack_bound")
    assert data.facility.rack_bins == 1
    assert sum(value for name, value in large.values.items() if name.startswith("rack_used[")) <= 1


def test_a_large_models_deciding_stage_leaves_its_tie_break_a_share_of_the_limit(monkeypatch):
    """gen-500's power tie-break had the 1 s minimum and found no plan in any run: its presolve
    alone used the budget. A large model's cost stage now leaves it LARGE_TIE_BREAK_SHARE."""
    monkeypatch.setattr(solve_module, "LARGE_MODEL_OPTIONS", 0)
    budgets = []
    real_solver = solve_module.Clock.solver

    def recorded(clock, settings, budget_s, *, large=False):
        budgets.append((budget_s, clock.remaining()))
        return real_solver(clock, settings, budget_s, large=large)

    monkeypatch.setattr(solve_module.Clock, "solver", recorded)
    monkeypatch.setattr(solve_module.GlobalBound, "settled", lambda *args: False)  # a stage with something to search
    solve_mini(mixed_problem(), time_limit_s=20.0)
    share = solve_module.LARGE_TIE_BREAK_SHARE * 20.0
    # 1: relaxation, 2: its layout, 3: cost, 4: power with nodes
    (cost_budget, cost_remaining), (power_budget, _) = budgets[2], budgets[3]
    assert cost_budget == pytest.approx(cost_remaining - share)
    assert power_budget >= share


def test_a_model_below_the_mip_size_never_imports_highs():
    """HiGHS and scipy.sparse take ~0.14 s to import; lab20-sized solves do without them."""
    script = (
        "import sys\n"
        "from tests.fixtures.problems import interactive, make_problem, solve_mini\n"
        "solve_mini(make_problem(interactive('chat', 'llama-3.1-8b', 40)))\n"
        "assert 'solver.model.mip' not in sys.modules and 'highspy' not in sys.modules, sorted(m for m in sys.modules if 'highs' in m)\n"
    )
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=Path(__file__).resolve().parents[2])
    assert completed.returncode == 0, completed.stderr


def test_the_cost_stage_starts_from_the_cheaper_of_two_plans_serving_as_much():
    """After a served-demand stage, the plan given to the solve is the next hint when it serves as
    much and costs no more than the stage's own solution (100 generated workloads, all demand:
    the cost stage had started from a $10.04M plan with a $9.83M one at hand); otherwise the
    stage's solution is."""
    data = build_data(mixed_problem(), mini_catalog())
    built = build_model(data, hard_demand=False)
    stage_solution = {"served_score": 100, "capex_usd": 900}
    cheaper = {"served_score": 100, "capex_usd": 800}
    assert solve_module._next_hint(built, "cost", stage_solution, cheaper, "served_score", 100, True) is cheaper
    assert solve_module._next_hint(built, "cost", stage_solution, {**cheaper, "served_score": 99}, "served_score", 100, True) is stage_solution
    assert solve_module._next_hint(built, "cost", stage_solution, {**cheaper, "capex_usd": 901}, "served_score", 100, True) is stage_solution
    assert solve_module._next_hint(built, "cost", stage_solution, None, "served_score", 100, True) is stage_solution


def test_a_large_models_searches_get_a_wider_wall_clock_backstop():
    """Interleaved subsolvers do less deterministic work per second than the clock assumes."""
    clock = solve_module.Clock(1000.0)
    small = clock.solver(settings(), 10.0).parameters.max_time_in_seconds
    large = clock.solver(settings(), 10.0, large=True).parameters.max_time_in_seconds
    assert small == pytest.approx(solve_module.WALL_BACKSTOP * 10 + 1)
    assert large == pytest.approx(solve_module.LARGE_WALL_BACKSTOP * 10 + 1)
