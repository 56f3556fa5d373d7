"""Node configurations another configuration beats on every count, left out of the model.

Configuration A dominates B when a server of A can stand in for a server of B in any plan and
make it no worse on any objective or limit: the same GPU type and number of GPUs, the same
kind of machine (rack-mounted or desk-side, rack-scale or not, fabric ports on NICs or on the
accelerators), every deployment option of B also an option of A (identical but for the
configuration's name: the same memory, sessions and speeds), A no dearer in NVLink bridges, no
taller (rack units), with no more fabric NICs to cable and power, and A no dearer and no hungrier than B
even after buying the NVMe drives that make up for any included storage A lacks
(⌈shortfall / drive⌉ drives per server, their price and power added to A's; none when one A
server alone holds every checkpoint the problem can need). Swapping every B
server of a plan for an A server (plus those drives) keeps it feasible and changes capex, power,
TCO, servers, racks, PDUs, switches and support by nothing or by a decrease (drives take no rack
space and no support contract), so an optimum without B is an optimum of the full model. Of two
configurations equal on every count the one with the first key stays.

Owned and non-purchasable configurations take part in neither role: inventory costs nothing to
use, and a configuration that cannot be bought cannot replace one that can.

Why it matters: catalogs list the same GPUs in several chassis (an OEM HGX server and a DGX, a
4-slot PCIe server and an 8-slot one fitted with 4 cards) and clouds rent the same instance
from several providers. The copies add nothing but symmetry, and symmetry is what makes CP-SAT
slow to prove a budget-limited optimum (lab20 served-demand stages 2-3x faster without them).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from solver.options.configs import NodeConfig
from solver.options.generate import DeploymentOption
from solver.specs.hardware import FabricItem
from solver.units import GB

MB_PER_GB = 1000


def storage_mb(capacity_bytes: int) -> int:
    """Storage capacity as the storage constraint counts it: whole GB, in MB."""
    return int(capacity_bytes) // GB * MB_PER_GB


def included_storage_mb(config: NodeConfig) -> int:
    """A server's own NVMe."""
    return storage_mb(config.node.storage)


def _interchangeable(config: NodeConfig) -> tuple:
    """What must be equal for one configuration to stand in for the other."""
    node = config.node
    return (config.gpu.id, config.gpu_count, config.rack_mounted, config.rented, node.kind, node.fabric_nics_integrated)


@dataclass(frozen=True)
class Drive:
    """The NVMe drive a plan buys for storage its servers lack, in the model's units."""

    megabytes: int
    price_usd: int
    power_w: int
    most_needed_mb: int
    """Storage every checkpoint needs with all demand served (ModelData.storage_needed_gb)."""


def _no_worse(a: NodeConfig, b: NodeConfig, bridge_a: FabricItem | None, bridge_b: FabricItem | None, drive: Drive) -> bool:
    if bridge_a is not None and (bridge_b is None or bridge_a.price_usd > bridge_b.price_usd):
        return False
    if a.node.rack_units > b.node.rack_units or a.node.fabric_nics > b.node.fabric_nics:
        return False
    # A plan with an A server in it holds everything when one A server does.
    shortfall = 0 if included_storage_mb(a) >= drive.most_needed_mb else max(0, included_storage_mb(b) - included_storage_mb(a))
    if shortfall and drive.megabytes <= 0:
        return False
    drives = math.ceil(shortfall / drive.megabytes) if shortfall else 0
    return a.price_usd + drives * drive.price_usd <= b.price_usd and a.power_w + drives * drive.power_w <= b.power_w


def _signatures(options: Sequence[DeploymentOption]) -> frozenset[DeploymentOption]:
    return frozenset(replace(option, config_key="") for option in options)


def dominated_configs(
    configs: Sequence[NodeConfig], options_by_config: Mapping[str, Sequence[DeploymentOption]], bridges: Mapping[str, FabricItem], drive: Drive,
) -> dict[str, str]:
    """Dominated configuration key → the key of a configuration that dominates it (and is kept)."""
    candidates = sorted((c for c in configs if not c.owned and c.purchasable), key=lambda c: c.key)
    signatures = {c.key: _signatures(options_by_config.get(c.key, ())) for c in candidates}
    groups: dict[tuple, list[NodeConfig]] = {}
    for config in candidates:
        groups.setdefault(_interchangeable(config), []).append(config)
    dominated: dict[str, str] = {}
    for members in groups.values():
        for b in members:
            for a in members:
                if a.key == b.key or a.key in dominated:
                    continue
                if not (_no_worse(a, b, bridges.get(a.key), bridges.get(b.key), drive) and signatures[b.key] <= signatures[a.key]):
                    continue
                mutual = _no_worse(b, a, bridges.get(b.key), bridges.get(a.key), drive) and signatures[a.key] <= signatures[b.key]
                # Equal on every count: the first key stays, whichever way round they meet.
                if not mutual or a.key < b.key:
                    dominated[b.key] = a.key
                    break
    return _resolved(dominated)


def _resolved(dominated: dict[str, str]) -> dict[str, str]:
    """Each dominated key mapped to a kept configuration (dominance is transitive)."""
    resolved = {}
    for key, by in dominated.items():
        seen = {key}
        while by in dominated and by not in seen:
            seen.add(by)
            by = dominated[by]
        resolved[key] = by
    return resolved


__all__ = ["MB_PER_GB", "Drive", "dominated_configs", "included_storage_mb", "storage_mb"]
