"""Rack space and per-rack power: each rack-mounted server and each switch sits in one rack
(desk-side machines need none).

Racks are bins used in order (used[r] ≥ used[r+1]) to break their symmetry. A rack-scale system
(GB200 NVL72) fills a rack of its own. A rack's load is its servers, its switches, and the NICs
and optics of its fabric-connected servers (at the dearest technology's per-port power, so the
bound holds whichever technology is chosen). Each used rack gets enough PDUs for its load.
Storage drives (tens of watts each) count towards facility power only.

`add_aggregate` is the relaxation without per-rack assignment (total space and load over the
rack count, PDUs over the total load): its optimum is a lower bound on the exact model's, which
the solver uses to size the rack bins and to prove optimality when the rack count is unlimited.
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from solver.model.constraints.fabric import switch_count
from solver.model.data import ModelData, power
from solver.model.variables import Variables
from solver.options.configs import NodeConfig


def node_rack_units(data: ModelData, key: str) -> int:
    config = data.config(key)
    if config.node.kind == "rack-scale":
        return data.facility.rack_units
    return config.node.rack_units


def _switch_units(data: ModelData) -> int:
    return max((tech.switch.rack_units for tech in data.fabric), default=1) or 1


def _switch_power(data: ModelData) -> int:
    return max((int(tech.switch.power_w) for tech in data.fabric), default=0)


def fabric_port_power(data: ModelData, config: NodeConfig) -> int:
    """Power per scale-out port of a server: NIC and optics of the dearest technology (safe
    whichever one is chosen), or optics alone where the accelerators bring the port."""
    if config.node.fabric_nics_integrated:
        return max((power(tech.cable) for tech in data.fabric), default=0)
    return max((power(tech.nic) + power(tech.cable) for tech in data.fabric), default=0)


def add_aggregate(model: cp_model.CpModel, data: ModelData, variables: Variables) -> None:
    facility = data.facility
    units = facility.rack_units
    mounted = [c for c in data.configs if c.rack_mounted and node_rack_units(data, c.key) <= units]
    switches_total = switch_count(variables) if data.fabric else 0
    space = sum(variables.nodes(data, c.key) * node_rack_units(data, c.key) for c in mounted) + switches_total * _switch_units(data)
    load = sum(variables.nodes(data, c.key) * c.power_w for c in mounted) + switches_total * _switch_power(data)
    load += sum(variables.fabric_nodes[c.key] * c.node.fabric_nics * fabric_port_power(data, c) for c in mounted if c.key in variables.fabric_nodes)
    upper = facility.rack_bins_unlimited
    racks_total = model.new_int_var(0, upper, "racks_total")
    pdus_total = model.new_int_var(0, 64 * upper, "pdus_total")
    variables.rack_used.append(racks_total)
    variables.pdus[0] = pdus_total
    for config in data.configs:
        if config.rack_mounted and node_rack_units(data, config.key) > units:
            model.add(variables.nodes(data, config.key) == 0)
    model.add(units * racks_total >= space).with_name("rack_space_total")
    model.add(racks_total >= sum(variables.nodes(data, c.key) for c in mounted if c.node.kind == "rack-scale"))
    if facility.rack_power_w is not None:
        model.add(facility.rack_power_w * racks_total >= load).only_enforce_if(variables.guard(model, "rack_power"))
    model.add((facility.pdu.power_capacity_w or 1) * pdus_total >= load).with_name("pdu_capacity_total")
    limit = data.problem.limits.racks
    if limit is not None:
        model.add(racks_total <= limit).only_enforce_if(variables.guard(model, "racks"))


def add(model: cp_model.CpModel, data: ModelData, variables: Variables) -> None:
    facility = data.facility
    units = facility.rack_units
    bins = facility.rack_bins
    switch_units = _switch_units(data)
    switch_power = _switch_power(data)
    switches_total = switch_count(variables) if data.fabric else 0
    pdu_capacity = facility.pdu.power_capacity_w or 1
    for rack in range(bins):
        used = model.new_bool_var(f"rack_used[{rack}]")
        variables.rack_used.append(used)
        if rack:
            model.add(variables.rack_used[rack - 1] >= used)
        space = []
        load = []
        for config in data.configs:
            if not config.rack_mounted:
                continue
            size = node_rack_units(data, config.key)
            if size > units:
                continue
            count = model.new_int_var(0, min(data.node_upper[config.key], units // size), f"nodes_in_rack[{rack}|{config.key}]")
            variables.nodes_in_rack[(rack, config.key)] = count
            space.append(count * size)
            load.append(count * config.power_w)
            if config.key in variables.fabric_nodes and config.node.fabric_nics:
                joined = model.new_int_var(0, min(data.node_upper[config.key], units // size), f"fabric_nodes_in_rack[{rack}|{config.key}]")
                variables.fabric_nodes_in_rack[(rack, config.key)] = joined
                model.add(joined <= count)
                load.append(joined * config.node.fabric_nics * fabric_port_power(data, config))
        switches = model.new_int_var(0, units // switch_units, f"switches_in_rack[{rack}]")
        variables.switches_in_rack[rack] = switches
        space.append(switches * switch_units)
        load.append(switches * switch_power)
        model.add(sum(space) <= units * used).with_name(f"rack_space[{rack}]")
        rack_load = sum(load)
        if facility.rack_power_w is not None:
            model.add(rack_load <= facility.rack_power_w).only_enforce_if(variables.guard(model, "rack_power"))
        pdus = model.new_int_var(0, 64, f"pdus[{rack}]")
        variables.pdus[rack] = pdus
        model.add(pdus * pdu_capacity >= rack_load).with_name(f"pdu_capacity[{rack}]")
        model.add(pdus <= 64 * used)
    for config in (c for c in data.configs if c.rack_mounted):
        placed = [variables.nodes_in_rack[(r, config.key)] for r in range(bins) if (r, config.key) in variables.nodes_in_rack]
        model.add(sum(placed) == variables.nodes(data, config.key)).with_name(f"every_node_in_a_rack[{config.key}]")
    model.add(sum(variables.switches_in_rack.values()) == switches_total).with_name("every_switch_in_a_rack")
    for config in data.configs:
        racked = [v for (_, key), v in variables.fabric_nodes_in_rack.items() if key == config.key]
        if racked:
            model.add(sum(racked) == variables.fabric_nodes[config.key]).with_name(f"every_fabric_node_in_a_rack[{config.key}]")
    limit = data.problem.limits.racks
    if limit is not None:
        model.add(sum(variables.rack_used) <= limit).only_enforce_if(variables.guard(model, "racks"))
