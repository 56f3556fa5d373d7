"""Run a what-if analysis: the planned scenarios, then (when asked) the cost-versus-power frontier."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from solver.catalog import Catalog
from solver.specs.problem import Problem
from solver.whatif.frontier import FrontierPoint, end_scenarios, interior_scenarios, pareto_points
from solver.whatif.scenarios import Scenario, assign_slugs
from solver.model.settings import SEARCH_MODULES
from solver.preload import import_wanted, want, preload as import_in_background
from solver.whatif.sweep import ScenarioResult, ScenarioSolver, Sweep, make_chains


@dataclass
class WhatIfRun:
    problem: Problem
    scenarios: list[Scenario]
    """Every solved scenario in output order (sweep first, then frontier points by power cap)."""
    results: list[ScenarioResult]
    frontier: list[FrontierPoint] | None = None
    """None when no frontier was asked for; empty when an end had no plan."""
    frontier_note: str = ""
    jobs: int = 1
    wall_seconds: float = 0.0
    prepare_seconds: float = 0.0
    """Model data and all-demand optima computed before the workers started."""


class _Progress:
    """A rich progress bar on stderr (no-op when disabled)."""

    def __init__(self, enabled: bool, total: int):
        self.enabled = enabled
        self.total = total
        self._progress: Any = None
        self._task: Any = None

    def start(self) -> None:
        if not self.enabled:
            return
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._progress = Progress(
            TextColumn("[bold]what-if[/bold]"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.description}"),
            console=Console(file=sys.stderr),
            transient=True,
        )
        self._progress.start()
        self._task = self._progress.add_task("", total=self.total)

    def advance(self, scenario: Scenario) -> None:
        if self._progress is not None:
            self._progress.update(self._task, advance=1, description=scenario.name)

    def set_total(self, total: int) -> None:
        self.total = total
        if self._progress is not None:
            self._progress.update(self._task, total=total)

    def stop(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


@contextmanager
def _progress(enabled: bool, total: int) -> Iterator[_Progress]:
    bar = _Progress(enabled, total)
    bar.start()
    try:
        yield bar
    finally:
        bar.stop()


def run_whatif(
    problem: Problem,
    catalog: Catalog,
    scenarios: Sequence[Scenario],
    *,
    frontier_points: int | None = None,
    jobs: int = 1,
    time_limit_s: float = 60.0,
    progress: bool = False,
    backend: str = "local",
    address: str | None = None,
    preload: Sequence[str] = (),
) -> WhatIfRun:
    """Solve ``scenarios`` (and the frontier of ``problem`` with ``frontier_points`` points), in
    worker processes (`backend` local) or as Ray tasks (ray; `address`: an existing cluster).
    `preload`: modules the caller needs afterwards, imported while the workers solve."""
    started = time.perf_counter()
    sweep_scenarios = list(scenarios)
    ends = end_scenarios(problem) if frontier_points else []
    first_batch = sweep_scenarios + ends
    interior_guess = max(0, (frontier_points or 0) - 2)
    chains = len(make_chains(first_batch)) + (min(4, (interior_guess + 1) // 2) if interior_guess else 0)
    pool = max(1, min(jobs, chains))
    frontier: list[FrontierPoint] | None = None
    frontier_note = ""
    # Before any worker forks: the model data, and each budget series' optimum serving all
    # demand, which every budget at or above its cost reuses whichever chain it falls in.
    want(SEARCH_MODULES)  # imported while the model data is estimated on worker processes
    prepared = ScenarioSolver(catalog, time_limit_s=time_limit_s, precompute_jobs=jobs).prepare(first_batch)
    import_wanted()  # already done unless the estimating ran in this process
    if backend == "ray":
        from solver.whatif.ray_backend import RaySweep

        sweeper: Any = RaySweep(catalog, jobs=pool, time_limit_s=time_limit_s, prepared=prepared, address=address)
    else:
        sweeper = Sweep(catalog, jobs=pool, time_limit_s=time_limit_s, prepared=prepared)
    with sweeper as sweep, _progress(progress, len(first_batch) + interior_guess) as bar:
        import_in_background(preload)  # the workers have forked: nothing forks while it imports
        sweep.on_done = bar.advance
        keep = {len(sweep_scenarios)} if ends else set()
        first = sweep.run(first_batch, keep_values=keep)
        sweep_results = first[: len(sweep_scenarios)]
        frontier_scenarios: list[Scenario] = []
        frontier_results: list[ScenarioResult] = []
        if ends:
            low, high = first[len(sweep_scenarios)], first[len(sweep_scenarios) + 1]
            frontier = []
            if low.plan is None or high.plan is None:
                failed = low if low.plan is None else high
                frontier_note = f"no frontier: the {'lowest-power' if failed is low else 'cheapest'} plan serving all demand is {failed.status}" + (f" ({failed.note})" if failed.note else "")
                frontier_scenarios, frontier_results = list(ends), [low, high]
                bar.set_total(len(first_batch))
            else:
                interior = interior_scenarios(problem, low.plan.summary.power_w, high.plan.summary.power_w, frontier_points or 2)
                bar.set_total(len(first_batch) + len(interior))
                middle = sweep.run(interior, initial_hint=low.values)
                frontier_scenarios = [ends[0], *interior, ends[1]]
                frontier_results = [low, *middle, high]
            for result in frontier_results:
                result.values = None
    all_scenarios = sweep_scenarios + frontier_scenarios
    all_results = sweep_results + frontier_results
    for position, result in enumerate(all_results):
        result.index = position
    if frontier is not None and frontier_results and not frontier_note:
        offset = len(sweep_scenarios)
        frontier = pareto_points([(offset + i, s, r) for i, (s, r) in enumerate(zip(frontier_scenarios, frontier_results))])
    assign_slugs(all_scenarios)
    return WhatIfRun(
        problem=problem,
        scenarios=all_scenarios,
        results=all_results,
        frontier=frontier,
        frontier_note=frontier_note,
        jobs=pool,
        wall_seconds=time.perf_counter() - started,
        prepare_seconds=prepared.seconds,
    )


__all__ = ["WhatIfRun", "run_whatif"]
