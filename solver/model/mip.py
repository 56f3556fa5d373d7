"""A CP-SAT model solved as a mixed-integer program by HiGHS: the rack relaxation of large models.

Why. On models of thousands of options CP-SAT's one worker raises its bound slowly and its
search stalls: 100 generated workloads' relaxation took 203 s to prove, and its exact model
ended 60 s at a 0.81% gap; 500 workloads ended at 1.49%. HiGHS's branch and bound with
cutting planes proves the 100-workload relaxation within 0.01% in 25 s, and on 500 workloads
finds a plan 0.45% from its bound within 39 s (README "Performance"). The plan it finds is laid
out in racks and refined by CP-SAT (solver.model.solve), which checks every constraint exactly.

The conversion reads the model CP-SAT was given, so there is one formulation. Every constraint
procure builds is linear. An enforced row ``l ⇒ lo ≤ a·x ≤ hi`` (guards, fabric choices)
becomes ``a·x ≥ lo − (lo − min a·x)·(1 − l)`` and ``a·x ≤ hi + (max a·x − hi)·(1 − l)``, with
the extremes of ``a·x`` from the variables' bounds: exact at integer points (the standard big-M
form, e.g. Wolsey, *Integer Programming*, 2nd ed., §1.5). A domain with holes becomes its hull,
a relaxation; a plan inside a hole fails CP-SAT's exact check and is not used.

Determinism. HiGHS has no work limit, but it calls its MIP interrupt callback at fixed points of
its algorithm, so the number of calls ("ticks") is the same on every run of the same model (two
200-workload runs side by side: 803 calls each, the same plans and bound). Each call stands
for the seconds it takes on the reference machine at the model's size and phase (TickClock); a
search stops when they add up to its budget, or at a wall-clock backstop, after which the run
may not repeat and says so (``MipOutcome.wall_stopped``).
"""

from __future__ import annotations

import ctypes
import logging
import math
import os
import sys
import threading
import time
from dataclasses import dataclass

import highspy
import numpy as np
from scipy.sparse import csc_array

from solver.interrupt import run_stoppably

log = logging.getLogger(__name__)

UNBOUNDED = 2**50
"""Bounds at or beyond this are infinite: procure's named totals span ±2^50 (solver.model.objective)."""
ROOT_TICKS_PER_SECOND_AT_1000_COLUMNS = 57.05
ROOT_TICKS_EXPONENT = -0.988
NODE_TICKS_PER_SECOND_AT_1000_COLUMNS = 6_925.0
NODE_TICKS_EXPONENT = -2.034
"""Interrupt callbacks per second on the reference 2-core machine while HiGHS cuts the root node
and once it branches (far more often then), each a power of the model's columns, fitted by least
squares in log space to the rack relaxations of the generated problems (HiGHS 1.16, one thread,
2026-12-01; columns, root calls/s, node calls/s): 50 workloads 3,011, 21.3, 731; 100 5,350,
12.2, 208; 200 11,228, 3.35, 60.7; 500 28,960, 2.59, 6.8. The whole searches' seconds
estimated from their calls: 14.4, 29.2, 42.7, 82.0 against 13.5, 29.4, 50.1, 70.3 measured.
Calls come in bursts (500 workloads: calls 45 to 49 took 12.6 s, 49 to 131 took 3.5 s), so a
budget stops a search near the seconds intended, not at them; counted in calls it repeats, and
the wall-clock backstop bounds the error."""


@dataclass(frozen=True)
class MipArrays:
    """``min cost·x + offset`` subject to ``row_lower ≤ matrix·x ≤ row_upper``,
    ``column_lower ≤ x ≤ column_upper``, x integer; the model's objective is ``scale`` times it."""

    cost: np.ndarray
    offset: float
    scale: float
    matrix: csc_array
    row_lower: np.ndarray
    row_upper: np.ndarray
    column_lower: np.ndarray
    column_upper: np.ndarray
    names: list[str]


def _finite(value: float) -> float:
    return value if -UNBOUNDED < value < UNBOUNDED else math.copysign(math.inf, value)


def linear_arrays(proto) -> MipArrays:
    """The MIP of a CP-SAT model whose constraints are all linear (see the module docstring).

    Raises ValueError for any other constraint, or a floating-point objective."""
    variables = proto.variables
    lower = np.array([_finite(v.domain[0]) for v in variables], dtype=float)
    upper = np.array([_finite(v.domain[len(v.domain) - 1]) for v in variables], dtype=float)
    rows: list[int] = []
    columns: list[int] = []
    values: list[float] = []
    row_lower: list[float] = []
    row_upper: list[float] = []

    def add_row(indices: list[int], coefficients: list[float], low: float, high: float) -> None:
        rows.extend([len(row_lower)] * len(indices))
        columns.extend(indices)
        values.extend(coefficients)
        row_lower.append(_finite(low))
        row_upper.append(_finite(high))

    fixed = _fixed_values(proto, lower, upper)
    for constraint in proto.constraints:
        if not constraint.has_linear():
            raise ValueError(f"constraint {constraint.name!r} is not linear: HiGHS takes linear models only")
        linear = constraint.linear
        indices, coefficients, shift = _positive_terms(linear.vars, linear.coeffs)
        domain = linear.domain
        low, high = domain[0] - shift, domain[len(domain) - 1] - shift
        known = [_literal_value(literal, fixed) for literal in constraint.enforcement_literal]
        if False in known:
            continue  # never enforced
        enforcement = [literal for literal, value in zip(constraint.enforcement_literal, known) if value is None]
        if not enforcement:
            add_row(indices, coefficients, low, high)
            continue
        at_least, at_most = _extremes(indices, coefficients, lower, upper)
        if -UNBOUNDED < low and at_least < low:
            _add_enforced(add_row, indices, coefficients, enforcement, _big_m(low - at_least, constraint), low, lower=True)
        if high < UNBOUNDED and at_most > high:
            _add_enforced(add_row, indices, coefficients, enforcement, _big_m(at_most - high, constraint), high, lower=False)
    matrix = csc_array((values, (rows, columns)), shape=(len(row_lower), len(variables)))
    objective = proto.objective
    if proto.has_floating_point_objective():
        raise ValueError("a floating-point objective: procure's objectives are integer")
    cost = np.zeros(len(variables))
    offset = objective.offset
    for reference, coefficient in zip(objective.vars, objective.coeffs):
        if reference >= 0:
            cost[reference] += coefficient
        else:  # the negation ¬x = 1 − x
            cost[-reference - 1] -= coefficient
            offset += coefficient
    scale = objective.scaling_factor or 1.0
    return MipArrays(cost, offset, scale, matrix, np.array(row_lower), np.array(row_upper), lower, upper, [v.name for v in variables])


def _fixed_values(proto, lower: np.ndarray, upper: np.ndarray) -> dict[int, int]:
    """Variables fixed by their domain or by an unconditional one-variable equality (procure fixes
    its guards to 1 that way): an enforcement literal among them needs no big-M."""
    fixed = {index: int(lower[index]) for index in range(len(lower)) if lower[index] == upper[index]}
    for constraint in proto.constraints:
        if constraint.has_linear() and not constraint.enforcement_literal and len(constraint.linear.vars) == 1:
            domain = constraint.linear.domain
            reference, coefficient = constraint.linear.vars[0], constraint.linear.coeffs[0]
            if reference >= 0 and len(domain) == 2 and domain[0] == domain[1] and domain[0] % coefficient == 0:
                fixed[reference] = domain[0] // coefficient
    return fixed


def _literal_value(literal: int, fixed: dict[int, int]) -> bool | None:
    value = fixed.get(literal if literal >= 0 else -literal - 1)
    if value is None:
        return None
    return bool(value) if literal >= 0 else not value


def _big_m(size: float, constraint) -> float:
    if not math.isfinite(size):
        raise ValueError(f"constraint {constraint.name!r} is enforced over an unbounded expression: no big-M form")
    return size


def _positive_terms(references, coefficients) -> tuple[list[int], list[float], float]:
    """Terms over variables only (a negated reference ¬x is 1 − x), and the constant moved out."""
    indices, values, shift = [], [], 0.0
    for reference, coefficient in zip(references, coefficients):
        if reference >= 0:
            indices.append(reference)
            values.append(float(coefficient))
        else:
            indices.append(-reference - 1)
            values.append(-float(coefficient))
            shift += coefficient
    return indices, values, shift


def _extremes(indices: list[int], coefficients: list[float], lower: np.ndarray, upper: np.ndarray) -> tuple[float, float]:
    index = np.array(indices, dtype=int)
    weights = np.array(coefficients, dtype=float)
    ends = np.stack([weights * lower[index], weights * upper[index]])
    return float(ends.min(axis=0).sum()), float(ends.max(axis=0).sum())


def _add_enforced(add_row, indices, coefficients, enforcement, big_m: float, side: float, *, lower: bool) -> None:
    """``a·x ≥ side − M·Σ(1 − l)`` (lower) or ``a·x ≤ side + M·Σ(1 − l)``, with each literal l a
    variable x (1 − l = 1 − x) or a negation ¬x (1 − l = x)."""
    sign = 1.0 if lower else -1.0
    terms, values, constant = list(indices), list(coefficients), 0.0
    for literal in enforcement:
        if literal >= 0:
            terms.append(literal)
            values.append(-sign * big_m)
            constant += big_m
        else:
            terms.append(-literal - 1)
            values.append(sign * big_m)
    if lower:
        add_row(terms, values, side - constant, math.inf)
    else:
        add_row(terms, values, -math.inf, side + constant)


@dataclass(frozen=True)
class TickClock:
    """Seconds of the reference machine that one interrupt callback stands for, at the root node
    and in the branching, for a model of a given size (see ROOT_TICKS_* and NODE_TICKS_*)."""

    root_seconds: float
    node_seconds: float

    @classmethod
    def for_columns(cls, columns: int) -> TickClock:
        thousands = max(columns, 1) / 1000
        root_rate = ROOT_TICKS_PER_SECOND_AT_1000_COLUMNS * thousands**ROOT_TICKS_EXPONENT
        node_rate = NODE_TICKS_PER_SECOND_AT_1000_COLUMNS * thousands**NODE_TICKS_EXPONENT
        return cls(1.0 / root_rate, 1.0 / node_rate)

    def seconds(self, nodes_explored: int) -> float:
        return self.node_seconds if nodes_explored else self.root_seconds


@dataclass(frozen=True)
class MipOutcome:
    status: str
    """OPTIMAL (within the gap asked for), FEASIBLE, INFEASIBLE or UNKNOWN (no plan found)."""
    values: dict[str, int]
    """Every named variable's value in the plan found (empty without one)."""
    objective: float | None
    """The model's objective at that plan (the model's sense: maximised or minimised)."""
    bound: float
    """A bound on the model's objective proven by HiGHS."""
    work_s: float
    """Deterministic seconds used: the interrupt callbacks counted by TickClock."""
    budget_s: float
    wall_stopped: bool
    """The wall-clock backstop ended the search before its tick budget: it may not repeat."""
    interrupted: bool


def solve_mip(proto, *, seconds: float, wall_limit_s: float, gap: float, seed: int = 0, hint: dict[str, int] | None = None, log_search: bool = False) -> MipOutcome:
    """Minimise (or maximise) the CP-SAT model `proto` as a MIP with HiGHS on one thread, for
    a tick budget worth `seconds`, at most `wall_limit_s` of wall time, stopping within the
    relative `gap`. `hint` (variable name → value, the variables it names) is offered as a
    starting plan, which HiGHS completes or repairs. Ctrl-C or
    SIGTERM stop the search and mark it interrupted, as ``solver.model.search.run_search`` does."""
    started = time.perf_counter()
    arrays = linear_arrays(proto)
    highs = _new_highs(log_search)
    highs.setOptionValue("threads", 1)
    highs.setOptionValue("random_seed", seed)
    highs.setOptionValue("mip_rel_gap", gap)
    highs.setOptionValue("time_limit", max(wall_limit_s, 0.1))
    highs.passModel(_program(arrays))
    if hint:
        _offer_hint(highs, arrays, hint)
    clock = TickClock.for_columns(len(arrays.names))
    work = [0.0]
    stop = threading.Event()
    stopped_by_budget = [False]

    def on_tick(event) -> None:
        work[0] += clock.seconds(event.data_out.mip_node_count)
        if work[0] >= seconds:
            stopped_by_budget[0] = True
            event.interrupt()
        elif stop.is_set():
            event.interrupt()

    highs.cbMipInterrupt += on_tick
    # SIGINT or SIGTERM set `stop`, and the next tick stops the search (as run_search does).
    _, interrupted = run_stoppably(highs.run, stop.set, "highs search")
    status = highs.getModelStatus()
    info = highs.getInfo()
    has_plan = info.primal_solution_status == highspy.SolutionStatus.kSolutionStatusFeasible
    values: dict[str, int] = {}
    objective = None
    if has_plan:
        column_values = np.rint(np.asarray(highs.getSolution().col_value)).astype(np.int64)
        values = {name: int(value) for name, value in zip(arrays.names, column_values) if name}
        objective = arrays.scale * (float(arrays.cost @ column_values) + arrays.offset)
    bound = arrays.scale * (info.mip_dual_bound + (arrays.offset if math.isfinite(info.mip_dual_bound) else 0.0))
    infeasible = status == highspy.HighsModelStatus.kInfeasible
    optimal = status == highspy.HighsModelStatus.kOptimal
    wall_stopped = status == highspy.HighsModelStatus.kTimeLimit and not stopped_by_budget[0]
    name = "INFEASIBLE" if infeasible else ("OPTIMAL" if optimal else ("FEASIBLE" if has_plan else "UNKNOWN"))
    log.info("HiGHS: %s, objective %s, bound %.0f, %.1f of %.1f deterministic s in %.2f s", name, objective, bound, work[0], seconds, time.perf_counter() - started)
    return MipOutcome(name, values, objective, bound, work[0], seconds, wall_stopped, interrupted and not optimal)


def _new_highs(log_search: bool) -> highspy.Highs:
    """A HiGHS instance. Its constructor prints a banner on the process's standard output, before
    any option can turn output off, which would land in procure's tables or a piped plan: unless
    the search log is wanted, the constructor runs with file descriptor 1 on /dev/null (C's
    buffer flushed before it is put back)."""
    if log_search:
        return highspy.Highs()
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 1)
            highs = highspy.Highs()
            ctypes.CDLL(None).fflush(None)
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    highs.setOptionValue("output_flag", False)
    return highs


def _program(arrays: MipArrays) -> highspy.HighsLp:
    program = highspy.HighsLp()
    program.num_col_ = len(arrays.names)
    program.num_row_ = len(arrays.row_lower)
    program.col_cost_ = arrays.cost
    program.offset_ = 0.0  # added back when reading values, so HiGHS's bound is read the same way
    program.col_lower_ = arrays.column_lower
    program.col_upper_ = arrays.column_upper
    program.row_lower_ = arrays.row_lower
    program.row_upper_ = arrays.row_upper
    program.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    program.a_matrix_.start_ = arrays.matrix.indptr
    program.a_matrix_.index_ = arrays.matrix.indices
    program.a_matrix_.value_ = arrays.matrix.data
    program.integrality_ = [highspy.HighsVarType.kInteger] * program.num_col_
    return program


def _offer_hint(highs: highspy.Highs, arrays: MipArrays, hint: dict[str, int]) -> None:
    position = {name: index for index, name in enumerate(arrays.names) if name}
    entries = sorted((position[name], float(value)) for name, value in hint.items() if name in position)
    if entries:
        indices, values = zip(*entries)
        highs.setSolution(len(entries), np.array(indices, dtype=np.int32), np.array(values))


__all__ = ["MipArrays", "MipOutcome", "TickClock", "linear_arrays", "solve_mip"]
