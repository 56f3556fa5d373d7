"""Each workload's demand is served: sessions, jobs, or tokens/s.

`served` is capped at the requirement, so surplus capacity earns nothing; hard demand fixes it at
the requirement (guarded per workload), soft demand (what-if budgets) leaves it to the objective.
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from solver.model.data import ModelData
from solver.model.variables import Variables


def add(model: cp_model.CpModel, data: ModelData, variables: Variables, *, hard: bool) -> None:
    options = data.options
    for entry in data.workloads:
        name = entry.workload.name
        capacity = sum(variables.replicas[i] * options[i].serves for i in data.options_by_workload.get(name, []))
        model.add(variables.served[name] <= capacity).with_name(f"served_by_replicas[{name}]")
        if hard:
            model.add(variables.served[name] >= entry.required).only_enforce_if(variables.guard(model, f"demand:{name}"))
