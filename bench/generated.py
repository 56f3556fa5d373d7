"""Seeded random problems of growing size for the benchmarks (bench_solve, compare_options).

Workloads are drawn at random (fixed seed per size) from the bundled models, weight formats,
contexts and demand shapes: interactive (shared and dedicated), batch inference and fine-tuning
(full, LoRA, QLoRA). A drawn workload is kept only if some allowed configuration can serve it on
its own, with the defaults a solve applies (the interactive speed floor and first-token ceiling),
so every generated problem is servable. The smaller sizes restrict the GPU set, the larger ones
use the whole catalog.
"""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from solver.catalog import Catalog  # noqa: E402
from solver.estimator import params as _params  # noqa: E402
from solver.model.data import performance_of  # noqa: E402
from solver.options.configs import NodeConfig, node_configs  # noqa: E402
from solver.options.generate import workload_options  # noqa: E402
from solver.specs.problem import Limits, Problem  # noqa: E402


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
    Size("gen-50", 50, None, 60.0, seed=50),
    Size("gen-100", 100, None, 60.0, seed=100),
    Size("gen-200", 200, None, 60.0, seed=200),
    Size("gen-500", 500, None, 60.0, seed=500),
]
SIZES_BY_LABEL = {size.label: size for size in SIZES}

INFERENCE_FORMATS = ("bf16", "bf16", "fp8", "int8", "awq", "gptq-int4", "gptq-int8", "q4_k_m", "q8_0")
CONTEXTS = (4096, 8192, 16384, 32768)
SPEED_FLOORS = (None, 10, 15, 20, 30)
TTFT_CEILINGS = (None, 15, 30)
SMALL_MODEL_PARAMS = 15e9
"""Models up to this size may get dedicated sandboxes and full fine-tunes."""
LORA_MODEL_PARAMS = 80e9
"""Models up to this size may get LoRA/QLoRA fine-tunes (larger ones take whole racks)."""
LIMITS = {"rack_power_kw": 40, "vram_headroom": 0.10, "tp_requires_nvlink": True, "allow_multinode": True}
"""No budget or power cap, 40 kW racks, 10% VRAM headroom, TP inside NVLink, multi-node allowed."""


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


def _batch(rng: random.Random, name: str, model_id: str) -> dict:
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


def _servable(workload: dict, catalog: Catalog, limits_data: dict, configs: list[NodeConfig]) -> bool:
    """Some allowed configuration can serve this workload on its own."""
    try:
        problem = Problem.model_validate({"name": "probe", "workloads": [workload], "limits": limits_data})
    except ValueError:
        return False
    spec = problem.workloads[0]
    entry = workload_options(spec, catalog.model(spec.model), configs, problem.limits, problem.assumptions, performance_of(problem, catalog))
    return bool(entry.options)


def generate_problem(size: Size, catalog: Catalog) -> Problem:
    rng = random.Random(size.seed)
    limits_data = dict(LIMITS)
    if size.gpus is not None:
        limits_data["allowed_gpus"] = list(size.gpus)
    configs = node_configs(catalog, Limits.model_validate(limits_data))
    model_ids = sorted(catalog.models)
    trainable = [m for m in model_ids if _params_of(catalog, m) <= LORA_MODEL_PARAMS]
    workloads: list[dict] = []
    attempts = 0
    while len(workloads) < size.workloads:
        attempts += 1
        if attempts > 50 * size.workloads:
            raise RuntimeError(f"{size.label}: could not draw {size.workloads} servable workloads")
        name = f"w{len(workloads):03d}"
        kind = rng.choices(["interactive", "batch", "finetune"], weights=[0.65, 0.15, 0.20])[0]
        if kind == "interactive":
            workload = _interactive(rng, catalog, name, rng.choice(model_ids))
        elif kind == "batch":
            workload = _batch(rng, name, rng.choice(model_ids))
        else:
            workload = _finetune(rng, catalog, name, rng.choice(trainable))
        if _servable(workload, catalog, limits_data, configs):
            workloads.append(workload)
    return Problem.model_validate({"name": size.label, "workloads": workloads, "limits": limits_data, "objective": {"minimize": "cost"}})


def dump_problem(problem: Problem, path: Path) -> None:
    """The problem as YAML that `procure solve` reads."""
    import yaml

    path.parent.mkdir(parents=True, exist_ok=True)
    data = problem.model_dump(mode="json", exclude_defaults=True)
    path.write_text("# generated by bench/generated.py\n" + yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
