"""Demand coverage (solver/model/constraints/demand.py) and how demand is counted."""

from __future__ import annotations

import math

import pytest

from solver.model.constraints import demand
from solver.model.data import build_data
from solver.model.solve import SolveSettings, solve
from solver.model.variables import replica_name
from solver.options.generate import required_demand
from solver.verify.checker import verify_plan
from tests.fixtures.problems import PDU_PAIR, RACK, WS_2_4090_SERVER, bought, chat_fleet, interactive, make_problem, mini_catalog, plan_of, solve_mini

WS = "ws-2gpu/rtx-4090"


def test_cheapest_server_for_a_small_chat_workload(catalog):
    # 4 sessions of Llama-3.1-8B fit one RTX 4090; the 2-GPU workstation is the cheapest server
    # of the whole mini catalog: $6,698 + one rack + one A/B PDU pair; its 2 TB NVMe holds the weights.
    problem = make_problem(interactive("chat", "llama-3.1-8b", 4))
    data, solution = solve_mini(problem)
    assert solution.status == "OPTIMAL"
    assert bought(solution) == {WS: 1}
    assert solution.capex_usd == WS_2_4090_SERVER + RACK + PDU_PAIR == 15_398
    assert solution.values["served[chat]"] == 4
    plan = plan_of(data, solution)
    assert verify_plan(plan, problem, catalog) == []
    assert [(w.name, w.required_sessions, w.served_sessions, w.served_fraction) for w in plan.workloads] == [("chat", 4, 4, 1.0)]


def test_two_workloads_share_one_server(catalog):
    problem = make_problem(
        interactive("a", "llama-3.1-8b", 4), interactive("b", "qwen2.5-7b", 4),
        allowed_gpus=["rtx-4090"], assumptions={"max_batch_per_replica": 4},
    )
    data, solution = solve_mini(problem)
    assert bought(solution) == {WS: 1}
    assert solution.capex_usd == 15_398
    plan = plan_of(data, solution)
    assert verify_plan(plan, problem, catalog) == []
    # One replica each, on the two GPUs of the same workstation.
    assert sorted(r.workload for r in plan.replicas) == ["a", "b"]
    assert len({r.placement[0].node for r in plan.replicas}) == 1
    assert sorted(g for r in plan.replicas for g in r.placement[0].gpus) == [0, 1]


@pytest.mark.parametrize(("sessions", "nodes"), [(8, 1), (9, 2)])
def test_demand_boundary(sessions, nodes):
    # Chat fleet on RTX 4090 workstations: 4 sessions per GPU, 8 per workstation; one more
    # session needs a third GPU and so a second workstation.
    data, solution = solve_mini(chat_fleet(sessions, allowed_gpus=["rtx-4090"]))
    assert [(o.gpus, o.serves) for o in data.options] == [(1, 4)]
    assert bought(solution) == {WS: nodes}
    capacity = sum(solution.values[replica_name(o)] * o.serves for o in data.options)
    assert capacity >= sessions


def test_users_times_active_share_rounds_up_once():
    problem = make_problem(interactive("chat", "llama-3.1-8b", 1) | {"demand": {"users": 20, "active_fraction": 0.35}})
    assert required_demand(problem.workloads[0]) == 7
    problem = make_problem(interactive("chat", "llama-3.1-8b", 1) | {"demand": {"users": 8, "active_fraction": 0.35}})
    assert required_demand(problem.workloads[0]) == 3


def test_batch_demand_in_tokens_per_second(catalog):
    # 36 M tokens in one hour = 10,000 tokens/s of demand, served in tokens/s by replicas.
    batch = {"name": "offline", "model": "llama-3.1-8b", "kind": "batch", "context_tokens": 2048, "output_tokens": 512,
             "tokens": 3.6e7, "deadline_hours": 1, "demand": {"jobs": 1}}
    problem = make_problem(batch, allowed_gpus=["rtx-4090"])
    data, solution = solve_mini(problem)
    assert data.workloads[0].required == 10_000 and data.workloads[0].unit == "tokens/s"
    # Fewest workstations whose two GPUs, filled with any mix of the options, reach 10,000 tok/s.
    widths = {o.gpus for o in data.options}
    assert widths <= {1, 2}
    best_per_node = max(max(o.serves for o in data.options if o.gpus == w) * (2 // w) for w in widths)
    nodes = math.ceil(10_000 / best_per_node)
    assert bought(solution) == {WS: nodes}
    assert solution.capex_usd == nodes * WS_2_4090_SERVER + RACK + math.ceil(nodes * 1_250 / 17_300) * PDU_PAIR
    plan = plan_of(data, solution)
    assert verify_plan(plan, problem, catalog) == []
    assert sum(r.serves for r in plan.replicas) >= 10_000


def test_removing_demand_buys_nothing(monkeypatch):
    problem = make_problem(interactive("chat", "llama-3.1-8b", 4))
    monkeypatch.setattr(demand, "add", lambda *args, **kwargs: None)
    data, solution = solve_mini(problem)
    assert solution.feasible
    assert bought(solution) == {}
    assert solution.values["served[chat]"] == 0
    assert solution.capex_usd < 11_898
    plan = plan_of(data, solution)
    assert plan.replicas == [] and plan.workloads[0].served_sessions == 0


def test_soft_demand_serves_what_the_budget_allows():
    # What-if mode: demand is an objective, not a constraint. $16,000 buys one workstation with its rack and PDU pair.
    problem = chat_fleet(60, allowed_gpus=["rtx-4090"])
    data = build_data(problem, mini_catalog())
    solution = solve(data, SolveSettings(hard_demand=False, budget_usd=16_000, time_limit_s=10))
    assert solution.status == "OPTIMAL"
    assert [s.name for s in solution.stages] == ["served", "cost", "power", "nodes"]
    assert bought(solution) == {WS: 1}
    assert solution.values["served[chat]"] == 8
