"""`objective: rent`: the cheapest rented instances, as a reservation plan the verifier accepts."""

from __future__ import annotations

import pytest

from solver.errors import InfeasibleError, InputError
from solver.pipeline import solve_problem
from solver.rent.problem import rent_view
from solver.verify.checker import verify_plan
from tests.fixtures.cloud import EIGHT_H100, EIGHT_H100_1Y, ONE_4090, TWO_4090, mini_cloud_catalog
from tests.fixtures.problems import chat_fleet, interactive, make_problem, settings


def rent(problem, **rent_settings):
    if rent_settings:
        problem = problem.model_copy(update={"rent": problem.rent.model_copy(update=rent_settings)})
    return solve_problem(problem, mini_cloud_catalog(), settings("rent"))


def test_cheapest_instances_for_the_chat_fleet():
    # 20 sessions = 5 one-GPU replicas; two 2×4090 instances and one 1×4090 ($1,679) beat five
    # 1×4090 ($1,825) and an 8×H100 ($14,600). The other provider is excluded.
    result = rent(chat_fleet(20), excluded_providers=["other"])
    plan = result.plan
    assert plan.rent["monthly_usd"] == 2 * TWO_4090 + ONE_4090
    assert {line.sku: line.quantity for line in plan.bom} == {"t-2x-4090": 2, "t-1x-4090": 1}
    assert all(line.category == "reservation" for line in plan.bom)
    assert plan.summary.objective == "rent" and plan.summary.objective_unit == "USD/month"
    assert plan.summary.capex_usd == 0 and plan.summary.power_w == 0 and plan.racks == []
    assert all(node.rented and node.rack is None for node in plan.nodes)
    assert verify_plan(plan, rent_view(result.problem), mini_cloud_catalog()) == []


def test_reservation_lines_and_rent_section_agree():
    plan = rent(chat_fleet(20), excluded_providers=["other"]).plan
    records = {r["instance_id"]: r for r in plan.rent["instances"]}
    for line in plan.bom:
        record = records[line.sku]
        assert (record["count"], record["usd_per_month"], record["provider"]) == (line.quantity, line.unit_price_usd, line.vendor)
        assert record["source"] and record["commitment"] == "on-demand"
    assert plan.rent["yearly_usd"] == 12 * plan.rent["monthly_usd"]
    assert plan.economics["total"]["rent_usd_per_year"] == pytest.approx(plan.rent["yearly_usd"])


def test_a_model_too_big_for_small_instances_rents_an_hgx_instance():
    # Llama-3.1-70B BF16 needs > 140 GB: only the 8×H100 instance holds it (TP over NVLink).
    result = rent(make_problem(interactive("big", "llama-3.1-70b", 2)))
    assert {line.sku for line in result.plan.bom} == {"t-8x-h100"}
    assert result.plan.rent["monthly_usd"] == EIGHT_H100


def test_a_commitment_pays_the_committed_rate_where_published():
    result = rent(make_problem(interactive("big", "llama-3.1-70b", 2)), commitment="1y")
    assert result.plan.rent["monthly_usd"] == EIGHT_H100_1Y
    assert result.plan.rent["instances"][0]["commitment"] == "1y"


def test_machine_room_limits_do_not_bind_rented_capacity():
    # A $1,000 budget and a 1 kW power cap would stop any purchase of 5 GPUs.
    result = rent(chat_fleet(20, budget_usd=1_000, power_kw=1), excluded_providers=["other"])
    assert result.plan.rent["monthly_usd"] == 2 * TWO_4090 + ONE_4090


def test_nothing_rentable_is_explained():
    with pytest.raises(InputError, match="no cloud instance"):
        rent(chat_fleet(4, allowed_gpus=["l40s"]), providers=["other"])  # rents only RTX 4090s
    with pytest.raises(InputError, match="unknown cloud provider") as caught:
        rent(chat_fleet(4), providers=["tset"])
    assert "test" in caught.value.render()
    with pytest.raises(InfeasibleError, match="renting"):
        rent(make_problem(interactive("big", "llama-3.1-405b", 1)))  # 810 GB of weights: no instance holds it
