"""Node configurations: a chassis type filled with one GPU type (fully, or with fewer cards where
the chassis is ordered that way), filtered by the problem's limits and buying policy.

Buying policy (solver.options.policy) keeps out what the buyer cannot or should not order:
parts no longer made, export-restricted parts, GeForce cards in a rack room (NVIDIA's driver
licence forbids data-centre deployment), racks the room cannot cool, and desk-side machines
their power supply or office circuit cannot feed. Owned inventory is kept whatever its status.

Prices and powers are whole dollars and watts here, so the model and the bill of materials
use the very same integers.
"""

from __future__ import annotations

import functools

from collections.abc import Collection
from dataclasses import dataclass, replace

from solver.catalog import Catalog
from solver.errors import InputError
from solver.specs.hardware import GpuSpec, NodeSpec
from solver.options.policy import policy_reasons
from solver.specs.problem import Limits


NOT_IN_LISTS = "left out by the problem's allowed/excluded lists"


@dataclass(frozen=True)
class NodeConfig:
    node: NodeSpec
    gpu: GpuSpec
    owned: int
    """Servers of this configuration already owned (inventory)."""
    purchasable: bool
    """False when limits exclude it but inventory holds some."""
    population: int = 0
    """GPUs fitted per server (0: the chassis's full gpu_count)."""

    @property
    def rented(self) -> bool:
        """A cloud instance (solver.rent): nothing to buy with it, bridges included."""
        return False

    @property
    def partial(self) -> bool:
        return 0 < self.population < self.node.gpu_count

    @functools.cached_property
    def key(self) -> str:
        # Cached: the model and plan look configurations up by key tens of thousands of times.
        fitted = f"[{self.population}]" if self.partial else ""
        return f"{self.node.id}{fitted}/{self.gpu.id}"

    @property
    def gpu_count(self) -> int:
        return self.population or self.node.gpu_count

    @property
    def nvlink_domain(self) -> int:
        return min(self.node.scaleup_domain_for(self.gpu), self.gpu_count)

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
    """Every (node type, GPU type, GPUs fitted) the limits and buying policy allow, plus owned
    servers (always full), sorted by key."""
    return [config for config, reasons in candidate_configs(catalog, limits) if not reasons]


def candidate_configs(catalog: Catalog, limits: Limits) -> list[tuple[NodeConfig, list[str]]]:
    """Every configuration the catalog offers, with why the problem may not buy it (empty: it may)."""
    allowed_gpus, excluded_gpus, allowed_nodes, excluded_nodes = _resolve_all(catalog, limits)
    vendors_allowed = None if limits.allowed_vendors is None else {v.lower() for v in limits.allowed_vendors}
    vendors_excluded = {v.lower() for v in limits.excluded_vendors}
    owned: dict[tuple[str, str], int] = {}
    for item in limits.inventory:
        node, gpu = catalog.node(item.node), catalog.gpu(item.gpu)
        if gpu.id not in node.gpus:
            raise InputError(f"limits.inventory: node type {node.id} does not take {gpu.id}", hint=f"{node.id} takes: {', '.join(node.gpus)}")
        owned[(node.id, gpu.id)] = owned.get((node.id, gpu.id), 0) + item.count
    candidates = []
    for node in sorted(catalog.nodes.values(), key=lambda n: n.id):
        for gpu_id in node.gpus:
            gpu = catalog.gpu(gpu_id)
            chosen = (
                _allowed(gpu.id, allowed_gpus, excluded_gpus)
                and _allowed(node.id, allowed_nodes, excluded_nodes)
                and _allowed(gpu.vendor, vendors_allowed, vendors_excluded)
            )
            count = owned.get((node.id, gpu.id), 0)
            for population in node.populations:
                config = NodeConfig(node, gpu, count if population == node.gpu_count else 0, chosen, 0 if population == node.gpu_count else population)
                reasons = [] if chosen else [NOT_IN_LISTS]
                reasons += policy_reasons(config, limits)
                if config.owned:
                    candidates.append((replace(config, purchasable=not reasons), []))
                else:
                    candidates.append((config, reasons))
    return sorted(candidates, key=lambda item: item[0].key)
