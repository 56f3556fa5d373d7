"""The lexicographic solve: interrupts, numbers taken from the final solution, total timings."""

from __future__ import annotations

import time

import pytest

from solver.interrupt import Interrupted
from solver.model import solve as solve_module
from solver.model.search import SearchOutcome, run_search
from solver.model.solve import relative_gap
from tests.fixtures.problems import chat_fleet, interactive, make_problem, plan_of, solve_mini


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
    interrupt_at_call(monkeypatch, 2)  # 1: the rack relaxation, 2: the cost stage
    with pytest.raises(Interrupted):
        solve_mini(chat_fleet(8))
    calls = interrupt_at_call(monkeypatch, 2)
    data, solution = solve_mini(chat_fleet(8), keep_interrupted=True)
    assert solution.interrupted and solution.feasible
    assert [stage.name for stage in solution.stages] == ["cost"]  # no tie-break stages after it
    assert calls[0] == 2
    assert plan_of(data, solution).summary.status == "INTERRUPTED"


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
        if made[0] == 2:
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
