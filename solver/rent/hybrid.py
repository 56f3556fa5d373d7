"""`objective: hybrid`: own the base load, rent the rest.

Owned servers are sized for `rent.base_fraction` of each workload's peak demand (rounded up, in
the workload's own unit: sessions, jobs, or tokens/s), bought at least capex within the
problem's limits. Whatever those replicas serve beyond the base counts too; the remainder of the
peak is served by the cheapest rented instances, billed `rent.burst_hours_per_day` hours a day
(peak demand above the base lasts only part of the day; on-demand capacity is billed by the
hour). The two parts are solved in turn, not jointly: the owned part is the cheapest purchase
for the base load and the rented part the cheapest rental of what it leaves, so the sum is
not proven the cheapest way to split the demand (a joint model would weigh capex against months
of rent). The plan's status and gap are the worse of the two solves'; its objective value is
the resulting monthly cost (amortised capex, running costs and rent). Sweep the fraction to
choose it.
"""

from __future__ import annotations

from collections import defaultdict

from solver.options.generate import demand_unit, required_demand
from solver.plan.schema import Plan, WorkloadPlan
from solver.rent.problem import base_units, with_demand
from solver.specs.problem import Problem


def base_problem(problem: Problem) -> Problem:
    """The owned part: every workload at its base share of the peak, minimising capex."""
    fraction = problem.rent.base_fraction
    workloads = [with_demand(w, base_units(required_demand(w), fraction)) for w in problem.workloads]
    objective = problem.objective.model_copy(update={"minimize": "cost"})
    return problem.model_copy(update={"workloads": workloads, "objective": objective})


def capacity(plan: Plan) -> dict[str, int]:
    """Units each workload's replicas in `plan` can serve."""
    served: dict[str, int] = defaultdict(int)
    for replica in plan.replicas:
        served[replica.workload] += replica.serves
    return dict(served)


def remainder_problem(problem: Problem, owned_capacity: dict[str, int]) -> Problem | None:
    """The rented part: what the owned replicas leave of each workload's peak (None: nothing)."""
    workloads = []
    for workload in problem.workloads:
        left = required_demand(workload) - owned_capacity.get(workload.name, 0)
        if left > 0:
            workloads.append(with_demand(workload, left))
    if not workloads:
        return None
    return problem.model_copy(update={"workloads": workloads})


def merged_workloads(problem: Problem, owned: Plan, rented: Plan | None) -> list[WorkloadPlan]:
    """Each workload's full requirement against what both parts serve."""
    served = capacity(owned)
    replicas = defaultdict(int)
    for plan in (owned, rented):
        if plan is None:
            continue
        for replica in plan.replicas:
            replicas[replica.workload] += 1
    if rented is not None:
        for name, units in capacity(rented).items():
            served[name] = served.get(name, 0) + units
    entries = []
    for workload in problem.workloads:
        required = required_demand(workload)
        done = min(served.get(workload.name, 0), required)
        entries.append(WorkloadPlan(
            name=workload.name, kind=workload.kind, unit=demand_unit(workload), required_sessions=required,
            served_sessions=done, served_fraction=round(done / required, 6), replicas=replicas[workload.name],
            min_decode_tokens_per_s=workload.min_decode_tokens_per_s, max_ttft_s=workload.max_ttft_s,
        ))
    return entries
