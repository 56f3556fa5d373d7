"""Write a plan's files: bom.csv (the purchase order) and plan.json, atomically and deterministically."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from solver.plan.schema import Plan
from solver.report.atomic import write_text_atomic

BOM_COLUMNS = ("line", "category", "sku", "description", "vendor", "quantity", "unit_price_usd", "extended_price_usd", "unit_power_w", "notes")


def bom_csv(plan: Plan) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(BOM_COLUMNS)
    for line in plan.bom:
        writer.writerow([getattr(line, column) for column in BOM_COLUMNS])
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
    bom_path = directory / "bom.csv"
    plan_path = directory / "plan.json"
    write_text_atomic(bom_path, bom_csv(plan))
    write_text_atomic(plan_path, plan_json(plan))
    return [bom_path, plan_path]
