"""A rented plan: its servers become cloud instances and its bill of materials a reservation
list (category "reservation": quantity, USD per month, provider, instance type, commitment and
the price's source and date), and plan.json gets a `rent` section with the same instances."""

from __future__ import annotations

from collections import Counter
from typing import Any

from solver.model.data import ModelData, StoredCheckpoint, needed_megabytes
from solver.model.constraints.storage import MB_PER_GB
from solver.plan.schema import BomLine, Plan
from solver.rent.instances import RentedConfig
from solver.specs.problem import Problem

RESERVATION = "reservation"


def rented_configs_used(plan: Plan, data: ModelData) -> dict[str, tuple[RentedConfig, int]]:
    """Instance id → (its configuration, instances in the plan)."""
    counts = Counter(node.node_type for node in plan.nodes)
    used = {}
    for config in data.configs:
        if isinstance(config, RentedConfig) and counts.get(config.node.id):
            used[config.node.id] = (config, counts[config.node.id])
    return used


def _price_date(config: RentedConfig) -> str:
    instance = config.instance
    return instance.price_date.isoformat() if instance.price_date else f"undated ({instance.price_date_note})" if instance.price_date_note else "undated"


def instance_records(used: dict[str, tuple[RentedConfig, int]]) -> list[dict[str, Any]]:
    records = []
    for instance_id, (config, count) in sorted(used.items()):
        instance = config.instance
        records.append({
            "provider": instance.provider,
            "instance_type": instance.instance_type,
            "instance_id": instance_id,
            "gpu": config.gpu.id,
            "gpus": instance.gpus,
            "count": count,
            "usd_per_hour": config.price.usd_per_hour,
            "usd_per_month": config.monthly,
            "commitment": config.price.commitment,
            "region": instance.region,
            "source": instance.source,
            "price_date": instance.price_date.isoformat() if instance.price_date else None,
            "confidence": instance.confidence,
        })
    return records


def reservation_lines(used: dict[str, tuple[RentedConfig, int]], hours_per_day: float, first_line: int = 1) -> list[BomLine]:
    lines = []
    for number, (instance_id, (config, count)) in enumerate(sorted(used.items()), start=first_line):
        instance = config.instance
        billed = "around the clock" if hours_per_day >= 24 else f"{hours_per_day:g} h a day"
        lines.append(BomLine(
            line=number,
            category=RESERVATION,
            sku=instance_id,
            description=f"{instance.provider} {instance.instance_type}: {instance.gpus}× {config.gpu.id}, {config.price.commitment}, USD per month ({billed})",
            vendor=instance.provider,
            quantity=count,
            unit_price_usd=config.monthly,
            extended_price_usd=count * config.monthly,
            unit_power_w=0,
            price_as_of=_price_date(config),
            price_source=instance.source,
            notes=f"${config.price.usd_per_hour:g}/h; {instance.confidence} price",
        ))
    return lines


def unpriced_storage_gb(plan: Plan, checkpoints: list[StoredCheckpoint]) -> int:
    """Checkpoint storage the rented replicas need: instance prices exclude storage."""
    deployed = {(r.workload, r.precision) for r in plan.replicas if r.placement}
    served = {w.name: w.served_sessions for w in plan.workloads}
    return -(-needed_megabytes(checkpoints, deployed, served) // MB_PER_GB)


def rent_section(used: dict[str, tuple[RentedConfig, int]], problem: Problem, *, mode: str, storage_gb: int, hours_per_day: float = 24.0) -> dict[str, Any]:
    monthly = sum(config.monthly * count for config, count in used.values())
    return {
        "mode": mode,
        "commitment": problem.rent.commitment,
        "hours_per_month": problem.rent.hours_per_month,
        "hours_per_day": hours_per_day,
        "monthly_usd": monthly,
        "yearly_usd": monthly * 12,
        "break_even_month": None,
        "instances": instance_records(used),
        "storage_gb_not_priced": storage_gb,
        "note": "instance prices exclude storage, egress and taxes; instances without a price at the commitment are rented on demand",
    }


def to_rented_plan(plan: Plan, data: ModelData, problem: Problem, storage_gb: int) -> Plan:
    """The plan the model built over rented configurations, as a reservation plan."""
    used = rented_configs_used(plan, data)
    monthly = sum(config.monthly * count for config, count in used.values())
    for node in plan.nodes:
        node.rented = True
    plan.bom = reservation_lines(used, 24.0)
    summary = plan.summary
    summary.objective = "rent"
    summary.objective_unit = "USD/month"
    summary.capex_usd = 0
    summary.tco_usd = round(monthly * 12 * problem.objective.tco.years, 2)
    for stage in summary.stages:
        if stage["name"] == "cost":
            stage["name"] = "rent"
    summary.binding_limits = []
    plan.baseline = None
    plan.rent = rent_section(used, problem, mode="rented", storage_gb=storage_gb)
    return plan


def rented_node_monthly(plan: Plan, data: ModelData) -> dict[str, float]:
    """What each rented server of `plan` is billed a month (for the unit economics)."""
    monthly = {config.node.id: config.monthly for config in data.configs if isinstance(config, RentedConfig)}
    return {node.id: float(monthly[node.node_type]) for node in plan.nodes if node.rented and node.node_type in monthly}
