"""`procure report DIR`, and `--report` on solve and whatif."""

from __future__ import annotations

import json
import shutil


from solver.report.manifest import MANIFEST_NAME, foreign_content
from tests.fixtures.cli import procure  # noqa: F401 - the CLI runner fixture
from tests.report.conftest import TINY




def test_report_writes_the_page_into_the_folder(procure, tmp_path, tiny_solve_folder):
    out = tmp_path / "out"
    shutil.copytree(tiny_solve_folder, out)
    result = procure("report", out)
    assert result.output.strip() == f"wrote {out / 'report.html'}"
    assert "$" in (out / "report.html").read_text()
    assert foreign_content(out) is None


def test_solve_and_whatif_with_report_put_the_page_in_the_unit(procure, tmp_path):
    procure("solve", TINY, "--out", tmp_path / "s", "--report")
    procure("whatif", TINY, "--budget", "20k", "--budget", "500k", "--out", tmp_path / "w", "--report", "--jobs", "1")
    for folder in (tmp_path / "s", tmp_path / "w"):
        assert "report.html" in [entry["path"] for entry in json.loads((folder / MANIFEST_NAME).read_text())["files"]]
        assert foreign_content(folder) is None


def test_report_needs_out_and_a_folder(procure, tmp_path):
    assert "give --out too" in procure("solve", TINY, "--report", expect=2).output
    assert "give --out too" in procure("whatif", TINY, "--budget", "1m", "--report", expect=2).output
    assert "is not a folder" in procure("report", tmp_path / "missing", expect=2).output
    assert "holds neither plan.json" in procure("report", tmp_path, expect=2).output
