"""Output folders as one unit: staging, replacing, refusing, locking and clearing leftovers."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from solver.errors import InputError
from solver.report.manifest import MANIFEST_NAME, RunInfo
from solver.report.output_dir import OutputDir

RUN = RunInfo(command="procure test")


def write_run(target, force=False, inputs=(), **files):
    with OutputDir(target, force=force, run=RUN, inputs=inputs) as output:
        for name, text in files.items():
            (output.path / name).parent.mkdir(parents=True, exist_ok=True)
            (output.path / name).write_text(text)
        output.publish()
    return output


def hidden(parent):
    return sorted(path.name for path in parent.iterdir() if ".procure-" in path.name)


def dead_pid():
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_new_folder_gets_the_files_and_a_manifest(tmp_path):
    out = tmp_path / "deep" / "out"
    output = write_run(out, **{"bom.csv": "a", "s1/plan.json": "{}"})
    assert output.path.parent == out.parent and output.path.name.startswith(".out.procure-new-")
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == [MANIFEST_NAME, "bom.csv", "s1", "s1/plan.json"]
    assert output.shown_path(output.path / "bom.csv") == out / "bom.csv"
    assert json.loads((out / MANIFEST_NAME).read_text())["command"] == "procure test"
    assert hidden(out.parent) == []


def test_an_error_before_publishing_leaves_nothing(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        with OutputDir(out, force=False, run=RUN) as output:
            (output.path / "bom.csv").write_text("half")
            raise KeyboardInterrupt
    assert not out.exists() and hidden(tmp_path) == []


def test_earlier_outputs_are_replaced_whole_without_force(tmp_path):
    out = tmp_path / "out"
    write_run(out, **{"bom.csv": "first", "old-scenario/plan.json": "{}"})
    write_run(out, **{"bom.csv": "second"})
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST_NAME, "bom.csv"]
    assert (out / "bom.csv").read_text() == "second" and hidden(tmp_path) == []


def test_foreign_content_needs_force_and_force_replaces_everything(tmp_path):
    out = tmp_path / "out"
    write_run(out, **{"bom.csv": "first"})
    (out / "notes.txt").write_text("mine")
    with pytest.raises(InputError) as excinfo:
        write_run(out, **{"bom.csv": "second"})
    assert excinfo.value.message == f"output directory {out} is not empty and is not an earlier procure run's output: notes.txt was not written by procure"
    assert "--force" in excinfo.value.hint
    assert (out / "bom.csv").read_text() == "first" and hidden(tmp_path) == []
    write_run(out, force=True, **{"bom.csv": "second"})
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST_NAME, "bom.csv"]


def test_an_empty_folder_is_used_and_a_file_is_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    write_run(tmp_path / "empty", **{"a": "1"})
    assert (tmp_path / "empty" / "a").exists()
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="exists and is not a directory"):
        write_run(tmp_path / "file", force=True)


def test_never_replaces_a_folder_holding_an_input_or_the_current_directory(tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    problem = out / "problem.yaml"
    problem.write_text("name: p\n")
    with pytest.raises(InputError, match=r"refusing to replace .*: it contains an input file"):
        write_run(out, force=True, inputs=[problem])
    monkeypatch.chdir(out)
    with pytest.raises(InputError, match="it contains the current directory"):
        write_run(tmp_path / "out", force=True)
    assert problem.exists()


def test_publish_checks_again_for_files_added_during_the_run(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(InputError, match="is not an earlier procure run.s output: it has no .procure-manifest.json"):
        with OutputDir(out, force=False, run=RUN) as output:
            out.mkdir()
            (out / "surprise.txt").write_text("added while solving")
            output.publish()
    assert [p.name for p in out.iterdir()] == ["surprise.txt"] and hidden(tmp_path) == []


def test_a_second_writer_of_the_same_folder_is_refused(tmp_path):
    out = tmp_path / "out"
    with OutputDir(out, force=False, run=RUN):
        with pytest.raises(InputError, match=f"another procure run is writing {out}"):
            write_run(out)
        write_run(tmp_path / "other", **{"a": "1"})  # a different folder is not blocked
    write_run(out)


def test_leftovers_of_dead_runs_are_cleared_and_an_aside_output_restored(tmp_path):
    out = tmp_path / "out"
    write_run(out, **{"bom.csv": "previous"})
    pid = dead_pid()
    # A run killed between its two renames: the previous output aside, its own staging beside.
    os.rename(out, tmp_path / f".out.procure-old-{pid}-00aa11bb")
    (tmp_path / f".out.procure-new-{pid}-22cc33dd").mkdir()
    (tmp_path / f".other.procure-new-{pid}-44ee55ff").mkdir()  # another folder's: not ours
    with OutputDir(out, force=False, run=RUN) as output:
        assert (out / "bom.csv").read_text() == "previous"
        assert hidden(tmp_path) == sorted([output.path.name, ".out.procure-lock", f".other.procure-new-{pid}-44ee55ff"])
    assert hidden(tmp_path) == [f".other.procure-new-{pid}-44ee55ff"]


def test_staging_of_a_live_run_is_left_alone(tmp_path):
    live = tmp_path / f".out.procure-new-{os.getppid()}-00aa11bb"
    live.mkdir()
    write_run(tmp_path / "out", **{"a": "1"})
    assert live.exists()


def test_a_link_to_a_folder_is_kept_and_its_folder_replaced(tmp_path):
    real = tmp_path / "real"
    write_run(real, **{"a": "1"})
    (tmp_path / "link").symlink_to(real)
    write_run(tmp_path / "link", **{"b": "2"})
    assert (tmp_path / "link").is_symlink() and sorted(p.name for p in real.iterdir()) == [MANIFEST_NAME, "b"]
