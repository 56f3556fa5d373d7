"""Import heavy modules in a background thread while the process waits on something else.

A solve spends most of its wall time in CP-SAT's search (C++, off the GIL) or waiting for worker
processes, with a core to spare on the 2-core machines procure is sized on; the modules that
only writing the outputs needs (openpyxl for bom.xlsx, matplotlib for what-if charts: 0.4 and
0.8 s to import here) can load meanwhile instead of after. Importing is all the thread does, so
the outputs are the same whether or not it finished first.

A child forked while another thread holds an import lock can deadlock, so whatever forks
waits for these imports first (``finish``, called by solver.processes.forking_is_safe).
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Iterable

_running: list[threading.Thread] = []
_requested: set[str] = set()
_wanted: list[str] = []


def preload(modules: Iterable[str]) -> None:
    """Import `modules` in a daemon thread (nothing to wait for: the caller imports them again
    where it uses them, which returns at once or waits for this import to finish). Modules
    asked for before are skipped, so every step that could start the imports may ask."""
    names = tuple(name for name in dict.fromkeys(modules) if name not in _requested)
    _requested.update(names)
    if names:
        thread = threading.Thread(target=_import_all, args=(names,), name="preload", daemon=True)
        _running.append(thread)
        thread.start()


def want(modules: Iterable[str]) -> None:
    """Note `modules` as needed soon, for a process about to wait on its workers to import
    meanwhile (``import_wanted``); where nothing waits they are imported where first used."""
    _wanted.extend(modules)


def import_wanted() -> None:
    """Import the modules ``want`` noted, here and now (a process whose workers compute while it
    waits: importing in this thread, after they forked, cannot deadlock them)."""
    while _wanted:
        importlib.import_module(_wanted.pop(0))


def finish() -> None:
    """Wait until every background import has ended."""
    while _running:
        _running.pop().join()


def _import_all(names: tuple[str, ...]) -> None:
    for name in names:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - the import is repeated where the module is used, and fails there with its own message
            return


__all__ = ["finish", "import_wanted", "preload", "want"]
