"""A starting plan for CP-SAT: every workload on its cheapest option, servers bought to fit.

With hundreds of workloads, CP-SAT's own search can spend the whole time limit without a first
plan. This greedy plan is one it can start from (given as a hint, not a constraint): each
workload takes the option whose replicas cost the least server money for all of its demand
(whole GPUs priced as their share of a server, MIG replicas as their share of a GPU, multi-node
replicas as whole servers); servers of each configuration are then bought to hold every GPU and
MIG slice placed on them. A redundant workload (n+k) adds k servers' worth of replicas of its
option. Fabric, storage, racks and the rest are left for CP-SAT to complete: they follow from
the servers by propagation. The plan ignores budgets and power caps; CP-SAT repairs what it
breaks, or ignores the hint.
"""

from __future__ import annotations

import math

from solver.model.data import ModelData
from solver.model.variables import bought_name, mig_name, replica_name, replica_upper
from solver.options.generate import DeploymentOption


def option_cost(data: ModelData, option: DeploymentOption, required: int) -> float:
    """Server money the option's replicas for `required` demand units take (fractional servers)."""
    config = data.config(option.config_key)
    replicas = math.ceil(required / option.serves)
    if option.mig_profile:
        gpus = replicas / option.slices_per_gpu
    else:
        gpus = replicas * option.gpus
    return gpus / config.gpu_count * config.price_usd


def starting_plan(data: ModelData) -> dict[str, int]:
    """Hint values by variable name: replicas, MIG GPUs, servers bought and demand served."""
    options = data.options
    hint: dict[str, int] = {}
    gpus_used: dict[str, int] = {}
    slices_used: dict[tuple[str, str], int] = {}
    servers_dedicated: dict[str, int] = {}
    for entry in data.workloads:
        indices = data.options_by_workload.get(entry.workload.name, [])
        spares = entry.workload.spare_domains
        # Redundant workloads run in whole GPUs, and across racks only within servers (see redundancy).
        by_rack = entry.workload.failure_domain == "rack"
        usable = [i for i in indices if not (spares and (options[i].mig_profile or (by_rack and options[i].nodes)))]
        if not usable:
            continue
        chosen = min(usable, key=lambda i: (option_cost(data, options[i], entry.required), options[i].preference, i))
        option = options[chosen]
        config = data.config(option.config_key)
        replicas = math.ceil(entry.required / option.serves)
        if spares and not option.nodes:
            per_server = max(1, config.gpu_count // option.gpus)
            replicas += spares * per_server
            servers = math.ceil(replicas / per_server)
            hint[f"dedicated_servers[{option.workload}|{option.label}]"] = servers
            hint[f"replicas_per_server[{option.workload}|{option.label}]"] = per_server
            servers_dedicated[config.key] = servers_dedicated.get(config.key, 0) + servers
        elif spares:
            replicas += spares
            gpus_used[config.key] = gpus_used.get(config.key, 0) + replicas * option.gpus
        elif option.mig_profile:
            key = (config.key, option.mig_profile)
            slices_used[key] = slices_used.get(key, 0) + replicas
        else:
            gpus_used[config.key] = gpus_used.get(config.key, 0) + replicas * option.gpus
        hint[replica_name(option)] = min(replicas, replica_upper(data, option))
        hint[f"served[{entry.workload.name}]"] = entry.required
    for option in options:
        hint.setdefault(replica_name(option), 0)
    mig_gpus: dict[str, int] = {}
    for (key, profile), slices in slices_used.items():
        per_gpu = options[data.options_by_mig[(key, profile)][0]].slices_per_gpu
        hint[mig_name(key, profile)] = math.ceil(slices / per_gpu)
        mig_gpus[key] = mig_gpus.get(key, 0) + hint[mig_name(key, profile)]
    for config in data.configs:
        gpus = gpus_used.get(config.key, 0) + mig_gpus.get(config.key, 0)
        servers = math.ceil(gpus / config.gpu_count) + servers_dedicated.get(config.key, 0)
        upper = max(0, data.node_upper[config.key] - config.owned) if config.purchasable else 0
        hint[bought_name(config.key)] = min(max(0, servers - config.owned), upper)
    return hint
