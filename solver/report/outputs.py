"""Write a plan's files: bom.csv (the purchase order), bom.xlsx (the same as a workbook) and
plan.json, atomically and deterministically."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from solver.plan.schema import Plan
from solver.report.atomic import write_bytes_atomic, write_text_atomic

BOM_COLUMNS = (
    "line", "parent", "category", "sku", "description", "vendor", "quantity", "unit_price_usd", "extended_price_usd", "unit_power_w",
    "price_low_usd", "price_high_usd", "price_as_of", "price_source", "quote_vendor", "quote_id", "quote_date", "quote_valid_until", "notes",
)
"""bom.csv columns. A line with a `parent` is part of that system line (its price is included
there): sum the lines with an empty parent for the total."""


WRITING_MODULES = ("openpyxl",)
"""What writing a plan's files imports that nothing before it does (solver.preload)."""
REPORT_MODULES = ("jinja2", "solver.report.html")


def bom_csv(plan: Plan) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(BOM_COLUMNS)
    for line in plan.bom:
        writer.writerow(["" if (value := getattr(line, column)) is None else value for column in BOM_COLUMNS])
    return buffer.getvalue()


def plan_json(plan: Plan, *, include_timings: bool = True) -> str:
    """plan.json text. Timings are the only run-dependent fields; `include_timings=False` drops
    them for byte-for-byte comparisons."""
    data = plan.model_dump(mode="json")
    if not include_timings:
        data["summary"].pop("solve_seconds", None)
        data["summary"].pop("build_seconds", None)
        data["summary"].pop("precompute_seconds", None)
        for stage in data["summary"].get("stages", []):
            stage.pop("seconds", None)
    return json.dumps(data, indent=2, sort_keys=False) + "\n"


def write_plan_files(plan: Plan, directory: Path) -> list[Path]:
    from solver.report.workbook import bom_workbook

    bom_path = directory / "bom.csv"
    workbook_path = directory / "bom.xlsx"
    plan_path = directory / "plan.json"
    write_text_atomic(bom_path, bom_csv(plan))
    write_bytes_atomic(workbook_path, bom_workbook(plan))
    write_text_atomic(plan_path, plan_json(plan))
    return [bom_path, workbook_path, plan_path]
