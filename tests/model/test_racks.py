"""Rack space, per-rack power, PDUs and the rack limit (solver/model/constraints/racks.py)."""

from __future__ import annotations

import pytest

from solver.model.constraints import racks
from solver.verify.checker import verify_plan
from tests.fixtures.problems import (
    PDU_PAIR,
    RACK,
    WS_2_4090_SERVER,
    WS_2_4090_W,
    bought,
    chat_fleet,
    bom_quantity,
    interactive,
    make_problem,
    plan_of,
    solve_mini,
)

WS = "ws-2gpu/rtx-4090"
# The chat fleet on RTX 4090 workstations (4U, 1,250 W each): 20 sessions = 5 single-GPU
# replicas of 4 sessions = 3 workstations.
THREE_WS = 3 * WS_2_4090_SERVER


def fleet_of_three(**limits):
    return chat_fleet(20, allowed_gpus=["rtx-4090"], **limits)


def test_one_rack_when_everything_fits(catalog):
    problem = fleet_of_three()
    data, solution = solve_mini(problem)
    assert bought(solution) == {WS: 3}
    assert solution.capex_usd == THREE_WS + RACK + PDU_PAIR == 28_794
    plan = plan_of(data, solution)
    assert verify_plan(plan, problem, catalog) == []
    (rack,) = plan.racks
    assert (len(rack.nodes), rack.rack_units_used, rack.power_w, rack.pdus) == (3, 12, 3 * WS_2_4090_W, 2)


def test_rack_space_forces_a_second_rack(catalog):
    problem = fleet_of_three(rack_units=8)
    data, solution = solve_mini(problem)
    assert bought(solution) == {WS: 3}
    assert solution.capex_usd == THREE_WS + 2 * RACK + 2 * PDU_PAIR == 37_494
    plan = plan_of(data, solution)
    assert verify_plan(plan, problem, catalog) == []
    assert sorted(len(r.nodes) for r in plan.racks) == [1, 2]
    assert all(r.rack_units_used <= 8 for r in plan.racks)
    assert (bom_quantity(plan, "rack"), bom_quantity(plan, "pdu")) == (2, 4)


def test_rack_power_forces_a_second_rack(catalog):
    problem = fleet_of_three(rack_power_kw=2.5)
    data, solution = solve_mini(problem)
    assert solution.capex_usd == THREE_WS + 2 * RACK + 2 * PDU_PAIR
    plan = plan_of(data, solution)
    assert verify_plan(plan, problem, catalog) == []
    assert sorted(r.power_w for r in plan.racks) == [WS_2_4090_W, 2 * WS_2_4090_W]


def test_rack_limit_conflicts_with_rack_space():
    _, solution = solve_mini(fleet_of_three(rack_units=8, racks=1))
    assert solution.status == "INFEASIBLE"
    assert "racks" in solution.infeasible_guards
    assert "demand:chat" in solution.infeasible_guards


def test_rack_power_below_one_server_is_infeasible():
    # One HGX H100 server draws 10 kW; no rack may hold it under a 5 kW per-rack limit.
    problem = make_problem(interactive("chat", "llama-3.1-70b", 4), allowed_gpus=["h100-sxm"], rack_power_kw=5)
    _, solution = solve_mini(problem)
    assert solution.status == "INFEASIBLE"
    assert "rack_power" in solution.infeasible_guards
    assert "budget" not in solution.infeasible_guards and "power" not in solution.infeasible_guards


def test_removing_racks_drops_enclosures_and_leaves_servers_unracked(monkeypatch, catalog):
    problem = fleet_of_three(rack_units=8, rack_power_kw=2.5)
    monkeypatch.setattr(racks, "add", lambda *args, **kwargs: None)
    data, solution = solve_mini(problem)
    assert solution.capex_usd == THREE_WS
    issues = verify_plan(plan_of(data, solution), problem, catalog)
    assert sum("is in no rack" in issue for issue in issues) == 3, issues


def test_removing_racks_hides_the_rack_power_conflict(monkeypatch):
    problem = make_problem(interactive("chat", "llama-3.1-70b", 4), allowed_gpus=["h100-sxm"], rack_power_kw=5)
    monkeypatch.setattr(racks, "add", lambda *args, **kwargs: None)
    _, solution = solve_mini(problem)
    assert solution.status == "OPTIMAL"


def test_rack_power_spreads_servers_over_as_many_racks_as_needed():
    # 40 sessions need 10 GPUs = 5 workstations; at 1.3 kW per rack each 1,250 W workstation takes
    # a rack of its own: 5 racks, 5 PDUs. Only 3 rack bins are created.
    problem = chat_fleet(40, allowed_gpus=["rtx-4090"], rack_power_kw=1.3)
    _, solution = solve_mini(problem)
    assert solution.status == "OPTIMAL"
    assert solution.capex_usd == 5 * (WS_2_4090_SERVER + RACK + PDU_PAIR)


def test_racks_10000_sizes_bins_like_no_limit():
    """racks: 10,000 (the schema's bound) used to build 10,000 rack bins and hang; a limit above
    what any sensible plan fills cannot bind, so the bins are sized as without a limit."""
    problem = fleet_of_three(racks=10_000)
    data, solution = solve_mini(problem)
    assert data.facility.rack_bins == data.facility.rack_bins_unlimited <= 64
    assert solution.status == "OPTIMAL" and solution.capex_usd == solve_mini(fleet_of_three())[1].capex_usd


def test_a_used_rack_holds_servers_or_switches(catalog):
    """Not only its own front-end and management switches: a stage stopped early could otherwise
    keep such empty racks (100 generated workloads, a what-if), which the verifier rejects."""
    from dataclasses import replace

    from solver.model.build import build_model
    from solver.model.data import build_data
    from solver.model.solve import SolveSettings, _solver, cp_model

    data = build_data(fleet_of_three(), catalog)
    data = replace(data, facility=replace(data.facility, rack_bins=2))
    built = build_model(data)
    for guard in built.variables.guards.values():
        built.model.add(guard == 1)
    built.model.add(built.variables.rack_used[1] == 1)
    for (rack, _), count in built.variables.nodes_in_rack.items():
        if rack == 1:
            built.model.add(count == 0)
    assert _solver(SolveSettings(), 10.0).solve(built.model) == cp_model.INFEASIBLE
