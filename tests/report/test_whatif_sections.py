"""What-if report sections from whatif.json."""

from __future__ import annotations

from pathlib import Path

from solver.report.report_folder import ProblemFile, WhatifFolder, read_folder
from solver.report.economics_section import per_million
from solver.report.whatif_sections import budget_sweeps, cut_order, frontier, question_and_answer, scenario_table, share_grid, sweep_chart


def test_the_budget_series_is_read_in_budget_order(tiny_whatif_folder):
    whatif = read_folder(tiny_whatif_folder).whatif
    (sweep,) = budget_sweeps(whatif)
    assert sweep.budgets == [20_000.0, 60_000.0, 500_000.0]
    assert set(sweep.shares) == {"chat7b", "code8b", "big70"}
    assert sweep.total[-1] == 1.0
    svg = str(sweep_chart(sweep, "tiny"))
    assert 'class="chart budget-sweep"' in svg and "tiny: demand served against budget" in svg
    grid = share_grid(sweep)
    assert grid[-1][0] == "weighted total" and grid[-1][1][-1].text == "100%" and grid[-1][1][-1].hue == 120


def test_the_frontier_section_has_a_chart_and_a_row_per_point(tiny_whatif_folder):
    whatif = read_folder(tiny_whatif_folder).whatif
    section = frontier(whatif)
    assert 'class="chart pareto-frontier"' in str(section.chart)
    assert len(section.table.rows) == len(whatif["frontier"]["points"])


def test_no_frontier_and_no_budgets_leave_those_sections_out():
    assert frontier({"scenarios": []}) is None and budget_sweeps({"scenarios": []}) == [] and cut_order({}) == []


def test_the_answer_covers_the_sweep_and_the_frontier(tiny_whatif_folder):
    folder = read_folder(tiny_whatif_folder)
    text = str(question_and_answer(folder))
    assert "each of 3 budgets ($20,000 to $500,000)" in text
    assert "all demand is first served at $" in text and "Pareto-optimal plans run from" in text
    table = scenario_table(folder.whatif)
    assert len(table.rows) == len(folder.whatif["scenarios"])
    column = table.columns.index("$ / M output tokens")
    assert [row[column] for row in table.rows] == [per_million(row["usd_per_million_output_tokens"]) for row in folder.whatif["scenarios"]]


def test_scenarios_other_than_budgets_are_compared():
    whatif = {"problem": "p", "scenarios": [{"scenario": "gpus=a", "kind": "sweep", "capex_usd": 10, "served_fraction": 1.0, "power_w": 1000}, {"scenario": "gpus=b", "kind": "sweep", "capex_usd": 5, "served_fraction": 0.5, "power_w": 2000}]}
    folder = WhatifFolder(Path("w"), whatif, {}, None, ProblemFile(None, "not recorded"))
    text = str(question_and_answer(folder))
    assert "how 2 scenarios (gpus=a, gpus=b) compare" in text and "the cheapest is gpus=b at $5" in text
