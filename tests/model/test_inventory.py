"""Owned servers (limits.inventory): free to use, still drawing power and taking rack space."""

from __future__ import annotations

import pytest

from solver.errors import InputError
from solver.model.data import build_data
from solver.verify.checker import verify_plan
from tests.fixtures.problems import (
    HGX_H100_8_W,
    PCIE_4_L40S_W,
    PDU_PAIR,
    RACK,
    WS_2_4090_SERVER,
    WS_2_4090_W,
    bought,
    chat_fleet,
    bom_quantity,
    plan_of,
    solve_mini,
)

WS = "ws-2gpu/rtx-4090"


def owned(node: str, gpu: str, count: int) -> list[dict]:
    return [{"node": node, "gpu": gpu, "count": count}]


def test_owned_servers_are_used_before_buying(catalog):
    # 20 sessions need five GPUs: three RTX workstations; two are owned, so one is bought.
    problem = chat_fleet(20, allowed_gpus=["rtx-4090"], inventory=owned("ws-2gpu", "rtx-4090", 2))
    data, solution = solve_mini(problem)
    assert bought(solution) == {WS: 1}
    assert solution.capex_usd == WS_2_4090_SERVER + RACK + PDU_PAIR
    assert solution.power_w == 3 * WS_2_4090_W  # owned servers draw power too
    plan = plan_of(data, solution)
    assert verify_plan(plan, problem, catalog) == []
    assert [n.owned for n in plan.nodes] == [True, True, False]
    assert (bom_quantity(plan, "system"), bom_quantity(plan, "gpu")) == (1, 2)
    assert len(plan.racks[0].nodes) == 3


def test_owned_servers_outside_the_allowed_hardware_still_serve(catalog):
    # A 4×L40S server is owned although only RTX 4090s may be bought: it serves all 16 sessions.
    problem = chat_fleet(16, allowed_gpus=["rtx-4090"], inventory=owned("pcie-4gpu", "l40s", 1))
    data, solution = solve_mini(problem)
    config = data.config("pcie-4gpu/l40s")
    assert (config.owned, config.purchasable) == (1, False)
    assert bought(solution) == {}
    assert solution.capex_usd == RACK + PDU_PAIR
    assert solution.power_w == PCIE_4_L40S_W
    plan = plan_of(data, solution)
    assert verify_plan(plan, problem, catalog) == []
    assert {r.node_type for r in plan.replicas} == {"pcie-4gpu"}
    assert [line.category for line in plan.bom] == ["rack", "pdu"]


def test_owned_servers_count_for_the_power_cap():
    inventory = owned("hgx-h100-8", "h100-sxm", 1)
    _, solution = solve_mini(chat_fleet(4, inventory=inventory))
    assert bought(solution) == {}
    assert solution.capex_usd == RACK + PDU_PAIR
    assert solution.power_w == HGX_H100_8_W
    _, capped = solve_mini(chat_fleet(4, inventory=inventory, power_kw=5))
    assert capped.status == "INFEASIBLE"
    assert "power" in capped.infeasible_guards


def test_owned_servers_take_rack_space():
    # Two owned 4U workstations in 4U racks: two racks, though one server would serve the demand.
    problem = chat_fleet(4, allowed_gpus=["rtx-4090"], rack_units=4, inventory=owned("ws-2gpu", "rtx-4090", 2))
    _, solution = solve_mini(problem)
    assert bought(solution) == {}
    assert solution.capex_usd == 2 * RACK + 2 * PDU_PAIR


def test_inventory_of_a_gpu_the_node_cannot_take(catalog):
    problem = chat_fleet(4, inventory=owned("ws-2gpu", "l40s", 1))
    with pytest.raises(InputError, match="does not take l40s"):
        build_data(problem, catalog)
