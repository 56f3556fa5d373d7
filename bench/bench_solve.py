"""Solve-time benchmark: lab20 and seeded random problems of growing size (bench/generated.py).

For each problem it times the halves of a solve separately:

- precompute: ``build_data`` — every deployment option of every workload on every allowed node
  configuration (memory and speed estimates, TP/PP/MIG splits, dominance pruning), with the
  estimator caches cleared first so each problem is timed cold, on ``--jobs`` processes as
  ``procure solve`` does (default: one per CPU);
- model build: building the CP-SAT model(s) from that data (every attempt's, summed);
- solve: the search, every stage included (starting plan, rack relaxation, lexicographic
  stages): ``Solution.solve_seconds``.

    python bench/bench_solve.py                        # lab20 + 5 … 100 workloads
    python bench/bench_solve.py --sizes gen-200 gen-500 --repeat 3
    python bench/bench_solve.py --quick                # lab20 + 5 workloads

The figures are printed, not asserted. With ``--repeat N`` each problem is solved N times and
the table gives min/median of every time; status, gap and capex must repeat exactly (a change
is flagged), since a solve is deterministic on a given machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.generated import SIZES, SIZES_BY_LABEL, dump_problem, generate_problem  # noqa: E402
from solver.catalog import Catalog, load_catalog  # noqa: E402
from solver.estimator import params as _params  # noqa: E402
from solver.estimator import weights as _weights  # noqa: E402
from solver.model.data import build_data  # noqa: E402
from solver.model.solve import SolveSettings, solve  # noqa: E402
from solver.problem_io import load_problem  # noqa: E402
from solver.processes import default_jobs  # noqa: E402
from solver.specs.problem import Problem  # noqa: E402

DEFAULT_SIZES = ("gen-5", "gen-10", "gen-20", "gen-50", "gen-100")
QUICK_SIZES = ("gen-5",)


def clear_estimator_caches() -> None:
    """Time every precompute cold, not helped by an earlier problem's cached estimates."""
    _params.count_parameters.cache_clear()
    _weights.rank_weights.cache_clear()
    _weights.pipeline_stages.cache_clear()
    _weights.stage_shapes.cache_clear()


@dataclass
class Run:
    configs: int
    options: int
    precompute_s: float
    build_s: float
    solve_s: float
    status: str
    gap: float | None
    capex_usd: int | None
    deterministic: bool
    """False when a search stopped at the wall-clock backstop: that run's plan may differ."""


def run_once(problem: Problem, catalog: Catalog, time_limit_s: float, workers: int, jobs: int) -> Run:
    clear_estimator_caches()
    started = time.perf_counter()
    data = build_data(problem, catalog, jobs=jobs)
    precompute = time.perf_counter() - started
    solution = solve(data, SolveSettings(objective=problem.objective.minimize, time_limit_s=time_limit_s, workers=workers))
    return Run(
        configs=len(data.configs),
        options=len(data.options),
        precompute_s=precompute,
        build_s=solution.build_seconds,
        solve_s=solution.solve_seconds,
        status=solution.status,
        gap=solution.gap if solution.feasible else None,
        capex_usd=solution.capex_usd if solution.feasible else None,
        deterministic=solution.deterministic,
    )


HEADER = ("problem", "workloads", "node configs", "options", "precompute s", "model build s", "solve s", "status", "gap", "capex $", "repeats")


def _backstopped(runs: list[Run]) -> str:
    """Runs a wall-clock backstop stopped (a busy machine), whose plans need not repeat."""
    stopped = sum(1 for run in runs if not run.deterministic)
    return f" ({stopped} stopped by the wall clock)" if stopped else ""


def _seconds(values: list[float]) -> str:
    if len(values) == 1:
        return f"{values[0]:.2f}"
    return f"{min(values):.2f}/{statistics.median(values):.2f}"


def format_row(label: str, workloads: int, runs: list[Run]) -> tuple[str, ...]:
    first = runs[0]
    outcomes = {(r.status, None if r.gap is None else round(r.gap, 6), r.capex_usd) for r in runs}
    return (
        label,
        str(workloads),
        str(first.configs),
        f"{first.options:,}",
        _seconds([r.precompute_s for r in runs]),
        _seconds([r.build_s for r in runs]),
        _seconds([r.solve_s for r in runs]),
        first.status,
        "–" if first.gap is None else f"{first.gap:.2%}",
        "–" if first.capex_usd is None else f"{first.capex_usd:,}",
        f"{len(runs)}" + ("" if len(outcomes) == 1 else " (PLANS DIFFER)") + _backstopped(runs),
    )


def print_table(rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(HEADER[i]), *(len(r[i]) for r in rows)) for i in range(len(HEADER))]
    left = {0, 7, 10}

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(c.ljust(w) if i in left else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    print(line(HEADER))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(line(row))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="*", default=None, choices=[s.label for s in SIZES], help=f"generated sizes (default: {' '.join(DEFAULT_SIZES)})")
    parser.add_argument("--quick", action="store_true", help="lab20 and the 5-workload size only")
    parser.add_argument("--no-lab20", action="store_true", help="generated problems only")
    parser.add_argument("--repeat", type=int, default=1, help="solves per problem; times are then min/median")
    parser.add_argument("--workers", type=int, default=1, help="CP-SAT workers (default 1, as `procure solve`)")
    parser.add_argument("--jobs", type=int, default=default_jobs(), help="processes estimating options (default: one per CPU, as `procure solve`)")
    parser.add_argument("--time-limit", type=float, default=None, help="override every problem's time limit, seconds")
    parser.add_argument("--dump", type=Path, metavar="DIR", help="also write the generated problems as YAML into DIR (solvable with `procure solve`)")
    args = parser.parse_args(argv)

    catalog = load_catalog(include_user=False)
    jobs: list[tuple[str, Problem, float]] = []
    if not args.no_lab20:
        jobs.append(("lab20", load_problem(REPO / "problems" / "lab20.yaml", catalog), 60.0))
    for label in QUICK_SIZES if args.quick else (args.sizes or DEFAULT_SIZES):
        size = SIZES_BY_LABEL[label]
        print(f"  generating {label} ...", file=sys.stderr, flush=True)
        problem = generate_problem(size, catalog)
        scope = "full catalog" if size.gpus is None else f"{len(size.gpus)} GPU types"
        jobs.append((f"{label} ({scope})", problem, size.time_limit_s))
        if args.dump is not None:
            dump_problem(problem, args.dump / f"{label}.yaml")

    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"procure solve benchmark · load average {load} (a shared machine slows every figure) · workers={args.workers} · precompute jobs={args.jobs} · bundled catalog ({len(catalog.gpus)} GPUs, {len(catalog.nodes)} node types, {len(catalog.models)} models)")
    rows = []
    for label, problem, limit in jobs:
        limit = args.time_limit or limit
        runs = []
        for number in range(args.repeat):
            print(f"  solving {label}: {len(problem.workloads)} workloads, time limit {limit:g} s (run {number + 1}/{args.repeat}) ...", file=sys.stderr, flush=True)
            run = run_once(problem, catalog, limit, args.workers, args.jobs)
            runs.append(run)
            gap = "–" if run.gap is None else f"{run.gap:.2%}"
            stopped = "" if run.deterministic else ", a search stopped by the wall clock"
            print(f"    {run.status}, gap {gap}, capex {run.capex_usd}, solve {run.solve_s:.1f} s{stopped}", file=sys.stderr, flush=True)
        rows.append(format_row(label, len(problem.workloads), runs))
    print()
    print_table(rows)
    print()
    print("precompute = build_data (estimator caches cleared); model build = CP-SAT models; solve = every search stage;")
    print("status and gap = the objective's (capex) at the final plan against its proven bound; times min/median with --repeat.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
