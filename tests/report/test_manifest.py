"""Output manifests: what they record, and when a folder counts as one procure run's outputs."""

from __future__ import annotations

import json

from solver.report.manifest import MANIFEST_NAME, RunInfo, foreign_content, sha256_of, write_manifest


def outputs(tmp_path):
    out = tmp_path / "out"
    (out / "scenario-a").mkdir(parents=True)
    (out / "bom.csv").write_text("line\n")
    (out / "scenario-a" / "plan.json").write_text("{}\n")
    problem = tmp_path / "problem.yaml"
    problem.write_text("name: p\n")
    write_manifest(out, RunInfo(command="procure solve problem.yaml --out out", problem=problem))
    return out, problem


def test_records_command_problem_and_every_file(tmp_path):
    out, problem = outputs(tmp_path)
    data = json.loads((out / MANIFEST_NAME).read_text())
    assert data["command"] == "procure solve problem.yaml --out out"
    assert data["problem"] == {"path": str(problem.resolve()), "sha256": sha256_of(problem)}
    assert [entry["path"] for entry in data["files"]] == ["bom.csv", "scenario-a/plan.json"]
    assert data["files"][0] == {"path": "bom.csv", "bytes": 5, "sha256": sha256_of(out / "bom.csv")}
    assert data["procure_version"] and data["created"]


def test_untouched_outputs_are_not_foreign(tmp_path):
    out, _ = outputs(tmp_path)
    assert foreign_content(out) is None


def test_every_kind_of_foreign_content_is_named(tmp_path):
    out, _ = outputs(tmp_path)
    (out / "bom.csv").write_text("edited\n")
    assert foreign_content(out) == "bom.csv changed since procure wrote it"
    out, _ = outputs(tmp_path / "2")
    (out / "notes.txt").write_text("mine")
    assert foreign_content(out) == "notes.txt was not written by procure"
    out, _ = outputs(tmp_path / "3")
    (out / "empty").mkdir()
    assert foreign_content(out) == "empty/ was not written by procure"
    out, _ = outputs(tmp_path / "4")
    (out / "scenario-a" / "plan.json").unlink()
    assert foreign_content(out) == "scenario-a/plan.json, listed in its manifest, is missing"
    out, _ = outputs(tmp_path / "5")
    (out / "link").symlink_to(out / "bom.csv")
    assert foreign_content(out) == "link is a link procure did not write"
    out, _ = outputs(tmp_path / "6")
    (out / MANIFEST_NAME).write_text("{not json")
    assert foreign_content(out) == f"its {MANIFEST_NAME} cannot be read"
    out, _ = outputs(tmp_path / "7")
    data = json.loads((out / MANIFEST_NAME).read_text())
    data["files"].append({"path": "../problem.yaml", "sha256": "0"})
    (out / MANIFEST_NAME).write_text(json.dumps(data))
    assert foreign_content(out) == f"its {MANIFEST_NAME} lists a path outside the folder"


def test_a_folder_without_manifest_is_foreign(tmp_path):
    (tmp_path / "x.txt").write_text("x")
    assert foreign_content(tmp_path) == f"it has no {MANIFEST_NAME}"
