"""Verifier, part two: the purchase order, buying policy, racks and redundancy, re-derived from
the catalog and the plan's servers and replicas (never from the model's data or variables).

Each rule is written out again here on purpose: a bug in the model or in the plan builder shows
up as a disagreement with this plain restatement.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from solver.catalog import Catalog
from solver.plan.schema import NodePlan, Plan
from solver.specs.hardware import FabricItem, NodeSpec
from solver.specs.problem import Problem
from solver.verify.rented import RESERVATION

BRIDGED_KINDS = ("pcie-server", "workstation")
SPARED_FORM_FACTORS = ("pcie", "consumer")
"""Cards a buyer stocks spares of (restated from the model's rule on purpose)."""
SWITCH_CATEGORIES = ("switch", "frontend-switch", "management-switch")
POWERED_CATEGORIES = ("nic", "switch", "cable", "storage", "frontend-switch", "management-switch", "frontend-cable", "management-cable")
"""BOM items that draw facility power besides the servers (PDUs' own draw is not counted)."""


def config_key(node: NodePlan, spec: NodeSpec) -> str:
    fitted = f"[{node.gpu_count}]" if node.gpu_count < spec.gpu_count else ""
    return f"{spec.id}{fitted}/{node.gpu}"


def server_power_w(node: NodePlan, catalog: Catalog) -> int:
    return catalog.node(node.node_type).base_power_w + node.gpu_count * catalog.gpu(node.gpu).tdp_w


def check_policy(plan: Plan, problem: Problem, catalog: Catalog) -> list[str]:
    """Bought servers obey the buying policy: orderable populations, lifecycle, site, licence,
    cooling, and desk-side power supply and circuit."""
    issues = []
    limits = problem.limits
    for node in plan.nodes:
        if node.owned or node.rented:
            continue
        spec, gpu = catalog.node(node.node_type), catalog.gpu(node.gpu)
        orderable = set(spec.orderable_gpu_counts or ()) | {spec.gpu_count}
        if node.gpu_count not in orderable:
            issues.append(f"{node.id}: {spec.id} cannot be ordered with {node.gpu_count} GPUs (orderable: {sorted(orderable)})")
        for part, lifecycle in ((gpu.id, gpu.lifecycle), (spec.id, spec.lifecycle)):
            if lifecycle.availability == "restricted" and not limits.allow_restricted:
                issues.append(f"{node.id}: {part} is export-restricted")
            if lifecycle.availability in ("end-of-life", "used-market-only") and not limits.allow_end_of_life:
                issues.append(f"{node.id}: {part} is {lifecycle.availability} and the problem does not allow it")
        if spec.rack_mounted and limits.site == "desk-side":
            issues.append(f"{node.id}: a rack server at a desk-side site")
        if not spec.rack_mounted and limits.site == "rack-room":
            issues.append(f"{node.id}: a desk-side machine at a rack-room site")
        if spec.rack_mounted and gpu.deployment_class == "geforce" and not limits.allow_geforce_in_rack_room:
            issues.append(f"{node.id}: GeForce {gpu.id} in a rack server (NVIDIA's GeForce licence forbids data-centre deployment)")
        if spec.cooling == "liquid" and not limits.liquid_cooling:
            issues.append(f"{node.id}: liquid-cooled {spec.id} in a room without liquid cooling")
        if not spec.rack_mounted:
            draw = server_power_w(node, catalog)
            # NVIDIA's system-power ratings (1,000 W for one 575 W RTX 5090) load a supply to ~80%.
            if spec.psu_w is not None and draw > 0.8 * spec.psu_w:
                issues.append(f"{node.id}: draws {draw} W, more than 80% of its {spec.psu_w} W power supply")
            if draw > limits.desk_circuit_w:
                issues.append(f"{node.id}: draws {draw} W, more than the {limits.desk_circuit_w} W office circuit")
    return issues


def _cheapest(catalog: Catalog, category: str) -> FabricItem | None:
    items = [item for item in catalog.fabric.values() if item.category == category]
    return min(items, key=lambda item: (item.price_usd, item.id)) if items else None


@dataclass(frozen=True)
class RackItems:
    """What a rack's load is made of besides servers, looked up once per plan: the fabric NIC
    and cable the BOM names, and the catalog's cheapest rack switches and server cables."""

    nic: FabricItem | None
    cable: FabricItem | None
    frontend_switch: FabricItem | None
    management_switch: FabricItem | None
    server_cables: list[FabricItem]


def rack_items(plan: Plan, catalog: Catalog) -> RackItems:
    by_category = {line.category: catalog.fabric_item(line.sku) for line in plan.bom if line.parent is None and line.category in POWERED_CATEGORIES}
    cables = [item for item in (_cheapest(catalog, "frontend-cable"), _cheapest(catalog, "management-cable")) if item is not None]
    return RackItems(by_category.get("nic"), by_category.get("cable"), _cheapest(catalog, "frontend-switch"), _cheapest(catalog, "management-switch"), cables)


def rack_load_w(rack_nodes: list[NodePlan], items: RackItems, catalog: Catalog) -> tuple[int, int, bool]:
    """(load W, units, holds servers) of one rack, from the catalog and the plan's rack items."""
    nic, cable, cables = items.nic, items.cable, items.server_cables
    load = units = 0
    servers = False
    for node in rack_nodes:
        spec = catalog.node(node.node_type)
        load += server_power_w(node, catalog)
        if node.fabric:
            port = math.ceil(cable.power_w) if cable else 0
            if not spec.fabric_nics_integrated and nic is not None:
                port += math.ceil(nic.power_w)
            load += spec.fabric_nics * port
        if spec.kind == "rack-scale":
            continue
        servers = True
        units += spec.rack_units
        load += sum(math.ceil(item.power_w) * (item.per_server or 1) for item in cables)
    if servers:
        for switch in (items.frontend_switch, items.management_switch):
            if switch is not None:
                load += math.ceil(switch.power_w)
                units += switch.rack_units
    return load, units, servers


def check_racks(plan: Plan, problem: Problem, catalog: Catalog) -> list[str]:
    """Density by cooling, A/B PDU pairs, and the rack's own switches."""
    issues = []
    limits = problem.limits
    nodes = {n.id: n for n in plan.nodes}
    pdu_line = next((line for line in plan.bom if line.category == "pdu" and line.parent is None), None)
    pdu_capacity = int(catalog.fabric_item(pdu_line.sku).power_capacity_w or 0) if pdu_line else 0
    switch_line = next((line for line in plan.bom if line.category == "switch" and line.parent is None), None)
    fabric_switch = catalog.fabric_item(switch_line.sku) if switch_line else None
    items = rack_items(plan, catalog)
    for rack in plan.racks:
        members = [nodes[n] for n in rack.nodes if n in nodes]
        load, units, servers = rack_load_w(members, items, catalog)
        liquid = any(catalog.node(n.node_type).kind == "rack-scale" for n in members)
        if liquid:
            units = limits.rack_units
        if fabric_switch is not None:
            load += rack.switches * math.ceil(fabric_switch.power_w)
            units += rack.switches * fabric_switch.rack_units
        if load != rack.power_w or units != rack.rack_units_used:
            issues.append(f"rack {rack.index}: recomputed {load} W / {units} U, plan says {rack.power_w} W / {rack.rack_units_used} U")
        if units > limits.rack_units:
            issues.append(f"rack {rack.index}: {units} U exceeds {limits.rack_units} U")
        limit_kw = limits.liquid_rack_power_kw if liquid else limits.rack_power_kw
        if limit_kw is not None and load > limit_kw * 1000:
            issues.append(f"rack {rack.index}: {load / 1000:.1f} kW exceeds the {'liquid' if liquid else 'air'}-cooled limit of {limit_kw:g} kW")
        if rack.pdus % 2:
            issues.append(f"rack {rack.index}: {rack.pdus} PDUs are not A/B pairs")
        if load and (rack.pdus // 2) * pdu_capacity < load:
            issues.append(f"rack {rack.index}: {rack.pdus // 2} A/B PDU pairs of {pdu_capacity} W cannot carry {load} W on one feed")
        expected = 1 if servers else 0
        if items.frontend_switch and rack.frontend_switches != expected:
            issues.append(f"rack {rack.index}: {rack.frontend_switches} front-end switches, expected {expected}")
        if items.management_switch and rack.management_switches != expected:
            issues.append(f"rack {rack.index}: {rack.management_switches} management switches, expected {expected}")
    return issues


def bridges_needed(plan: Plan, catalog: Catalog) -> dict[str, int]:
    """NVLink bridges per bridge SKU: every tensor/expert-parallel group on bridged cards."""
    nodes = {n.id: n for n in plan.nodes}
    needed: dict[str, int] = defaultdict(int)
    for replica in plan.replicas:
        group = replica.ep if replica.ep > 1 else replica.tp
        if replica.mig_profile or group < 2:
            continue
        for placement in replica.placement:
            node = nodes.get(placement.node)
            if node is None or node.rented:
                continue
            spec = catalog.node(node.node_type)
            if spec.kind not in BRIDGED_KINDS or group > node.nvlink_domain:
                continue
            items = [i for i in catalog.fabric.values() if i.category == "nvlink-bridge" and node.gpu in i.bridges]
            if not items:
                continue
            item = min(items, key=lambda i: (i.price_usd * (i.bridges_per_pair or 1), i.id))
            needed[item.id] += len(placement.gpus) // 2 * (item.bridges_per_pair or 1)
    return dict(needed)


def check_purchase_order(plan: Plan, problem: Problem, catalog: Catalog) -> list[str]:
    """Systems, sub-lines, networking, facility items, services and the total."""
    issues = []
    lines = plan.bom
    tops = [line for line in lines if line.parent is None]
    for number, line in enumerate(lines, start=1):
        if line.line != number:
            issues.append(f"BOM line {line.line}: numbering should be {number}")
        if line.extended_price_usd != line.quantity * line.unit_price_usd:
            issues.append(f"BOM line {line.line}: {line.quantity} × {line.unit_price_usd} ≠ {line.extended_price_usd}")
        if line.parent is not None and not any(top.line == line.parent and top.category == "system" for top in tops):
            issues.append(f"BOM line {line.line}: parent {line.parent} is not a system line")
        if not line.price_source:
            issues.append(f"BOM line {line.line}: no price source")
    # Reservations are paid monthly: the purchase order is everything else.
    total = sum(line.extended_price_usd for line in tops if line.category != RESERVATION)
    if total != plan.summary.capex_usd:
        issues.append(f"BOM total ${total:,} differs from capex ${plan.summary.capex_usd:,}")
    if problem.limits.budget_usd is not None and plan.summary.capex_usd > problem.limits.budget_usd:
        issues.append(f"capex ${plan.summary.capex_usd:,} exceeds budget ${problem.limits.budget_usd:,.0f}")
    # Configured systems: one line per bought configuration, priced chassis + cards.
    bought: dict[str, int] = defaultdict(int)
    unit_prices: dict[str, int] = {}
    for node in plan.nodes:
        if node.owned or node.rented:
            continue
        spec, gpu = catalog.node(node.node_type), catalog.gpu(node.gpu)
        key = config_key(node, spec)
        bought[key] += 1
        unit_prices[key] = round(spec.base_price_usd) + node.gpu_count * round(gpu.price_usd)
    systems = {line.sku: line for line in tops if line.category == "system"}
    if {key: line.quantity for key, line in systems.items()} != dict(bought):
        issues.append(f"BOM systems {{{', '.join(f'{k}: {v.quantity}' for k, v in systems.items())}}} differ from bought servers {dict(bought)}")
    for key, line in systems.items():
        if key in unit_prices and line.unit_price_usd != unit_prices[key]:
            issues.append(f"BOM {key}: unit price ${line.unit_price_usd:,}, catalog chassis + cards ${unit_prices[key]:,}")
        parts = sum(sub.extended_price_usd for sub in lines if sub.parent == line.line)
        if parts != line.extended_price_usd:
            issues.append(f"BOM {key}: sub-lines sum to ${parts:,}, the system line says ${line.extended_price_usd:,}")
    issues.extend(_check_counts(plan, problem, catalog, tops))
    issues.extend(_check_services(plan, problem, catalog, tops))
    return issues


def _quantity(tops: list, category: str) -> int:
    return sum(line.quantity for line in tops if line.category == category)


def _check_counts(plan: Plan, problem: Problem, catalog: Catalog, tops: list) -> list[str]:
    issues = []
    bridges = {line.sku: line.quantity for line in tops if line.category == "nvlink-bridge"}
    needed = bridges_needed(plan, catalog)
    if bridges != needed:
        issues.append(f"BOM NVLink bridges {bridges} differ from the tensor-parallel pairs' {needed}")
    machine_room = [n for n in plan.nodes if not n.rented]
    server_racks = sum(1 for rack in plan.racks if any(catalog.node(plan_node.node_type).kind != "rack-scale" for plan_node in machine_room if plan_node.id in rack.nodes))
    for category in ("frontend-switch", "management-switch"):
        if _cheapest(catalog, category) and _quantity(tops, category) != server_racks:
            issues.append(f"BOM {category}: {_quantity(tops, category)}, expected one per rack of servers ({server_racks})")
    rack_servers = [n for n in machine_room if catalog.node(n.node_type).rack_mounted and catalog.node(n.node_type).kind != "rack-scale"]
    for category in ("frontend-cable", "management-cable"):
        item = _cheapest(catalog, category)
        if item is not None and _quantity(tops, category) != len(rack_servers) * (item.per_server or 1):
            issues.append(f"BOM {category}: {_quantity(tops, category)}, expected {item.per_server} per rack server ({len(rack_servers)})")
    if _quantity(tops, "pdu") != sum(rack.pdus for rack in plan.racks):
        issues.append(f"BOM PDUs {_quantity(tops, 'pdu')} differ from the racks' {sum(rack.pdus for rack in plan.racks)}")
    rack_scale = sum(1 for n in machine_room if catalog.node(n.node_type).kind == "rack-scale")
    if _quantity(tops, "rack") != len(plan.racks) - rack_scale:
        issues.append(f"BOM racks {_quantity(tops, 'rack')}, expected {len(plan.racks) - rack_scale} (rack-scale systems bring their own)")
    return issues


def _check_services(plan: Plan, problem: Problem, catalog: Catalog, tops: list) -> list[str]:
    issues = []
    procurement = problem.procurement
    bought_rack_servers = sum(1 for n in plan.nodes if not n.owned and not n.rented and catalog.node(n.node_type).rack_mounted)
    installation = _cheapest(catalog, "installation")
    expected = bought_rack_servers if procurement.installation and installation is not None else 0
    if _quantity(tops, "installation") != expected:
        issues.append(f"BOM installation for {_quantity(tops, 'installation')} servers, expected {expected}")
    support = _cheapest(catalog, "support")
    covered = sum(
        line.extended_price_usd for line in tops
        if line.category in SWITCH_CATEGORIES or (line.category == "system" and catalog.node(line.sku.split("/")[0].split("[")[0]).rack_mounted)
    )
    expected_support = 0
    if support is not None and procurement.support_years:
        points = round((support.percent_per_year or 0) * procurement.support_years * 100)
        expected_support = -(-points * covered // 10_000)
    actual = sum(line.extended_price_usd for line in tops if line.category == "support")
    if actual != expected_support:
        issues.append(f"BOM support ${actual:,}, expected ${expected_support:,} ({procurement.support_years} years on ${covered:,} of servers and switches)")
    issues.extend(_check_spares(plan, problem, catalog, tops))
    return issues


def _check_spares(plan: Plan, problem: Problem, catalog: Catalog, tops: list) -> list[str]:
    """Spare cards: the percentage of the PCIe/consumer cards bought, rounded up per GPU type."""
    percent = problem.procurement.spare_cards_percent
    cards: dict[str, int] = defaultdict(int)
    for node in plan.nodes:
        if not node.owned and not node.rented and catalog.gpu(node.gpu).form_factor in SPARED_FORM_FACTORS:
            cards[node.gpu] += node.gpu_count
    expected = {gpu: -(-percent * count // 100) for gpu, count in cards.items() if percent and -(-percent * count // 100)}
    bought = {line.sku: line.quantity for line in tops if line.category == "spare-gpu"}
    if bought != expected:
        return [f"BOM spare cards {bought} differ from {percent}% of the field-replaceable cards bought, rounded up: {expected}"]
    return []


def check_redundancy(plan: Plan, problem: Problem) -> list[str]:
    """A workload marked n+k still serves its demand after its k worst failure domains fail."""
    issues = []
    nodes = {n.id: n for n in plan.nodes}
    required = {w.name: w.served_sessions for w in plan.workloads}
    for workload in problem.workloads:
        spares = workload.spare_domains
        if not spares:
            continue
        loss: dict[str, int] = defaultdict(int)
        capacity = 0
        for replica in plan.replicas:
            if replica.workload != workload.name:
                continue
            capacity += replica.serves
            domains = set()
            for placement in replica.placement:
                node = nodes.get(placement.node)
                rack = node.rack if node is not None else None
                domains.add(f"rack {rack}" if workload.failure_domain == "rack" and rack is not None else placement.node)
            for domain in domains:
                loss[domain] += replica.serves
        left = capacity - sum(sorted(loss.values(), reverse=True)[:spares])
        if left < required.get(workload.name, 0):
            issues.append(f"workload {workload.name}: {workload.redundancy} by {workload.failure_domain} leaves {left} served after the worst failure, needs {required.get(workload.name, 0)}")
    return issues
