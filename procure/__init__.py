"""procure: size GPU purchases for language-model workloads, from Python.

    import procure

    plan = procure.solve("problems/lab20.yaml").plan
    plan.summary.capex_usd                                   # 1128244
    plan.economics["total"]["usd_per_million_output_tokens"] # 18.0695
    plan.rent["break_even_month"]                            # 20.3
    procure.fits("llama-3.1-70b", gpu="rtx-4090", count=2, precision="awq").fits

Entry points (``procure.api``): ``load_catalog``, ``load_problem``, ``estimate``, ``fits``,
``training_budget``, ``solve``, ``whatif``, ``report``; results are the library's own types
(``SolveResult`` with its ``Plan``, ``EstimateReport``, ``FitReport``, ``TrainingBudget``,
``WhatIfRun``), exported here too.

Names load on first use: the ``procure`` command imports this package too, and must not pay
for the solver's imports before it knows which command runs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from solver import __version__

if TYPE_CHECKING:
    from procure.api import estimate, fits, load_catalog, load_problem, report, solve, training_budget, whatif
    from solver.catalog import Catalog
    from solver.errors import InfeasibleError, InputError, ProcureError
    from solver.estimator.training_budget import TrainingBudget
    from solver.pipeline import SolveResult
    from solver.plan.schema import Plan
    from solver.queries import EstimateReport, FitReport
    from solver.specs.problem import Problem
    from solver.whatif.run import WhatIfRun

_WHERE = {
    "estimate": "procure.api",
    "fits": "procure.api",
    "load_catalog": "procure.api",
    "load_problem": "procure.api",
    "report": "procure.api",
    "solve": "procure.api",
    "training_budget": "procure.api",
    "whatif": "procure.api",
    "Catalog": "solver.catalog",
    "EstimateReport": "solver.queries",
    "FitReport": "solver.queries",
    "InfeasibleError": "solver.errors",
    "InputError": "solver.errors",
    "Plan": "solver.plan.schema",
    "Problem": "solver.specs.problem",
    "ProcureError": "solver.errors",
    "SolveResult": "solver.pipeline",
    "TrainingBudget": "solver.estimator.training_budget",
    "WhatIfRun": "solver.whatif.run",
}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'procure' has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_WHERE})


__all__ = ["__version__", *_WHERE]
