"""What-if chains as Ray tasks: the same chains and the same solver as the local backend.

``procure whatif … --backend ray`` starts a local Ray instance (one CPU per worker) or joins an
existing cluster (``--address``). The catalog and the prepared model data go into Ray's object
store once; each hint chain (solver.whatif.sweep.make_chains) is one task that runs
``ScenarioSolver.run_chain``, exactly as a local worker process does. Chains depend only on the
scenarios and every solve uses one CP-SAT worker with deterministic limits, so the results, and
the files written from them, are those of the local backend.

Ray is an optional extra (``pip install 'procure[ray]'``). On a cluster, procure must be
importable on every node; a local instance gets this checkout on its workers' path.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import Any

from solver.catalog import Catalog
from solver.errors import InputError
from solver.whatif.scenarios import Scenario
from solver.whatif.sweep import ChainTask, Prepared, ScenarioResult, ScenarioSolver, _catalog_from_state, _catalog_state, make_chains

PACKAGE_ROOT = Path(__file__).resolve().parents[2]


def import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise InputError("--backend ray needs Ray, an optional extra", hint="pip install 'procure[ray]'") from None
    return ray


def start_ray(address: str | None, cpus: int) -> bool:
    """Connect to the cluster at `address`, or start a local instance with `cpus` CPUs; True when
    this call started (and so must stop) it."""
    ray = import_ray()
    if ray.is_initialized():
        return False
    runtime_env = {"env_vars": {"PYTHONPATH": os.pathsep.join(filter(None, [str(PACKAGE_ROOT), os.environ.get("PYTHONPATH", "")]))}}
    if address:
        ray.init(address=address, runtime_env=runtime_env, log_to_driver=False)
    else:
        ray.init(num_cpus=cpus, include_dashboard=False, log_to_driver=False, runtime_env=runtime_env)
    return True


def _run_chain(state: tuple[Any, ...], task: ChainTask) -> list[ScenarioResult]:
    catalog_state, time_limit_s, seed, prepared = state
    solver = ScenarioSolver(_catalog_from_state(catalog_state), time_limit_s=time_limit_s, seed=seed, prepared=prepared)
    return solver.run_chain(task)


class RaySweep:
    """Sweep's interface (context manager, ``run``) over Ray tasks."""

    def __init__(self, catalog: Catalog, *, jobs: int = 1, time_limit_s: float = 60.0, seed: int = 0, on_done: Callable[[Scenario], None] | None = None, prepared: Prepared | None = None, address: str | None = None):
        self.catalog = catalog
        self.jobs = max(1, jobs)
        self.time_limit_s = time_limit_s
        self.seed = seed
        self.on_done = on_done
        self.prepared = prepared
        self.address = address
        self._started = False
        self._state: Any = None
        self._remote: Any = None

    def __enter__(self) -> "RaySweep":
        ray = import_ray()
        self._started = start_ray(self.address, self.jobs)
        self._state = ray.put((_catalog_state(self.catalog), self.time_limit_s, self.seed, self.prepared))
        self._remote = ray.remote(num_cpus=1)(_run_chain)
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._started:
            import_ray().shutdown()
            self._started = False

    def run(self, scenarios: Sequence[Scenario], *, initial_hint: dict[str, int] | None = None, keep_values: Collection[int] = ()) -> list[ScenarioResult]:
        """Results in the order of ``scenarios``, as Sweep.run gives them."""
        if not scenarios:
            return []
        ray = import_ray()
        tasks = [
            ChainTask(indices=chain, scenarios=[scenarios[i] for i in chain], initial_hint=initial_hint, keep_values=frozenset(keep_values))
            for chain in make_chains(scenarios, ScenarioSolver(self.catalog, time_limit_s=self.time_limit_s, prepared=self.prepared).reuses_optimum)
        ]
        pending = {self._remote.remote(self._state, task): task for task in tasks}
        results: dict[int, ScenarioResult] = {}
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            for reference in done:
                pending.pop(reference)
                for result in ray.get(reference):
                    results[result.index] = result
                    if self.on_done:
                        self.on_done(scenarios[result.index])
        return [results[index] for index in range(len(scenarios))]


__all__ = ["RaySweep", "import_ray", "start_ray"]
