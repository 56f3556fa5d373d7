"""Reading output folders for the report: kinds, the run record, the problem file check."""

from __future__ import annotations

import json
import shutil

import pytest

from solver.errors import InputError
from solver.report.manifest import MANIFEST_NAME, RunInfo
from solver.report.report_folder import SolveFolder, WhatifFolder, read_folder
from tests.report.conftest import TINY


def test_a_solve_folder_gives_its_plan_bom_record_and_problem(tiny_solve_folder):
    folder = read_folder(tiny_solve_folder)
    assert isinstance(folder, SolveFolder)
    assert folder.plan["summary"]["problem"] == "tiny"
    assert [line.line for line in folder.bom] == list(range(1, len(folder.bom) + 1))
    assert [line.model_dump(mode="json") for line in folder.bom] == folder.plan["bom"]  # bom.csv, typed, is plan.json's bom
    assert folder.record is not None and folder.record.problem_path == str(TINY.resolve())
    assert folder.problem.problem is not None and folder.problem.problem.name == "tiny"


def test_a_whatif_folder_gives_each_scenario_plan(tiny_whatif_folder):
    folder = read_folder(tiny_whatif_folder)
    assert isinstance(folder, WhatifFolder)
    dirs = [row["dir"] for row in folder.whatif["scenarios"] if row["dir"]]
    assert sorted(folder.plans) == sorted(dirs) and dirs


def test_a_changed_problem_file_is_not_described(tmp_path, tiny_solve_folder):
    problem = tmp_path / "tiny.yaml"
    shutil.copy(TINY, problem)
    out = tmp_path / "out"
    shutil.copytree(tiny_solve_folder, out)
    manifest = json.loads((out / MANIFEST_NAME).read_text())
    manifest["problem"]["path"] = str(problem)
    (out / MANIFEST_NAME).write_text(json.dumps(manifest))
    problem.write_text(problem.read_text() + "\n# edited\n")
    folder = read_folder(out)
    assert folder.problem.problem is None and "changed since the run" in folder.problem.note


def test_without_a_manifest_the_record_and_problem_are_unknown(tmp_path, tiny_solve_folder):
    out = tmp_path / "out"
    shutil.copytree(tiny_solve_folder, out)
    (out / MANIFEST_NAME).unlink()
    folder = read_folder(out)
    assert folder.record is None and folder.problem.problem is None


def test_a_run_in_progress_stands_in_for_the_manifest(tmp_path, tiny_solve_folder):
    staging = tmp_path / "staging"
    shutil.copytree(tiny_solve_folder, staging)
    (staging / MANIFEST_NAME).unlink()
    folder = read_folder(staging, RunInfo(command="procure solve tiny.yaml", problem=TINY))
    assert folder.record.command == "procure solve tiny.yaml" and len(folder.record.problem_sha256) == 64
    assert folder.problem.problem is not None


def test_other_folders_are_refused(tmp_path):
    with pytest.raises(InputError, match="neither plan.json"):
        read_folder(tmp_path)
    with pytest.raises(InputError, match="not a folder"):
        read_folder(tmp_path / "missing")
    (tmp_path / "plan.json").write_text("[1]")
    with pytest.raises(InputError, match="does not hold a JSON object"):
        read_folder(tmp_path)
