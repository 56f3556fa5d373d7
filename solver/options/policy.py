"""Buying policy: why a problem may not buy a configuration, whatever its speed or price.

Each rule follows a vendor term or a physical limit, and the problem can lift the policy ones
explicitly (the plan then lists the opt-in):
- lifecycle: only parts still made are bought new (limits.allow_end_of_life, allow_restricted);
- site: a rack room takes rack-mounted servers, a desk-side site takes towers and Macs;
- licence: NVIDIA's GeForce driver licence (clause 2.1.3) is "not licensed for datacenter
  deployment", so GeForce cards go desk-side unless limits.allow_geforce_in_rack_room;
- cooling: a liquid-cooled system needs a room with liquid cooling;
- power: a desk-side machine must stay within its power supply and its office circuit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from solver.specs.problem import Limits

if TYPE_CHECKING:
    from solver.options.configs import NodeConfig

PSU_SUSTAINED_SHARE = 0.8
"""Share of its rating a desk-side power supply may carry at full load. NVIDIA specifies 1,000 W
of system power for one RTX 5090 (575 W card; geforce.com RTX 5090 specifications) and 850 W for
one RTX 4090 (450 W): a card plus a ~250 W desktop at ~80% of the supply, leaving room for the
cards' millisecond power excursions (ATX 3.0 asks supplies to ride through 200% spikes)."""


def psu_limit_w(psu_w: int) -> int:
    return int(psu_w * PSU_SUSTAINED_SHARE)


def policy_reasons(config: "NodeConfig", limits: Limits) -> list[str]:
    """Every policy rule the configuration breaks, one phrase each (empty: it may be bought)."""
    node, gpu = config.node, config.gpu
    reasons = []
    for part, lifecycle in ((gpu.id, gpu.lifecycle), (node.id, node.lifecycle)):
        if lifecycle.availability == "restricted" and not limits.allow_restricted:
            reasons.append(f"{part} is export-restricted (limits.allow_restricted)")
        elif lifecycle.availability in ("end-of-life", "used-market-only") and not limits.allow_end_of_life:
            reasons.append(f"{part} is {lifecycle.availability} (limits.allow_end_of_life)")
    if node.rack_mounted and limits.site == "desk-side":
        reasons.append(f"{node.id} is a rack server and the site is desk-side (limits.site)")
    if not node.rack_mounted and limits.site == "rack-room":
        reasons.append(f"{node.id} is a desk-side machine and the site is a rack room (limits.site)")
    if node.rack_mounted and gpu.deployment_class == "geforce" and not limits.allow_geforce_in_rack_room:
        reasons.append(f"{gpu.id} is a GeForce card, not licensed for data-centre deployment (limits.allow_geforce_in_rack_room)")
    if node.cooling == "liquid" and not limits.liquid_cooling:
        reasons.append(f"{node.id} is liquid-cooled and the room has no liquid cooling (limits.liquid_cooling)")
    if not node.rack_mounted:
        if node.psu_w is not None and config.power_w > psu_limit_w(node.psu_w):
            reasons.append(
                f"{config.gpu_count}× {gpu.id} in {node.id} draw {config.power_w:,} W, more than {PSU_SUSTAINED_SHARE:.0%} of its {node.psu_w:,} W power supply"
            )
        if config.power_w > limits.desk_circuit_w:
            reasons.append(f"{config.gpu_count}× {gpu.id} in {node.id} draw {config.power_w:,} W, more than an office circuit's {limits.desk_circuit_w:,} W (limits.desk_circuit_w)")
    return reasons


def policy_opt_ins(limits: Limits) -> list[str]:
    """The policy rules the problem lifted, for the plan to state."""
    lifted = []
    if limits.allow_end_of_life:
        lifted.append("buys end-of-life and used-market parts (limits.allow_end_of_life)")
    if limits.allow_restricted:
        lifted.append("buys export-restricted parts (limits.allow_restricted)")
    if limits.allow_geforce_in_rack_room:
        lifted.append("puts GeForce cards in rack-room servers against NVIDIA's driver licence (limits.allow_geforce_in_rack_room)")
    return lifted
