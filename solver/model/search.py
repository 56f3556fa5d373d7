"""Run one CP-SAT search so that Ctrl-C (or SIGTERM) stops it and says so.

CP-SAT's own SIGINT handling (``catch_sigint_signal``) ends the search as if its time limit had
passed, so an interrupted run looked like a normal time-limited one and wrote a worse plan; it
also resets SIGINT to the default action afterwards. procure turns it off and runs the search
through ``solver.interrupt.run_stoppably``, which records the signals meanwhile and calls
``stop_search`` when one arrives, and reports the search as interrupted. A what-if worker, whose
SIGINT is ignored and whose SIGTERM has the default action, is not affected.
"""

from __future__ import annotations

from dataclasses import dataclass

from ortools.sat.python import cp_model

from solver.errors import REPORT_BUG, InternalError
from solver.interrupt import run_stoppably



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
    status, interrupted = run_stoppably(lambda: solver.solve(model), solver.stop_search, "cp-sat search")
    return _checked(solver, model, SearchOutcome(status, interrupted))


def _checked(solver: cp_model.CpSolver, model: cp_model.CpModel, outcome: SearchOutcome) -> SearchOutcome:
    if outcome.status == cp_model.MODEL_INVALID:
        raise InternalError(f"CP-SAT rejected the model {model.name!r}: {solver.solution_info() or 'no reason given'}", hint=REPORT_BUG)
    return outcome


__all__ = ["SearchOutcome", "run_search"]
