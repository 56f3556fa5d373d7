"""Run one CP-SAT search so that Ctrl-C (or SIGTERM) stops it and says so.

CP-SAT's own SIGINT handling (``catch_sigint_signal``) ends the search as if its time limit had
passed, so an interrupted run looked like a normal time-limited one and wrote a worse plan; it
also resets SIGINT to the default action afterwards. procure turns it off and runs the search
in a helper thread instead. Meanwhile the main thread waits with a handler that only records
the signal (a handler that raised could unwind while the search still runs); the wait then
calls ``stop_search`` — repeatedly, because a stop that lands before CP-SAT has started is
lost — and reports the search as interrupted. Only signals whose handler would raise
(Python's SIGINT default, ``terminated_as_interrupt``'s SIGTERM) are taken over: an ignored
signal stays ignored and a default-action SIGTERM still ends the process (what-if workers).
"""

from __future__ import annotations

import signal
import threading
from dataclasses import dataclass
from types import FrameType

from ortools.sat.python import cp_model

from solver.interrupt import INTERRUPT_SIGNALS

POLL_SECONDS = 0.05


@dataclass(frozen=True)
class SearchOutcome:
    status: int
    """CP-SAT's status code (cp_model.OPTIMAL, FEASIBLE, INFEASIBLE, UNKNOWN, MODEL_INVALID)."""
    interrupted: bool
    """SIGINT or SIGTERM arrived during the search (which then stopped early)."""


def _raising_signals() -> list[signal.Signals]:
    return [signum for signum in INTERRUPT_SIGNALS if callable(signal.getsignal(signum))]


def run_search(solver: cp_model.CpSolver, model: cp_model.CpModel) -> SearchOutcome:
    """``solver.solve(model)``, stopped early by an interrupt (see the module docstring)."""
    solver.parameters.catch_sigint_signal = False
    taken = _raising_signals() if threading.current_thread() is threading.main_thread() else []
    if not taken:
        return SearchOutcome(solver.solve(model), False)
    requested = threading.Event()
    finished = threading.Event()
    outcome: list[int | BaseException] = []

    def record(signum: int, frame: FrameType | None) -> None:
        requested.set()

    def search() -> None:
        try:
            outcome.append(solver.solve(model))
        except BaseException as error:  # handed to the main thread below
            outcome.append(error)
        finally:
            finished.set()

    previous = {}
    try:
        for signum in taken:
            previous[signum] = signal.signal(signum, record)
        threading.Thread(target=search, name="cp-sat search", daemon=True).start()
        while not finished.wait(POLL_SECONDS):
            if requested.is_set():
                solver.stop_search()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    result = outcome[0]
    if isinstance(result, BaseException):
        raise result
    return SearchOutcome(result, requested.is_set())


__all__ = ["POLL_SECONDS", "SearchOutcome", "run_search"]
