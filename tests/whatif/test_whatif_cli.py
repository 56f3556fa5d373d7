"""`procure whatif` through click's CliRunner, on the mini catalog."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.whatif.conftest import TINY


def read_csv(path):
    return list(csv.DictReader(io.StringIO(path.read_text())))


def test_budget_sweep_writes_everything(procure, tmp_path):
    out = tmp_path / "wi"
    result = procure("whatif", TINY, "--budget", "15000", "--budget", "60k", "--budgets", "80k:150k:3", "--out", out, "--jobs", "1")
    assert "Served share per workload" in result.output
    assert "cut first as money runs short" in result.output
    rows = read_csv(out / "whatif.csv")
    assert [r["scenario"] for r in rows] == ["budget=15k", "budget=60k", "budget=80k", "budget=115k", "budget=150k"]
    for row in rows:
        assert row["status"] == "OPTIMAL"
        assert 0 <= float(row["served_fraction"]) <= 1
        assert int(row["capex_usd"]) <= float(row["budget_usd"])
        assert (out / row["dir"] / "bom.csv").is_file() and (out / row["dir"] / "plan.json").is_file()
    assert float(rows[-1]["served_fraction"]) == 1.0
    for name in ("whatif.png", "whatif.svg", "whatif.json", "timings.json"):
        assert (out / name).stat().st_size > 0
    assert not (out / "frontier.png").exists()


def test_same_input_same_csv(procure, tmp_path):
    for name, jobs in (("a", "1"), ("b", "2")):
        procure("whatif", TINY, "--budgets", "10k:150k:6", "--vary", "nvlink=true,false", "--out", tmp_path / name, "--jobs", jobs)
    assert (tmp_path / "a" / "whatif.csv").read_bytes() == (tmp_path / "b" / "whatif.csv").read_bytes()
    assert (tmp_path / "a" / "whatif.json").read_bytes() == (tmp_path / "b" / "whatif.json").read_bytes()


def test_objectives_side_by_side(procure, tmp_path):
    result = procure("whatif", TINY, "--objective", "cost", "--objective", "power", "--objective", "tco", "--out", tmp_path / "o")
    assert "Plans by objective, on every measure" in result.output
    rows = read_csv(tmp_path / "o" / "whatif.csv")
    assert [r["objective"] for r in rows] == ["cost", "power", "tco"]
    assert all(r["demand"] == "full" and r["served_fraction"] == "1.000000" for r in rows)
    cost, power, _ = rows
    assert int(cost["capex_usd"]) <= int(power["capex_usd"])
    assert int(power["power_w"]) <= int(cost["power_w"])


def test_frontier(procure, tmp_path):
    result = procure("whatif", TINY, "--frontier", "4", "--out", tmp_path / "f")
    assert "Cost-versus-power frontier" in result.output
    rows = read_csv(tmp_path / "f" / "whatif.csv")
    assert rows[0]["scenario"] == "frontier min-power" and rows[-1]["scenario"] == "frontier min-cost"
    assert {r["pareto"] for r in rows} <= {"true", "false"}
    assert (tmp_path / "f" / "frontier.png").is_file() and (tmp_path / "f" / "frontier.svg").is_file()
    data = json.loads((tmp_path / "f" / "whatif.json").read_text())
    assert data["frontier"]["points"]


def test_frontier_default_points(procure):
    result = procure("whatif", TINY, "--frontier", "--json")
    data = json.loads(result.output)
    assert len(data["scenarios"]) <= 8 and data["frontier"]["points"]


def test_vary_and_named_scenarios_json(procure):
    result = procure("whatif", TINY, "--scenarios", "--vary", "gpus=l40s+rtx-4090,a100-80gb-sxm", "--json")
    data = json.loads(result.output)
    names = [row["scenario"] for row in data["scenarios"]]
    assert names == [
        "base gpus=l40s+rtx-4090", "base gpus=a100-80gb-sxm",
        "lean gpus=l40s+rtx-4090", "lean gpus=a100-80gb-sxm",
        "fp8 gpus=l40s+rtx-4090", "fp8 gpus=a100-80gb-sxm",
    ]
    assert all(row["axis:gpus"] in ("l40s+rtx-4090", "a100-80gb-sxm") for row in data["scenarios"])
    lean = [row for row in data["scenarios"] if row["axis:scenario"] == "lean"]
    assert all(row["budget_usd"] == 20000 and row["capex_usd"] <= 20000 for row in lean)


def test_one_named_scenario(procure):
    data = json.loads(procure("whatif", TINY, "--scenario", "lean", "--json").output)
    assert [row["scenario"] for row in data["scenarios"]] == ["base", "lean"]


def test_refuses_a_non_empty_out_unless_forced(procure, tmp_path):
    out = tmp_path / "busy"
    out.mkdir()
    (out / "keep.txt").write_text("x")
    result = procure("whatif", TINY, "--budget", "50k", "--out", out, expect=2)
    assert "not empty" in result.output
    procure("whatif", TINY, "--budget", "50k", "--budget", "80k", "--out", out, "--force")
    assert (out / "whatif.csv").is_file() and not (out / "keep.txt").exists()
    scenario_dirs = {path.name for path in out.iterdir() if path.is_dir()}
    procure("whatif", TINY, "--budget", "60k", "--out", out)  # an earlier run's outputs: replaced whole
    assert not scenario_dirs & {path.name for path in out.iterdir() if path.is_dir()}


@pytest.mark.parametrize(
    "args, message",
    [
        (["--budget", "0"], "must be positive"),
        (["--budget", "-100"], "must be positive"),
        (["--budget", "lots"], "cannot read 'lots'"),
        (["--budgets", "2m:200k:5"], "STOP must be above START"),
        (["--budgets", "200k:2m"], "START:STOP:COUNT"),
        (["--vary", "colour=red"], "unknown what-if knob"),
        (["--vary", "precision:code9b=fp8"], "unknown workload 'code9b'"),
        (["--vary", "gpus=h100+l40z"], "unknown GPU 'l40z'"),
        (["--vary", "limits.budgt_usd=5"], 'did you mean "budget_usd"'),
        (["--scenario", "lien"], "unknown scenario 'lien'"),
        (["--objective", "speed"], "unknown objective 'speed'"),
        (["--demand", "some", "--budget", "1m"], "unknown demand mode"),
        (["--jobs", "0", "--budget", "1m"], "--jobs"),
        (["--frontier", "1"], "at least 2 points"),
        ([], "nothing to compare"),
    ],
)
def test_bad_input_is_one_clear_error(procure, args, message):
    result = procure("whatif", TINY, *args, expect=2)
    assert result.output.startswith("error: ")
    assert message in result.output.splitlines()[0], result.output


def test_bad_overlay_in_the_problem_file(procure, tmp_path):
    problem = tmp_path / "p.yaml"
    problem.write_text(TINY.read_text().replace('lean: {"limits.budget_usd": 20000}', 'lean: {"limits.budget": 20000}'))
    result = procure("whatif", problem, "--scenarios", expect=2)
    assert "scenario 'lean'" in result.output and 'did you mean "budget_usd"' in result.output


def test_missing_problem_file(procure, tmp_path):
    result = procure("whatif", tmp_path / "nope.yaml", "--budget", "1m", expect=2)
    assert "file not found" in result.output


def test_no_plan_at_all_exits_1(procure):
    result = procure("whatif", TINY, "--budget", "100", "--demand", "full", expect=1)
    assert "no scenario has a plan" in result.output


def test_a_budget_too_small_for_anything_is_a_plan_that_buys_nothing(procure):
    # Once called INFEASIBLE (checkpoint storage was required even with nothing deployed)
    # while the summary line said every workload was fully served.
    result = procure("whatif", TINY, "--budget", "1k", "--budget", "150k", "--jobs", "1")
    data = json.loads(procure("whatif", TINY, "--budget", "1k", "--budget", "150k", "--jobs", "1", "--json").output)
    tiny_budget = data["scenarios"][0]
    assert (tiny_budget["status"], tiny_budget["served_fraction"], tiny_budget["capex_usd"]) == ("OPTIMAL", 0.0, 0)
    assert "every workload is fully served" not in result.output
    assert "(short at $1k)" in result.output or "(short even at" in result.output
