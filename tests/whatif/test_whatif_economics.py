"""Unit economics in what-if runs: whatif.csv columns and each scenario's plan.json."""

from __future__ import annotations

import csv
import io

import pytest

from solver.errors import InputError
from solver.whatif.results import whatif_csv
from solver.whatif.run import run_whatif
from solver.whatif.scenarios import plan_scenarios

BUDGETS = [20_000, 400_000]


@pytest.fixture(scope="module")
def sweep(tiny, catalog):
    return run_whatif(tiny, catalog, plan_scenarios(tiny, catalog, budgets=BUDGETS), jobs=1)


def test_every_plan_carries_its_economics(sweep):
    for result in sweep.results:
        assert result.plan is not None and result.plan.economics is not None
        total = result.plan.economics["total"]
        assert total["capex_usd"] == result.plan.summary.capex_usd


def test_whatif_csv_has_the_totals_and_per_workload_costs(sweep):
    reader = list(csv.DictReader(io.StringIO(whatif_csv(sweep))))
    assert {"usd_per_year", "gpu_hour_usd", "tokens_per_day", "usd_per_million_output_tokens", "usd_per_million_input_tokens"} <= set(reader[0])
    assert {"usd_per_m_output:chat7b", "usd_per_m_output:code8b", "usd_per_m_output:big70"} <= set(reader[0])
    for row, result in zip(reader, sweep.results):
        total = result.plan.economics["total"]
        assert float(row["usd_per_year"]) == pytest.approx(total["usd_per_year"], abs=0.01)
        if total["usd_per_million_output_tokens"] is None:
            assert row["usd_per_million_output_tokens"] == ""
        else:
            assert float(row["usd_per_million_output_tokens"]) == pytest.approx(total["usd_per_million_output_tokens"], rel=1e-6)
    # The small budget cuts big70 entirely: it has no cost per token there, and has one when served.
    assert reader[0]["usd_per_m_output:big70"] == "" and float(reader[1]["usd_per_m_output:big70"]) > 0


def test_rent_and_hybrid_objectives_are_for_solve_only(tiny, catalog):
    renting = tiny.model_copy(update={"objective": tiny.objective.model_copy(update={"minimize": "rent"})})
    with pytest.raises(InputError, match="what-if runs compare purchases"):
        plan_scenarios(renting, catalog, budgets=BUDGETS)
