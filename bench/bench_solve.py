"""Solve-time benchmark: lab20 and seeded random problems of growing size.

For each problem it times the two halves of a solve separately:

- precompute: ``build_data`` — every deployment option of every workload on every allowed node
  configuration (memory and speed estimates, TP/PP/MIG splits, dominance pruning), with the
  estimator caches cleared first so each problem is timed cold;
- solve: ``solve`` — building the CP-SAT model and the lexicographic stages (cost, then power,
  then fewest servers), reported as model build seconds and search seconds.

Generated problems draw workloads at random (fixed seed) from the bundled models, weight
formats, contexts and demand shapes: interactive (shared and dedicated), batch inference and
fine-tuning (full, LoRA, QLoRA). Each drawn workload is kept only if some allowed configuration
can serve it on its own, so every generated problem is servable; the smaller sizes restrict
the GPU set, the larger ones use the whole catalog.

    python bench/bench_solve.py            # lab20 + 5, 10, 20 and 50 workloads
    python bench/bench_solve.py --quick    # lab20 + 5 workloads

The figures are printed, not asserted (targets: lab20 OPTIMAL within 2 s of solve time; 50
workloads over the full catalog OPTIMAL or within 1% gap in 30 s).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from solver.catalog import Catalog, load_catalog  # noqa: E402
from solver.estimator import params as _params  # noqa: E402
from solver.estimator import weights as _weights  # noqa: E402
from solver.model.data import build_data  # noqa: E402
from solver.model.solve import SolveSettings, solve  # noqa: E402
from solver.options import generate as _generate  # noqa: E402
from solver.options.configs import node_configs  # noqa: E402
from solver.problem_io import load_problem  # noqa: E402
from solver.specs.assumptions import Assumptions  # noqa: E402
from solver.specs.problem import Limits, Problem, Workload  # noqa: E402

# --------------------------------------------------------------------------------------------
# Problem sizes


@dataclass(frozen=True)
class Size:
    label: str
    workloads: int
    gpus: tuple[str, ...] | None
    """Allowed GPU ids; None = the whole catalog."""
    time_limit_s: float
    seed: int


# A small set (two HGX generations, one PCIe card, one consumer card), a mid-size set across
# vendors and form factors (adds H200, RTX PRO 6000, MI300X), then the whole catalog.
SMALL_GPUS = ("h100-sxm", "a100-80gb-sxm", "l40s", "rtx-4090")
MEDIUM_GPUS = ("h100-sxm", "h200-sxm", "a100-80gb-sxm", "l40s", "rtx-4090", "rtx-pro-6000", "mi300x")

SIZES = [
    Size("gen-5", 5, SMALL_GPUS, 60.0, seed=5),
    Size("gen-10", 10, MEDIUM_GPUS, 60.0, seed=10),
    Size("gen-20", 20, None, 60.0, seed=20),
    Size("gen-50", 50, None, 30.0, seed=50),
]
QUICK = {"gen-5"}

# --------------------------------------------------------------------------------------------
# Random workloads

INFERENCE_FORMATS = ("bf16", "bf16", "fp8", "int8", "awq", "gptq-int4", "gptq-int8", "q4_k_m", "q8_0")
CONTEXTS = (4096, 8192, 16384, 32768)
SPEED_FLOORS = (None, 10, 15, 20, 30)
TTFT_CEILINGS = (None, 15, 30)
SMALL_MODEL_PARAMS = 15e9
"""Models up to this size may get dedicated sandboxes and full fine-tunes."""
LORA_MODEL_PARAMS = 80e9
"""Models up to this size may get LoRA/QLoRA fine-tunes (larger ones take whole racks)."""


def _params_of(catalog: Catalog, model_id: str) -> float:
    return _params.count_parameters(catalog.model(model_id)).total


def _interactive(rng: random.Random, catalog: Catalog, name: str, model_id: str) -> dict:
    model = catalog.model(model_id)
    contexts = [c for c in CONTEXTS if c <= model.max_position_embeddings]
    context = rng.choice(contexts)
    output = rng.choice([256, 512, 1024]) if context > 4096 else 256
    small = _params_of(catalog, model_id) <= SMALL_MODEL_PARAMS
    workload: dict = {
        "name": name,
        "model": model_id,
        "precision": rng.choice(INFERENCE_FORMATS),
        "context_tokens": context,
        "output_tokens": output,
    }
    if small and rng.random() < 0.35:
        workload["sharing"] = "dedicated"
        workload["demand"] = {"sessions": rng.randint(1, 8)}
    elif rng.random() < 0.5:
        workload["demand"] = {"sessions": rng.randint(1, 12)}
    else:
        workload["demand"] = {"users": rng.randint(5, 60), "active_fraction": rng.choice([0.1, 0.2, 0.3, 0.4])}
    floor = rng.choice(SPEED_FLOORS)
    if floor is not None:
        workload["min_decode_tokens_per_s"] = floor
    ttft = rng.choice(TTFT_CEILINGS)
    if ttft is not None:
        workload["max_ttft_s"] = ttft
    if rng.random() < 0.2 and workload["precision"] in ("bf16", "fp8"):
        workload["kv_precision"] = "fp8"
    return workload


def _batch(rng: random.Random, catalog: Catalog, name: str, model_id: str) -> dict:
    return {
        "name": name,
        "model": model_id,
        "kind": "batch",
        "precision": rng.choice(INFERENCE_FORMATS),
        "context_tokens": 4096,
        "output_tokens": rng.choice([256, 512, 1024]),
        "demand": {"jobs": 1},
        "tokens": rng.choice([2e7, 5e7, 1e8, 2e8]),
        "deadline_hours": rng.choice([8, 12, 24, 48]),
    }


def _finetune(rng: random.Random, catalog: Catalog, name: str, model_id: str) -> dict:
    size = _params_of(catalog, model_id)
    methods = ["lora", "qlora"] + (["full"] if size <= SMALL_MODEL_PARAMS else [])
    method = rng.choice(methods)
    return {
        "name": name,
        "model": model_id,
        "kind": "finetune",
        "method": method,
        "precision": "nf4" if method == "qlora" else "bf16",
        "context_tokens": rng.choice([2048, 4096]),
        "demand": {"jobs": rng.choice([1, 1, 2])},
        "tokens": rng.choice([5e7, 1e8, 2e8, 5e8]),
        "deadline_hours": rng.choice([24, 48, 72, 96]),
    }


ASSUMPTIONS = Assumptions()


def _servable(workload: dict, catalog: Catalog, limits: Limits, configs) -> bool:
    """Some allowed configuration can serve this workload on its own."""
    try:
        spec = Workload.model_validate(workload)
    except ValueError:
        return False
    model = catalog.model(spec.model)
    entry = _generate.workload_options(spec, model, configs, limits, ASSUMPTIONS)
    return bool(entry.options)


def generate_problem(size: Size, catalog: Catalog) -> Problem:
    rng = random.Random(size.seed)
    limits_data: dict = {"rack_power_kw": 40, "vram_headroom": 0.10, "tp_requires_nvlink": True, "allow_multinode": True}
    if size.gpus is not None:
        limits_data["allowed_gpus"] = list(size.gpus)
    limits = Limits.model_validate(limits_data)
    configs = node_configs(catalog, limits)
    model_ids = sorted(catalog.models)
    trainable = [m for m in model_ids if _params_of(catalog, m) <= LORA_MODEL_PARAMS]
    workloads: list[dict] = []
    attempts = 0
    while len(workloads) < size.workloads:
        attempts += 1
        if attempts > 50 * size.workloads:
            raise RuntimeError(f"{size.label}: could not draw {size.workloads} servable workloads")
        name = f"w{len(workloads):02d}"
        kind = rng.choices(["interactive", "batch", "finetune"], weights=[0.65, 0.15, 0.20])[0]
        if kind == "interactive":
            workload = _interactive(rng, catalog, name, rng.choice(model_ids))
        elif kind == "batch":
            workload = _batch(rng, catalog, name, rng.choice(model_ids))
        else:
            workload = _finetune(rng, catalog, name, rng.choice(trainable))
        if _servable(workload, catalog, limits, configs):
            workloads.append(workload)
    return Problem.model_validate({"name": size.label, "workloads": workloads, "limits": limits_data, "objective": {"minimize": "cost"}})


def dump_problem(problem: Problem, path: Path) -> None:
    import yaml

    path.parent.mkdir(parents=True, exist_ok=True)
    data = problem.model_dump(mode="json", exclude_defaults=True)
    path.write_text(f"# generated by bench/bench_solve.py\n" + yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


# --------------------------------------------------------------------------------------------
# Timing


def clear_estimator_caches() -> None:
    """Time every precompute cold, not helped by an earlier problem's cached estimates."""
    _generate._evaluate.cache_clear()
    _params.count_parameters.cache_clear()
    _weights.rank_weights.cache_clear()
    _weights.pipeline_stages.cache_clear()


@dataclass
class Row:
    label: str
    workloads: int
    configs: int
    options: int
    precompute_s: float
    build_s: float
    primary_s: float | None
    solve_s: float
    primary_status: str
    status: str
    primary_gap: float | None
    gap: float | None
    capex_usd: int | None


def run(label: str, problem: Problem, catalog: Catalog, time_limit_s: float, workers: int) -> Row:
    clear_estimator_caches()
    started = time.perf_counter()
    data = build_data(problem, catalog)
    precompute = time.perf_counter() - started
    solution = solve(data, SolveSettings(objective=problem.objective.minimize, time_limit_s=time_limit_s, workers=workers))
    primary = next((stage for stage in solution.stages if stage.name == solution.objective), None)
    return Row(
        label=label,
        workloads=len(problem.workloads),
        configs=len(data.configs),
        options=len(data.options),
        precompute_s=precompute,
        build_s=solution.build_seconds,
        primary_s=primary.seconds if primary else None,
        solve_s=solution.solve_seconds,
        primary_status=primary.status if primary else solution.status,
        status=solution.status,
        primary_gap=primary.gap if primary else None,
        gap=solution.gap if solution.feasible else None,
        capex_usd=solution.capex_usd if solution.feasible else None,
    )


HEADER = ("size", "workloads", "node configs", "options", "precompute s", "model build s", "cost s", "solve s", "status", "gap", "all stages", "max gap", "capex $")


def format_row(row: Row) -> tuple[str, ...]:
    return (
        row.label,
        str(row.workloads),
        str(row.configs),
        str(row.options),
        f"{row.precompute_s:.2f}",
        f"{row.build_s:.2f}",
        "–" if row.primary_s is None else f"{row.primary_s:.2f}",
        f"{row.solve_s:.2f}",
        row.primary_status,
        "–" if row.primary_gap is None else f"{row.primary_gap:.2%}",
        row.status,
        "–" if row.gap is None else f"{row.gap:.2%}",
        "–" if row.capex_usd is None else f"{row.capex_usd:,}",
    )


def print_table(rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(HEADER[i]), *(len(r[i]) for r in rows)) for i in range(len(HEADER))]
    left = {0, 8, 10}

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(c.ljust(w) if i in left else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    print(line(HEADER))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(line(row))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="lab20 and the 5-workload size only")
    parser.add_argument("--workers", type=int, default=1, help="CP-SAT workers (default 1, as `procure solve`)")
    parser.add_argument("--time-limit", type=float, default=None, help="override every problem's time limit, seconds")
    parser.add_argument("--dump", type=Path, metavar="DIR", help="also write the generated problems as YAML into DIR (solvable with `procure solve`)")
    args = parser.parse_args(argv)

    catalog = load_catalog(include_user=False)
    jobs: list[tuple[str, Problem, float]] = [("lab20", load_problem(REPO / "problems" / "lab20.yaml", catalog), 60.0)]
    for size in SIZES:
        if args.quick and size.label not in QUICK:
            continue
        scope = "full catalog" if size.gpus is None else f"{len(size.gpus)} GPU types"
        problem = generate_problem(size, catalog)
        jobs.append((f"{size.label} ({scope})", problem, size.time_limit_s))
        if args.dump is not None:
            dump_problem(problem, args.dump / f"{size.label}.yaml")

    print(f"procure solve benchmark · workers={args.workers} · bundled catalog ({len(catalog.gpus)} GPUs, {len(catalog.nodes)} node types, {len(catalog.models)} models)")
    rows = []
    for label, problem, limit in jobs:
        limit = args.time_limit or limit
        print(f"  solving {label}: {len(problem.workloads)} workloads, time limit {limit:g} s ...", file=sys.stderr, flush=True)
        rows.append(format_row(run(label, problem, catalog, limit, args.workers)))
    print()
    print_table(rows)
    print()
    print("precompute = build_data (options for every workload × node config, estimator caches cleared); model build = CP-SAT model;")
    print("cost s / status / gap = the objective's own stage (capex); solve s / all stages / max gap = every lexicographic stage")
    print("(cost → power → fewest servers; a tie-break stage cut short by the time limit leaves the cost optimum intact).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
