"""Support bought with the hardware, priced exactly in whole dollars.

The catalog's support rule prices it as a percentage of the covered hardware per year; over the
problem's years that is b basis points of the hardware price H. The contract costs ⌈b·H/10⁴⌉
dollars, which two linear inequalities pin exactly: 10⁴·s ≥ b·H and 10⁴·s ≤ b·H + 9,999.
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from solver.model.data import ModelData
from solver.model.objective import supported_hardware_usd
from solver.model.variables import Variables

BASIS_POINTS = 10_000


def add(model: cp_model.CpModel, data: ModelData, variables: Variables) -> None:
    points = data.facility.support_basis_points
    if data.facility.support is None or not points:
        return
    upper = sum(data.node_upper[c.key] * c.price_usd for c in data.configs) * points // BASIS_POINTS + 10**9
    support = model.new_int_var(0, upper, "support_usd")
    variables.support_usd = support
    hardware = supported_hardware_usd(data, variables)
    model.add(BASIS_POINTS * support >= points * hardware).with_name("support_price_floor")
    model.add(BASIS_POINTS * support <= points * hardware + BASIS_POINTS - 1).with_name("support_price_ceiling")
