"""The CP-SAT model as a HiGHS MIP: conversion, agreement with CP-SAT, budgets, repeats, interrupts."""

from __future__ import annotations

import itertools
import os
import random
import signal
import threading
import time

import numpy as np
import pytest
from ortools.sat.python import cp_model

from solver.model import mip
from solver.model.build import build_model
from solver.model.data import build_data
from solver.model.mip import TickClock, linear_arrays, solve_mip
from tests.fixtures.problems import interactive, make_problem, mini_catalog


def _satisfies(arrays: mip.MipArrays, point: list[int]) -> bool:
    activity = arrays.matrix @ np.array(point, dtype=float)
    inside_rows = np.all(activity >= arrays.row_lower - 1e-9) and np.all(activity <= arrays.row_upper + 1e-9)
    inside_box = np.all(np.array(point) >= arrays.column_lower) and np.all(np.array(point) <= arrays.column_upper)
    return bool(inside_rows and inside_box)


def test_enforced_rows_hold_exactly_where_their_literals_do():
    """Every integer point of a small box satisfies the MIP's rows exactly when it satisfies the
    CP-SAT constraints, enforcement by a literal and by a negated literal included."""
    model = cp_model.CpModel()
    x, y = model.new_int_var(0, 5, "x"), model.new_int_var(0, 5, "y")
    a, b = model.new_bool_var("a"), model.new_bool_var("b")
    model.add(x + y <= 4).only_enforce_if(a)
    model.add(2 * x - y >= 3).only_enforce_if(~b)
    model.add(x - y == 1).only_enforce_if([a, b])
    model.add(a + b >= 1)
    arrays = linear_arrays(model.proto)

    def holds(xv: int, yv: int, av: int, bv: int) -> bool:
        return (not av or xv + yv <= 4) and (bv or 2 * xv - yv >= 3) and (not (av and bv) or xv - yv == 1) and av + bv >= 1

    points = list(itertools.product(range(6), range(6), range(2), range(2)))
    assert [_satisfies(arrays, list(p)) for p in points] == [holds(*p) for p in points]
    assert sum(holds(*p) for p in points) not in (0, len(points))  # the check can tell them apart


def test_a_literal_fixed_true_enforces_its_row_without_a_big_m():
    """procure fixes its guards to 1 by a constraint; a guarded row over a total spanning ±2^50 then
    becomes a plain row. Unfixed, no big-M exists for it, which the conversion says."""
    model = cp_model.CpModel()
    total = model.new_int_var(-(2**50), 2**50, "total")
    guard = model.new_bool_var("guard")
    model.add(total <= 3).only_enforce_if(guard)
    with pytest.raises(ValueError, match="unbounded"):
        linear_arrays(model.proto)
    model.add(guard == 1)
    arrays = linear_arrays(model.proto)
    row = [index for index in range(arrays.matrix.shape[0]) if arrays.row_upper[index] == 3]
    assert len(row) == 1 and arrays.matrix[[row[0]], :].toarray().tolist() == [[1.0, 0.0]]


def test_a_maximised_objective_keeps_its_sense():
    model = cp_model.CpModel()
    x = model.new_int_var(0, 7, "x")
    model.add(3 * x <= 20)
    model.maximize(5 * x + 2)
    outcome = solve_mip(model.proto, seconds=5, wall_limit_s=30, gap=0)
    assert outcome.status == "OPTIMAL" and outcome.values["x"] == 6
    assert outcome.objective == 32 and outcome.bound == pytest.approx(32)


def _random_program(seed: int) -> cp_model.CpModel:
    """A covering problem with set-up literals: buy items (cost), each enabling capacity only when
    its literal is on, and some rows enforced by literals — small enough for both solvers to prove."""
    rng = random.Random(seed)
    model = cp_model.CpModel()
    items = [model.new_int_var(0, 6, f"n[{i}]") for i in range(8)]
    opened = [model.new_bool_var(f"open[{i}]") for i in range(8)]
    for count, literal in zip(items, opened):
        model.add(count == 0).only_enforce_if(~literal)
    for demand in range(4):
        model.add(sum(rng.randint(0, 5) * count for count in items) >= rng.randint(8, 30))
    model.add(items[0] + items[1] <= rng.randint(2, 6)).only_enforce_if(opened[2])
    model.minimize(sum(rng.randint(3, 40) * count for count in items) + sum(rng.randint(5, 60) * literal for literal in opened))
    return model


@pytest.mark.parametrize("seed", range(8))
def test_highs_proves_the_optimum_cp_sat_proves(seed):
    model = _random_program(seed)
    solver = cp_model.CpSolver()
    assert solver.solve(model) == cp_model.OPTIMAL
    outcome = solve_mip(model.proto, seconds=10, wall_limit_s=60, gap=0)
    assert outcome.status == "OPTIMAL"
    assert outcome.objective == solver.objective_value


def _relaxation_of_mini_fleet():
    data = build_data(make_problem(interactive("chat", "llama-3.1-8b", 40), interactive("big", "llama-3.1-70b", 6, precision="fp8")), mini_catalog())
    relaxed = build_model(data, aggregate_racks=True)
    for guard in relaxed.variables.guards.values():
        relaxed.model.add(guard == 1)
    relaxed.model.minimize(relaxed.capex)
    return relaxed


def test_the_relaxation_of_a_fleet_matches_cp_sat_and_repeats():
    relaxed = _relaxation_of_mini_fleet()
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(relaxed.model) == cp_model.OPTIMAL
    first = solve_mip(relaxed.model.proto, seconds=20, wall_limit_s=120, gap=0)
    again = solve_mip(relaxed.model.proto, seconds=20, wall_limit_s=120, gap=0)
    assert first.status == "OPTIMAL" and first.objective == solver.objective_value
    assert first.values["capex_usd"] == first.objective  # the named total carries the objective
    assert (again.values, again.work_s) == (first.values, first.work_s)


def _market_split(seed: int = 3, rows: int = 4, columns: int = 34) -> cp_model.CpModel:
    """Cornuéjols and Dawande's market split instances (1999): a few equality knapsacks over 0/1
    variables, notoriously hard for branch and bound — a search that runs for seconds."""
    rng = random.Random(seed)
    model = cp_model.CpModel()
    chosen = [model.new_bool_var(f"x[{j}]") for j in range(columns)]
    slack = [model.new_int_var(-(columns * 99), columns * 99, f"s[{i}]") for i in range(rows)]
    for i in range(rows):
        weights = [rng.randint(0, 99) for _ in range(columns)]
        model.add(sum(w * x for w, x in zip(weights, chosen)) + slack[i] == sum(weights) // 2)
        absolute = model.new_int_var(0, columns * 99, f"a[{i}]")
        model.add(absolute >= slack[i])
        model.add(absolute >= -slack[i])
        slack[i] = absolute
    model.minimize(sum(slack))
    return model


def test_the_budget_stops_a_search_where_it_always_does():
    model = _market_split()
    first = solve_mip(model.proto, seconds=0.05, wall_limit_s=60, gap=0)
    again = solve_mip(model.proto, seconds=0.05, wall_limit_s=60, gap=0)
    assert first.status in ("FEASIBLE", "UNKNOWN") and not first.wall_stopped
    assert first.work_s >= 0.05
    assert (again.values, again.work_s, again.bound) == (first.values, first.work_s, first.bound)


def test_the_wall_clock_backstop_is_reported():
    outcome = solve_mip(_market_split().proto, seconds=1e6, wall_limit_s=0.5, gap=0)
    assert outcome.wall_stopped and outcome.status != "OPTIMAL"


def test_an_interrupt_stops_the_search_and_says_so():
    model = _market_split()
    threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT)).start()
    started = time.perf_counter()
    outcome = solve_mip(model.proto, seconds=1e6, wall_limit_s=60, gap=0)
    assert outcome.interrupted and not outcome.wall_stopped
    assert time.perf_counter() - started < 10


def test_highs_prints_nothing_on_standard_output(capfd):
    model = cp_model.CpModel()
    x = model.new_int_var(0, 3, "x")
    model.minimize(x)
    solve_mip(model.proto, seconds=1, wall_limit_s=10, gap=0)
    assert capfd.readouterr().out == ""


def test_a_tick_at_the_root_stands_for_more_than_one_in_the_branching():
    """At 100 generated workloads' 5,350 columns: 57.05 × 5.35^-0.988 = 10.9 root calls per second
    and 6,925 × 5.35^-2.034 = 228 in the branching (the fit's inputs: 12.2 and 208 measured)."""
    clock = TickClock.for_columns(5_350)
    assert 1 / clock.root_seconds == pytest.approx(10.9, rel=0.01)
    assert 1 / clock.node_seconds == pytest.approx(228.4, rel=0.01)
    assert clock.seconds(0) == clock.root_seconds and clock.seconds(7) == clock.node_seconds
