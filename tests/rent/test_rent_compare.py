"""Buy versus rent: the break-even month and the comparison a bought plan carries."""

from __future__ import annotations

import pytest

from solver.pipeline import solve_problem
from solver.rent.compare import break_even_month
from tests.fixtures.cloud import OTHER_4090, mini_cloud_catalog
from tests.fixtures.problems import chat_fleet, mini_catalog, settings


def test_break_even_is_capex_over_the_monthly_saving():
    assert break_even_month(12_000, 1_500, 500) == 12.0
    assert break_even_month(12_000, 500, 500) is None  # renting costs no more than running owned hardware
    assert break_even_month(12_000, 400, 500) is None


def test_a_bought_plan_reports_what_renting_it_costs():
    plan = solve_problem(chat_fleet(20), mini_cloud_catalog(), settings()).plan
    rent = plan.rent
    assert rent["mode"] == "comparison" and rent["status"] == "OPTIMAL"
    # Five one-GPU replicas on the cheapest 4090 instances.
    assert rent["monthly_usd"] == 5 * OTHER_4090
    running = plan.economics["total"]["running_usd_per_month"]
    assert rent["break_even_month"] == pytest.approx(plan.summary.capex_usd / (rent["monthly_usd"] - running), abs=0.05)
    assert rent["owned_monthly_usd"] == plan.economics["total"]["usd_per_month"]
    assert rent["instances"][0]["provider"] == "other"


def test_the_comparison_can_be_turned_off_and_needs_cloud_prices():
    problem = chat_fleet(4)
    off = problem.model_copy(update={"rent": problem.rent.model_copy(update={"compare": False})})
    assert solve_problem(off, mini_cloud_catalog(), settings()).plan.rent is None
    plan = solve_problem(problem, mini_catalog(), settings()).plan
    assert plan.rent is None and plan.economics is not None


def test_an_unrentable_workload_makes_the_comparison_unavailable_not_the_solve():
    problem = chat_fleet(4, allowed_gpus=["l40s"])
    problem = problem.model_copy(update={"rent": problem.rent.model_copy(update={"providers": ["other"]})})  # rents only RTX 4090s
    plan = solve_problem(problem, mini_cloud_catalog(), settings()).plan
    assert plan.rent["status"] == "UNAVAILABLE" and "no cloud instance" in plan.rent["reason"]


def test_an_interrupt_during_the_comparison_keeps_the_purchase_only_when_asked(monkeypatch):
    from solver.interrupt import Interrupted
    from solver.rent import run

    def interrupted(*args, **kwargs):
        raise Interrupted("search interrupted")

    monkeypatch.setattr(run, "solve_rent", interrupted)
    with pytest.raises(Interrupted):
        solve_problem(chat_fleet(4), mini_cloud_catalog(), settings())
    result = solve_problem(chat_fleet(4), mini_cloud_catalog(), settings(keep_interrupted=True))
    # The purchase was proven optimal (gap 0), but the run was cut short: labelled as interrupted.
    assert result.interrupted and result.plan.summary.status == "INTERRUPTED" and result.plan.summary.gap == 0
    assert result.plan.rent["status"] == "UNAVAILABLE" and "interrupted" in result.plan.rent["reason"]


def test_the_comparison_solved_beside_the_purchase_is_the_one_solved_after_it(monkeypatch):
    from solver.rent import run

    forks = []
    real_pool = run.fork_pool
    monkeypatch.setattr(run, "fork_pool", lambda jobs: forks.append(jobs) or real_pool(jobs))
    after = solve_problem(chat_fleet(20), mini_cloud_catalog(), settings()).plan
    assert forks == []
    beside = solve_problem(chat_fleet(20), mini_cloud_catalog(), settings(precompute_jobs=2)).plan
    assert forks == [1]  # one worker solved the rented plan while the purchase was searched here
    assert beside.rent == after.rent and beside.rent["status"] == "OPTIMAL"
    assert beside.bom == after.bom


def test_an_error_in_the_forked_comparison_makes_it_unavailable_not_the_solve():
    problem = chat_fleet(4, allowed_gpus=["l40s"])
    problem = problem.model_copy(update={"rent": problem.rent.model_copy(update={"providers": ["other"]})})
    plan = solve_problem(problem, mini_cloud_catalog(), settings(precompute_jobs=2)).plan
    assert plan.rent["status"] == "UNAVAILABLE" and "no cloud instance" in plan.rent["reason"]


@pytest.fixture
def forking():
    """Skips where this test process may not fork (solver.processes.forking_is_safe)."""
    from solver.processes import forking_is_safe

    if not forking_is_safe():
        pytest.skip("forking is not safe here")


def _interrupted_after(seconds: float, problem, **fields):
    """solve_problem with SIGALRM acting as an interrupt `seconds` in (the CLI's handler)."""
    import signal

    from solver.interrupt import RaisingHandler

    previous = signal.signal(signal.SIGALRM, RaisingHandler())
    try:
        signal.setitimer(signal.ITIMER_REAL, seconds)
        return solve_problem(problem, mini_cloud_catalog(), settings(precompute_jobs=2, **fields))
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _dies():
    import os

    os._exit(9)


def _never_finishes():
    import time

    time.sleep(120)


def test_a_worker_that_dies_leaves_the_purchase_without_the_comparison(monkeypatch, forking):
    from solver.rent import run

    monkeypatch.setattr(run, "_solve_in_worker", _dies)
    plan = solve_problem(chat_fleet(4), mini_cloud_catalog(), settings(precompute_jobs=2)).plan
    assert plan.summary.status == "OPTIMAL" and plan.economics is not None
    assert plan.rent["status"] == "UNAVAILABLE" and "ended unexpectedly" in plan.rent["reason"]


def test_an_interrupt_while_the_forked_comparison_runs_stops_its_worker(monkeypatch, forking):
    import time

    from solver.interrupt import Interrupted
    from solver.rent import run

    pools = []
    real_pool = run.fork_pool
    monkeypatch.setattr(run, "fork_pool", lambda jobs: pools.append(real_pool(jobs)) or pools[-1])
    monkeypatch.setattr(run, "_solve_in_worker", _never_finishes)
    started = time.perf_counter()
    # 3 s is long enough for the purchase: the interrupt comes while waiting for the worker.
    result = _interrupted_after(3.0, chat_fleet(4), keep_interrupted=True)
    assert time.perf_counter() - started < 30
    assert result.interrupted and result.plan.summary.status == "INTERRUPTED"
    assert result.plan.rent["status"] == "UNAVAILABLE" and "interrupted" in result.plan.rent["reason"]
    (executor,) = pools
    assert not executor._processes  # stopped, not left sleeping
    with pytest.raises(Interrupted):
        _interrupted_after(3.0, chat_fleet(4))
