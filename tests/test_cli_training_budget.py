"""`procure estimate --tokens` and `procure calibrate --training` through click's runner, and the
node cap named where a training job outgrows it."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from cli import main
from solver.errors import InfeasibleError
from solver.pipeline import solve_problem
from tests.fixtures.problems import make_problem, mini_catalog, settings


def run(*args: str):
    return CliRunner().invoke(main, ["--no-user-catalog", *args], catch_exceptions=False)


def test_estimate_reports_a_training_budget():
    result = run("estimate", "deepseek-v3", "--mode", "full", "--precision", "fp8", "--tokens", "14.8T", "--gpus", "2048", "--gpu", "h800", "--zero", "3", "--usd-per-gpu-hour", "2", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    budget = data["training_budget"]
    assert budget["arithmetic"] == "fp8" and budget["gpus"] == 2048 and budget["tokens"] == 14.8e12
    assert 0.75 * 2.664e6 <= budget["gpu_hours"] <= 1.25 * 2.664e6
    assert budget["mfu_basis"] and budget["mfu_runs"]
    assert any(cost["label"] == "given" for cost in budget["costs"])
    # FP8 mixed precision keeps 16-bit weights: the memory estimate is BF16's, DP = 2048.
    assert data["precision"] == "bf16" and data["dp"] == 2048


def test_estimate_table_names_mfu_basis_and_node_cap():
    result = run("estimate", "llama-3.1-405b", "--mode", "full", "--tokens", "15.6T", "--gpus", "16384", "--gpu", "h100-sxm", "--tp", "8", "--pp", "16")
    assert result.exit_code == 0, result.output
    assert "MFU 0." in result.output and "GPU-hours" in result.output
    assert "exceed the 256 nodes per training job" in result.output


@pytest.mark.parametrize(
    "args, message",
    [
        (("--tokens", "1T", "--gpu", "h100-sxm"), "add --mode full"),
        (("--mode", "full", "--tokens", "1T"), "--tokens needs --gpu"),
        (("--mode", "full", "--tokens", "1T", "--gpu", "a100-80gb-sxm", "--precision", "fp8"), "no native FP8"),
        (("--mode", "full", "--gpus", "12", "--tp", "8"), "not a multiple"),
        (("--gpus", "8",), "--gpus is for training"),
        (("--mode", "full", "--tokens", "many", "--gpu", "h100-sxm"), "token count"),
    ],
)
def test_estimate_training_budget_bad_input(args, message):
    result = run("estimate", "llama-3.1-8b", *args)
    assert result.exit_code == 2 and message in result.output


def test_calibrate_training_table():
    result = run("calibrate", "--training", "--json")
    assert result.exit_code == 0, result.output
    rows = {row["run"]: row for row in json.loads(result.output)}
    assert abs(rows["deepseek-v3-pretrain"]["held_out_error"]) <= 0.25
    assert abs(rows["llama-3.1-405b-pretrain"]["held_out_error"]) <= 0.25


def test_a_training_job_beyond_the_node_cap_says_so():
    # 15.6T tokens of Llama 3.1 405B in 100 hours would need far more than 256 H100 nodes.
    problem = make_problem(
        {"name": "pretrain", "model": "llama-3.1-405b", "kind": "pretrain", "context_tokens": 4096, "tokens": 15.6e12, "deadline_hours": 100, "demand": {"jobs": 1}},
        allowed_gpus=["h100-sxm"],
    )
    with pytest.raises(InfeasibleError) as caught:
        solve_problem(problem, mini_catalog(), settings())
    text = caught.value.render()
    assert "on up to 256 nodes" in text and "fat tree" in text
