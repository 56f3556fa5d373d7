"""The purchase order: one line per SKU, in integer dollars, summing to the plan's capex."""

from __future__ import annotations

from dataclasses import dataclass

from solver.model.data import ModelData, power, price
from solver.plan.schema import BomLine

CATEGORY_ORDER = ("gpu", "cpu", "computer", "server", "nic", "switch", "cable", "storage", "rack", "pdu")
DEVICE_CATEGORY = {"gpu": "gpu", "cpu": "cpu", "unified-memory": "computer"}
"""BOM category of an accelerator: GPUs, CPU sockets, or a whole unified-memory computer (Mac)."""


@dataclass(frozen=True)
class Purchases:
    bought: dict[str, int]
    """Per configuration key."""
    fabric: dict[str, tuple[int, int, int]]
    """Per technology: (NICs bought, switches, cables)."""
    drives: int
    racks: int
    """Rack enclosures to buy (rack-scale systems bring their own)."""
    pdus: int


def bom_lines(data: ModelData, purchases: Purchases) -> list[BomLine]:
    rows: list[tuple[str, str, str, str, int, int, int, str]] = []
    gpus: dict[str, int] = {}
    servers: dict[str, int] = {}
    for config in data.configs:
        count = purchases.bought.get(config.key, 0)
        if count:
            gpus[config.gpu.id] = gpus.get(config.gpu.id, 0) + count * config.gpu_count
            servers[config.node.id] = servers.get(config.node.id, 0) + count
    for gpu_id, quantity in sorted(gpus.items()):
        gpu = next(c.gpu for c in data.configs if c.gpu.id == gpu_id)
        rows.append((DEVICE_CATEGORY[gpu.kind], gpu.id, gpu.name, gpu.vendor, quantity, round(gpu.price_usd), gpu.tdp_w, gpu.price_source))
    for node_id, quantity in sorted(servers.items()):
        node = next(c.node for c in data.configs if c.node.id == node_id)
        rows.append(("server", node.id, f"{node.name} (without GPUs)", node.vendor, quantity, round(node.base_price_usd), node.base_power_w, node.price_source))
    for tech in data.fabric:
        nics, switches, cables = purchases.fabric.get(tech.technology, (0, 0, 0))
        for category, item, quantity in (("nic", tech.nic, nics), ("switch", tech.switch, switches), ("cable", tech.cable, cables)):
            if quantity:
                rows.append((category, item.id, item.name, item.vendor, quantity, price(item), power(item), item.price_source))
    facility = data.facility
    for category, item, quantity in (("storage", facility.storage, purchases.drives), ("rack", facility.rack, purchases.racks), ("pdu", facility.pdu, purchases.pdus)):
        if quantity:
            rows.append((category, item.id, item.name, item.vendor, quantity, price(item), power(item), item.price_source))
    rows.sort(key=lambda row: (CATEGORY_ORDER.index(row[0]), row[1]))
    return [
        BomLine(
            line=index,
            category=category,
            sku=sku,
            description=description,
            vendor=vendor,
            quantity=quantity,
            unit_price_usd=unit_price,
            extended_price_usd=quantity * unit_price,
            unit_power_w=unit_power,
            notes=notes,
        )
        for index, (category, sku, description, vendor, quantity, unit_price, unit_power, notes) in enumerate(rows, start=1)
    ]
