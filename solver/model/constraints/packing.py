"""Replicas fit the GPUs bought, with exact packing.

Every in-node option occupies w GPUs with w a power of two dividing the node's GPU count G
(solver.options.generate.in_node_widths); a tensor-parallel group of t ≤ D GPUs requires the
NVLink domain D, itself dividing G. Place items largest first at offsets that are multiples of
their width (buddy allocation): sizes form a divisibility chain, so the GPUs of all nodes fill
without gaps, and an aligned group of t GPUs never straddles a domain boundary. Hence
Σ replicas·w ≤ nodes·G is exactly the condition for a placement to exist. Options wider than
a node take whole nodes (w = n·G) and keep the same property. MIG replicas use slices of GPUs
partitioned homogeneously into one profile. Replicas of a redundant workload sit on servers of
their own (solver.model.constraints.redundancy), which count whole here.
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from solver.model.data import ModelData
from solver.model.variables import Variables


def add(model: cp_model.CpModel, data: ModelData, variables: Variables) -> None:
    options = data.options
    mig_by_config: dict[str, list[cp_model.IntVar]] = {}
    for (key, _), count in variables.mig_gpus.items():
        mig_by_config.setdefault(key, []).append(count)
    for config in data.configs:
        occupied = [
            config.gpu_count * variables.dedicated_servers[i] if i in variables.dedicated_servers else variables.replicas[i] * options[i].gpus
            for i in data.options_by_config.get(config.key, [])
            if options[i].gpus
        ]
        occupied += mig_by_config.get(config.key, [])
        model.add(sum(occupied) <= config.gpu_count * variables.nodes(data, config.key)).with_name(f"gpu_capacity[{config.key}]")
    for (key, profile), gpus in variables.mig_gpus.items():
        users = data.options_by_mig[(key, profile)]
        slices = options[users[0]].slices_per_gpu
        model.add(sum(variables.replicas[i] for i in users) <= slices * gpus).with_name(f"mig_slices[{key}|{profile}]")
    limit = data.problem.limits.max_nodes
    if limit is not None:
        total = sum(variables.nodes(data, c.key) for c in data.configs)
        model.add(total <= limit).only_enforce_if(variables.guard(model, "max_nodes"))
