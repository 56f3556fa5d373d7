"""The Ray backend (procure[ray]) gives the local backend's results: a small budget sweep and a
small Monte Carlo on a local Ray instance. Skipped only when Ray is not installed."""

from __future__ import annotations

import pytest

from solver.whatif.montecarlo import montecarlo_csv, run_montecarlo
from solver.whatif.results import whatif_csv, whatif_json
from solver.whatif.run import run_whatif
from solver.whatif.scenarios import plan_scenarios

ray = pytest.importorskip("ray")

BUDGETS = [5_000, 30_000, 75_000, 150_000]


@pytest.fixture(scope="module")
def local_ray():
    from solver.whatif.ray_backend import start_ray

    started = start_ray(None, 2)
    yield
    if started:
        ray.shutdown()


def test_budget_sweep_on_ray_is_byte_identical_to_local(local_ray, tiny, catalog):
    local = run_whatif(tiny, catalog, plan_scenarios(tiny, catalog, budgets=BUDGETS), jobs=2)
    remote = run_whatif(tiny, catalog, plan_scenarios(tiny, catalog, budgets=BUDGETS), jobs=2, backend="ray")
    assert whatif_csv(remote) == whatif_csv(local)
    assert whatif_json(remote) == whatif_json(local)


def test_monte_carlo_on_ray_gives_the_local_rows(local_ray, tiny, catalog):
    local = run_montecarlo(tiny, catalog, 3, growth=0.2, seed=5, jobs=1, time_limit_s=20)
    remote = run_montecarlo(tiny, catalog, 3, growth=0.2, seed=5, jobs=2, time_limit_s=20, backend="ray")
    assert montecarlo_csv(remote) == montecarlo_csv(local)
