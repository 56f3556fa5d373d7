"""Budget and facility power cap, each guarded so an infeasible plan can say which one binds."""

from __future__ import annotations

import math

from ortools.sat.python import cp_model

from solver.model.data import ModelData
from solver.model.objective import capex_usd, power_w
from solver.model.variables import Variables


def add(model: cp_model.CpModel, data: ModelData, variables: Variables, *, budget_usd: float | None = None) -> None:
    limits = data.problem.limits
    budget = budget_usd if budget_usd is not None else limits.budget_usd
    if budget is not None:
        model.add(capex_usd(data, variables) <= math.floor(budget)).only_enforce_if(variables.guard(model, "budget"))
    if limits.power_kw is not None:
        model.add(power_w(data, variables) <= math.floor(limits.power_kw * 1000)).only_enforce_if(variables.guard(model, "power"))
