"""How a solve runs: its objective, time limit, workers, hint and processes.

Apart from the search (solver.model.solve), so that a caller can describe a solve without
importing CP-SAT, whose import (with pandas and numpy, ~0.7 s) can then overlap the estimating
of options in worker processes (solver.options.parallel).
"""

from __future__ import annotations

from dataclasses import dataclass

SEARCH_MODULES = ("solver.model.solve", "solver.plan.extract")
"""What solving needs beyond estimating: CP-SAT with pandas and numpy (~0.7 s to import), loaded
while worker processes estimate the options (solver.preload.want), or where first used."""


@dataclass(frozen=True)
class SolveSettings:
    objective: str = "cost"
    time_limit_s: float = 30.0
    workers: int = 1
    seed: int = 0
    hard_demand: bool = True
    budget_usd: float | None = None
    hint: dict[str, int] | None = None
    """Variable name → value from a neighbouring scenario (what-if)."""
    log_search: bool = False
    keep_interrupted: bool = False
    """On an interrupt, return the best solution so far (marked interrupted) instead of raising."""
    tie_breaks: bool = True
    """False: stop once capex is decided (the stages up to and including cost), for callers that
    read only capex and demand served (Monte Carlo samples)."""
    precompute_jobs: int = 1
    """Processes estimating deployment options (build_data; the options are the same for any
    number); above 1, a purchase's renting comparison is also solved in a worker beside it."""
    preload: tuple[str, ...] = ()
    """Modules the caller needs afterwards, imported in the background once the options are
    estimated (solver.preload; importing while workers fork could deadlock them)."""


__all__ = ["SEARCH_MODULES", "SolveSettings"]
