"""Buying policy (solver/options/policy.py): what a problem may not buy by default, and the
explicit opt-ins that lift it. Runs on the bundled catalog: the lifecycle and licence data are
part of what is tested."""

from __future__ import annotations

import pytest

from solver.catalog import load_catalog
from solver.options.configs import candidate_configs, node_configs
from solver.options.policy import policy_opt_ins
from solver.specs.problem import Limits

CATALOG = load_catalog(include_user=False)


def gpus(**limits) -> set[str]:
    return {config.gpu.id for config in node_configs(CATALOG, Limits(**limits))}


def nodes(**limits) -> set[str]:
    return {config.node.id for config in node_configs(CATALOG, Limits(**limits))}


def test_every_catalog_part_states_lifecycle_and_class():
    for gpu in CATALOG.gpus.values():
        assert gpu.lifecycle.source and gpu.lifecycle.since, gpu.id
        assert gpu.deployment_class in ("data-centre", "workstation", "geforce")
    for node in CATALOG.nodes.values():
        assert node.lifecycle.source, node.id


def test_rack_room_default_buys_no_geforce_and_no_end_of_life_part():
    allowed = node_configs(CATALOG, Limits())
    assert allowed
    assert not any(config.gpu.deployment_class == "geforce" for config in allowed)
    assert not any(part.lifecycle.availability != "shipping" for config in allowed for part in (config.gpu, config.node))
    assert all(config.node.rack_mounted for config in allowed)


def test_geforce_in_the_rack_room_is_an_explicit_opt_in():
    # The tinybox is the catalog's rack-mounted GeForce machine (and is end-of-life too).
    assert "rtx-4090" not in gpus(allow_end_of_life=True)
    assert "rtx-4090" in gpus(allow_end_of_life=True, allow_geforce_in_rack_room=True)
    assert any("GeForce" in line for line in policy_opt_ins(Limits(allow_geforce_in_rack_room=True)))


def test_desk_side_site_takes_towers_and_geforce_but_no_rack_servers():
    desk = node_configs(CATALOG, Limits(site="desk-side"))
    assert desk and not any(config.node.rack_mounted for config in desk)
    assert "rtx-5090" in {config.gpu.id for config in desk}
    assert "mac-studio" in nodes(site="desk-side", allow_end_of_life=True)


def test_end_of_life_parts_need_the_opt_in():
    assert "rtx-3090" not in gpus(site="desk-side")
    assert "rtx-3090" in gpus(site="desk-side", allow_end_of_life=True)
    assert "dgx-a100" not in nodes()
    assert "dgx-a100" in nodes(allow_end_of_life=True)


def test_export_restricted_parts_need_their_own_opt_in():
    restricted = {gpu.id for gpu in CATALOG.gpus.values() if gpu.lifecycle.availability == "restricted"}
    assert restricted
    assert not restricted & gpus(allow_end_of_life=True)
    assert restricted & gpus(allow_restricted=True)


def test_liquid_cooled_racks_need_a_liquid_cooled_room():
    assert "gb200-nvl72" not in nodes()
    assert "gb200-nvl72" in nodes(liquid_cooling=True)


@pytest.mark.parametrize("circuit_w, fits", [(1440, False), (3680, True)])
def test_desk_side_machines_stay_within_their_circuit(circuit_w, fits):
    # Two RTX 5090 (575 W each) in a 4-slot tower: 1,750 W, over a 15 A circuit's 1,440 W.
    configs = {config.key for config in node_configs(CATALOG, Limits(site="desk-side", desk_circuit_w=circuit_w))}
    assert ("ws-4gpu[2]/rtx-5090" in configs) is fits
    reasons = dict(candidate_configs(CATALOG, Limits(site="desk-side", desk_circuit_w=1440)))
    by_key = {config.key: why for config, why in reasons.items()}
    assert any("office circuit" in reason for reason in by_key["ws-4gpu[2]/rtx-5090"])


def test_a_tower_is_held_to_its_power_supply():
    # Two 575 W RTX 5090 and a 350 W desktop (1,500 W) in a 1,600 W tower: over 80% of it.
    reasons = {config.key: why for config, why in candidate_configs(CATALOG, Limits(site="desk-side", desk_circuit_w=100_000))}
    assert any("power supply" in reason for reason in reasons["ws-2gpu/rtx-5090"])
    assert not reasons["ws-1gpu/rtx-5090"]


def test_partial_populations_follow_the_orderable_counts():
    # H100 PCIe is end-of-life in the catalog (replaced by H100 NVL): opted in here.
    keys = {config.key for config in node_configs(CATALOG, Limits(allowed_gpus=["h100-pcie"], allow_end_of_life=True))}
    assert {"pcie-8gpu[1]/h100-pcie", "pcie-8gpu[2]/h100-pcie", "pcie-8gpu[4]/h100-pcie", "pcie-8gpu/h100-pcie"} <= keys
    assert not any(key.startswith("hgx-h100-8[") for key in {config.key for config in node_configs(CATALOG, Limits())}), "HGX baseboards are sold whole"


def test_owned_end_of_life_servers_stay_in_the_plan():
    limits = Limits(inventory=[{"node": "dgx-a100", "gpu": "a100-80gb-sxm", "count": 1}])
    owned = [config for config in node_configs(CATALOG, limits) if config.owned]
    assert [(config.key, config.purchasable) for config in owned] == [("dgx-a100/a100-80gb-sxm", False)]
