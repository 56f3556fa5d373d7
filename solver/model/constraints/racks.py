"""Racks: space, power density, A/B power feeds and the rack's own network.

Each rack-mounted server and each fabric switch sits in one rack (desk-side machines need none).
Racks are bins used in order (used[r] ≥ used[r+1]) to break their symmetry.

A rack-scale system (GB200 NVL72) fills a liquid-cooled rack of its own; every other used rack
is a rack of servers and gets one top-of-rack front-end switch and one management switch (1U
each, in the rack's space and load), so a rack's servers are limited by the switches' ports. A
rack's load is its servers, its switches, the front-end and management cables of its servers,
and the NICs and optics of its fabric-connected servers (at the dearest technology's per-port
power, so the bound holds whichever technology is chosen).

Power density: a rack of servers draws at most the air-cooled limit, a rack-scale rack at most
the liquid-cooled one (limits.rack_power_kw, liquid_rack_power_kw).

A/B feeds: PDUs come in pairs, one per feed, and each PDU of a pair must carry the whole load
when the other feed fails (ANSI/TIA-942-B: each path supports the entire critical load alone),
so pairs × PDU capacity ≥ load, and the rack buys 2 × pairs PDUs. Storage drives (tens of watts
each) count towards facility power only.

`add_aggregate` is the relaxation without per-rack assignment (total space and load over the
rack count, PDU pairs over the total load): its optimum is a lower bound on the exact model's,
which the solver uses to size the rack bins and to prove optimality when the rack count is
unlimited.
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


def is_rack_scale(config: NodeConfig) -> bool:
    return config.node.kind == "rack-scale"


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


def rack_network_units(data: ModelData) -> int:
    """Rack units of the front-end and management switches of one rack of servers."""
    facility = data.facility
    return sum(item.rack_units for item in (facility.frontend_switch, facility.management_switch) if item is not None)


def rack_network_power(data: ModelData) -> int:
    facility = data.facility
    return sum(power(item) for item in (facility.frontend_switch, facility.management_switch) if item is not None)


def server_cable_power(data: ModelData, config: NodeConfig) -> int:
    """Power of a rack server's front-end and management cables (0 for rack-scale systems,
    whose uplinks ship with them)."""
    if is_rack_scale(config):
        return 0
    facility = data.facility
    return sum(power(item) * (item.per_server or 1) for item in (facility.frontend_cable, facility.management_cable) if item is not None)


def servers_per_rack_limit(data: ModelData) -> int | None:
    """Most servers one rack's front-end and management switches can connect."""
    facility = data.facility
    limits = [
        (switch.ports or 0) // (cable.per_server or 1)
        for switch, cable in ((facility.frontend_switch, facility.frontend_cable), (facility.management_switch, facility.management_cable))
        if switch is not None and cable is not None
    ]
    return min(limits) if limits else None


def rack_load_upper_w(data: ModelData) -> int:
    """A bound on any rack's load (the big-M of an absent density limit)."""
    units = data.facility.rack_units
    per_unit = max(
        ((c.power_w + c.node.fabric_nics * fabric_port_power(data, c) + server_cable_power(data, c)) / node_rack_units(data, c.key) for c in data.configs if c.rack_mounted),
        default=0,
    )
    return int(per_unit * units) + units * _switch_power(data) + rack_network_power(data) + 1


def _density_limits(data: ModelData) -> tuple[int, int]:
    """(air-cooled, liquid-cooled) rack power limits, an absent one replaced by a bound that never binds."""
    facility = data.facility
    upper = rack_load_upper_w(data)
    air = facility.rack_power_w if facility.rack_power_w is not None else upper
    liquid = facility.liquid_rack_power_w if facility.liquid_rack_power_w is not None else upper
    return air, liquid


def add_aggregate(model: cp_model.CpModel, data: ModelData, variables: Variables) -> None:
    facility = data.facility
    units = facility.rack_units
    mounted = [c for c in data.configs if c.rack_mounted and node_rack_units(data, c.key) <= units]
    switches_total = switch_count(variables) if data.fabric else 0
    space = sum(variables.nodes(data, c.key) * node_rack_units(data, c.key) for c in mounted) + switches_total * _switch_units(data)
    load = sum(variables.nodes(data, c.key) * (c.power_w + server_cable_power(data, c)) for c in mounted) + switches_total * _switch_power(data)
    load += sum(variables.fabric_nodes[c.key] * c.node.fabric_nics * fabric_port_power(data, c) for c in mounted if c.key in variables.fabric_nodes)
    upper = facility.rack_bins_unlimited
    racks_total = model.new_int_var(0, upper, "racks_total")
    server_racks = model.new_int_var(0, upper, "server_racks_total")
    pairs_total = model.new_int_var(0, -(-rack_load_upper_w(data) // (facility.pdu.power_capacity_w or 1)) * upper, "pdu_pairs_total")
    variables.rack_used.append(racks_total)
    variables.server_racks.append(server_racks)
    variables.pdu_pairs[0] = pairs_total
    for config in data.configs:
        if config.rack_mounted and node_rack_units(data, config.key) > units:
            model.add(variables.nodes(data, config.key) == 0)
    rack_scale = sum(variables.nodes(data, c.key) for c in mounted if is_rack_scale(c))
    model.add(server_racks == racks_total - rack_scale)
    model.add(units * racks_total >= space + rack_network_units(data) * server_racks).with_name("rack_space_total")
    load += rack_network_power(data) * server_racks
    air, liquid = _density_limits(data)
    if facility.rack_power_w is not None or facility.liquid_rack_power_w is not None:
        model.add(load <= air * server_racks + liquid * rack_scale).only_enforce_if(variables.guard(model, "rack_power"))
    per_rack = servers_per_rack_limit(data)
    if per_rack is not None:
        model.add(sum(variables.nodes(data, c.key) for c in mounted if not is_rack_scale(c)) <= per_rack * server_racks)
    model.add((facility.pdu.power_capacity_w or 1) * pairs_total >= load).with_name("pdu_capacity_total")
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
    network_units = rack_network_units(data)
    network_power = rack_network_power(data)
    air, liquid = _density_limits(data)
    density_limited = facility.rack_power_w is not None or facility.liquid_rack_power_w is not None
    per_rack = servers_per_rack_limit(data)
    most_pairs = -(-rack_load_upper_w(data) // pdu_capacity)
    # Per configuration, once: (config, rack units, load per server, load per fabric server).
    mounted = [
        (config, node_rack_units(data, config.key), config.power_w + server_cable_power(data, config), config.node.fabric_nics * fabric_port_power(data, config))
        for config in data.configs
        if config.rack_mounted and node_rack_units(data, config.key) <= units
    ]
    for rack in range(bins):
        used = model.new_bool_var(f"rack_used[{rack}]")
        variables.rack_used.append(used)
        if rack:
            model.add(variables.rack_used[rack - 1] >= used)
        space = []
        load = []
        rack_scale = []
        servers = []
        for config, size, server_load, port_load in mounted:
            count = model.new_int_var(0, min(data.node_upper[config.key], units // size), f"nodes_in_rack[{rack}|{config.key}]")
            variables.nodes_in_rack[(rack, config.key)] = count
            space.append(count * size)
            load.append(count * server_load)
            (rack_scale if is_rack_scale(config) else servers).append(count)
            if config.key in variables.fabric_nodes and config.node.fabric_nics:
                joined = model.new_int_var(0, min(data.node_upper[config.key], units // size), f"fabric_nodes_in_rack[{rack}|{config.key}]")
                variables.fabric_nodes_in_rack[(rack, config.key)] = joined
                model.add(joined <= count)
                load.append(joined * port_load)
        # A used rack holds servers (and their switches) or one rack-scale system, never both:
        # a rack-scale system takes every unit.
        server_rack = model.new_bool_var(f"server_rack[{rack}]")
        variables.server_racks.append(server_rack)
        model.add(server_rack == used - sum(rack_scale))
        switches = model.new_int_var(0, units // switch_units, f"switches_in_rack[{rack}]")
        variables.switches_in_rack[rack] = switches
        # A used rack that is not a rack-scale system holds servers or fabric switches: without
        # it a stage stopped early could keep empty racks with only their own front-end and
        # management switches, which the verifier rejects (100 generated workloads, what-if).
        model.add(sum(servers) + switches >= server_rack).with_name(f"server_rack_holds_something[{rack}]")
        space.append(switches * switch_units + server_rack * network_units)
        load.append(switches * switch_power + server_rack * network_power)
        model.add(sum(space) <= units * used).with_name(f"rack_space[{rack}]")
        rack_load = sum(load)
        if density_limited:
            model.add(rack_load <= air * server_rack + liquid * sum(rack_scale)).only_enforce_if(variables.guard(model, "rack_power"))
        if per_rack is not None and servers:
            model.add(sum(servers) <= per_rack * server_rack).with_name(f"rack_switch_ports[{rack}]")
        pairs = model.new_int_var(0, most_pairs, f"pdu_pairs[{rack}]")
        variables.pdu_pairs[rack] = pairs
        model.add(pairs * pdu_capacity >= rack_load).with_name(f"pdu_pair_capacity[{rack}]")
        model.add(pairs <= most_pairs * used)
    placed_by_config: dict[str, list[cp_model.IntVar]] = {}
    for (_, key), count in variables.nodes_in_rack.items():
        placed_by_config.setdefault(key, []).append(count)
    for config in (c for c in data.configs if c.rack_mounted):
        placed = placed_by_config.get(config.key, [])
        model.add(sum(placed) == variables.nodes(data, config.key)).with_name(f"every_node_in_a_rack[{config.key}]")
    model.add(sum(variables.switches_in_rack.values()) == switches_total).with_name("every_switch_in_a_rack")
    racked: dict[str, list[cp_model.IntVar]] = {}
    for (_, key), joined in variables.fabric_nodes_in_rack.items():
        racked.setdefault(key, []).append(joined)
    for config in data.configs:
        if config.key in racked:
            model.add(sum(racked[config.key]) == variables.fabric_nodes[config.key]).with_name(f"every_fabric_node_in_a_rack[{config.key}]")
    limit = data.problem.limits.racks
    if limit is not None:
        model.add(sum(variables.rack_used) <= limit).only_enforce_if(variables.guard(model, "racks"))
