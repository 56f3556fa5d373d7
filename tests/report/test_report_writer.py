"""Writing report.html: inside a finished folder (manifest updated), elsewhere, or in a run."""

from __future__ import annotations

import json
import shutil

import pytest

from solver.errors import InputError
from solver.report.manifest import MANIFEST_NAME, foreign_content
from solver.report.report_writer import write_report
from tests.fixtures.problems import mini_catalog


@pytest.fixture
def folder(tmp_path, tiny_solve_folder):
    out = tmp_path / "out"
    shutil.copytree(tiny_solve_folder, out)
    return out


def test_the_page_joins_the_folders_manifest_so_the_folder_stays_one_unit(folder):
    written = write_report(folder, mini_catalog())
    assert written.path == folder / "report.html" and written.note == ""
    listed = [entry["path"] for entry in json.loads((folder / MANIFEST_NAME).read_text())["files"]]
    assert listed == ["bom.csv", "bom.xlsx", "plan.json", "report.html"]
    assert foreign_content(folder) is None
    write_report(folder, mini_catalog())  # again: the entry is updated, not doubled
    assert foreign_content(folder) is None
    assert not any(path.name.startswith(".") and path.name != MANIFEST_NAME for path in folder.iterdir())
    assert not list(folder.parent.glob(".out.procure-lock"))


def test_a_folder_changed_by_hand_gets_the_page_but_keeps_its_manifest(folder):
    (folder / "notes.txt").write_text("mine")
    before = (folder / MANIFEST_NAME).read_text()
    written = write_report(folder, mini_catalog())
    assert written.path.is_file() and "notes.txt was not written by procure" in written.note
    assert (folder / MANIFEST_NAME).read_text() == before


def test_out_elsewhere_leaves_the_folder_alone(folder, tmp_path):
    before = sorted(path.name for path in folder.iterdir())
    written = write_report(folder, None, tmp_path / "pages" / "tiny.html")
    assert written.path.read_text().startswith("<!DOCTYPE html>")
    assert sorted(path.name for path in folder.iterdir()) == before


def test_a_missing_folder_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="is not a folder"):
        write_report(tmp_path / "nope" / "deeper", None)
