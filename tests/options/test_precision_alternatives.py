"""A workload may let the solver choose its formats (precision lists, in preference order)."""

from __future__ import annotations

import pytest

from solver.catalog import load_catalog
from solver.model.data import build_data
from solver.model.solve import solve
from solver.plan.extract import build_plan
from solver.verify.checker import verify_plan
from tests.fixtures.problems import interactive, make_problem, settings

CATALOG = load_catalog(include_user=False)


def solved(**workload):
    problem = make_problem(interactive("w", "llama-3.1-70b", 6, **workload), allowed_gpus=["h100-sxm"], allowed_node_types=["hgx-h100-8"])
    data = build_data(problem, CATALOG)
    solution = solve(data, settings())
    plan = build_plan(data, solution, tco_usd=0)
    assert verify_plan(plan, problem, CATALOG) == []
    return data, solution, plan


def test_the_solver_chooses_the_cheaper_format_and_the_plan_says_which() -> None:
    _, bf16, _ = solved(precision="bf16")
    _, fp8, _ = solved(precision="fp8")
    data, either, plan = solved(precision=["bf16", "fp8"])
    assert {o.precision for o in data.options} == {"bf16", "fp8"}
    assert either.capex_usd == min(bf16.capex_usd, fp8.capex_usd)
    chosen = {r.precision for r in plan.replicas}
    assert chosen == ({"fp8"} if fp8.capex_usd < bf16.capex_usd else {"bf16"})


def test_preference_breaks_ties_in_cost() -> None:
    # One replica of an 8B model fits either format on the same server: equal cost, so the
    # first-listed format wins, whichever it is.
    for order in (["bf16", "fp8"], ["fp8", "bf16"]):
        problem = make_problem(interactive("w", "llama-3.1-8b", 1, precision=order), allowed_gpus=["h100-sxm"], allowed_node_types=["hgx-h100-8"])
        data = build_data(problem, CATALOG)
        plan = build_plan(data, solve(data, settings()), tco_usd=0)
        assert {r.precision for r in plan.replicas} == {order[0]}


def test_kv_alternatives_and_labels() -> None:
    problem = make_problem(interactive("w", "llama-3.1-8b", 1, kv_precision=["bf16", "fp8"]), allowed_gpus=["h100-sxm"], allowed_node_types=["hgx-h100-8"])
    data = build_data(problem, CATALOG)
    assert {o.kv_precision for o in data.options} == {"bf16", "fp8"}
    assert len({o.label for o in data.options}) == len(data.options)  # formats are part of the variable names


@pytest.mark.parametrize("bad", [["bf16", "bf16"], []])
def test_bad_lists(bad) -> None:
    with pytest.raises(ValueError):
        make_problem(interactive("w", "llama-3.1-8b", 1, precision=bad))
