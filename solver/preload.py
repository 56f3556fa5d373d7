"""Import heavy modules in a background thread while the process waits on something else.

A solve spends most of its wall time in CP-SAT's search (C++, off the GIL) or waiting for worker
processes, with a core to spare on the 2-core machines procure is sized on; the modules that
only writing the outputs needs (openpyxl for bom.xlsx, matplotlib for what-if charts: 0.4 and
0.8 s to import here) can load meanwhile instead of after. Importing is all the thread does, so
the outputs are the same whether or not it finished first.

A process that forks must join the thread first (``Preload.join``): a child forked while another
thread holds an import lock can deadlock.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Iterable


class Preload:
    def __init__(self, modules: Iterable[str]):
        names = tuple(modules)
        self._thread = threading.Thread(target=_import_all, args=(names,), name="preload", daemon=True) if names else None
        if self._thread is not None:
            self._thread.start()

    def join(self) -> None:
        if self._thread is not None:
            self._thread.join()


def _import_all(names: tuple[str, ...]) -> None:
    for name in names:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - the import is repeated where the module is used, and fails there with its own message
            return


__all__ = ["Preload"]
