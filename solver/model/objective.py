"""Capex, power and TCO as exact integer expressions (dollars, watts, cents)."""

from __future__ import annotations

from ortools.sat.python import cp_model

from solver.model.data import ModelData, power, price
from solver.model.variables import Variables

HOURS_PER_YEAR = 8760


def capex_usd(data: ModelData, variables: Variables) -> cp_model.LinearExprT:
    terms = [variables.bought[c.key] * c.price_usd for c in data.configs]
    for tech in data.fabric:
        name = tech.technology
        terms.append(variables.nics_bought[name] * price(tech.nic) + variables.nic_ports[name] * price(tech.cable))
        terms.append(variables.uplinks[name] * price(tech.cable))
        terms.append((variables.leaf_switches[name] + variables.spine_switches[name]) * price(tech.switch))
    facility = data.facility
    assert variables.drives is not None
    terms.append(variables.drives * price(facility.storage))
    terms.append(sum(variables.rack_used) * price(facility.rack))
    rack_scale = [variables.nodes(data, c.key) for c in data.configs if c.node.kind == "rack-scale"]
    if rack_scale:
        # A rack-scale system ships in its own rack: no enclosure to buy for it.
        terms.append(-sum(rack_scale) * price(facility.rack))
    terms.append(sum(variables.pdus.values()) * price(facility.pdu))
    return sum(terms)


def power_w(data: ModelData, variables: Variables) -> cp_model.LinearExprT:
    terms = [variables.nodes(data, c.key) * c.power_w for c in data.configs]
    for tech in data.fabric:
        name = tech.technology
        terms.append(variables.nics_bought[name] * power(tech.nic) + variables.nic_ports[name] * power(tech.cable))
        terms.append(variables.uplinks[name] * power(tech.cable))
        terms.append((variables.leaf_switches[name] + variables.spine_switches[name]) * power(tech.switch))
    assert variables.drives is not None
    terms.append(variables.drives * power(data.facility.storage))
    return sum(terms)


def energy_cents_per_watt(data: ModelData) -> int:
    """Cents of electricity one watt of nameplate power costs over the TCO horizon."""
    tco = data.problem.objective.tco
    dollars = tco.years * HOURS_PER_YEAR * tco.pue * tco.utilization * tco.electricity_usd_per_kwh / 1000
    return round(dollars * 100)


def tco_cents(data: ModelData, variables: Variables) -> cp_model.LinearExprT:
    return 100 * capex_usd(data, variables) + energy_cents_per_watt(data) * power_w(data, variables)


def node_count(data: ModelData, variables: Variables) -> cp_model.LinearExprT:
    return sum(variables.nodes(data, c.key) for c in data.configs)



def preference_then_nodes(data: ModelData, variables: Variables) -> cp_model.LinearExprT:
    """Options in less preferred formats first, then servers: exact lexicographically because
    the node term never exceeds the weight of one preference step (Σ of the node upper bounds)."""
    nodes = node_count(data, variables)
    ranks = [variables.replicas[i] * option.preference for i, option in enumerate(data.options) if option.preference]
    if not ranks:
        return nodes
    step = sum(data.node_upper.values()) + 1
    return step * sum(ranks) + nodes
