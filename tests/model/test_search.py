"""A CP-SAT search that Ctrl-C stops early and reports as interrupted."""

from __future__ import annotations

import os
import random
import signal
import threading
import time

import pytest
from ortools.sat.python import cp_model

from solver.errors import InternalError
from solver.model.search import run_search


def slow_model() -> cp_model.CpModel:
    """Subset sum closest to half of 50 large random weights: CP-SAT keeps improving it for
    many seconds without proving optimality."""
    rng = random.Random(7)
    weights = [rng.randrange(10**8, 10**9) for _ in range(50)]
    model = cp_model.CpModel()
    picked = sum(weight * model.new_bool_var(f"x{i}") for i, weight in enumerate(weights))
    model.add(2 * picked <= sum(weights))
    model.maximize(picked)
    return model


def solver(seconds: float) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = 1
    return solver


def test_sigint_stops_the_search_promptly_and_says_so():
    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))
    started = time.perf_counter()
    timer.start()
    outcome = run_search(solver(30.0), slow_model())
    assert outcome.interrupted
    assert outcome.status in (cp_model.FEASIBLE, cp_model.UNKNOWN)
    assert time.perf_counter() - started < 5.0
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_an_uninterrupted_search_is_not_marked():
    outcome = run_search(solver(0.3), slow_model())
    assert not outcome.interrupted and outcome.status == cp_model.FEASIBLE


def test_a_model_cp_sat_rejects_is_a_bug_not_a_stage_result() -> None:
    model = cp_model.CpModel()
    model.name = "overflowing"
    huge = model.new_int_var(-(2**50), 2**50, "huge")
    model.minimize(huge * 2**20)
    with pytest.raises(InternalError, match="CP-SAT rejected the model 'overflowing'.*overflow"):
        run_search(cp_model.CpSolver(), model)
