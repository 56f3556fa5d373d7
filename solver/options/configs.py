"""Node configurations: a chassis type filled with one GPU type, filtered by the problem's limits.

Prices and powers are whole dollars and watts here, so the model and the bill of materials
use the very same integers.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from solver.catalog import Catalog
from solver.errors import InputError
from solver.specs.hardware import GpuSpec, NodeSpec
from solver.specs.problem import Limits


@dataclass(frozen=True)
class NodeConfig:
    node: NodeSpec
    gpu: GpuSpec
    owned: int
    """Servers of this configuration already owned (inventory)."""
    purchasable: bool
    """False when limits exclude it but inventory holds some."""

    @property
    def key(self) -> str:
        return f"{self.node.id}/{self.gpu.id}"

    @property
    def gpu_count(self) -> int:
        return self.node.gpu_count

    @property
    def nvlink_domain(self) -> int:
        return self.node.scaleup_domain_for(self.gpu)

    @property
    def gpu_price_usd(self) -> int:
        return round(self.gpu.price_usd)

    @property
    def base_price_usd(self) -> int:
        return round(self.node.base_price_usd)

    @property
    def price_usd(self) -> int:
        return self.base_price_usd + self.gpu_count * self.gpu_price_usd

    @property
    def power_w(self) -> int:
        return self.node.base_power_w + self.gpu_count * self.gpu.tdp_w

    @property
    def rack_mounted(self) -> bool:
        return self.node.rack_mounted

    @property
    def host_ram_per_gpu_bytes(self) -> float:
        return int(self.node.host_ram) / self.gpu_count


def _allowed(name: str, allowed: Collection[str] | None, excluded: Collection[str]) -> bool:
    return (allowed is None or name in allowed) and name not in excluded


def gpu_names(catalog: Catalog, names: Collection[str]) -> set[str]:
    """GPU ids of allow/exclude list entries: an id or alias, or a family name standing for
    every variant it begins ('a100' → a100-40gb-sxm, a100-80gb-sxm, a100-40gb-pcie, a100-80gb-pcie)."""
    ids: set[str] = set()
    for name in names:
        members = catalog.family("gpus", name)
        ids.update(members if members else (catalog.gpu(name).id,))
    return ids


def family_expansions(catalog: Catalog, limits: Limits) -> list[str]:
    """What each family name in the GPU lists stood for, one line each (for the plan and the CLI)."""
    lines = []
    for field in ("allowed_gpus", "excluded_gpus"):
        for name in getattr(limits, field) or []:
            members = catalog.family("gpus", name)
            if len(members) > 1:
                lines.append(f"limits.{field}: {name} → {', '.join(members)}")
    return lines


def _resolve_all(catalog: Catalog, limits: Limits) -> tuple[set[str] | None, set[str], set[str] | None, set[str]]:
    allowed_gpus = None if limits.allowed_gpus is None else gpu_names(catalog, limits.allowed_gpus)
    excluded_gpus = gpu_names(catalog, limits.excluded_gpus)
    allowed_nodes = None if limits.allowed_node_types is None else {catalog.node(name).id for name in limits.allowed_node_types}
    excluded_nodes = {catalog.node(name).id for name in limits.excluded_node_types}
    return allowed_gpus, excluded_gpus, allowed_nodes, excluded_nodes


def node_configs(catalog: Catalog, limits: Limits) -> list[NodeConfig]:
    """Every (node type, GPU type) pair the limits allow, plus owned ones, sorted by key."""
    allowed_gpus, excluded_gpus, allowed_nodes, excluded_nodes = _resolve_all(catalog, limits)
    vendors_allowed = None if limits.allowed_vendors is None else {v.lower() for v in limits.allowed_vendors}
    vendors_excluded = {v.lower() for v in limits.excluded_vendors}
    owned: dict[tuple[str, str], int] = {}
    for item in limits.inventory:
        node, gpu = catalog.node(item.node), catalog.gpu(item.gpu)
        if gpu.id not in node.gpus:
            raise InputError(f"limits.inventory: node type {node.id} does not take {gpu.id}", hint=f"{node.id} takes: {', '.join(node.gpus)}")
        owned[(node.id, gpu.id)] = owned.get((node.id, gpu.id), 0) + item.count
    configs = []
    for node in sorted(catalog.nodes.values(), key=lambda n: n.id):
        for gpu_id in node.gpus:
            gpu = catalog.gpu(gpu_id)
            purchasable = (
                _allowed(gpu.id, allowed_gpus, excluded_gpus)
                and _allowed(node.id, allowed_nodes, excluded_nodes)
                and _allowed(gpu.vendor, vendors_allowed, vendors_excluded)
            )
            count = owned.get((node.id, gpu.id), 0)
            if purchasable or count:
                configs.append(NodeConfig(node, gpu, count, purchasable))
    return sorted(configs, key=lambda c: c.key)
