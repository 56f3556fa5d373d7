"""plan.json `economics` of solved plans: the parts add up, tokens follow the planned speeds,
and the assumptions say where they came from."""

from __future__ import annotations

import pytest

from solver.economics.attach import bought_node_prices
from solver.economics.report import DAYS_PER_YEAR, plan_economics
from tests.fixtures.problems import chat_fleet, interactive, make_problem, plan_of, solve_mini


@pytest.fixture(scope="module")
def fleet():
    problem = chat_fleet(20)
    data, solution = solve_mini(problem)
    return problem, data, plan_of(data, solution)


def economics(problem, data, plan):
    return plan_economics(plan, problem, bought_node_prices(plan, data))


def test_workload_costs_and_unallocated_add_up_to_the_total(fleet):
    problem, data, plan = fleet
    result = economics(problem, data, plan)
    total = result["total"]
    assert sum(w["usd_per_year"] for w in result["per_workload"]) + total["unallocated_usd_per_year"] == pytest.approx(total["usd_per_year"], abs=0.05)
    parts = total["amortised_capex_usd_per_year"] + total["energy_usd_per_year"] + total["support_usd_per_year"] + total["space_usd_per_year"] + total["rent_usd_per_year"]
    assert parts == pytest.approx(total["usd_per_year"], abs=0.05)
    assert total["capex_usd"] == plan.summary.capex_usd


def test_tokens_per_day_are_sessions_times_planned_speed_times_utilisation(fleet):
    problem, data, plan = fleet
    record = economics(problem, data, plan)["per_workload"][0]
    expected = sum(r.sessions * r.decode_tokens_per_s for r in plan.replicas) * 86_400 * problem.economics.utilization
    assert record["tokens_per_day"] == pytest.approx(expected, abs=1)
    assert record["input_tokens_per_day"] == pytest.approx(record["tokens_per_day"] * (4096 - 256) / 256, rel=1e-6)


def test_cost_per_token_falls_as_utilisation_rises(fleet):
    problem, data, plan = fleet
    busy = problem.model_copy(update={"economics": problem.economics.model_copy(update={"utilization": 0.5})})
    quiet = problem.model_copy(update={"economics": problem.economics.model_copy(update={"utilization": 0.25})})
    a, b = economics(busy, data, plan)["total"], economics(quiet, data, plan)["total"]
    assert a["usd_per_year"] == b["usd_per_year"]
    assert b["usd_per_million_output_tokens"] == pytest.approx(2 * a["usd_per_million_output_tokens"], rel=1e-3)


def test_output_and_input_costs_split_the_workload_cost(fleet):
    problem, data, plan = fleet
    record = economics(problem, data, plan)["per_workload"][0]
    per_day = record["usd_per_year"] / DAYS_PER_YEAR
    recombined = record["usd_per_million_output_tokens"] * record["tokens_per_day"] / 1e6 + record["usd_per_million_input_tokens"] * record["input_tokens_per_day"] / 1e6
    assert recombined == pytest.approx(per_day, rel=1e-3)
    assert 0 < record["prefill_share"] < 1


def test_gpu_hour_cost_is_the_years_cost_over_gpu_hours(fleet):
    problem, data, plan = fleet
    total = economics(problem, data, plan)["total"]
    gpus = sum(n.gpu_count for n in plan.nodes)
    assert total["gpu_hour_usd"] == pytest.approx(total["usd_per_year"] / (gpus * 8760), abs=1e-4)


def test_assumptions_name_their_source():
    problem = make_problem(interactive("chat", "llama-3.1-8b", 2))
    problem = problem.model_copy(update={"economics": problem.economics.model_validate({"utilization": 0.5})})
    data, solution = solve_mini(problem)
    assumptions = economics(problem, data, plan_of(data, solution))["assumptions"]
    assert assumptions["utilization"] == {"value": 0.5, "source": "problem file (economics.utilization)"}
    assert assumptions["support_fraction_per_year"]["source"].startswith("default (economics.support_fraction_per_year)")
    assert "librarytechnology" in assumptions["support_fraction_per_year"]["source"]
    for key in ("years", "utilization", "electricity_usd_per_kwh", "pue", "support_fraction_per_year"):
        assert assumptions[key]["source"]


def test_owned_inventory_carries_no_capex_but_its_energy():
    problem = make_problem(interactive("chat", "llama-3.1-8b", 2), inventory=[{"node": "ws-2gpu", "gpu": "rtx-4090", "count": 1}], allowed_gpus=["rtx-4090"])
    data, solution = solve_mini(problem)
    plan = plan_of(data, solution)
    total = economics(problem, data, plan)["total"]
    # Nothing but the rack and its PDUs is bought; the owned workstation still draws power.
    assert not [line for line in plan.bom if line.category in ("gpu", "server")]
    assert total["amortised_capex_usd_per_year"] == pytest.approx(plan.summary.capex_usd / problem.objective.tco.years)
    assert total["energy_usd_per_year"] > 0 and plan.nodes[0].owned
