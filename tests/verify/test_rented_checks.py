"""The verifier on rented capacity: reservations must match the instances used at catalog prices."""

from __future__ import annotations

import pytest

from solver.pipeline import solve_problem
from solver.rent.problem import rent_view
from solver.verify.checker import verify_plan
from tests.fixtures.cloud import mini_cloud_catalog
from tests.fixtures.problems import chat_fleet, settings


@pytest.fixture()
def rented():
    problem = chat_fleet(20)
    problem = problem.model_copy(update={"rent": problem.rent.model_copy(update={"excluded_providers": ["other"]})})
    result = solve_problem(problem, mini_cloud_catalog(), settings("rent"))
    return rent_view(problem), result.plan.model_copy(deep=True)


def issues(problem, plan):
    return verify_plan(plan, problem, mini_cloud_catalog())


def test_the_untouched_rented_plan_passes(rented):
    assert issues(*rented) == []


def test_a_reservation_below_the_catalog_price_is_rejected(rented):
    problem, plan = rented
    line = plan.bom[0]
    line.unit_price_usd -= 1
    line.extended_price_usd = line.quantity * line.unit_price_usd
    assert any("the catalog gives" in issue for issue in issues(problem, plan))


def test_reservations_must_list_exactly_the_instances_used(rented):
    problem, plan = rented
    line = plan.bom[0]
    line.quantity += 1
    line.extended_price_usd = line.quantity * line.unit_price_usd
    found = issues(problem, plan)
    assert any("differ from the rented instances" in issue for issue in found)
    assert any("rent: monthly" in issue for issue in found)


def test_a_rented_instance_in_a_rack_or_unknown_is_rejected(rented):
    problem, plan = rented
    plan.nodes[0].rack = 0
    assert any("takes no rack" in issue for issue in issues(problem, plan))
    plan.nodes[0].rack = None
    plan.nodes[0].node_type = "t-16x-imaginary"
    assert any("not in the cloud catalog" in issue for issue in issues(problem, plan))


def test_a_rented_node_must_match_its_instance(rented):
    problem, plan = rented
    node = next(n for n in plan.nodes if n.node_type == "t-2x-4090")
    node.gpu_count = 8
    assert any("t-2x-4090 is 2× rtx-4090" in issue for issue in issues(problem, plan))
