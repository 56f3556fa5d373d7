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
