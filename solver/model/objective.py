"""Capex, power and TCO as exact integer expressions (dollars, watts, cents)."""

from __future__ import annotations

from ortools.sat.python import cp_model

from solver.model.constraints.racks import rack_network_power
from solver.model.data import ModelData, power, price
from solver.model.variables import Variables, replica_upper
from solver.options.configs import NodeConfig
from solver.specs.hardware import FabricItem

HOURS_PER_YEAR = 8760


def supported_hardware_usd(data: ModelData, variables: Variables) -> cp_model.LinearExprT:
    """What the support contract covers: rack servers bought and every switch (desk-side
    machines keep the vendor's standard warranty; cables, racks and PDUs are commodity)."""
    terms = [variables.bought[c.key] * c.price_usd for c in data.configs if c.rack_mounted]
    for tech in data.fabric:
        name = tech.technology
        terms.append((variables.leaf_switches[name] + variables.spine_switches[name]) * price(tech.switch))
    terms.append(sum(variables.server_racks) * rack_network_price(data))
    return sum(terms)


def rack_network_price(data: ModelData) -> int:
    """The front-end and management switches of one rack of servers."""
    facility = data.facility
    return sum(price(item) for item in (facility.frontend_switch, facility.management_switch) if item is not None)


def server_cables(data: ModelData, config: NodeConfig) -> list[tuple[FabricItem, int]]:
    """Front-end and management cables of one rack server of a configuration (none for desk-side
    machines, which use the office network, or rack-scale systems, whose uplinks ship with them)."""
    if not config.rack_mounted or config.node.kind == "rack-scale":
        return []
    facility = data.facility
    return [(item, item.per_server or 1) for item in (facility.frontend_cable, facility.management_cable) if item is not None]


def bridge_cost_usd(data: ModelData, variables: Variables) -> cp_model.LinearExprT:
    terms = []
    for index, option in enumerate(data.options):
        count = data.bridges_per_replica(option)
        if count:
            terms.append(variables.replicas[index] * count * price(data.bridges[option.config_key]))
    return sum(terms)


def capex_usd(data: ModelData, variables: Variables) -> cp_model.LinearExprT:
    """Everything on the purchase order, in whole dollars: exactly the BOM's total."""
    terms = [variables.bought[c.key] * c.price_usd for c in data.configs]
    terms.append(bridge_cost_usd(data, variables))
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
    terms.append(2 * sum(variables.pdu_pairs.values()) * price(facility.pdu))
    terms.append(sum(variables.server_racks) * rack_network_price(data))
    for config in data.configs:
        cables = server_cables(data, config)
        if cables:
            terms.append(variables.nodes(data, config.key) * sum(price(item) * count for item, count in cables))
    if facility.installation is not None:
        terms.append(sum(variables.bought[c.key] for c in data.configs if c.rack_mounted) * price(facility.installation))
    if variables.support_usd is not None:
        terms.append(variables.support_usd)
    for gpu, spares in variables.spare_cards.items():
        terms.append(spares * data.spared_gpus[gpu][0].gpu_price_usd)
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
    terms.append(sum(variables.server_racks) * rack_network_power(data))
    for config in data.configs:
        cables = server_cables(data, config)
        if cables:
            terms.append(variables.nodes(data, config.key) * sum(power(item) * count for item, count in cables))
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
    return _preference_step(data) * sum(ranks) + nodes


def _preference_step(data: ModelData) -> int:
    return sum(data.node_upper.values()) + 1


def preference_upper(data: ModelData) -> int:
    """The most preference_then_nodes can be, from the variables' domains (≥ 0 always)."""
    nodes = sum(max(data.node_upper[c.key], c.owned) for c in data.configs)
    ranks = sum(option.preference * replica_upper(data, option) for option in data.options if option.preference)
    return _preference_step(data) * ranks + nodes
