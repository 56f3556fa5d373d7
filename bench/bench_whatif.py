"""What-if benchmark: a 20-scenario budget sweep of lab20 against one plain `procure solve`.

Both run as fresh `procure` processes (the real command lines, start-up included), each writing
its output folder to a temporary directory, with the bundled catalogs only:

    procure solve  problems/lab20.yaml --out TMP/solve
    procure whatif problems/lab20.yaml --budgets 100k:2m:20 --out TMP/whatif [--jobs N]

It prints both wall times and their ratio (target: the sweep within 2× one solve), the CPU time
each used (user + system, every process: workers included) and the wall time that CPU sets as a
floor on this machine's cores, then the sweep's own breakdown from its timings.json: what was
computed before the workers started (model data, each budget series' optimum serving all
demand), model-data builds in workers, and seconds of unhinted solves (the first of each hint
chain), hinted solves, and reused plans (a fully served, proved-optimal cheapest plan stays
optimal under every larger budget: it is re-extracted and re-verified, not re-solved).

    python bench/bench_whatif.py                 # 20 budgets, --jobs default (min(2, CPUs))
    python bench/bench_whatif.py --repeat 3      # best of three runs of each
    python bench/bench_whatif.py --jobs 1 --budgets 100k:2m:10
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from solver.processes import default_jobs  # noqa: E402  (the cores procure itself counts)

TARGET_RATIO = 2.0


def _run(arguments: list[str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of one procure command. The CPU counts every
    process the command started: a process's usage passes to its parent when the parent reaps
    it, and procure reaps its workers before it exits."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    completed = subprocess.run([sys.executable, str(REPO / "cli.py"), "--no-user-catalog", *arguments], capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if completed.returncode != 0:
        sys.stderr.write(completed.stdout + completed.stderr)
        raise SystemExit(f"command failed ({completed.returncode}): procure {' '.join(arguments)}")
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--problem", type=Path, default=REPO / "problems" / "lab20.yaml")
    parser.add_argument("--budgets", default="100k:2m:20", help="START:STOP:COUNT for the sweep (default 100k:2m:20)")
    parser.add_argument("--jobs", type=int, default=None, help="worker processes for the sweep (default: procure's)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each command; the best time counts")
    args = parser.parse_args()

    solve_runs: list[tuple[float, float]] = []
    sweep_runs: list[tuple[float, float]] = []
    timings: dict = {}
    with tempfile.TemporaryDirectory(prefix="bench-whatif-") as temporary:
        for number in range(args.repeat):
            out = Path(temporary) / f"run{number}"
            solve_runs.append(_run(["solve", str(args.problem), "--out", str(out / "solve")]))
            sweep = ["whatif", str(args.problem), "--budgets", args.budgets, "--out", str(out / "whatif")]
            if args.jobs is not None:
                sweep += ["--jobs", str(args.jobs)]
            sweep_runs.append(_run(sweep))
            timings = json.loads((out / "whatif" / "timings.json").read_text())
    (solve_s, solve_cpu), (sweep_s, sweep_cpu) = min(solve_runs), min(sweep_runs)
    cpus = default_jobs()
    scenarios = timings.get("scenarios", [])
    ratio = sweep_s / solve_s
    print(f"problem: {args.problem.name}; sweep: --budgets {args.budgets} ({len(scenarios)} scenarios, {timings.get('jobs')} worker processes)")
    print(f"one `procure solve`:            {solve_s:7.2f} s wall")
    print(f"{len(scenarios)}-scenario `procure whatif`: {sweep_s:7.2f} s wall  ({sweep_s / max(1, len(scenarios)):.2f} s per scenario)")
    print(f"ratio: {ratio:.2f}× (target ≤ {TARGET_RATIO:g}×) — {'OK' if ratio <= TARGET_RATIO else 'ABOVE TARGET'}")
    # Work spread perfectly over every core still takes CPU / cores of wall time.
    print(f"CPU (user + system, all processes, of the fastest runs): solve {solve_cpu:.2f} s, sweep {sweep_cpu:.2f} s; "
          f"on {cpus} CPUs neither can end before {solve_cpu / cpus:.2f} s and {sweep_cpu / cpus:.2f} s "
          f"(the sweep's floor is {sweep_cpu / cpus / solve_s:.2f}× this solve)")
    if scenarios:
        builds = [s["data_seconds"] for s in scenarios if s["data_seconds"] > 0]
        reused = [s["seconds"] - s["data_seconds"] for s in scenarios if s.get("reused_from")]
        hinted = [s["seconds"] - s["data_seconds"] for s in scenarios if s["hinted"] and not s.get("reused_from")]
        cold = [s["seconds"] - s["data_seconds"] for s in scenarios if not s["hinted"] and not s.get("reused_from")]
        print(f"  before the workers start: model data and all-demand optima in {timings.get('prepare_seconds', 0):.2f} s")
        if builds:
            print(f"  model data built in workers {len(builds)}× ({', '.join(f'{b:.2f}' for b in builds)} s)")
        for label, values in (("unhinted solves", cold), ("hinted solves", hinted), ("reused plans", reused)):
            if values:
                print(f"  {label + ':':17s}{len(values):3d}, median {statistics.median(values):.2f} s, total {sum(values):.2f} s")
        print(f"  sweep wall time inside procure: {timings.get('wall_seconds', 0):.2f} s")


if __name__ == "__main__":
    main()
