"""procure: size GPU purchases for language-model workloads.

Stages (each a subpackage with one job): ``specs`` (pydantic schemas) → ``catalog``
(loading and name resolution) → ``estimator`` (pure memory and speed formulas) →
``options`` (feasible deployments per workload) → ``model`` (CP-SAT) → ``plan``
(placement and extraction) → ``verify`` (independent checker) → ``report`` (BOM, JSON,
tables, charts) → ``whatif`` (scenario sweeps).
"""

__version__ = "0.1.0"
