"""bom.xlsx (solver/report/workbook.py): opens with openpyxl, its live total formula evaluates to
summary.capex_usd, and the same plan gives the same bytes."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest

from solver.report.workbook import bom_workbook
from tests.fixtures.problems import chat_fleet, plan_of, solve_mini
from tests.fixtures.procurement import procurement_catalog


@pytest.fixture(scope="module")
def plan():
    problem = chat_fleet(8, allowed_gpus=["h100-pcie"])
    data, solution = solve_mini(problem, procurement_catalog())
    return plan_of(data, solution)


def evaluate(sheet, formula: str) -> int:
    """The two formula shapes the workbook writes: =G5*H5 and =SUM(I2:I40)."""
    product = re.fullmatch(r"=([A-Z]+)(\d+)\*([A-Z]+)(\d+)", formula)
    if product:
        left, right = sheet[f"{product[1]}{product[2]}"].value, sheet[f"{product[3]}{product[4]}"].value
        return left * right
    total = re.fullmatch(r"=SUM\(([A-Z]+)(\d+):([A-Z]+)(\d+)\)", formula)
    assert total, formula
    column = total[1]
    values = [sheet[f"{column}{row}"].value for row in range(int(total[2]), int(total[4]) + 1)]
    return sum(evaluate(sheet, value) if isinstance(value, str) else (value or 0) for value in values)


def test_total_formula_equals_capex(plan):
    workbook = openpyxl.load_workbook(io.BytesIO(bom_workbook(plan)))
    assert workbook.sheetnames == ["Summary", "BOM", "Configurations", "Assumptions & sources"]
    bom = workbook["BOM"]
    total_row = bom.max_row
    assert bom[f"H{total_row}"].value == "Total (USD)"
    formula = bom[f"I{total_row}"].value
    assert formula.startswith("=SUM(")
    assert evaluate(bom, formula) == plan.summary.capex_usd
    summary = workbook["Summary"]
    total = next(row for row in summary.iter_rows(values_only=True) if row[0] == "Purchase order total (USD)")
    assert total[1] == f"=BOM!I{total_row}"


def test_every_extended_price_is_a_live_formula(plan):
    bom = openpyxl.load_workbook(io.BytesIO(bom_workbook(plan)))["BOM"]
    for row in range(2, bom.max_row):
        top = bom[f"B{row}"].value is None
        cell = bom[f"I{row}"] if top else bom[f"J{row}"]
        assert cell.value == f"=G{row}*H{row}"
        assert evaluate(bom, cell.value) == next(line.extended_price_usd for line in plan.bom if line.line == bom[f"A{row}"].value)


def test_configurations_sheet_has_one_column_per_system(plan):
    sheet = openpyxl.load_workbook(io.BytesIO(bom_workbook(plan)))["Configurations"]
    systems = [line.sku for line in plan.bom if line.category == "system"]
    assert [cell.value for cell in sheet[1]][1:] == systems
    labels = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert {"Quantity", "Unit price (USD)", "chassis", "gpu"} <= set(labels)


def test_sources_sheet_names_every_priced_sku(plan):
    sheet = openpyxl.load_workbook(io.BytesIO(bom_workbook(plan)))["Assumptions & sources"]
    listed = {row[0] for row in sheet.iter_rows(values_only=True)}
    assert {line.sku for line in plan.bom if line.category != "configuration"} <= listed


def test_same_plan_same_bytes(plan):
    assert bom_workbook(plan) == bom_workbook(plan)
