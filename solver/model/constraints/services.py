"""Support and spare cards bought with the hardware, counted exactly in whole units.

The catalog's support rule prices it as a percentage of the covered hardware per year; over the
problem's years that is b basis points of the hardware price H. The contract costs ⌈b·H/10⁴⌉
dollars, which two linear inequalities pin exactly: 10⁴·s ≥ b·H and 10⁴·s ≤ b·H + 9,999.
Spare cards are ⌈p·C/100⌉ per GPU type for the C field-replaceable cards bought, pinned the same way.
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from solver.model.data import ModelData
from solver.model.objective import supported_hardware_usd
from solver.model.variables import Variables

BASIS_POINTS = 10_000


def add(model: cp_model.CpModel, data: ModelData, variables: Variables) -> None:
    _add_spares(model, data, variables)
    points = data.facility.support_basis_points
    if data.facility.support is None or not points:
        return
    upper = sum(data.node_upper[c.key] * c.price_usd for c in data.configs) * points // BASIS_POINTS + 10**9
    support = model.new_int_var(0, upper, "support_usd")
    variables.support_usd = support
    hardware = supported_hardware_usd(data, variables)
    model.add(BASIS_POINTS * support >= points * hardware).with_name("support_price_floor")
    model.add(BASIS_POINTS * support <= points * hardware + BASIS_POINTS - 1).with_name("support_price_ceiling")


def _add_spares(model: cp_model.CpModel, data: ModelData, variables: Variables) -> None:
    percent = data.spare_percent
    for gpu, configs in sorted(data.spared_gpus.items()):
        cards = sum(variables.bought[c.key] * c.gpu_count for c in configs)
        upper = sum(data.node_upper[c.key] * c.gpu_count for c in configs)
        spares = model.new_int_var(0, -(-percent * upper // 100), f"spare_cards[{gpu}]")
        variables.spare_cards[gpu] = spares
        model.add(100 * spares >= percent * cards).with_name(f"spares_floor[{gpu}]")
        model.add(100 * spares <= percent * cards + 99).with_name(f"spares_ceiling[{gpu}]")
