"""Unit economics in the report, from a real plan's `economics`: $/M tokens per workload and in
total, the yearly cost and its parts, the assumptions with their sources."""

from __future__ import annotations

from solver.report.economics_section import TOTAL_LABEL, per_million, unit_economics
from solver.report.report_folder import read_folder


def test_per_workload_and_total_cost_per_million_tokens(tiny_solve_folder):
    economics = read_folder(tiny_solve_folder).plan["economics"]
    section = unit_economics({"economics": economics})
    records, total = economics["per_workload"], economics["total"]
    assert [row[0] for row in section.per_workload.rows] == [record["workload"] for record in records]
    assert [row[7] for row in section.per_workload.rows] == [per_million(record["usd_per_million_output_tokens"]) for record in records]
    assert [row[8] for row in section.per_workload.rows] == [per_million(record["usd_per_million_input_tokens"]) for record in records]
    assert section.per_workload.footer[0] == TOTAL_LABEL and section.per_workload.footer[7] == per_million(total["usd_per_million_output_tokens"])
    chart = str(section.chart)
    assert 'class="chart bars usd-per-million-tokens"' in chart
    assert all(f">{record['workload']}<" in chart for record in records) and f">{TOTAL_LABEL}<" in chart


def test_the_yearly_cost_and_its_parts(bought_folder):
    total = read_folder(bought_folder).plan["economics"]["total"]
    yearly = dict(unit_economics(read_folder(bought_folder).plan).yearly)
    assert yearly["Cost a year"] == f"${total['usd_per_year']:,.0f} (${total['usd_per_month']:,.0f} a month)"
    assert yearly["Support"] == f"${total['support_usd_per_year']:,.0f} a year (the order's 3-year contract)"
    assert "Rented instances" not in yearly  # a bought plan rents nothing


def test_assumptions_read_as_values_with_their_sources(bought_folder):
    section = unit_economics(read_folder(bought_folder).plan)
    rows = {row[0]: row for row in section.assumptions.rows}
    assert rows["Utilization"][1] == "25%" and rows["Utilization"][2].startswith("default (economics.utilization)")
    assert rows["Years"][1] == "4 years" and rows["Space $ per rack per month"][1] == "–"
    assert section.notes and all(isinstance(note, str) for note in section.notes)


def test_plans_without_economics_have_no_section():
    assert unit_economics({"summary": {}}) is None
