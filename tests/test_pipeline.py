"""The solve pipeline end to end: plans, infeasibility explanations, and the lab20 regression."""

from __future__ import annotations

import pytest

from solver.catalog import load_catalog
from solver.errors import InfeasibleError
from solver.model.solve import SolveSettings
from solver.pipeline import solve_problem
from solver.problem_io import load_problem
from solver.report.outputs import bom_csv
from solver.verify.checker import verify_plan
from tests.fixtures.problems import REPO, WS_2_4090_SERVER, chat_fleet, interactive, make_problem, mini_catalog, settings


def infeasible(problem) -> InfeasibleError:
    with pytest.raises(InfeasibleError) as caught:
        solve_problem(problem, mini_catalog(), settings())
    return caught.value


def test_feasible_problem_gives_a_checked_plan_with_a_baseline():
    problem = chat_fleet(20)
    result = solve_problem(problem, mini_catalog(), settings())
    plan = result.plan
    assert plan.summary.status == "OPTIMAL" and plan.summary.capex_usd == 28_794
    assert verify_plan(plan, problem, mini_catalog()) == []
    # Rule of thumb: one dedicated RTX 4090 per session ($1,599 GPU + a $3,500 workstation each).
    assert plan.baseline is not None
    assert plan.baseline["capex_usd"] == 20 * (1_599 + 3_500)
    # The rule of thumb prices servers only, so the saving compares it with the plan's servers.
    assert plan.baseline["saving_usd"] == plan.baseline["capex_usd"] - 3 * WS_2_4090_SERVER
    assert bom_csv(plan).splitlines()[0].startswith("line,parent,category,sku")


def test_workload_no_allowed_gpu_can_hold():
    # 405B at BF16 needs ~760 GiB; RTX 4090 workstations have no fabric and no NVLink.
    error = infeasible(make_problem(interactive("frontier", "llama-3.1-405b", 1), allowed_gpus=["rtx-4090"], allow_multinode=False))
    text = error.render()
    assert "frontier" in error.message
    assert "llama-3.1-405b" in text and "rtx-4090" in text
    assert "To fix" in text
    assert "allow_multinode" in text  # pipeline parallel over InfiniBand
    assert "fp8" in text  # a smaller weight format


def test_unreachable_speed_floor():
    problem = make_problem(interactive("chat", "llama-3.1-70b", 4, min_decode_tokens_per_s=10_000), allowed_gpus=["h100-pcie"])
    error = infeasible(problem)
    assert "chat" in error.message
    assert "min_decode_tokens_per_s" in error.render()


def test_unservable_workload_is_named_among_servable_ones():
    error = infeasible(make_problem(
        interactive("chat", "llama-3.1-8b", 4),
        interactive("frontier", "llama-3.1-405b", 1),
        allowed_gpus=["rtx-4090"], allow_multinode=False,
    ))
    assert "frontier" in error.message and "chat" not in error.message


def test_budget_too_low_names_the_budget_and_the_cheapest_capex():
    error = infeasible(chat_fleet(4, budget_usd=10_000))
    text = error.render()
    assert "budget" in text and "limits.budget_usd" in text
    assert "$15,398" in text  # the cheapest plan serving all demand
    assert "$10,000" in text
    assert "chat" in text


def test_power_cap_too_low_names_the_lowest_power_plan():
    # Least power for 5 GPUs: a 4×L40S server and a workstation, 3,450 W.
    text = infeasible(chat_fleet(20, power_kw=3)).render()
    assert "limits.power_kw" in text and "3.5 kW" in text and "cap 3 kW" in text


def test_rack_power_below_one_server():
    text = infeasible(make_problem(interactive("chat", "llama-3.1-70b", 4), allowed_gpus=["h100-sxm"], rack_power_kw=5)).render()
    assert "limits.rack_power_kw" in text


def test_rack_count_too_low_states_the_racks_needed():
    problem = chat_fleet(20, allowed_gpus=["rtx-4090"], rack_units=8, racks=1)
    text = infeasible(problem).render()
    assert "limits.racks" in text and "2 racks" in text


@pytest.mark.big_catalog
def test_lab20_regression():
    """The flagship problem on the full bundled catalog (the only test that loads it)."""
    catalog = load_catalog(include_user=False)
    problem = load_problem(REPO / "problems" / "lab20.yaml", catalog)
    result = solve_problem(problem, catalog, SolveSettings(time_limit_s=120, workers=1))
    plan = result.plan
    assert result.solution.status == "OPTIMAL"
    assert plan.summary.status == "OPTIMAL" and plan.summary.gap == 0
    assert verify_plan(plan, problem, catalog) == []
    assert sum(line.extended_price_usd for line in plan.bom if line.parent is None) == plan.summary.capex_usd
    assert len(plan.workloads) == len(problem.workloads) == 12
    # Issue #8: a rack-room plan buys no GeForce card and no end-of-life part, and its purchase
    # order has configured systems, the rack network, support and A/B PDU pairs.
    assert problem.limits.site == "rack-room"
    for node in plan.nodes:
        gpu, chassis = catalog.gpu(node.gpu), catalog.node(node.node_type)
        assert gpu.deployment_class != "geforce", node.id
        assert gpu.lifecycle.availability == chassis.lifecycle.availability == "shipping", node.id
    categories = {line.category for line in plan.bom if line.parent is None}
    assert {"system", "frontend-switch", "management-switch", "frontend-cable", "management-cable", "rack", "pdu", "installation", "support"} <= categories
    assert all(rack.pdus % 2 == 0 and rack.power_w <= rack.power_limit_w for rack in plan.racks)
    for workload in plan.workloads:
        assert workload.served_sessions == workload.required_sessions and workload.served_fraction == 1.0, workload
    limits = problem.limits
    assert plan.summary.capex_usd <= limits.budget_usd
    assert plan.summary.power_w <= limits.power_kw * 1000
    assert len(plan.racks) <= limits.racks
    assert all(rack.power_w <= limits.rack_power_kw * 1000 for rack in plan.racks)
    assert plan.baseline is not None
    assert plan.baseline["plan_servers_usd"] < plan.baseline["capex_usd"]


@pytest.mark.big_catalog
def test_edge_workstations_can_still_buy_geforce_at_the_desk():
    """The desk-side example keeps GeForce cards (their licence only rules out data centres)."""
    catalog = load_catalog(include_user=False)
    problem = load_problem(REPO / "problems" / "edge-workstations.yaml", catalog)
    plan = solve_problem(problem, catalog, SolveSettings(time_limit_s=60, workers=1)).plan
    assert problem.limits.site == "desk-side"
    assert any(catalog.gpu(node.gpu).deployment_class == "geforce" for node in plan.nodes)
    assert not plan.racks and all(not catalog.node(node.node_type).rack_mounted for node in plan.nodes)
    assert "buys end-of-life and used-market parts (limits.allow_end_of_life)" in plan.summary.policy_opt_ins


def test_demand_of_a_million_sessions_with_no_limits_is_answered_quickly():
    """Was a hang (placement, plan extraction and the checker were quadratic in the fleet). On
    the mini catalog the fleet needs more racks than procure lays out: said so, not hidden."""
    import time

    started = time.perf_counter()
    error = infeasible(make_problem(interactive("chat", "llama-3.1-8b", 1_000_000)))
    assert "more than 64 racks" in error.render()
    assert time.perf_counter() - started < 20


def test_demand_of_a_million_sessions_on_desk_side_machines_is_planned_quickly():
    import time

    started = time.perf_counter()
    catalog = load_catalog(include_user=False)
    problem = make_problem(interactive("chat", "llama-3.1-8b", 1_000_000, min_decode_tokens_per_s=None, max_ttft_s=None), allowed_node_types=["mac-studio"], allow_end_of_life=True)
    result = solve_problem(problem, catalog, settings(time_limit_s=5))
    assert result.plan.workloads[0].served_sessions == 1_000_000 and result.plan.summary.nodes > 1_000
    assert time.perf_counter() - started < 20
