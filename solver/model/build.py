"""Assemble the CP-SAT model from precomputed data: variables, then each constraint family."""

from __future__ import annotations

from dataclasses import dataclass

from ortools.sat.python import cp_model

from solver.model import objective
from solver.model.constraints import demand, fabric, limits, packing, racks, storage
from solver.model.data import ModelData
from solver.model.variables import Variables, create_variables

DEMAND_SCALE = 10_000
"""Resolution of the weighted served-demand objective (what-if): 1/10,000 of a workload."""


@dataclass
class BuiltModel:
    model: cp_model.CpModel
    variables: Variables
    capex: cp_model.LinearExprT
    power: cp_model.LinearExprT
    tco: cp_model.LinearExprT
    nodes: cp_model.LinearExprT
    served_score: cp_model.LinearExprT


def served_score(data: ModelData, variables: Variables) -> cp_model.LinearExprT:
    """Σ priority × served share, in integers: weight round(priority·SCALE/required) per unit served."""
    terms = []
    for entry in data.workloads:
        weight = max(1, round(entry.workload.priority * DEMAND_SCALE / entry.required))
        terms.append(weight * variables.served[entry.workload.name])
    return sum(terms)


def build_model(data: ModelData, *, hard_demand: bool = True, budget_usd: float | None = None) -> BuiltModel:
    model = cp_model.CpModel()
    model.name = f"procure:{data.problem.name}"
    variables = create_variables(model, data)
    packing.add(model, data, variables)
    demand.add(model, data, variables, hard=hard_demand)
    fabric.add(model, data, variables)
    storage.add(model, data, variables)
    racks.add(model, data, variables)
    limits.add(model, data, variables, budget_usd=budget_usd)
    return BuiltModel(
        model=model,
        variables=variables,
        capex=_named(model, "capex_usd", objective.capex_usd(data, variables)),
        power=_named(model, "power_w", objective.power_w(data, variables)),
        tco=_named(model, "tco_cents", objective.tco_cents(data, variables)),
        nodes=_named(model, "nodes_total", objective.node_count(data, variables)),
        served_score=_named(model, "served_score", served_score(data, variables)),
    )


def _named(model: cp_model.CpModel, name: str, expression: cp_model.LinearExprT) -> cp_model.IntVar:
    """A named variable equal to an expression, so its value is read like any other."""
    variable = model.new_int_var(-(2**50), 2**50, name)
    model.add(variable == expression)
    return variable
