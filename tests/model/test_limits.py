"""Budget, facility power cap and node limit (solver/model/constraints/limits.py; max_nodes
lives in packing.py).

Instance: the chat fleet (tests/fixtures/problems.py): 4 sessions per GPU replica. 20 sessions
= 5 GPUs: three RTX workstations are cheapest ($25,294, 3,750 W); one 4×L40S server plus one
workstation draws least ($69,898, 3,450 W); the cheapest single server is an 8×L40S ($112,200).
"""

from __future__ import annotations

import pytest

from solver.model.constraints import limits
from solver.verify.checker import verify_plan
from tests.fixtures.problems import (
    PCIE_4_L40S_SERVER,
    PCIE_8_L40S_SERVER,
    PDU_PAIR,
    RACK,
    WS_2_4090_SERVER,
    WS_2_4090_W,
    bought,
    chat_fleet,
    plan_of,
    solve_mini,
)

WS = "ws-2gpu/rtx-4090"
SMALL_CAPEX = WS_2_4090_SERVER + RACK + PDU_PAIR  # 15,398: 4 sessions on one workstation
CHEAP_CAPEX = 3 * WS_2_4090_SERVER + RACK + PDU_PAIR  # 28,794
FRUGAL_CAPEX = PCIE_4_L40S_SERVER + WS_2_4090_SERVER + RACK + PDU_PAIR  # 73,398
ONE_SERVER_CAPEX = PCIE_8_L40S_SERVER + RACK + PDU_PAIR  # 115,700


def test_budget_exactly_the_optimum_is_feasible(catalog):
    problem = chat_fleet(4, budget_usd=SMALL_CAPEX)
    data, solution = solve_mini(problem)
    assert solution.status == "OPTIMAL" and solution.capex_usd == SMALL_CAPEX == 15_398
    plan = plan_of(data, solution)
    assert verify_plan(plan, problem, catalog) == []
    assert plan.summary.binding_limits == ["budget: $15,398 of $15,398"]


def test_budget_one_dollar_short_is_infeasible():
    _, solution = solve_mini(chat_fleet(4, budget_usd=SMALL_CAPEX - 1))
    assert solution.status == "INFEASIBLE"
    assert set(solution.infeasible_guards) == {"budget", "demand:chat"}


def test_solve_settings_budget_overrides_the_problem():
    _, solution = solve_mini(chat_fleet(4, budget_usd=1_000_000), budget_usd=SMALL_CAPEX - 1)
    assert solution.status == "INFEASIBLE"


def test_power_cap_picks_lower_power_hardware(catalog):
    _, free = solve_mini(chat_fleet(20))
    assert bought(free) == {WS: 3} and free.capex_usd == CHEAP_CAPEX == 28_794 and free.power_w == 3_750
    problem = chat_fleet(20, power_kw=3.5)
    data, capped = solve_mini(problem)
    assert bought(capped) == {"pcie-4gpu/l40s": 1, WS: 1}
    assert capped.capex_usd == FRUGAL_CAPEX == 73_398
    assert capped.power_w == 3_450
    assert verify_plan(plan_of(data, capped), problem, catalog) == []


def test_power_cap_below_any_plan_is_infeasible():
    _, solution = solve_mini(chat_fleet(20, power_kw=3.4))
    assert solution.status == "INFEASIBLE"
    assert "power" in solution.infeasible_guards


def test_max_nodes_picks_a_denser_server(catalog):
    problem = chat_fleet(20, max_nodes=1)
    data, solution = solve_mini(problem)
    assert bought(solution) == {"pcie-8gpu/l40s": 1}
    assert solution.capex_usd == ONE_SERVER_CAPEX == 115_700
    assert verify_plan(plan_of(data, solution), problem, catalog) == []


def test_max_nodes_below_need_is_infeasible():
    # 20 sessions need three RTX workstations when nothing else may be bought.
    _, solution = solve_mini(chat_fleet(20, max_nodes=2, allowed_gpus=["rtx-4090"]))
    assert solution.status == "INFEASIBLE"


def test_max_nodes_conflict_is_named():
    _, solution = solve_mini(chat_fleet(20, max_nodes=2, allowed_gpus=["rtx-4090"]))
    assert "max_nodes" in solution.infeasible_guards


def test_removing_limits_overspends_the_budget(monkeypatch, catalog):
    problem = chat_fleet(4, budget_usd=10_000)
    monkeypatch.setattr(limits, "add", lambda *args, **kwargs: None)
    data, solution = solve_mini(problem)
    assert solution.status == "OPTIMAL" and solution.capex_usd == SMALL_CAPEX
    issues = verify_plan(plan_of(data, solution), problem, catalog)
    assert issues == ["capex $15,398 exceeds budget $10,000"]


def test_removing_limits_overdraws_the_power_cap(monkeypatch, catalog):
    problem = chat_fleet(20, power_kw=3.5)
    monkeypatch.setattr(limits, "add", lambda *args, **kwargs: None)
    data, solution = solve_mini(problem)
    assert solution.capex_usd == CHEAP_CAPEX and solution.power_w == 3 * WS_2_4090_W
    issues = verify_plan(plan_of(data, solution), problem, catalog)
    assert issues == ["power 3.8 kW exceeds the cap 3.5 kW"]
