"""`procure solve` end to end through click's runner: outputs, determinism and bad input."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main

SMALL_PROBLEM = """\
name: small
workloads:
  - name: chat
    model: llama-3.1-8b
    precision: bf16
    context_tokens: 8192
    demand: {users: 30, active_fraction: 0.3}
    min_decode_tokens_per_s: 20
limits:
  allowed_gpus: [l40s, rtx-4090]
  budget_usd: 200000
"""


def write(tmp_path: Path, text: str, name: str = "problem.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def run(*args: str):
    return CliRunner().invoke(main, ["--no-user-catalog", *args], catch_exceptions=False)


def test_solve_writes_bom_and_plan(tmp_path: Path) -> None:
    problem = write(tmp_path, SMALL_PROBLEM)
    result = run("solve", str(problem), "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert "OPTIMAL" in result.output
    bom = (tmp_path / "out" / "bom.csv").read_text().splitlines()
    assert bom[0] == (
        "line,parent,category,sku,description,vendor,quantity,unit_price_usd,extended_price_usd,unit_power_w,"
        "price_low_usd,price_high_usd,price_as_of,price_source,quote_vendor,quote_id,quote_date,quote_valid_until,notes"
    )
    plan = json.loads((tmp_path / "out" / "plan.json").read_text())
    for key in ("status", "objective", "capex_usd", "power_w", "gpus", "nodes", "racks", "solve_seconds", "gap"):
        assert key in plan["summary"]
    assert plan["workloads"] == [
        {"name": "chat", "kind": "interactive", "unit": "sessions", "required_sessions": 9, "served_sessions": 9, "served_fraction": 1.0, "replicas": plan["workloads"][0]["replicas"],
         "min_decode_tokens_per_s": plan["workloads"][0]["min_decode_tokens_per_s"], "max_ttft_s": 10.0,
         "redundancy": "none", "failure_domain": "server", "served_after_worst_failure": None}
    ]
    replica = plan["replicas"][0]
    for key in ("workload", "model", "precision", "gpu", "tp", "pp", "placement", "sessions", "memory_per_gpu_bytes", "decode_tokens_per_s"):
        assert key in replica
    # Sub-lines (a parent is given) are priced within their system line.
    rows = list(csv.DictReader(io.StringIO("\n".join(bom))))
    assert sum(int(row["extended_price_usd"]) for row in rows if not row["parent"]) == plan["summary"]["capex_usd"]


def test_solve_is_deterministic(tmp_path: Path) -> None:
    problem = write(tmp_path, SMALL_PROBLEM)
    first = run("solve", str(problem), "--out", str(tmp_path / "a"))
    second = run("solve", str(problem), "--out", str(tmp_path / "b"))
    assert first.exit_code == second.exit_code == 0
    assert (tmp_path / "a" / "bom.csv").read_bytes() == (tmp_path / "b" / "bom.csv").read_bytes()
    plan_a = json.loads((tmp_path / "a" / "plan.json").read_text())
    plan_b = json.loads((tmp_path / "b" / "plan.json").read_text())
    for plan in (plan_a, plan_b):
        for key in ("solve_seconds", "build_seconds", "precompute_seconds", "stages"):
            plan["summary"].pop(key)
    assert plan_a == plan_b


def test_existing_output_is_not_overwritten_without_force(tmp_path: Path) -> None:
    problem = write(tmp_path, SMALL_PROBLEM)
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    refused = run("solve", str(problem), "--out", str(out))
    assert refused.exit_code == 2
    assert "not empty" in refused.output
    assert not (out / "bom.csv").exists()
    forced = run("solve", str(problem), "--out", str(out), "--force")
    assert forced.exit_code == 0
    assert sorted(path.name for path in out.iterdir()) == [".procure-manifest.json", "bom.csv", "bom.xlsx", "plan.json"]


def test_json_output_is_the_plan(tmp_path: Path) -> None:
    result = run("solve", str(write(tmp_path, SMALL_PROBLEM)), "--json")
    assert result.exit_code == 0
    assert json.loads(result.output)["summary"]["status"] == "OPTIMAL"


def test_price_quote_changes_the_bom(tmp_path: Path) -> None:
    quotes = write(tmp_path, "sku,unit_price_usd\nL40S,1234\n", "quotes.csv")
    result = run("solve", str(write(tmp_path, SMALL_PROBLEM)), "--prices", str(quotes), "--json")
    assert result.exit_code == 0, result.output
    gpu_lines = [line for line in json.loads(result.output)["bom"] if line["category"] == "gpu"]
    assert [(line["sku"], line["unit_price_usd"], line["price_source"]) for line in gpu_lines] == [("l40s", 1234, "vendor quote quotes.csv line 2")]


def test_price_quote_with_unknown_sku(tmp_path: Path) -> None:
    quotes = write(tmp_path, "sku,unit_price_usd\nrtx-4091,1234\n", "quotes.csv")
    result = run("solve", str(write(tmp_path, SMALL_PROBLEM)), "--prices", str(quotes))
    assert result.exit_code == 2
    assert "rtx-4091" in result.output and "did you mean" in result.output


def test_infeasible_problem_is_explained(tmp_path: Path) -> None:
    text = SMALL_PROBLEM.replace("budget_usd: 200000", "budget_usd: 1000")
    result = run("solve", str(write(tmp_path, text)))
    assert result.exit_code == 1
    assert "budget" in result.output and "cheapest plan" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name: x\nworkloads: [\n", "problem.yaml:"),
        (SMALL_PROBLEM.replace("llama-3.1-8b", "llama-3.1-8"), "did you mean"),
        (SMALL_PROBLEM.replace("[l40s, rtx-4090]", "[l40z]"), "limits.allowed_gpus[0]"),
        (SMALL_PROBLEM.replace("budget_usd: 200000", "budget_usd: -5"), "limits.budget_usd"),
        (SMALL_PROBLEM.replace("context_tokens: 8192", "context_tokens: 0"), "context_tokens"),
        (SMALL_PROBLEM.replace("context_tokens: 8192", "context_tokens: 999999"), "maximum context"),
        (SMALL_PROBLEM.replace("precision: bf16", "precision: int3"), "unknown precision 'int3'"),
        (SMALL_PROBLEM.replace("precision: bf16", "precision: [bf16, int3]"), "workloads[0].precision[1]: unknown precision 'int3'"),
        (SMALL_PROBLEM.replace("min_decode_tokens_per_s", "min_decode_tokens_per_sec"), "min_decode_tokens_per_s"),
        (SMALL_PROBLEM + "objective: {minimize: speed}\n", "objective.minimize"),
    ],
)
def test_bad_problem_files(tmp_path: Path, text: str, expected: str) -> None:
    result = run("solve", str(write(tmp_path, text)))
    assert result.exit_code == 2, result.output
    assert expected in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--budget", "0"], "--budget: the amount must be positive"),
        (["--budget", "300q"], "--budget: cannot read '300q' as an amount in USD"),
        (["--budget", "2e12"], "--budget: '2e12' exceeds the largest amount"),
        (["--time-limit", "0"], "--time-limit"),
        (["--time-limit", "nan"], "--time-limit must be above 0"),
        (["--workers", "100000"], "--workers 1 to 1024"),
        (["--jobs", "0"], "--jobs must be 1 to 1024 (got 0)"),
        (["--objective", "speed"], "speed"),
    ],
)
def test_bad_options(tmp_path: Path, args: list[str], expected: str) -> None:
    result = run("solve", str(write(tmp_path, SMALL_PROBLEM)), *args)
    assert result.exit_code == 2
    assert expected in result.output


@pytest.mark.parametrize("budget", ["1k", "$1,000", "1000"])
def test_budget_option_reads_money_text(tmp_path: Path, budget: str) -> None:
    result = run("solve", str(write(tmp_path, SMALL_PROBLEM)), "--budget", budget)
    assert result.exit_code == 1, result.output
    assert "(budget $1,000)" in result.output


def test_objective_option_is_case_insensitive(tmp_path: Path) -> None:
    result = run("solve", str(write(tmp_path, SMALL_PROBLEM)), "--objective", "POWER", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["summary"]["objective"] == "power"


def test_missing_problem_file(tmp_path: Path) -> None:
    result = run("solve", str(tmp_path / "nope.yaml"))
    assert result.exit_code == 2
    assert "nope.yaml" in result.output


def test_rerunning_into_the_same_folder_replaces_the_earlier_outputs(tmp_path: Path) -> None:
    problem = write(tmp_path, SMALL_PROBLEM)
    out = tmp_path / "out"
    assert run("solve", str(problem), "--out", str(out)).exit_code == 0
    again = run("solve", str(problem), "--out", str(out), "--objective", "power")
    assert again.exit_code == 0, again.output
    assert json.loads((out / "plan.json").read_text())["summary"]["objective"] == "power"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out", "problem.yaml"]  # no staging or lock left


def test_user_text_is_printed_with_control_characters_escaped(tmp_path: Path) -> None:
    # Names refuse control characters; the refusal itself quotes nothing raw.
    problem = write(tmp_path, SMALL_PROBLEM.replace("name: small", 'name: "lab\\e[2J\\nerror: forged"'))
    result = run("solve", str(problem))
    assert result.exit_code == 2, result.output
    assert "\x1b" not in result.output and "contains the control character U+001B" in result.output
    # A path is printed with its control characters escaped.
    odd = tmp_path / "odd\x1b[2Jdir"
    odd.mkdir()
    result = run("solve", str(write(odd, SMALL_PROBLEM)), "--out", str(odd / "out"))
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "odd\\x1b[2Jdir" in result.output


def test_a_failed_run_leaves_the_earlier_outputs_and_says_whose_they_are(tmp_path: Path) -> None:
    problem = write(tmp_path, SMALL_PROBLEM)
    out = tmp_path / "out"
    assert run("solve", str(problem), "--out", str(out)).exit_code == 0
    before = (out / "plan.json").read_bytes()
    failed = run("solve", str(problem), "--out", str(out), "--force", "--budget", "100")
    assert failed.exit_code == 1
    assert f"note: {out} is left as it was, holding the outputs of an earlier run: procure --no-user-catalog solve {problem} --out {out}" in failed.stderr
    assert (out / "plan.json").read_bytes() == before
