"""The problem as renting sees it.

Rented capacity sits in someone else's data centre: the machine room's limits (capital budget,
facility and rack power, racks, servers) do not bind it, and owned inventory has no part in a
fully rented plan. The GPU and vendor limits still choose what may be rented.
"""

from __future__ import annotations

import math

from solver.specs.problem import Demand, Problem, Workload


def rent_view(problem: Problem) -> Problem:
    """`problem` with the machine-room limits lifted and no owned inventory, minimising cost
    (the monthly rent, since rented configurations are priced per month)."""
    limits = problem.limits.model_copy(update={"budget_usd": None, "power_kw": None, "racks": None, "rack_power_kw": None, "max_nodes": None, "inventory": []})
    objective = problem.objective.model_copy(update={"minimize": "cost"})
    return problem.model_copy(update={"limits": limits, "objective": objective})


def with_demand(workload: Workload, units: int) -> Workload:
    """The workload with `units` of demand in its own unit: sessions, jobs, or (batch) tokens/s
    kept by scaling the tokens to process by the deadline."""
    if workload.kind == "batch":
        assert workload.deadline_hours is not None
        # One job whose tokens over the deadline give exactly `units` tokens/s (required_demand rounds up).
        return workload.model_copy(update={"demand": Demand(jobs=1), "tokens": units * workload.deadline_hours * 3600})
    if workload.is_training:
        return workload.model_copy(update={"demand": Demand(jobs=units)})
    return workload.model_copy(update={"demand": Demand(sessions=units)})


def base_units(required: int, fraction: float) -> int:
    """Units of the base load: the fraction of the peak requirement, rounded up (at least one)."""
    return max(1, math.ceil(round(required * fraction, 9)))
