"""OPTIMAL is optimal over the whole option space: on seeded random small instances, brute force
over the UNPRUNED options (every split, MIG profile, expert-parallel layout and multi-node width
the estimator finds feasible, dominated or not) finds the same minimum capex as CP-SAT over the
pruned options.

The brute force is independent of the CP-SAT model: per workload it enumerates replica counts of
every option (dynamic programming over the remaining demand, keeping Pareto-minimal resource
use), adds workloads' resources, turns them into servers (exact packing: replicas by width into
the chassis' orderable populations — each partial population at most once, then full servers —
by first fit largest first, MIG replicas rounded up to whole GPUs per profile, multi-node
replicas in whole nodes that join the fabric), and prices every such purchase from the catalog: servers, NVLink
bridges for the bridged groups, the cheapest fabric technology for the ports (one switch, or a
two-tier leaf/spine beyond its ports), NVMe drives beyond the servers' own, one rack for
rack-mounted servers with its front-end and management switches, per-server cables, A/B pairs of
PDUs that each carry the rack, installation per rack server, and the support contract (the
catalog's rule on rack servers and switches, rounded up to the dollar).

PROCURE_BRUTE_FORCE_CASES sets how many instances run (default 24; 200+ for a full run).
"""

from __future__ import annotations

import itertools
import math
import os
import random
from collections import Counter

import pytest

from solver.catalog import load_catalog
from solver.model.data import ModelData, build_data, power, price
from solver.model.solve import solve
from solver.units import GB
from tests.fixtures.problems import interactive, make_problem, settings

CATALOG = load_catalog(include_user=False)
CASES = int(os.environ.get("PROCURE_BRUTE_FORCE_CASES", "24"))
MAX_SIGNATURES = 600
"""Beyond this many incomparable partial purchases a case is skipped (counted, not hidden)."""

GROUPS = [
    # (allowed GPUs, allowed node types, models): 1-2 configurations, chosen to exercise
    # multi-node pipelines, expert parallelism, MIG and mixed widths.
    (["h100-sxm"], ["hgx-h100-8", "hgx-h100-4"], ["llama-3.1-405b", "llama-3.1-70b", "mixtral-8x7b"]),
    (["h200-sxm"], ["hgx-h100-8", "dgx-h100"], ["deepseek-v2", "qwen3-235b-a22b", "llama-3.1-405b"]),
    (["mi300x"], ["mi300x-8"], ["deepseek-v2", "mixtral-8x7b", "llama-3.1-70b"]),
    (["a100-80gb-sxm"], ["dgx-a100"], ["llama-3.1-8b", "llama-3.1-70b", "qwen3-30b-a3b"]),
    (["l40s", "rtx-6000-ada"], ["pcie-4gpu", "pcie-8gpu"], ["llama-3.1-70b", "qwen2.5-32b", "mixtral-8x7b"]),
    (["rtx-4090"], ["ws-2gpu", "ws-4gpu"], ["llama-3.1-8b", "qwen2.5-32b"]),
    # Bridged PCIe cards: tensor-parallel groups buy NVLink bridges, pipelines do not.
    (["h200-nvl"], ["pcie-4gpu", "mgx-h200nvl-8"], ["llama-3.1-70b", "qwen2.5-32b", "mixtral-8x7b"]),
]
PRECISIONS = {"h100-sxm": ["bf16", "fp8"], "h200-sxm": ["fp8", "bf16"], "mi300x": ["bf16", "fp8"], "a100-80gb-sxm": ["bf16", "awq"], "l40s": ["fp8", "awq"], "rtx-4090": ["awq", "bf16"], "h200-nvl": ["bf16", "fp8"]}


def random_problem(seed: int):
    rng = random.Random(seed)
    gpus, nodes, models = GROUPS[seed % len(GROUPS)]
    workloads = []
    for index in range(rng.choice([1, 1, 2])):
        fields = {
            "precision": rng.choice(PRECISIONS[gpus[0]]),
            "context_tokens": rng.choice([2048, 8192]),
            "max_ttft_s": None,
            "min_decode_tokens_per_s": rng.choice([None, 5, 15]),
        }
        if rng.random() < 0.2:
            fields["sharing"] = "dedicated"
        workloads.append(interactive(f"w{index}", rng.choice(models), rng.randint(1, 6), **fields))
    problem = make_problem(
        *workloads, name=f"brute-{seed}", allowed_gpus=gpus, allowed_node_types=nodes,
        assumptions={"max_batch_per_replica": rng.choice([1, 4, 16, 64])},
        # The option space, not the buying policy, is under test: used-market A100s and RTX 4090s
        # stay buyable, and a 230 V / 16 A circuit keeps four-card towers in.
        allow_end_of_life=True, desk_circuit_w=3_680,
    )
    # One rack that holds any purchase keeps rack packing out of the brute force (no real rack
    # is that tall, so the schema refuses it; the copy skips validation on purpose).
    return problem.model_copy(update={"limits": problem.limits.model_copy(update={"rack_units": 10_000})})


Signature = tuple[tuple[tuple, int], ...]


def _pareto(signatures: set[Signature]) -> set[Signature]:
    dicts = {s: dict(s) for s in signatures}
    keep = set()
    for a, da in dicts.items():
        if not any(b != a and all(db.get(k, 0) <= v for k, v in da.items()) and set(db) <= set(da) for b, db in dicts.items()):
            keep.add(a)
    return keep


def workload_signatures(data: ModelData, options, required: int) -> set[Signature]:
    """Pareto-minimal resource use of every way to serve `required` with these options."""
    states: dict[int, set[Signature]] = {required: {()}}
    for option in options:
        use: tuple
        if option.mig_profile:
            use = (("mig", option.config_key, option.mig_profile, option.slices_per_gpu), 1)
        elif option.nodes:
            use = (("nodes", option.config_key), option.nodes)
        else:
            # Replicas by width on a (chassis, GPU): which populations of the chassis hold them
            # is the purchase's choice (server_choices), not the option's.
            config = data.config(option.config_key)
            use = (("gpus", config.node.id, config.gpu.id, option.gpus), 1)
        bridge_usd = data.bridges_per_replica(option) * price(data.bridges[option.config_key]) if option.config_key in data.bridges else 0
        following: dict[int, set[Signature]] = {}
        for remaining, signatures in states.items():
            for count in range(0, math.ceil(remaining / option.serves) + 1 if remaining > 0 else 1):
                left = max(0, remaining - count * option.serves)
                for signature in signatures:
                    total = Counter(dict(signature))
                    if count:
                        total[use[0]] += count * use[1]
                        if bridge_usd:
                            total[("bridge_usd",)] += count * bridge_usd
                    following.setdefault(left, set()).add(tuple(sorted(total.items())))
        states = {remaining: _pareto(signatures) for remaining, signatures in following.items()}
        if sum(len(signatures) for signatures in states.values()) > MAX_SIGNATURES:
            pytest.skip(f"over {MAX_SIGNATURES:,} Pareto-minimal partial purchases: too large to enumerate")
    return states.get(0, set())


def fabric_cost(data: ModelData, ports: int, nics: int, support_points: int) -> tuple[int, int, int]:
    """(cost, switches, the switches' price: the support contract covers them) of the cheapest
    technology carrying `ports` server ports."""
    if ports == 0:
        return 0, 0, 0
    best = None
    for tech in data.fabric:
        p = tech.switch_ports
        if ports <= p:
            leaves, spines, uplinks = 1, 0, 0
        else:
            leaves = math.ceil(ports / (p // 2))
            spines = math.ceil(leaves / 2)
            uplinks = leaves * (p // 2)
        cost = nics * price(tech.nic) + (ports + uplinks) * price(tech.cable) + (leaves + spines) * price(tech.switch)
        switch_usd = (leaves + spines) * price(tech.switch)
        # The support contract covers switches: compare technologies with it (in 1/10,000 dollars).
        if best is None or cost * 10_000 + support_points * switch_usd < best[0] * 10_000 + support_points * best[2]:
            best = (cost, leaves + spines, switch_usd)
    assert best is not None
    return best


def _packs(widths: list[int], bins: list[int]) -> bool:
    """Whether replicas of these power-of-two widths fit the servers' cards: first fit,
    largest first, is exact when every size divides the larger ones (a buddy system)."""
    free = sorted(bins, reverse=True)
    for width in sorted(widths, reverse=True):
        slot = next((i for i, room in enumerate(free) if room >= width), None)
        if slot is None:
            return False
        free[slot] -= width
    return True


def server_choices(data: ModelData, total: Counter) -> list[dict[str, int]]:
    """Every sensible way to buy servers for the replicas: per (chassis, GPU), each partial
    population at most once (two of one population cost a chassis more than one of twice the
    cards) plus the fewest full servers that pack the rest, or one more; whole-node replicas and
    MIG GPUs stay on their configuration."""
    fixed: Counter = Counter()
    widths: dict[tuple[str, str], list[int]] = {}
    for resource, amount in total.items():
        if resource[0] == "gpus":
            widths.setdefault((resource[1], resource[2]), []).extend([resource[3]] * amount)
        elif resource[0] == "nodes":
            fixed[resource[1]] += amount
        elif resource[0] == "mig":
            config = data.config(resource[1])
            widths.setdefault((config.node.id, config.gpu.id), []).extend([1] * math.ceil(amount / resource[3]))
    per_group: list[list[dict[str, int]]] = []
    for (node_id, gpu_id), items in sorted(widths.items()):
        configs = {c.gpu_count: c for c in data.configs if c.node.id == node_id and c.gpu.id == gpu_id}
        full = max(configs)
        partial = [size for size in sorted(configs) if size < full]
        options = []
        for chosen in itertools.chain.from_iterable(itertools.combinations(partial, k) for k in range(len(partial) + 1)):
            least = max(0, math.ceil((sum(items) - sum(chosen)) / full))
            for count in (least, least + 1):
                if _packs(items, [*chosen, *[full] * count]):
                    choice = Counter({configs[size].key: 1 for size in chosen})
                    if count:
                        choice[configs[full].key] += count
                    options.append(dict(choice))
                    break
        per_group.append(options)
    choices = []
    for combo in itertools.product(*per_group):
        servers = Counter(fixed)
        for choice in combo:
            servers.update(choice)
        choices.append(dict(servers))
    return choices


def purchase_cost(data: ModelData, total: Counter) -> int:
    return min(_purchase_cost(data, total, servers) for servers in server_choices(data, total))


def _purchase_cost(data: ModelData, total: Counter, bought: dict[str, int]) -> int:
    facility = data.facility
    cost = power_w = space = 0
    supported = 0
    installed = 0
    cable_usd = cable_w = 0
    included_gb = 0
    ports = nics = port_power = 0
    port_watts = max((power(t.nic) + power(t.cable) for t in data.fabric), default=0)
    for config in data.configs:
        key = config.key
        servers = bought.get(key, 0)
        cost += servers * config.price_usd
        included_gb += servers * (int(config.node.storage) // GB)
        joined = total.get(("nodes", key), 0)
        ports += joined * config.node.fabric_nics
        nics += 0 if config.node.fabric_nics_integrated else joined * config.node.fabric_nics
        if config.rack_mounted:
            power_w += servers * config.power_w
            space += servers
            port_power += joined * config.node.fabric_nics * port_watts
            supported += servers * config.price_usd
            installed += servers
            for item in (facility.frontend_cable, facility.management_cable):
                if item is not None:
                    cable_usd += servers * (item.per_server or 1) * price(item)
                    cable_w += servers * (item.per_server or 1) * power(item)
    support_points = facility.support_basis_points if facility.support is not None else 0
    fabric, switches, fabric_switch_usd = fabric_cost(data, ports, nics, support_points)
    drive_gb = int(data.facility.storage.capacity) // GB
    drives = math.ceil(max(0, data.storage_needed_gb - included_gb) / drive_gb)
    switch_watts = max((int(t.switch.power_w) for t in data.fabric), default=0)
    rack_switches = [item for item in (facility.frontend_switch, facility.management_switch) if item is not None] if space else []
    load = power_w + port_power + switches * switch_watts + cable_w + sum(power(item) for item in rack_switches)
    racks = 1 if space or switches else 0
    pdus = 2 * math.ceil(load / facility.pdu.power_capacity_w) if racks else 0
    switch_usd = fabric_switch_usd + sum(price(item) for item in rack_switches)
    support = -(-support_points * (supported + switch_usd) // 10_000)
    installation = installed * price(facility.installation) if facility.installation is not None else 0
    return (
        cost + total.get(("bridge_usd",), 0) + fabric + drives * price(facility.storage) + racks * price(facility.rack) + pdus * price(facility.pdu)
        + sum(price(item) for item in rack_switches) + cable_usd + installation + support
    )


def brute_force_optimum(full: ModelData) -> int:
    per_workload = [workload_signatures(full, entry.options, entry.required) for entry in full.workloads]
    best = None
    for combo in itertools.product(*per_workload):
        total: Counter = Counter()
        for signature in combo:
            total.update(dict(signature))
        cost = purchase_cost(full, total)
        best = cost if best is None else min(best, cost)
    assert best is not None
    return best


@pytest.mark.parametrize("seed", range(CASES))
def test_cp_sat_over_pruned_options_equals_brute_force_over_all_options(seed: int) -> None:
    problem = random_problem(seed)
    pruned = build_data(problem, CATALOG)
    if any(not entry.options for entry in pruned.workloads):
        pytest.skip("a workload has no deployment on this group's hardware")
    full = build_data(problem, CATALOG, prune=False)
    assert len(full.options) >= len(pruned.options)
    solution = solve(pruned, settings())
    assert solution.status == "OPTIMAL"
    assert solution.capex_usd == brute_force_optimum(full), f"{len(full.options)} options, {len(pruned.options)} kept"


def test_instances_exercise_every_kind_of_option() -> None:
    kinds: Counter = Counter()
    for seed in range(60):
        data = build_data(random_problem(seed), CATALOG, prune=False)
        kinds["multi-node"] += any(o.nodes for o in data.options)
        kinds["expert-parallel"] += any(o.ep > 1 for o in data.options)
        kinds["mig"] += any(o.mig_profile for o in data.options)
        kinds["pruned away"] += len(data.options) > len(build_data(random_problem(seed), CATALOG).options)
    assert kinds["multi-node"] >= 5 and kinds["expert-parallel"] >= 5 and kinds["mig"] >= 1 and kinds["pruned away"] >= 20, kinds
