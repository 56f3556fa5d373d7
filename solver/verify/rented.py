"""Checks of a plan's rented capacity, from the cloud catalog: each rented server is a real
instance of its type (GPU, count, NVLink domain), the reservation lines list exactly the
instances used at the catalog's price for the plan's commitment, and the `rent` section adds up."""

from __future__ import annotations

from collections import Counter

from solver.catalog import Catalog
from solver.plan.schema import NodePlan, Plan
from solver.rent.instances import instance_node
from solver.rent.prices import monthly_usd, rental_price
from solver.specs.cloud import CloudInstance
from solver.specs.hardware import NodeSpec
from solver.specs.problem import Problem

RESERVATION = "reservation"


def instance_of(catalog: Catalog, node: NodePlan) -> CloudInstance | None:
    if catalog.cloud is None:
        return None
    return next((i for i in catalog.cloud.instances if i.id == node.node_type), None)


def node_spec(catalog: Catalog, node: NodePlan) -> NodeSpec | None:
    """The catalog node of an owned or bought server; the instance described as a node for a
    rented one (None for an unknown instance, which check_rented reports)."""
    if node.rented:
        instance = instance_of(catalog, node)
        return None if instance is None else instance_node(instance, catalog.gpu(instance.gpu))
    return catalog.node(node.node_type)


def share_of_day(plan: Plan, problem: Problem) -> float:
    """Share of each day rented instances are billed: the burst hours of a hybrid plan's remainder."""
    return problem.rent.burst_hours_per_day / 24 if plan.summary.objective == "hybrid" else 1.0


def check_rented(plan: Plan, problem: Problem, catalog: Catalog) -> list[str]:
    issues = []
    rented = [node for node in plan.nodes if node.rented]
    counts: Counter[str] = Counter()
    for node in rented:
        instance = instance_of(catalog, node)
        if instance is None:
            issues.append(f"{node.id}: rented instance type {node.node_type} is not in the cloud catalog")
            continue
        counts[instance.id] += 1
        gpu = catalog.gpu(instance.gpu)
        domain = min(instance.scaleup_domain, gpu.max_scaleup_domain)
        if (node.gpu, node.gpu_count, node.nvlink_domain) != (gpu.id, instance.gpus, domain):
            issues.append(f"{node.id}: {node.gpu_count}× {node.gpu} (NVLink {node.nvlink_domain}) but {instance.id} is {instance.gpus}× {gpu.id} (NVLink {domain})")
        if node.rack is not None or node.fabric or node.owned or node.power_w:
            issues.append(f"{node.id}: a rented instance takes no rack, fabric port or facility power and is not owned")
    lines = [line for line in plan.bom if line.category == RESERVATION]
    listed = Counter({line.sku: line.quantity for line in lines})
    if listed != counts:
        issues.append(f"reservations {dict(listed)} differ from the rented instances {dict(counts)}")
    share = share_of_day(plan, problem)
    for line in lines:
        instance = next((i for i in catalog.cloud.instances if i.id == line.sku), None) if catalog.cloud else None
        price = rental_price(instance, problem.rent.commitment) if instance else None
        if price is None:
            issues.append(f"BOM line {line.line}: {line.sku} has no price at {problem.rent.commitment} in the cloud catalog")
            continue
        expected = monthly_usd(price.usd_per_hour, problem.rent.hours_per_month, share)
        if line.unit_price_usd != expected:
            issues.append(f"BOM line {line.line}: {line.sku} at ${line.unit_price_usd:,}/month, the catalog gives ${expected:,} ({price.commitment}, ${price.usd_per_hour:g}/h)")
    if lines and plan.rent is not None and plan.rent.get("mode") in ("rented", "hybrid"):
        total = sum(line.extended_price_usd for line in lines)
        if plan.rent.get("monthly_usd") != total:
            issues.append(f"rent: monthly ${plan.rent.get('monthly_usd')} differs from the reservations' ${total:,}")
    return issues
