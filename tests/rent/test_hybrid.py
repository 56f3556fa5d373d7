"""`objective: hybrid`: owned base load plus rented remainder, as one checked plan."""

from __future__ import annotations

import pytest

from solver.pipeline import solve_problem
from solver.rent.hybrid import base_problem, remainder_problem
from solver.rent.problem import base_units
from solver.verify.checker import verify_plan
from tests.fixtures.cloud import ONE_4090, TWO_4090, mini_cloud_catalog
from tests.fixtures.problems import FLEET_BATCH, chat_fleet, settings


def hybrid(problem, **rent_settings):
    problem = problem.model_copy(update={"rent": problem.rent.model_copy(update={"excluded_providers": ["other"], **rent_settings})})
    return problem, solve_problem(problem, mini_cloud_catalog(), settings("hybrid"))


def test_base_units_round_up():
    assert base_units(20, 0.5) == 10 and base_units(5, 0.5) == 3 and base_units(1, 0.1) == 1


def test_base_and_remainder_problems():
    problem = chat_fleet(20)
    assert base_problem(problem).workloads[0].demand.required == 10
    # Owned replicas serving 12 leave 8 to rent; serving everything leaves nothing.
    assert remainder_problem(problem, {"chat": 12}).workloads[0].demand.required == 8
    assert remainder_problem(problem, {"chat": 20}) is None


def test_owned_base_and_rented_remainder_serve_all_demand():
    problem, result = hybrid(chat_fleet(20), base_fraction=0.5)
    plan = result.plan
    owned = [n for n in plan.nodes if not n.rented]
    rented = [n for n in plan.nodes if n.rented]
    assert owned and rented
    # 10 base sessions need 3 owned replicas (12 sessions); 8 are left: two replicas, one 2×4090.
    assert plan.rent["owned_capacity"] == {"chat": 3 * FLEET_BATCH}
    assert plan.rent["monthly_usd"] == TWO_4090
    assert plan.workloads[0].served_sessions == plan.workloads[0].required_sessions == 20
    assert plan.summary.capex_usd == sum(line.extended_price_usd for line in plan.bom if line.parent is None and line.category != "reservation") > 0
    assert plan.summary.objective == "hybrid"
    assert plan.summary.objective_value == pytest.approx(plan.economics["total"]["usd_per_month"])
    assert verify_plan(plan, problem, mini_cloud_catalog()) == []


def test_burst_hours_bill_the_remainder_for_part_of_the_day():
    _, result = hybrid(chat_fleet(20), base_fraction=0.5, burst_hours_per_day=12)
    assert result.plan.rent["monthly_usd"] == round(0.90 * 730 * 12 / 24)
    assert "12 h a day" in next(line.description for line in result.plan.bom if line.category == "reservation")


def test_limits_bind_only_the_owned_part():
    # Power for one 2-GPU workstation (1,250 W): the base of 8 sessions fits it, the 12 left
    # (three replicas) are rented, beyond the cap, in one 2×4090 and one 1×4090 instance.
    problem, result = hybrid(chat_fleet(20, power_kw=1.3), base_fraction=0.4)
    assert result.plan.summary.power_w <= 1_300
    assert result.plan.rent["monthly_usd"] == TWO_4090 + ONE_4090
    assert verify_plan(result.plan, problem, mini_cloud_catalog()) == []
