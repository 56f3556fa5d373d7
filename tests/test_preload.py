"""Background imports: each module once, and waited for before anything forks."""

from __future__ import annotations

import sys
import threading

from solver import preload


def test_finish_waits_for_the_imports(monkeypatch):
    monkeypatch.delitem(sys.modules, "colorsys", raising=False)
    monkeypatch.setattr(preload, "_requested", set())
    preload.preload(["colorsys"])
    preload.finish()
    assert "colorsys" in sys.modules
    assert not any(thread.name == "preload" for thread in threading.enumerate())


def test_a_module_asked_for_twice_is_imported_once(monkeypatch):
    started: list[tuple[str, ...]] = []
    monkeypatch.setattr(preload, "_import_all", lambda names: started.append(names))
    monkeypatch.setattr(preload, "_requested", set())
    preload.preload(["csv", "csv", "zipfile"])
    preload.preload(["zipfile", "tarfile"])
    preload.preload([])
    preload.finish()
    assert started == [("csv", "zipfile"), ("tarfile",)]


def test_wanted_modules_are_imported_when_asked_and_once(monkeypatch):
    monkeypatch.delitem(sys.modules, "colorsys", raising=False)
    monkeypatch.setattr(preload, "_wanted", [])
    preload.want(["colorsys"])
    assert "colorsys" not in sys.modules
    preload.import_wanted()
    assert "colorsys" in sys.modules and preload._wanted == []


def test_describing_a_solve_does_not_import_cp_sat():
    # The pipeline and its settings stay free of CP-SAT (and pandas) until the search, so their
    # import can overlap the estimating in worker processes (solver.options.parallel).
    import subprocess

    code = "import sys, cli, solver.pipeline, solver.model.settings; print(any(name.startswith('ortools') for name in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"
