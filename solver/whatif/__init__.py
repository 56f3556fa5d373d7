"""What-if analysis: budget sweeps, objective comparisons, knobs, named scenarios and the
cost-versus-power frontier (``procure whatif``).

- :mod:`solver.whatif.scenarios` parses budgets and knobs, applies overlays, plans scenarios;
- :mod:`solver.whatif.sweep` solves them in worker processes, hinting neighbours;
- :mod:`solver.whatif.frontier` the ε-constraint frontier;
- :mod:`solver.whatif.run` ties them together;
- :mod:`solver.whatif.results` rows, CSV/JSON, terminal tables and output files (and defines
  ``served_fraction``).
"""

from solver.whatif.run import WhatIfRun, run_whatif
from solver.whatif.scenarios import Scenario, collect_budgets, plan_scenarios

__all__ = ["Scenario", "WhatIfRun", "collect_budgets", "plan_scenarios", "run_whatif"]
