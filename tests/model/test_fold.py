"""The last two tie-breaks solved as one weighted stage give what the two stages gave."""

from __future__ import annotations

import pytest

from solver.catalog import load_catalog
from solver.model import solve as solve_module
from solver.model.data import build_data
from solver.model.objective import preference_upper
from solver.model.solve import solve
from tests.fixtures.problems import interactive, make_problem, settings

CATALOG = load_catalog(include_user=False)


def _problem():
    # Two formats for one workload (a preference order) and GPUs of several sizes: several
    # cheapest plans, which the power and then the preference/server tie-breaks choose among.
    return make_problem(
        interactive("chat", "llama-3.1-8b", 24, precision=["bf16", "fp8"]),
        interactive("code", "qwen2.5-32b", 6),
        allowed_gpus=["l40s", "h100-pcie", "rtx-6000-ada"],
    )


@pytest.mark.parametrize("objective", ["cost", "power", "tco"])
def test_folded_tie_breaks_equal_the_separate_stages(objective, monkeypatch) -> None:
    data = build_data(_problem(), CATALOG)
    folded = solve(data, settings(objective))
    monkeypatch.setattr(solve_module, "FOLD_LIMIT", 0)  # every fold declined: the stages run apart
    apart = solve(data, settings(objective))
    assert [s.name for s in folded.stages] == [s.name for s in apart.stages]
    assert all(s.status == "OPTIMAL" for s in folded.stages + apart.stages)
    assert [s.value for s in folded.stages] == [s.value for s in apart.stages]
    assert folded.stages[-1].seconds == 0.0  # solved with the stage before it
    assert apart.stages[-1].seconds > 0.0


def test_the_weight_exceeds_every_value_the_preference_can_take() -> None:
    data = build_data(_problem(), CATALOG)
    solution = solve(data, settings())
    assert 0 <= solution.values["preference_then_nodes"] <= preference_upper(data)
    assert preference_upper(data) >= sum(data.node_upper.values())


@pytest.mark.parametrize("objective, stages", [("cost", ["cost"]), ("power", ["power", "cost"])])
def test_without_tie_breaks_the_solve_stops_once_capex_is_decided(objective, stages) -> None:
    data = build_data(_problem(), CATALOG)
    full, short = solve(data, settings(objective)), solve(data, settings(objective, tie_breaks=False))
    assert [s.name for s in short.stages] == stages
    assert short.capex_usd == full.capex_usd and short.status == "OPTIMAL"


def test_a_large_weight_keeps_the_folded_objective_within_cp_sats_range(monkeypatch) -> None:
    """100 generated workloads give a weight of ~14,700: times the ±2^50 domain of the named power
    variable, the folded objective could overflow int64 and CP-SAT rejected the model. The fold
    bounds the tie-break by its value in the previous stage's plan instead."""
    data = build_data(_problem(), CATALOG)
    expected = solve(data, settings())
    monkeypatch.setattr(solve_module, "preference_upper", lambda data: 2**20)
    heavy = solve(data, settings())
    assert [s.name for s in heavy.stages] == ["cost", "power", "nodes"]
    assert all(s.status == "OPTIMAL" for s in heavy.stages)
    assert heavy.stages[-1].seconds == 0.0  # still folded, not run apart
    assert (heavy.capex_usd, heavy.power_w, heavy.values["preference_then_nodes"]) == (expected.capex_usd, expected.power_w, expected.values["preference_then_nodes"])
