"""Properties of what-if answers on small random problems (hypothesis, few examples: each solve
takes a few hundredths of a second on the mini catalog's restricted GPU set).

- more budget never serves less demand;
- relaxing any limit never costs more (full demand), nor serves less (demand maximised);
- no plan spends more than its budget;
- every scenario's plan passes the independent checker.
"""

from __future__ import annotations

from hypothesis import HealthCheck, assume, given, settings, strategies as st

from solver.specs.problem import Problem
from solver.verify.checker import verify_plan
from solver.whatif.results import served_fraction
from solver.whatif.run import run_whatif
from solver.whatif.scenarios import Scenario, data_key, plan_scenarios
from solver.whatif.sweep import ScenarioSolver
from tests.fixtures.problems import mini_catalog

GPUS = ("l40s", "rtx-4090", "a100-80gb-sxm", "h100-pcie")
PROPERTIES = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)


@st.composite
def problems(draw) -> Problem:
    """Two or three small workloads with random demand and priorities on a random GPU subset."""
    workloads = [
        {"name": "chat7b", "model": "qwen2.5-7b", "context_tokens": 8192, "demand": {"users": draw(st.integers(1, 30)), "active_fraction": draw(st.sampled_from([0.2, 0.3, 0.5]))}, "min_decode_tokens_per_s": 20},
        {"name": "code8b", "model": "llama-3.1-8b", "precision": draw(st.sampled_from(["bf16", "fp8"])), "context_tokens": draw(st.sampled_from([4096, 16384])), "demand": {"sessions": draw(st.integers(1, 12))}},
    ]
    if draw(st.booleans()):
        workloads.append({"name": "big70", "model": "llama-3.1-70b", "precision": "awq", "context_tokens": 8192, "demand": {"sessions": draw(st.integers(1, 6))}})
    for workload in workloads:
        workload["priority"] = draw(st.sampled_from([0.5, 1.0, 2.0, 3.0]))
    gpus = draw(st.lists(st.sampled_from(GPUS), min_size=1, max_size=len(GPUS), unique=True))
    return Problem.model_validate({"name": "prop", "workloads": workloads, "limits": {"allowed_gpus": sorted(gpus)}})


def solve(problem: Problem, *, hard: bool, budget: float | None = None, objective: str = "cost"):
    if budget is not None:
        problem = problem.model_copy(update={"limits": problem.limits.model_copy(update={"budget_usd": budget})})
    scenario = Scenario(name="s", problem=problem, objective=objective, hard_demand=hard, budget_usd=budget, data_key=data_key(problem))
    result, _ = ScenarioSolver(mini_catalog(), time_limit_s=20).solve(0, scenario, None)
    if result.plan is not None:
        assert result.status == "OPTIMAL"
        assert verify_plan(result.plan, problem, mini_catalog()) == []
        if problem.limits.budget_usd is not None:
            assert result.plan.summary.capex_usd <= problem.limits.budget_usd
    return scenario, result


def served_score(result) -> float:
    return next(stage["value"] for stage in result.stages if stage["name"] == "served")


@PROPERTIES
@given(problems(), st.integers(1_000, 250_000), st.integers(1, 250_000))
def test_more_budget_never_serves_less(problem, low, extra):
    small_s, small = solve(problem, hard=False, budget=low)
    large_s, large = solve(problem, hard=False, budget=low + extra)
    # Below the storage every plan needs (one drive), not even an empty plan fits.
    assume(small.plan is not None)
    assert large.plan is not None
    assert served_score(large) >= served_score(small)
    # The solver's integer weights approximate priority ÷ required to 1/10,000.
    assert served_fraction(large_s, large) >= served_fraction(small_s, small) - 1e-3


RELAXATIONS = {
    "budget": ("budget_usd", lambda v: None),
    "power": ("power_kw", lambda v: v * 2),
    "racks": ("racks", lambda v: None),
    "max_nodes": ("max_nodes", lambda v: v + 2),
    "nvlink": ("tp_requires_nvlink", lambda v: False),
    "multinode": ("allow_multinode", lambda v: True),
    "headroom": ("vram_headroom", lambda v: 0.05),
    "gpus": ("allowed_gpus", lambda v: list(GPUS)),
}


@PROPERTIES
@given(problems(), st.sampled_from(sorted(RELAXATIONS)), st.data())
def test_relaxing_a_limit_never_costs_more(problem, which, data):
    field, relax = RELAXATIONS[which]
    tight_values = {
        "budget_usd": data.draw(st.integers(20_000, 400_000), label="budget"),
        "power_kw": data.draw(st.sampled_from([1.5, 3.0, 6.0, 12.0]), label="power"),
        "racks": 1,
        "max_nodes": data.draw(st.integers(1, 3), label="nodes"),
        "tp_requires_nvlink": True,
        "allow_multinode": False,
        "vram_headroom": 0.2,
        "allowed_gpus": problem.limits.allowed_gpus,
    }
    tight = problem.model_copy(update={"limits": problem.limits.model_copy(update={field: tight_values[field]})})
    relaxed = problem.model_copy(update={"limits": problem.limits.model_copy(update={field: relax(tight_values[field])})})
    # Full demand: the cheapest plan can only get cheaper.
    _, tight_full = solve(tight, hard=True)
    _, relaxed_full = solve(relaxed, hard=True)
    if tight_full.plan is not None:
        assert relaxed_full.plan is not None, relaxed_full
        assert relaxed_full.plan.summary.capex_usd <= tight_full.plan.summary.capex_usd
    # Demand maximised: serves at least as much, and no more expensively when it serves the same.
    _, tight_soft = solve(tight, hard=False)
    _, relaxed_soft = solve(relaxed, hard=False)
    assume(tight_soft.plan is not None)
    assert relaxed_soft.plan is not None
    assert served_score(relaxed_soft) >= served_score(tight_soft)
    if served_score(relaxed_soft) == served_score(tight_soft):
        assert relaxed_soft.plan.summary.capex_usd <= tight_soft.plan.summary.capex_usd


@PROPERTIES
@given(problems(), st.lists(st.integers(5_000, 400_000), min_size=2, max_size=5, unique=True), st.sampled_from([[], ["nvlink=true,false"], ["gpus=l40s+rtx-4090,all"]]), st.sampled_from([1, 2]))
def test_every_plan_fits_its_budget_and_passes_the_checker(problem, budgets, varies, jobs):
    catalog = mini_catalog()
    run = run_whatif(problem, catalog, plan_scenarios(problem, catalog, budgets=budgets, varies=varies), jobs=jobs)
    for scenario, result in zip(run.scenarios, run.results):
        assert result.plan is not None, (scenario.name, result.status, result.note)
        assert result.plan.summary.capex_usd <= scenario.budget_usd
        assert verify_plan(result.plan, scenario.problem, catalog) == []
        assert 0 <= served_fraction(scenario, result) <= 1
    # Within each series, more budget never serves less (reused plans included).
    by_series: dict = {}
    for scenario, result in zip(run.scenarios, run.results):
        by_series.setdefault(scenario.series, []).append((scenario.budget_usd, served_fraction(scenario, result)))
    for points in by_series.values():
        fractions = [f for _, f in sorted(points)]
        assert all(b >= a - 1e-3 for a, b in zip(fractions, fractions[1:]))
