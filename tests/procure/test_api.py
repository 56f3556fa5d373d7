"""The Python API (`import procure`): entry points, typed results, output folders."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import procure
from solver.errors import InputError
from solver.report.manifest import MANIFEST_NAME
from tests.fixtures.cloud import EIGHT_H100, EIGHT_H100_1Y, mini_cloud_catalog
from tests.fixtures.problems import chat_fleet, mini_catalog
from tests.report.conftest import TINY

LAB20 = Path(__file__).resolve().parents[2] / "problems" / "lab20.yaml"


@pytest.mark.big_catalog
def test_import_procure_solves_lab20_and_prints_its_capex(tmp_path):
    """The README's notebook example, in a fresh interpreter outside the checkout: the
    installed package with its bundled catalogs."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env["PROCURE_HOME"] = str(tmp_path / "home")  # no user catalog
    code = (
        f"import procure; plan = procure.solve({str(LAB20)!r}).plan; "
        "print(f'capex ${plan.summary.capex_usd:,}', plan.summary.status, "
        "f'${plan.economics[\"total\"][\"usd_per_million_output_tokens\"]:.2f}/M', f'break-even month {plan.rent[\"break_even_month\"]}')"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"capex \$[1-9][\d,]+ OPTIMAL \$\d+\.\d\d/M break-even month \d+\.\d\n", result.stdout), result.stdout


def test_the_documented_names_are_exported():
    assert set(procure.__all__) >= {
        "load_catalog", "load_problem", "estimate", "fits", "training_budget", "solve", "whatif", "report",
        "SolveResult", "Plan", "EstimateReport", "FitReport", "TrainingBudget", "WhatIfRun", "__version__",
    }
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        procure.nope  # noqa: B018


def test_load_problem_and_solve_return_typed_results():
    catalog = mini_catalog()
    problem = procure.load_problem(TINY, catalog)
    assert isinstance(problem, procure.Problem)
    result = procure.solve(problem, catalog, objective="power")
    assert isinstance(result, procure.SolveResult) and isinstance(result.plan, procure.Plan)
    assert result.plan.summary.objective == "power"
    cheaper = procure.solve(problem, catalog, budget_usd=450_000)
    assert cheaper.problem.limits.budget_usd == 450_000


def test_solve_writes_the_folder_the_command_writes(tmp_path):
    result = procure.solve(TINY, mini_catalog(), out=tmp_path / "out", report=True)
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == [MANIFEST_NAME, "bom.csv", "bom.xlsx", "plan.json", "report.html"]
    manifest = json.loads((tmp_path / "out" / MANIFEST_NAME).read_text())
    assert manifest["command"].startswith("python: procure.solve(") and manifest["problem"]["path"] == str(TINY.resolve())
    assert f"${result.plan.summary.capex_usd:,}" in (tmp_path / "out" / "report.html").read_text()
    with pytest.raises(InputError, match="give out= too"):
        procure.solve(TINY, mini_catalog(), report=True)


def test_solve_rents_at_the_commitment_asked():
    catalog = mini_cloud_catalog()
    problem = chat_fleet(20, allowed_gpus=["h100-sxm"])
    on_demand = procure.solve(problem, catalog, objective="rent").plan
    committed = procure.solve(problem, catalog, objective="rent", commitment="1Y").plan
    assert on_demand.rent["monthly_usd"] == EIGHT_H100 and committed.rent["monthly_usd"] == EIGHT_H100_1Y
    assert committed.summary.capex_usd == 0 and [line.category for line in committed.bom] == ["reservation"]


def test_training_budget_reproduces_deepseek_v3s_published_gpu_hours():
    budget = procure.training_budget("deepseek-v3", tokens="14.8T", gpu="h800", gpus=2048, precision="fp8", zero_stage=3, usd_per_gpu_hour=2, catalog=procure.load_catalog(include_user=False))
    assert isinstance(budget, procure.TrainingBudget) and budget.arithmetic == "fp8"
    assert 0.75 * 2.664e6 <= budget.gpu_hours <= 1.25 * 2.664e6  # published: 2.664M H800 GPU-hours


def test_estimate_and_fits():
    catalog = mini_catalog()
    report = procure.estimate("llama-3.1-8b", gpu="L40S", precision="BF16", context_tokens=8192, catalog=catalog)
    assert isinstance(report, procure.EstimateReport) and report.fits and report.decode is not None
    fit = procure.fits("llama-3.1-70b", gpu="rtx-4090", count=2, precision="awq", catalog=catalog)
    assert isinstance(fit, procure.FitReport) and fit.fits and fit.split.deployment.tp == 2


def test_whatif_and_report(tmp_path):
    run = procure.whatif(TINY, mini_catalog(), budgets=["20k", 500_000], jobs=1, out=tmp_path / "w")
    assert isinstance(run, procure.WhatIfRun) and [r.plan is not None for r in run.results] == [True, True]
    page = procure.report(tmp_path / "w", catalog=mini_catalog())
    assert page == tmp_path / "w" / "report.html" and 'class="chart budget-sweep"' in page.read_text()
    with pytest.raises(InputError, match="nothing to compare"):
        procure.whatif(TINY, mini_catalog())
