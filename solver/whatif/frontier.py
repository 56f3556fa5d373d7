"""Cost-versus-power Pareto frontier by the ε-constraint method over CP-SAT.

1. The two ends: the lowest-power plan (minimise power, then cost) and the cheapest plan
   (minimise cost, then power), both serving all demand under the problem's limits.
2. For N power caps ε evenly spaced from the lowest power P_min to the cheapest plan's power
   P_max (ends included: they are the two plans above), minimise cost subject to power ≤ ε.
   The ε solves run as one hint chain, ascending, starting from the lowest-power plan's values
   (feasible under every cap).
3. Points another point matches or beats on both measures (one of them strictly) are dropped;
   of identical points the one with the lowest cap is kept.

The cap is set as ``limits.power_kw = (ε + 0.5) / 1000``: the model floors it to ε watts and the
verifier checks the plan against it, with no rounding at the boundary.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from solver.specs.problem import Problem
from solver.whatif.scenarios import Scenario, data_key
from solver.whatif.sweep import ScenarioResult

DEFAULT_POINTS = 8


@dataclass(frozen=True)
class FrontierPoint:
    scenario: int
    """Index of the scenario (in the run's scenario list)."""
    power_w: int
    capex_usd: int
    tco_usd: float
    cap_w: int | None
    pareto: bool
    same_as: int | None = None
    """A repeated plan (same power and capex as this earlier scenario) rather than a dominated one."""


def _with_power_cap(problem: Problem, cap_w: int | None) -> Problem:
    if cap_w is None:
        return problem
    return problem.model_copy(update={"limits": problem.limits.model_copy(update={"power_kw": (cap_w + 0.5) / 1000})})


def end_scenarios(problem: Problem) -> list[Scenario]:
    """The lowest-power and the cheapest full-demand plans."""
    key = data_key(problem)
    return [
        Scenario(name="frontier min-power", problem=problem, objective="power", hard_demand=True, axes=(("frontier", "min-power"),), kind="frontier", data_key=key),
        Scenario(name="frontier min-cost", problem=problem, objective="cost", hard_demand=True, axes=(("frontier", "min-cost"),), kind="frontier", data_key=key),
    ]


def caps(low_w: int, high_w: int, points: int) -> list[int]:
    """``points`` power caps from ``low_w`` to ``high_w`` inclusive, whole watts, without repeats."""
    if high_w <= low_w or points < 2:
        return [low_w]
    values = [low_w + round(index * (high_w - low_w) / (points - 1)) for index in range(points)]
    return sorted(set(values))


def interior_scenarios(problem: Problem, low_w: int, high_w: int, points: int) -> list[Scenario]:
    """Minimise cost under each cap strictly between the ends."""
    key = data_key(problem)
    scenarios = []
    for cap in caps(low_w, high_w, points)[1:-1]:
        scenarios.append(
            Scenario(
                name=f"frontier power<={cap / 1000:g}kW",
                problem=_with_power_cap(problem, cap),
                objective="cost",
                hard_demand=True,
                axes=(("frontier", "epsilon"),),
                kind="frontier",
                data_key=key,
                power_cap_w=cap,
            )
        )
    return scenarios


def pareto_points(indexed: Sequence[tuple[int, Scenario, ScenarioResult]]) -> list[FrontierPoint]:
    """Every solved point, marked whether it is on the frontier; sorted by power, then cost."""
    solved = [(index, scenario, result) for index, scenario, result in indexed if result.plan is not None]
    raw = []
    for index, scenario, result in solved:
        summary = result.plan.summary
        raw.append((summary.power_w, summary.capex_usd, scenario.power_cap_w if scenario.power_cap_w is not None else summary.power_w, index, summary.tco_usd))
    raw.sort()
    points = []
    kept: list[tuple[int, int, int]] = []
    for power, capex, cap, index, tco in raw:
        dominated = any(p <= power and c <= capex for p, c, _ in kept)
        same = next((i for p, c, i in kept if (p, c) == (power, capex)), None)
        if not dominated:
            kept.append((power, capex, index))
        points.append(FrontierPoint(scenario=index, power_w=power, capex_usd=capex, tco_usd=tco, cap_w=cap, pareto=not dominated, same_as=same))
    return points


__all__ = ["DEFAULT_POINTS", "FrontierPoint", "caps", "end_scenarios", "interior_scenarios", "pareto_points"]
