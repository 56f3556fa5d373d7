"""Solve-report sections: each from the plan.json keys it names, and absent data tolerated."""

from __future__ import annotations

from solver.report.report_folder import ProblemFile, SolveFolder, read_folder
from solver.report.solve_sections import (
    bill_of_materials,
    buy_vs_rent,
    capex_by_category,
    question_and_answer,
    server_configurations,
    unit_economics,
    workloads_served,
)

ECONOMICS = {
    "per_workload": [
        {"workload": "chat7b", "usd_per_million_output_tokens": 1.93, "usd_per_million_input_tokens": 0.21, "tokens_per_day": 1.2e8},
        {"workload": "code8b", "usd_per_million_output_tokens": 0.5, "tokens_per_day": 3e8, "gpu_hours_per_day": 12},
    ],
    "total": {"usd_per_million_output_tokens": 0.9, "tokens_per_day": 4.2e8},
    "assumptions": {"amortisation_years": 4, "utilization": 0.6},
}
RENT = {"monthly_usd": 61000, "yearly_usd": 732000, "break_even_month": 11, "instances": [{"instance": "8x H100", "count": 2, "usd_per_hour": 24.5}], "note": "on-demand list prices"}


def test_the_answer_states_capex_power_and_what_is_served(tiny_solve_folder):
    folder = read_folder(tiny_solve_folder)
    summary = folder.plan["summary"]
    text = str(question_and_answer(folder))
    assert f"${summary['capex_usd']:,}" in text and "<strong class=\"capex\">" in text
    assert "3 workloads" in text and "a $500,000 budget" in text
    assert "every workload is fully served" in text and summary["status"] in text


def test_every_workload_is_listed_with_its_deployments(tiny_solve_folder):
    plan = read_folder(tiny_solve_folder).plan
    rows = workloads_served(plan)
    assert [row.name for row in rows] == [w["name"] for w in plan["workloads"]]
    assert sum(d.replicas for row in rows for d in row.deployments) == len(plan["replicas"])


def test_server_configurations_count_every_server(tiny_solve_folder):
    folder = read_folder(tiny_solve_folder)
    table = server_configurations(folder)
    assert sum(int(row[2].split()[0]) for row in table.rows) == len(folder.plan["nodes"])


def test_the_bom_has_every_line_and_totals_to_capex(tiny_solve_folder):
    folder = read_folder(tiny_solve_folder)
    table = bill_of_materials(folder.bom)
    assert [row[2] for row in table.rows] == [line["sku"] for line in folder.bom]
    assert table.footer[7] == f"${folder.plan['summary']['capex_usd']:,}"
    assert 'class="chart bars capex-by-category"' in str(capex_by_category(folder.bom))


def test_unknown_bom_columns_are_kept():
    table = bill_of_materials([{"line": "1", "category": "server", "sku": "x", "quantity": "2", "unit_price_usd": "10", "extended_price_usd": "20", "lead_time": "6 weeks"}])
    assert table.columns[-1] == "Lead time" and table.rows[0][-1] == "6 weeks"


def test_economics_and_rent_are_absent_from_plans_without_them(tiny_solve_folder):
    plan = read_folder(tiny_solve_folder).plan
    assert unit_economics(plan) is None and buy_vs_rent(plan) is None


def test_economics_in_the_proposed_shape_gives_a_chart_and_tables():
    section = unit_economics({"economics": ECONOMICS})
    assert 'class="chart bars usd-per-million-tokens"' in str(section.chart) and "$1.93" in str(section.chart)
    assert section.per_workload.columns[:4] == ["Workload", "$ per million output tokens", "$ per million input tokens", "Tokens per day"]
    assert section.per_workload.columns[-1] == "Gpu hours per day"
    assert ("Tokens per day", "420,000,000") in section.total
    assert ("Amortisation years", "4") in section.assumptions


def test_rent_in_the_proposed_shape_gives_a_headline_and_instances():
    section = buy_vs_rent({"rent": RENT, "summary": {"capex_usd": 650000}})
    assert section.headline == "Renting the same capacity costs $61,000 a month ($732,000 a year); buying ($650,000 capex) breaks even in month 11."
    assert section.instances.rows == [["8x H100", "2", "$24.50"]]
    assert section.details == [("Note", "on-demand list prices")]


def test_a_sparse_plan_still_renders_its_sections(tmp_path):
    folder = SolveFolder(tmp_path, {"summary": {"problem": "p"}}, [], None, ProblemFile(None, "none"))
    assert "Buy 0 servers" in str(question_and_answer(folder))
    assert workloads_served(folder.plan) == [] and server_configurations(folder).rows == []
