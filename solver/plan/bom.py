"""The purchase order: configured systems, networking, facility and services, in integer dollars.

One line per configured server type (chassis and cards priced as one system, as OEMs quote them)
with its configuration as sub-lines: the chassis, the accelerators, then CPUs, memory, drives,
NICs, power supplies and rails from the catalog (included in the chassis price). A sub-line
names its system in `parent`; the top-level lines (parent empty) sum to the plan's capex, and
each system's sub-lines sum to the system line. Every line keeps its price source, published
range and date, and a quoted price its vendor, quote reference and dates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from solver.catalog import QuoteTerms
from solver.model.constraints.services import BASIS_POINTS
from solver.model.data import ModelData, power, price
from solver.options.configs import NodeConfig
from solver.plan.schema import BomLine
from solver.specs.hardware import FabricItem, GpuSpec, NodeSpec

CATEGORY_ORDER = (
    "system", "spare-gpu", "nvlink-bridge", "nic", "switch", "cable", "frontend-switch", "management-switch", "frontend-cable",
    "management-cable", "storage", "rack", "pdu", "installation", "support",
)
"""Order of top-level lines: systems, their add-ons, networks, facility, services."""
DEVICE_CATEGORY = {"gpu": "gpu", "cpu": "cpu", "unified-memory": "computer"}
"""Sub-line category of an accelerator: GPUs, CPU sockets, or a whole unified-memory computer (Mac)."""
CONFIGURATION_LINES = (
    ("cpus", "CPUs"), ("memory", "memory"), ("boot_drive", "boot drives"), ("data_nvme", "data NVMe"),
    ("frontend_nics", "NICs"), ("management", "management port"), ("psu", "power supplies"), ("rails", "rails"),
)
INCLUDED = "included in the chassis price"


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
    """PDUs: two per A/B pair."""
    server_racks: int = 0
    """Racks of servers: each gets a front-end and a management switch."""
    cabled_servers: int = 0
    """Rack servers (bought and owned) that get front-end and management cables."""
    bridges: dict[str, int] = field(default_factory=dict)
    """NVLink bridges per bridge SKU."""
    installed_servers: int = 0
    """Bought rack servers that get installation."""
    support_usd: int = 0
    spare_cards: dict[str, int] = field(default_factory=dict)
    """Spare cards per GPU type."""
    supported_hardware_usd: int = 0


@dataclass
class _Line:
    category: str
    sku: str
    description: str
    vendor: str
    quantity: int
    unit_price_usd: int
    unit_power_w: int
    price_source: str
    price_low_usd: int | None = None
    price_high_usd: int | None = None
    price_as_of: str = ""
    notes: str = ""
    children: list["_Line"] = field(default_factory=list)


def _range(low: float | None, high: float | None) -> tuple[int | None, int | None]:
    return (None if low is None else round(low), None if high is None else round(high))


def _item_line(category: str, item: FabricItem, quantity: int, notes: str = "") -> _Line:
    low, high = _range(item.price_low_usd, item.price_high_usd)
    return _Line(category, item.id, item.name, item.vendor, quantity, price(item), power(item), item.price_source, low, high, item.price_as_of, notes)


def _system_line(config: NodeConfig, count: int) -> _Line:
    """A configured server: chassis, accelerators and configuration, priced as one unit."""
    node, gpu = config.node, config.gpu
    cards = config.gpu_count
    lows = (node.price_low_usd, gpu.price_low_usd)
    highs = (node.price_high_usd, gpu.price_high_usd)
    low = None if None in lows else round(lows[0]) + cards * round(lows[1])  # type: ignore[operator]
    high = None if None in highs else round(highs[0]) + cards * round(highs[1])  # type: ignore[operator]
    fitted = f"{cards}× {gpu.name}"
    partial = f" ({cards} of {node.gpu_count} slots fitted)" if config.partial else ""
    system = _Line(
        "system", config.key, f"{node.name} with {fitted}{partial}", node.vendor, count, config.price_usd, config.power_w,
        f"chassis: {node.price_source}; {gpu.id}: {gpu.price_source}", low, high, _dates(node, gpu),
    )
    system.children.append(_chassis_line(node, count))
    system.children.append(_device_line(gpu, cards * count))
    configuration = node.configuration
    if configuration is not None:
        for field_name, label in CONFIGURATION_LINES:
            text = getattr(configuration, field_name)
            if text:
                system.children.append(_Line("configuration", f"{node.id}:{field_name}", f"{label}: {text}", node.vendor, count, 0, 0, node.configuration_source or node.source, notes=INCLUDED))
    return system


def _dates(node: NodeSpec, gpu: GpuSpec) -> str:
    dates = sorted({node.price_as_of, gpu.price_as_of} - {"unstated"})
    return " / ".join(dates) if dates else "unstated"


def _chassis_line(node: NodeSpec, count: int) -> _Line:
    low, high = _range(node.price_low_usd, node.price_high_usd)
    return _Line("chassis", node.id, f"{node.name} (chassis without accelerators)", node.vendor, count, round(node.base_price_usd), node.base_power_w, node.price_source, low, high, node.price_as_of)


def _device_line(gpu: GpuSpec, quantity: int) -> _Line:
    low, high = _range(gpu.price_low_usd, gpu.price_high_usd)
    return _Line(DEVICE_CATEGORY[gpu.kind], gpu.id, gpu.name, gpu.vendor, quantity, round(gpu.price_usd), gpu.tdp_w, gpu.price_source, low, high, gpu.price_as_of)


def bom_lines(data: ModelData, purchases: Purchases) -> list[BomLine]:
    tops: list[_Line] = []
    for config in data.configs:
        count = purchases.bought.get(config.key, 0)
        if count:
            tops.append(_system_line(config, count))
    for gpu_id, quantity in sorted(purchases.spare_cards.items()):
        if quantity:
            gpu = data.spared_gpus[gpu_id][0].gpu
            low, high = _range(gpu.price_low_usd, gpu.price_high_usd)
            tops.append(_Line(
                "spare-gpu", gpu.id, f"{gpu.name} (spare card, stocked unpowered)", gpu.vendor, quantity, round(gpu.price_usd), 0, gpu.price_source, low, high, gpu.price_as_of,
                f"{data.spare_percent}% of the field-replaceable {gpu.id} cards bought, rounded up",
            ))
    for sku, quantity in sorted(purchases.bridges.items()):
        item = next(i for i in data.bridges.values() if i.id == sku)
        tops.append(_item_line("nvlink-bridge", item, quantity, f"{item.bridges_per_pair} per GPU pair the plan runs tensor/expert parallel over"))
    for tech in data.fabric:
        nics, switches, cables = purchases.fabric.get(tech.technology, (0, 0, 0))
        for category, item, quantity in (("nic", tech.nic, nics), ("switch", tech.switch, switches), ("cable", tech.cable, cables)):
            if quantity:
                tops.append(_item_line(category, item, quantity, f"{tech.technology} scale-out fabric"))
    facility = data.facility
    network = (
        ("frontend-switch", facility.frontend_switch, purchases.server_racks, "one top-of-rack switch per rack of servers"),
        ("management-switch", facility.management_switch, purchases.server_racks, "one per rack of servers"),
        ("frontend-cable", facility.frontend_cable, purchases.cabled_servers * ((facility.frontend_cable.per_server or 1) if facility.frontend_cable else 0), "per rack server"),
        ("management-cable", facility.management_cable, purchases.cabled_servers * ((facility.management_cable.per_server or 1) if facility.management_cable else 0), "per rack server"),
        ("storage", facility.storage, purchases.drives, "checkpoint storage beyond the servers' own"),
        ("rack", facility.rack, purchases.racks, ""),
        ("pdu", facility.pdu, purchases.pdus, f"{purchases.pdus // 2} A/B pairs: each PDU carries its rack alone"),
        ("installation", facility.installation, purchases.installed_servers, "per rack server bought"),
    )
    for category, item, quantity, notes in network:
        if item is not None and quantity:
            tops.append(_item_line(category, item, quantity, notes))
    if facility.support is not None and purchases.support_usd:
        tops.append(_support_line(data, purchases))
    tops.sort(key=lambda line: (CATEGORY_ORDER.index(line.category), line.sku))
    return _numbered(tops, data.quotes)


def _support_line(data: ModelData, purchases: Purchases) -> _Line:
    support = data.facility.support
    assert support is not None
    years = data.problem.procurement.support_years
    percent = data.facility.support_basis_points / BASIS_POINTS * 100
    per_year_low, per_year_high = support.percent_per_year_low, support.percent_per_year_high
    covered = purchases.supported_hardware_usd
    low = None if per_year_low is None else round(covered * per_year_low * years / 100)
    high = None if per_year_high is None else round(covered * per_year_high * years / 100)
    return _Line(
        "support", support.id, f"{support.name}, {years} years", support.vendor, 1, purchases.support_usd, 0, support.price_source, low, high, support.price_as_of,
        f"{support.percent_per_year:g}% a year × {years} years = {percent:g}% of ${covered:,} of servers and switches, rounded up",
    )


def _numbered(tops: list[_Line], quotes: Mapping[str, QuoteTerms]) -> list[BomLine]:
    lines: list[BomLine] = []

    def emit(line: _Line, parent: int | None) -> int:
        number = len(lines) + 1
        terms = quotes.get(line.sku)
        lines.append(
            BomLine(
                line=number,
                parent=parent,
                category=line.category,
                sku=line.sku,
                description=line.description,
                vendor=line.vendor,
                quantity=line.quantity,
                unit_price_usd=line.unit_price_usd,
                extended_price_usd=line.quantity * line.unit_price_usd,
                unit_power_w=line.unit_power_w,
                price_low_usd=line.price_low_usd,
                price_high_usd=line.price_high_usd,
                price_as_of=line.price_as_of,
                price_source=line.price_source,
                quote_vendor=terms.vendor if terms else "",
                quote_id=terms.quote_id if terms else "",
                quote_date=terms.quote_date if terms else "",
                quote_valid_until=terms.valid_until if terms else "",
                notes=line.notes,
            )
        )
        return number

    for top in tops:
        number = emit(top, None)
        for child in top.children:
            emit(child, number)
    return lines
