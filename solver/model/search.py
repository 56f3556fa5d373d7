"""Run one CP-SAT search so that Ctrl-C (or SIGTERM) stops it and says so.

CP-SAT's own SIGINT handling (``catch_sigint_signal``) ends the search as if its time limit had
passed, so an interrupted run looked like a normal time-limited one and wrote a worse plan; it
also resets SIGINT to the default action afterwards. procure turns it off and runs the search
in a helper thread instead. Meanwhile the main thread waits with the signals only recorded
(``interrupts_recorded``: a handler that raised could unwind while the search still runs);
the wait then calls ``stop_search`` — repeatedly, because a stop that lands before CP-SAT has
started is lost — and reports the search as interrupted. A what-if worker, whose SIGINT is
ignored and whose SIGTERM has the default action, is not affected.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from ortools.sat.python import cp_model

from solver.errors import REPORT_BUG, InternalError
from solver.interrupt import interrupts_recorded

POLL_SECONDS = 0.05


@dataclass(frozen=True)
class SearchOutcome:
    status: int
    """CP-SAT's status code (cp_model.OPTIMAL, FEASIBLE, INFEASIBLE, UNKNOWN, MODEL_INVALID)."""
    interrupted: bool
    """SIGINT or SIGTERM arrived during the search (which then stopped early)."""


def run_search(solver: cp_model.CpSolver, model: cp_model.CpModel) -> SearchOutcome:
    """``solver.solve(model)``, stopped early by an interrupt (see the module docstring).

    Raises ``InternalError`` when CP-SAT rejects the model: procure built it, so that is a bug,
    never a plan without the stage that was rejected."""
    solver.parameters.catch_sigint_signal = False
    if threading.current_thread() is not threading.main_thread():
        return _checked(solver, model, SearchOutcome(solver.solve(model), False))
    finished = threading.Event()
    outcome: list[int | BaseException] = []

    def search() -> None:
        try:
            outcome.append(solver.solve(model))
        except BaseException as error:  # handed to the main thread below
            outcome.append(error)
        finally:
            finished.set()

    with interrupts_recorded() as recorder:
        threading.Thread(target=search, name="cp-sat search", daemon=True).start()
        while not finished.wait(POLL_SECONDS):
            if recorder.received:
                solver.stop_search()
    result = outcome[0]
    if isinstance(result, BaseException):
        raise result
    return _checked(solver, model, SearchOutcome(result, bool(recorder.received)))


def _checked(solver: cp_model.CpSolver, model: cp_model.CpModel, outcome: SearchOutcome) -> SearchOutcome:
    if outcome.status == cp_model.MODEL_INVALID:
        raise InternalError(f"CP-SAT rejected the model {model.name!r}: {solver.solution_info() or 'no reason given'}", hint=REPORT_BUG)
    return outcome


__all__ = ["POLL_SECONDS", "SearchOutcome", "run_search"]
