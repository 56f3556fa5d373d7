"""Check that this checkout generates exactly the deployment options another revision does.

Speeding up option generation must not change a single option. This script writes the bundled
problems (problems/*.yaml) and generated problems (bench/generated.py) to a temporary folder,
then, for this checkout and for REV (exported with `git archive`), runs ``build_data`` on each
problem in a fresh interpreter and compares every DeploymentOption field by field (floats
exactly), the node configurations the model keeps, and the variable bounds:

    python bench/compare_options.py --against main             # bundled + gen-5 … gen-100
    python bench/compare_options.py --against HEAD~3 --sizes gen-500

It prints one line per problem (options, seconds in each tree) and exits 1 on any difference.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tarfile
import tempfile
import io
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.generated import SIZES_BY_LABEL, dump_problem, generate_problem  # noqa: E402

DEFAULT_SIZES = ("gen-5", "gen-10", "gen-20", "gen-50", "gen-100")

# Runs inside a tree (its own solver package and bundled catalogs): problem files in, one JSON
# document per problem out. Only long-standing entry points are used, so older trees run it too.
DRIVER = r"""
import dataclasses, json, sys, time
from pathlib import Path
tree, out = Path(sys.argv[1]), Path(sys.argv[2])
sys.path.insert(0, str(tree))
from solver.catalog import load_catalog
from solver.model.data import build_data
from solver.problem_io import load_problem
catalog = load_catalog(include_user=False, bundled_dir=tree / "catalogs")
results = {}
for path in sys.argv[3:]:
    problem = load_problem(Path(path), catalog)
    started = time.perf_counter()
    data = build_data(problem, catalog)
    seconds = time.perf_counter() - started
    results[Path(path).stem] = {
        "seconds": seconds,
        "configs": [config.key for config in data.configs],
        "node_upper": data.node_upper,
        "rack_bins": data.facility.rack_bins,
        "options": [[entry.workload.name, [dataclasses.astuple(option) for option in entry.options]] for entry in data.workloads],
    }
out.write_text(json.dumps(results))
"""


def _export(revision: str, into: Path) -> Path:
    archive = subprocess.run(["git", "-C", str(REPO), "archive", revision], check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def _options_of(tree: Path, problems: list[Path], out: Path) -> dict:
    subprocess.run([sys.executable, "-c", DRIVER, str(tree), str(out), *map(str, problems)], check=True, cwd=tree)
    return json.loads(out.read_text())


def _first_difference(mine: dict, theirs: dict) -> str | None:
    for field in ("configs", "node_upper", "rack_bins"):
        if mine[field] != theirs[field]:
            return f"{field} differ"
    if len(mine["options"]) != len(theirs["options"]):
        return "workload count differs"
    for (name, ours), (_, other) in zip(mine["options"], theirs["options"]):
        if ours != other:
            only_ours = [o for o in ours if o not in other]
            only_theirs = [o for o in other if o not in ours]
            return f"workload {name}: {len(ours)} vs {len(other)} options; only here: {only_ours[:1]}; only there: {only_theirs[:1]}"
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--against", required=True, metavar="REV", help="git revision to compare with (e.g. main, HEAD~3)")
    parser.add_argument("--sizes", nargs="*", default=list(DEFAULT_SIZES), choices=sorted(SIZES_BY_LABEL), help="generated sizes to include")
    args = parser.parse_args()

    from solver.catalog import load_catalog

    catalog = load_catalog(include_user=False)
    with tempfile.TemporaryDirectory(prefix="compare-options-") as temporary:
        root = Path(temporary)
        problems = sorted((REPO / "problems").glob("*.yaml"))
        for label in args.sizes:
            print(f"generating {label} ...", file=sys.stderr, flush=True)
            path = root / "problems" / f"{label}.yaml"
            dump_problem(generate_problem(SIZES_BY_LABEL[label], catalog), path)
            problems.append(path)
        print(f"options here and at {args.against} ...", file=sys.stderr, flush=True)
        mine = _options_of(REPO, problems, root / "mine.json")
        theirs = _options_of(_export(args.against, root / "tree"), problems, root / "theirs.json")
    differing = 0
    for name in mine:
        difference = _first_difference(mine[name], theirs[name])
        count = sum(len(options) for _, options in mine[name]["options"])
        verdict = "identical" if difference is None else f"DIFFERENT: {difference}"
        print(f"{name:20s} {count:6d} options  here {mine[name]['seconds']:6.2f} s  {args.against} {theirs[name]['seconds']:6.2f} s  {verdict}")
        differing += difference is not None
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
