"""The CP-SAT optimum equals the optimum found by enumerating every purchase.

Seeded random tiny instances: 1-2 workloads, 2-3 node configurations, one huge rack and no rack
power limit, no multi-node replicas (no fabric). On such instances a purchase costs its servers,
one rack, ceil(power / PDU capacity) A/B pairs of PDUs and the drives the checkpoints need beyond the
servers' NVMe. Whether a purchase can serve the demand is decided by brute force over the
replica counts of the same precomputed options the model sees (solver.model.data.build_data),
with GPUs counted per configuration (exact packing) and MIG replicas rounded up to whole GPUs
per profile.
"""

from __future__ import annotations

import itertools
import math
import random
from collections import Counter

import pytest

from solver.model.data import ModelData, build_data
from solver.model.solve import solve
from solver.units import GB
from tests.fixtures.problems import DRIVE, PDU_PAIR, PDU_W, RACK, bought, make_problem, mini_catalog, settings

GROUPS = [
    # (allowed GPUs, allowed node types): 2-3 configurations each.
    (["rtx-4090", "l40s"], ["ws-2gpu", "pcie-4gpu", "pcie-8gpu"]),
    (["h100-pcie", "l40s"], ["pcie-4gpu"]),
    (["a100-80gb-sxm", "rtx-4090"], ["dgx-a100", "ws-2gpu"]),
    (["h100-pcie"], ["pcie-4gpu", "pcie-8gpu"]),
    (["h100-sxm", "l40s"], ["hgx-h100-8", "pcie-4gpu"]),
]
MODELS = ["llama-3.1-8b", "qwen2.5-7b", "llama-3.1-70b"]
PRECISIONS = ["bf16", "awq", "gptq-int8"]
SEEDS = range(14)


def random_problem(seed: int):
    rng = random.Random(seed)
    gpus, nodes = GROUPS[seed % len(GROUPS)]
    workloads = []
    for index in range(rng.choice([1, 1, 2])):
        dedicated = rng.random() < 0.3
        workloads.append({
            "name": f"w{index}",
            "model": rng.choice(MODELS),
            "precision": rng.choice(PRECISIONS),
            "context_tokens": rng.choice([2048, 8192, 32768]),
            "output_tokens": 256,
            "sharing": "dedicated" if dedicated else "shared",
            "demand": {"sessions": rng.randint(1, 9 if dedicated else 24)},
        })
    problem = make_problem(
        *workloads,
        name=f"exhaustive-{seed}",
        allowed_gpus=gpus, allowed_node_types=nodes,
        allow_multinode=False,
        assumptions={"max_batch_per_replica": rng.choice([1, 2, 3, 4, 8])},
    )
    # One rack that holds any purchase keeps racks out of the enumeration. No real rack is
    # 10,000 U tall, so the schema refuses it: set it past validation.
    return problem.model_copy(update={"limits": problem.limits.model_copy(update={"rack_units": 10_000})})


def _covers(serves: list[int], required: int):
    """Replica counts per option serving at least `required` (each count no more than the
    remaining demand needs, so the set is finite and holds every minimal cover)."""
    def walk(index: int, remaining: int, counts: list[int]):
        if remaining <= 0:
            yield counts + [0] * (len(serves) - index)
            return
        if index == len(serves):
            return
        for count in range(math.ceil(remaining / serves[index]), -1, -1):
            yield from walk(index + 1, remaining - count * serves[index], counts + [count])
    yield from walk(0, required, [])


def _signature(data: ModelData, options, counts) -> tuple:
    """Resources one cover uses: whole GPUs per configuration, MIG replicas per (configuration, profile)."""
    usage: Counter = Counter()
    for option, count in zip(options, counts):
        if count:
            key = (option.config_key, option.mig_profile or "")
            usage[key] += count * (1 if option.mig_profile else option.gpus)
    return tuple(sorted(usage.items()))


def _pareto(signatures: set[tuple]) -> list[dict]:
    dicts = [dict(s) for s in signatures]
    keep = []
    for a in dicts:
        dominated = any(b != a and all(b.get(k, 0) <= v for k, v in a.items()) and set(b) <= set(a) for b in dicts)
        if not dominated:
            keep.append(a)
    return keep


def minimal_node_requirements(data: ModelData) -> set[tuple[int, ...]]:
    """Per configuration, the servers each combination of per-workload covers needs."""
    slices = {(o.config_key, o.mig_profile): o.slices_per_gpu for o in data.options if o.mig_profile}
    per_workload = []
    for entry in data.workloads:
        options = entry.options
        signatures = {_signature(data, options, counts) for counts in _covers([o.serves for o in options], entry.required)}
        per_workload.append(_pareto(signatures))
    requirements = set()
    for combo in itertools.product(*per_workload):
        total: Counter = Counter()
        for usage in combo:
            total.update(usage)
        gpus: Counter = Counter()
        for (key, profile), amount in total.items():
            gpus[key] += math.ceil(amount / slices[(key, profile)]) if profile else amount
        requirements.add(tuple(math.ceil(gpus[c.key] / c.gpu_count) for c in data.configs))
    return requirements


def purchase_cost(data: ModelData, counts: tuple[int, ...]) -> int:
    servers = sum(n * c.price_usd for n, c in zip(counts, data.configs))
    power = sum(n * c.power_w for n, c in zip(counts, data.configs))
    included = sum(n * (int(c.node.storage) // GB) for n, c in zip(counts, data.configs))
    drive_gb = int(data.facility.storage.capacity) // GB
    drives = math.ceil(max(0, data.storage_needed_gb - included) / drive_gb)
    racks = 1 if any(counts) else 0
    return servers + racks * RACK + math.ceil(power / PDU_W) * PDU_PAIR + drives * DRIVE


def enumerated_optimum(data: ModelData) -> tuple[int, set[tuple[int, ...]], int]:
    requirements = minimal_node_requirements(data)
    bound = max(max(r) for r in requirements) + 1
    best, argmin, checked = None, set(), 0
    for counts in itertools.product(range(bound + 1), repeat=len(data.configs)):
        if not any(all(n >= need for n, need in zip(counts, r)) for r in requirements):
            continue
        checked += 1
        cost = purchase_cost(data, counts)
        if best is None or cost < best:
            best, argmin = cost, {counts}
        elif cost == best:
            argmin.add(counts)
    assert best is not None
    return best, argmin, checked


@pytest.mark.parametrize("seed", SEEDS)
def test_cp_sat_optimum_equals_enumeration(seed):
    problem = random_problem(seed)
    data = build_data(problem, mini_catalog())
    if any(not entry.options for entry in data.workloads):
        pytest.skip("a workload has no deployment on this group's hardware")
    assert 1 <= len(data.configs) <= 3
    best, argmin, checked = enumerated_optimum(data)
    assert checked > 0
    solution = solve(data, settings())
    assert solution.status == "OPTIMAL"
    assert solution.capex_usd == best, f"CP-SAT {solution.capex_usd} vs enumeration {best} ({argmin})"
    chosen = tuple(bought(solution).get(c.key, 0) for c in data.configs)
    assert chosen in argmin
    assert purchase_cost(data, chosen) == solution.capex_usd


def test_enumeration_instances_are_not_trivial():
    """The seeds cover several configurations, MIG and two-workload instances."""
    catalog = mini_catalog()
    usable, two_workloads, mig, multi_config = 0, 0, 0, 0
    for seed in SEEDS:
        data = build_data(random_problem(seed), catalog)
        if any(not entry.options for entry in data.workloads):
            continue
        usable += 1
        two_workloads += len(data.workloads) == 2
        mig += any(o.mig_profile for o in data.options)
        multi_config += len({o.config_key for o in data.options}) >= 2
    assert usable >= 10 and two_workloads >= 3 and mig >= 1 and multi_config >= 8
