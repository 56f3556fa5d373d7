"""NVLink bridges: PCIe cards joined in pairs (or fours) by bridges bought with the server.

A PCIe server or workstation wires no NVLink of its own: the plan's scale-up domain of 2 (or 4
for H200 NVL) exists only where bridges are fitted. They are bought for the GPUs the plan runs
tensor- or expert-parallel groups on, one set per pair: A100/H100 PCIe pairs take three bridges
(NVIDIA product briefs PB-10577-001, PB-11133-001: 3 bridges, 600 GB/s), A40/RTX A6000 and RTX
3090 pairs one. An H200 NVL group of four takes one 4-way bridge, counted as two pairs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from solver.catalog import Catalog
from solver.options.configs import NodeConfig
from solver.specs.hardware import FabricItem

if TYPE_CHECKING:  # generate prunes options by the bridges they need
    from solver.options.generate import DeploymentOption

BRIDGED_KINDS = ("pcie-server", "workstation")
"""Chassis whose NVLink domain is made of bridges (HGX/OAM baseboards and NVL racks wire their own)."""


def is_bridged(config: NodeConfig) -> bool:
    """Whether the configuration's scale-up groups are made of bridges bought with it."""
    # A rented instance comes with whatever links its provider fitted.
    return not config.rented and config.node.kind in BRIDGED_KINDS and config.nvlink_domain >= 2


def bridge_item(catalog: Catalog, config: NodeConfig) -> FabricItem | None:
    """The bridge a configuration's scale-up groups need, cheapest first (None: none needed)."""
    if not is_bridged(config):
        return None
    items = [item for item in catalog.fabric.values() if item.category == "nvlink-bridge" and config.gpu.id in item.bridges]
    return min(items, key=lambda item: (item.price_usd * (item.bridges_per_pair or 1), item.id), default=None)


def scaleup_group(option: DeploymentOption) -> int:
    """GPUs of one tensor- or expert-parallel group: the GPUs that talk over NVLink."""
    return option.ep if option.ep > 1 else option.tp


def pairs_to_bridge(option: DeploymentOption, config: NodeConfig) -> int:
    """Bridged GPU pairs one replica of the option needs on `config` (0 where NVLink is wired)."""
    return bridged_pairs(option, config) if is_bridged(config) else 0


def bridged_pairs(option: DeploymentOption, config: NodeConfig) -> int:
    """GPU pairs one replica of the option bridges (0 when its groups need no NVLink)."""
    group = scaleup_group(option)
    if option.mig_profile or group < 2 or group > config.nvlink_domain:
        return 0
    return option.gpus // 2
