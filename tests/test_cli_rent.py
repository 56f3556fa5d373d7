"""`procure solve` with unit economics, the renting comparison, `--objective rent|hybrid` and
`--commitment`, through click's runner on the bundled catalogs."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from click.testing import CliRunner

from cli import main
from tests.test_cli_solve import SMALL_PROBLEM, write


def run(*args: str):
    return CliRunner().invoke(main, ["--no-user-catalog", *args], catch_exceptions=False)


def solved(tmp_path: Path, *args: str, text: str = SMALL_PROBLEM) -> tuple[dict, list[dict], str]:
    problem = write(tmp_path, text)
    result = run("solve", str(problem), "--out", str(tmp_path / "out"), *args)
    assert result.exit_code == 0, result.output
    plan = json.loads((tmp_path / "out" / "plan.json").read_text())
    with open(tmp_path / "out" / "bom.csv") as handle:
        return plan, list(csv.DictReader(handle)), result.output


def test_a_bought_plan_carries_economics_and_the_renting_comparison(tmp_path):
    plan, _, output = solved(tmp_path)
    assert "Unit economics" in output and "$ / M output" in output and "renting the same capacity" in output
    economics = plan["economics"]
    assert set(economics) >= {"assumptions", "per_workload", "total"}
    for key in ("years", "utilization", "electricity_usd_per_kwh", "pue", "support_fraction_per_year"):
        assert {"value", "source"} <= set(economics["assumptions"][key])
    record = economics["per_workload"][0]
    for key in ("workload", "tokens_per_day", "usd_per_million_output_tokens", "usd_per_million_input_tokens", "gpu_hour_usd"):
        assert key in record
    assert economics["total"]["usd_per_million_output_tokens"] > 0
    rent = plan["rent"]
    for key in ("monthly_usd", "yearly_usd", "break_even_month", "commitment", "instances"):
        assert key in rent
    for key in ("provider", "instance_type", "gpu", "gpus", "count", "usd_per_hour", "source", "price_date"):
        assert key in rent["instances"][0]


def test_objective_rent_writes_a_reservation_list(tmp_path):
    plan, bom, output = solved(tmp_path, "--objective", "rent", "--commitment", "1y")
    assert "reservations per month" in output
    assert plan["summary"]["objective"] == "rent" and plan["summary"]["capex_usd"] == 0
    assert bom and all(line["category"] == "reservation" for line in bom)
    assert sum(int(line["extended_price_usd"]) for line in bom) == plan["rent"]["monthly_usd"]
    assert plan["rent"]["commitment"] == "1y"
    assert all(node["rented"] for node in plan["nodes"])


def test_objective_hybrid_buys_and_rents(tmp_path):
    # 30 sessions: the owned half (15) takes two replicas of 14 sessions, leaving 2 to rent.
    plan, bom, _ = solved(tmp_path, "--objective", "hybrid", text=SMALL_PROBLEM.replace("users: 30", "users: 100"))
    categories = {line["category"] for line in bom}
    assert "reservation" in categories and categories - {"reservation"}
    assert plan["rent"]["mode"] == "hybrid"
    assert plan["workloads"][0]["served_sessions"] == plan["workloads"][0]["required_sessions"]
