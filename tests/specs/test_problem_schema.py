"""The problem schema: bounds, case-insensitive choices, money in text, printable names.

Problems are loaded from YAML text with the mini catalog, so each message is checked as the
user sees it: file, line, field path and what would be valid.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from solver.errors import InputError
from solver.problem_io import load_problem
from tests.fixtures.problems import mini_catalog

WORKLOAD = """\
  - name: chat
    model: llama-3.1-8b
    context_tokens: 4096
    demand: {sessions: 4}
"""


def problem_text(workload: str = WORKLOAD, limits: str = "", top: str = "name: t\n") -> str:
    return top + "workloads:\n" + workload + (f"limits:\n{limits}" if limits else "")


def load(tmp_path: Path, text: str):
    path = tmp_path / "problem.yaml"
    path.write_text(text, encoding="utf-8")
    return load_problem(path, mini_catalog())


def rejected(tmp_path: Path, text: str, *fragments: str) -> str:
    with pytest.raises(InputError) as caught:
        load(tmp_path, text)
    message = caught.value.message
    assert "problem.yaml:" in message, message
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    return message


# --------------------------------------------------------------------------------------------
# Money


@pytest.mark.parametrize("text, value", [("300k", 300_000), ("1.5m", 1_500_000), ("'2,500,000'", 2_500_000), ("$300k", 300_000), ("250000", 250_000)])
def test_budget_accepts_money_text(tmp_path, text, value):
    problem = load(tmp_path, problem_text(limits=f"  budget_usd: {text}\n"))
    assert problem.limits.budget_usd == value


@pytest.mark.parametrize("text", ["300q", "true", ".inf", ".nan", "1e13", "-5k", "0"])
def test_bad_budget_names_file_line_and_field(tmp_path, text):
    message = rejected(tmp_path, problem_text(limits=f"  budget_usd: {text}\n"), "problem.yaml:8: limits.budget_usd:")
    assert "250k" in message or "1000000000000" in message or "greater than 0" in message or "finite" in message


def test_electricity_rate_accepts_dollar_text(tmp_path):
    problem = load(tmp_path, problem_text() + "objective:\n  tco: {electricity_usd_per_kwh: '$0.125'}\n")
    assert problem.objective.tco.electricity_usd_per_kwh == 0.125


# --------------------------------------------------------------------------------------------
# Case-insensitive choices


def test_choices_and_formats_accept_any_letter_case(tmp_path):
    workload = WORKLOAD.replace("context_tokens", "precision: FP8\n    kv_precision: FP8\n    kind: Interactive\n    sharing: DEDICATED\n    context_tokens")
    problem = load(tmp_path, problem_text(workload) + "objective: {minimize: TCO}\n")
    workload = problem.workloads[0]
    assert (workload.precision, workload.kv_precision, workload.kind, workload.sharing) == ("fp8", "fp8", "interactive", "dedicated")
    assert problem.objective.minimize == "tco"


def test_finetune_method_accepts_any_letter_case(tmp_path):
    workload = """\
  - name: tune
    model: llama-3.1-8b
    kind: FineTune
    method: QLoRA
    context_tokens: 2048
    tokens: 1e8
    deadline_hours: 24
    demand: {jobs: 1}
"""
    assert load(tmp_path, problem_text(workload)).workloads[0].method == "qlora"


# --------------------------------------------------------------------------------------------
# Bounds (each a crash or a hang the fuzzer found)


@pytest.mark.parametrize(
    "limits, field",
    [
        ("  racks: 100000\n", "limits.racks"),
        ("  rack_units: 1000\n", "limits.rack_units"),
        ("  power_kw: 1e9\n", "limits.power_kw"),
        ("  vram_headroom: 0.999\n", "limits.vram_headroom"),
        ("  max_nodes: 10000000\n", "limits.max_nodes"),
        ("  inventory: [{node: pcie-8gpu, gpu: l40s, count: 1000000}]\n", "limits.inventory[0].count"),
    ],
)
def test_limits_are_bounded(tmp_path, limits, field):
    rejected(tmp_path, problem_text(limits=limits), f"{field}: must be less than or equal to")


def test_huge_racks_is_refused_by_the_schema(tmp_path):
    rejected(tmp_path, problem_text(limits="  racks: 1000000000\n"), "problem.yaml:8: limits.racks: must be less than or equal to 10000")


def test_vram_headroom_0_999_is_refused_by_the_schema(tmp_path):
    rejected(tmp_path, problem_text(limits="  vram_headroom: 0.999\n"), "limits.vram_headroom: must be less than or equal to 0.5")


@pytest.mark.parametrize("demand", ["{sessions: 1000001}", "{users: 10000000, active_fraction: 0.1}", "{sessions: 99999999999999999999999}"])
def test_demand_is_bounded(tmp_path, demand):
    rejected(tmp_path, problem_text(WORKLOAD.replace("{sessions: 4}", demand)), "must be less than or equal to 1000000")


@pytest.mark.parametrize("value", [".inf", "-.inf", ".nan"])
def test_floats_must_be_finite(tmp_path, value):
    rejected(tmp_path, problem_text(WORKLOAD + f"    min_decode_tokens_per_s: {value}\n"), "workloads[0].min_decode_tokens_per_s:")


@pytest.mark.parametrize(
    "objective, field",
    [("{tco: {years: 100}}", "objective.tco.years"), ("{tco: {pue: 0.5}}", "objective.tco.pue"), ("{tco: {pue: 5}}", "objective.tco.pue"), ("{tco: {electricity_usd_per_kwh: 1e6}}", "objective.tco.electricity_usd_per_kwh")],
)
def test_tco_settings_are_bounded(tmp_path, objective, field):
    rejected(tmp_path, problem_text() + f"objective: {objective}\n", f"{field}:")


@pytest.mark.parametrize("assumption", ["speed_confidence: 0.999", "max_batch_per_replica: 10000000", "cuda_context: 1 PB", "prefill_chunk_tokens: 1e12"])
def test_assumptions_are_bounded(tmp_path, assumption):
    rejected(tmp_path, problem_text() + f"assumptions: {{{assumption}}}\n", "assumptions.")


def test_priority_is_bounded(tmp_path):
    rejected(tmp_path, problem_text(WORKLOAD + "    priority: 1e300\n"), "workloads[0].priority: must be less than or equal to 1000000")


# --------------------------------------------------------------------------------------------
# Batch demand


BATCH = """\
  - name: offline
    model: llama-3.1-8b
    kind: batch
    context_tokens: 2048
    tokens: 3.6e7
    deadline_hours: 1
"""


@pytest.mark.parametrize("demand", ["{sessions: 64}", "{users: 64, active_fraction: 0.5}"])
def test_batch_demand_sessions_64_is_refused(tmp_path, demand):
    rejected(tmp_path, problem_text(BATCH + f"    demand: {demand}\n"), "workloads[0]:", "batch workloads state demand as jobs")


def test_batch_demand_in_jobs_is_accepted(tmp_path):
    assert load(tmp_path, problem_text(BATCH + "    demand: {jobs: 2}\n")).workloads[0].demand.jobs == 2


# --------------------------------------------------------------------------------------------
# Printable text


@pytest.mark.parametrize("name", ['"\\e[2Jowned"', '"two\\nlines"', '"carriage\\rreturn"', '"bidi \\u202e"', '"bell\\a"'])
def test_problem_name_with_terminal_escapes_is_refused(tmp_path, name):
    rejected(tmp_path, problem_text(top=f"name: {name}\n"), "problem.yaml:1: name: contains the control character")


def test_description_keeps_newlines_and_tabs_but_not_escapes(tmp_path):
    problem = load(tmp_path, problem_text(top='name: t\ndescription: "line one\\n\\tline two"\n'))
    assert problem.description == "line one\n\tline two"
    rejected(tmp_path, problem_text(top='name: t\ndescription: "clear \\e[2J"\n'), "description: contains the control character U+001B", "newlines and tabs are fine")


def test_scenario_names_must_be_printable(tmp_path):
    rejected(tmp_path, problem_text() + 'scenarios:\n  "a\\e[31m": {limits.racks: 1}\n', "scenarios")


def test_overlong_name_is_refused(tmp_path):
    rejected(tmp_path, problem_text(top=f"name: {'x' * 500}\n"), "name: String should have at most 200 characters")


def test_inventory_total_is_bounded(tmp_path):
    items = ", ".join(["{node: pcie-8gpu, gpu: l40s, count: 60000}"] * 2)
    rejected(tmp_path, problem_text(limits=f"  inventory: [{items}]\n"), "limits: inventory holds 120,000 servers in total; at most 100,000")
