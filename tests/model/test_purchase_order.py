"""Issue #8's purchase-order rules in the model, the plan and the verifier: partially populated
servers, NVLink bridges, A/B PDU pairs, rack density, the rack's own network, support and
installation. Each rule has a hand-computed plan and a mutated plan the verifier must reject."""

from __future__ import annotations

import math

import pytest

from solver.plan.schema import Plan
from solver.verify.checker import verify_plan
from tests.fixtures.problems import (
    CABLE,
    H100_PCIE,
    HGX_H100_8_SERVER,
    NIC,
    PCIE_4,
    PDU,
    PDU_W,
    RACK,
    SWITCH,
    bought,
    chat_fleet,
    interactive,
    make_problem,
    plan_of,
    solve_mini,
)
from tests.fixtures.procurement import BRIDGE, BRIDGES_PER_PAIR, CAT6, DAC, DAC_PER_SERVER, INSTALL, MGMT, MGMT_W, TOR, TOR_W, procurement_catalog

NO_SERVICES = {"support_years": 0, "installation": False}


def solved(problem, catalog=None):
    catalog = catalog or procurement_catalog()
    data, solution = solve_mini(problem, catalog)
    assert solution.status == "OPTIMAL", solution.status
    plan = plan_of(data, solution)
    return data, solution, plan


def lines(plan: Plan, category: str) -> list:
    return [line for line in plan.bom if line.category == category and line.parent is None]


# -- partially populated servers ------------------------------------------------------------


def test_two_cards_of_h100_pcie_buy_a_two_card_server():
    # 8 sessions = two one-GPU replicas: a 4-slot PCIe server with 2 cards fitted, not 4.
    problem = chat_fleet(8, allowed_gpus=["h100-pcie"], procurement=NO_SERVICES)
    _, solution, plan = solved(problem)
    assert bought(solution) == {"pcie-4gpu[2]/h100-pcie": 1}
    (system,) = lines(plan, "system")
    assert system.unit_price_usd == PCIE_4 + 2 * H100_PCIE
    sub = {line.category: line.quantity for line in plan.bom if line.parent == system.line}
    assert sub == {"chassis": 1, "gpu": 2}
    assert verify_plan(plan, problem, procurement_catalog()) == []


def test_without_partial_orders_the_full_server_is_bought():
    # The same demand on the mini catalog, whose chassis are only sold full: 4 cards.
    problem = chat_fleet(8, allowed_gpus=["h100-pcie"], procurement=NO_SERVICES)
    _, solution = solve_mini(problem)
    assert bought(solution) == {"pcie-4gpu/h100-pcie": 1}


def test_verifier_rejects_a_population_the_chassis_is_not_sold_with():
    problem = chat_fleet(8, allowed_gpus=["h100-pcie"], procurement=NO_SERVICES)
    _, _, plan = solved(problem)
    broken = plan.model_copy(update={"nodes": [node.model_copy(update={"gpu_count": 3}) for node in plan.nodes]})
    assert any("cannot be ordered with 3 GPUs" in issue for issue in verify_plan(broken, problem, procurement_catalog()))


# -- NVLink bridges ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bridged():
    """Llama-3.1-70B FP8 at TP2 on bridged H100 PCIe pairs: three bridges per pair. The speed
    floor rules out TP1×PP2 on the same two cards (~28 tok/s, no bridge), which is cheaper."""
    problem = make_problem(
        interactive("big", "llama-3.1-70b", 2, precision="fp8", min_decode_tokens_per_s=30), allowed_gpus=["h100-pcie"], vram_headroom=0.3,
        assumptions={"max_batch_per_replica": 1}, procurement=NO_SERVICES,
    )
    return problem, *solved(problem)


def test_tensor_parallel_pairs_buy_bridges(bridged):
    problem, data, solution, plan = bridged
    pairs = sum(replica.tp // 2 for replica in plan.replicas if replica.tp == 2)
    assert pairs == 2
    (line,) = lines(plan, "nvlink-bridge")
    assert line.quantity == pairs * BRIDGES_PER_PAIR and line.unit_price_usd == BRIDGE
    assert verify_plan(plan, problem, procurement_catalog()) == []


def test_verifier_rejects_missing_bridges(bridged):
    problem, _, _, plan = bridged
    kept = [line for line in plan.bom if line.category != "nvlink-bridge"]
    renumbered = [line.model_copy(update={"line": index, "parent": None if line.parent is None else line.parent}) for index, line in enumerate(kept, start=1)]
    broken = plan.model_copy(update={"bom": renumbered})
    assert any("NVLink bridges" in issue for issue in verify_plan(broken, problem, procurement_catalog()))


def test_bridges_are_paid_for_in_the_model(bridged):
    # Without bridges in the catalog the same plan costs exactly the bridges less.
    problem, _, solution, plan = bridged
    catalog = procurement_catalog()
    without = dict(catalog.fabric)
    del without["nvlink-bridge-hopper-2way"]
    import dataclasses

    _, other = solve_mini(problem, dataclasses.replace(catalog, fabric=without))
    assert solution.capex_usd - other.capex_usd == lines(plan, "nvlink-bridge")[0].extended_price_usd


# -- racks: A/B feeds, density, the rack's own network ---------------------------------------


@pytest.fixture(scope="module")
def two_hgx():
    """Two HGX H100 servers (10 kW each, plus fabric ports) for Llama-3.1-405B BF16, in a room at
    the air-cooled default density (the fixtures lift it otherwise)."""
    problem = make_problem(interactive("frontier", "llama-3.1-405b", 1), allowed_gpus=["h100-sxm"], procurement=NO_SERVICES, rack_power_kw=20)
    return problem, *solved(problem)


def test_air_cooled_density_puts_one_hgx_per_rack(two_hgx):
    problem, _, _, plan = two_hgx
    assert len(plan.nodes) == 2
    assert len(plan.racks) == 2, "two 10 kW servers exceed the 20 kW air-cooled default together"
    for rack in plan.racks:
        assert rack.cooling == "air" and rack.power_limit_w == 20_000 and rack.power_w <= 20_000
    assert verify_plan(plan, problem, procurement_catalog()) == []


def test_a_higher_density_limit_shares_one_rack(two_hgx):
    problem, _, _, _ = two_hgx
    denser = problem.model_copy(update={"limits": problem.limits.model_copy(update={"rack_power_kw": 30})})
    _, _, plan = solved(denser)
    assert len(plan.racks) == 1
    (rack,) = plan.racks
    # Each PDU of a pair carries the whole rack: two pairs of 17.3 kW for ~21 kW.
    assert rack.pdus == 2 * math.ceil(rack.power_w / PDU_W) == 4


def test_pdus_come_in_pairs_that_each_carry_the_rack(two_hgx):
    problem, _, _, plan = two_hgx
    for rack in plan.racks:
        assert rack.pdus % 2 == 0 and rack.pdus // 2 * PDU_W >= rack.power_w
    assert sum(line.quantity for line in lines(plan, "pdu")) == sum(rack.pdus for rack in plan.racks)


def test_verifier_rejects_a_single_feed(two_hgx):
    problem, _, _, plan = two_hgx
    racks = [rack.model_copy(update={"pdus": 1}) for rack in plan.racks]
    issues = verify_plan(plan.model_copy(update={"racks": racks}), problem, procurement_catalog())
    assert any("not A/B pairs" in issue for issue in issues)


def test_verifier_rejects_an_overloaded_rack(two_hgx):
    problem, _, _, plan = two_hgx
    tighter = problem.model_copy(update={"limits": problem.limits.model_copy(update={"rack_power_kw": 5})})
    assert any("air-cooled limit" in issue for issue in verify_plan(plan, tighter, procurement_catalog()))


def test_each_rack_of_servers_has_its_switches_and_cables(two_hgx):
    problem, _, _, plan = two_hgx
    racks = len(plan.racks)
    assert sum(line.quantity for line in lines(plan, "frontend-switch")) == racks
    assert sum(line.quantity for line in lines(plan, "management-switch")) == racks
    assert sum(line.quantity for line in lines(plan, "frontend-cable")) == DAC_PER_SERVER * len(plan.nodes)
    assert sum(line.quantity for line in lines(plan, "management-cable")) == len(plan.nodes)
    for rack in plan.racks:
        assert (rack.frontend_switches, rack.management_switches) == (1, 1)


def test_capex_of_two_hgx_by_hand(two_hgx):
    # Two servers, one InfiniBand switch with 16 ports (8 NICs each), two racks with their own
    # ToR and management switch, 2 DACs + 1 Cat6A per server, one A/B pair of PDUs per rack.
    problem, _, solution, plan = two_hgx
    ports = 16
    expected = 2 * HGX_H100_8_SERVER + ports * (NIC + CABLE) + SWITCH + 2 * (RACK + TOR + MGMT + 2 * PDU) + 2 * (DAC_PER_SERVER * DAC + CAT6)
    assert solution.capex_usd == expected + plan.storage["drives"] * 1_400


def test_verifier_rejects_a_missing_top_of_rack_switch(two_hgx):
    problem, _, _, plan = two_hgx
    racks = [rack.model_copy(update={"frontend_switches": 0}) for rack in plan.racks]
    issues = verify_plan(plan.model_copy(update={"racks": racks}), problem, procurement_catalog())
    assert any("front-end switches" in issue for issue in issues)


# -- services -------------------------------------------------------------------------------


def test_support_is_the_rule_on_servers_and_switches_rounded_up():
    problem = chat_fleet(8, allowed_gpus=["h100-pcie"])
    _, solution, plan = solved(problem)
    (support,) = lines(plan, "support")
    covered = sum(line.extended_price_usd for line in plan.bom if line.parent is None and line.category in ("system", "switch", "frontend-switch", "management-switch"))
    assert covered == PCIE_4 + 2 * H100_PCIE + TOR + MGMT
    assert support.extended_price_usd == math.ceil(covered * 10 * 3 / 100)
    (installation,) = lines(plan, "installation")
    assert (installation.quantity, installation.unit_price_usd) == (1, INSTALL)
    assert solution.capex_usd == sum(line.extended_price_usd for line in plan.bom if line.parent is None)
    assert verify_plan(plan, problem, procurement_catalog()) == []


def test_support_years_scale_the_support_line():
    five = chat_fleet(8, allowed_gpus=["h100-pcie"], procurement={"support_years": 5})
    _, _, plan = solved(five)
    (support,) = lines(plan, "support")
    covered = PCIE_4 + 2 * H100_PCIE + TOR + MGMT
    assert support.extended_price_usd == math.ceil(covered * 50 / 100)


def test_verifier_rejects_wrong_support_arithmetic():
    problem = chat_fleet(8, allowed_gpus=["h100-pcie"])
    _, _, plan = solved(problem)
    bom = [line.model_copy(update={"unit_price_usd": line.unit_price_usd - 1, "extended_price_usd": line.extended_price_usd - 1}) if line.category == "support" else line for line in plan.bom]
    summary = plan.summary.model_copy(update={"capex_usd": plan.summary.capex_usd - 1})
    issues = verify_plan(plan.model_copy(update={"bom": bom, "summary": summary}), problem, procurement_catalog())
    assert any("BOM support" in issue for issue in issues)


def test_power_counts_the_rack_network():
    problem = chat_fleet(8, allowed_gpus=["h100-pcie"], procurement=NO_SERVICES)
    _, solution, plan = solved(problem)
    server_w = plan.nodes[0].power_w
    assert solution.power_w == server_w + TOR_W + MGMT_W + DAC_PER_SERVER * 1


# -- spare cards ----------------------------------------------------------------------------


def test_spare_cards_are_the_percentage_rounded_up_and_paid_for():
    # Two H100 PCIe cards bought; 10% of 2 rounds up to one spare card, in the capex.
    problem = chat_fleet(8, allowed_gpus=["h100-pcie"], procurement={**NO_SERVICES, "spare_cards_percent": 10})
    _, solution, plan = solved(problem)
    (spare,) = lines(plan, "spare-gpu")
    assert (spare.sku, spare.quantity, spare.unit_price_usd, spare.unit_power_w) == ("h100-pcie", 1, H100_PCIE, 0)
    without = chat_fleet(8, allowed_gpus=["h100-pcie"], procurement=NO_SERVICES)
    _, plain, _ = solved(without)
    assert solution.capex_usd == plain.capex_usd + H100_PCIE
    assert solution.capex_usd == sum(line.extended_price_usd for line in plan.bom if line.parent is None)
    assert verify_plan(plan, problem, procurement_catalog()) == []


def test_no_spares_for_modules_not_sold_loose():
    # SXM modules on an HGX baseboard are replaced by the vendor: no spare line.
    problem = make_problem(interactive("frontier", "llama-3.1-405b", 1), allowed_gpus=["h100-sxm"], procurement={**NO_SERVICES, "spare_cards_percent": 10})
    _, _, plan = solved(problem)
    assert lines(plan, "spare-gpu") == []


def test_verifier_rejects_missing_spares():
    problem = chat_fleet(8, allowed_gpus=["h100-pcie"], procurement={**NO_SERVICES, "spare_cards_percent": 10})
    _, _, plan = solved(problem)
    bom = [line for line in plan.bom if line.category != "spare-gpu"]
    bom = [line.model_copy(update={"line": number}) for number, line in enumerate(bom, start=1)]
    summary = plan.summary.model_copy(update={"capex_usd": sum(line.extended_price_usd for line in bom if line.parent is None)})
    issues = verify_plan(plan.model_copy(update={"bom": bom, "summary": summary}), problem, procurement_catalog())
    assert any("spare cards" in issue for issue in issues)
