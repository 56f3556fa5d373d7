"""NVMe capacity for every deployed checkpoint and kept training checkpoint: the servers' own
drives plus drives bought.

A model's weights (in one format) are stored once if any workload using them has a replica;
training checkpoints are kept per job served. Under full demand that is every checkpoint; a
what-if plan that serves nothing stores, and buys, nothing. Needs are counted in MB (rounded
up per checkpoint), capacities in whole GB as the plan reports them.
"""

from __future__ import annotations

import math

from ortools.sat.python import cp_model

from solver.model.data import ModelData
from solver.model.variables import Variables
from solver.options.dominance import MB_PER_GB, included_storage_mb, storage_mb


def add(model: cp_model.CpModel, data: ModelData, variables: Variables) -> None:
    drive_mb = storage_mb(data.facility.storage.capacity or 0)
    included = sum(variables.nodes(data, c.key) * included_storage_mb(c) for c in data.configs)
    replicas_of: dict[tuple[str, str], list[cp_model.IntVar]] = {}
    for index, option in enumerate(data.options):
        replicas_of.setdefault((option.workload, option.precision), []).append(variables.replicas[index])
    needed = []
    for number, checkpoint in enumerate(data.checkpoints):
        if checkpoint.per_job:
            needed.append(checkpoint.megabytes * variables.served[checkpoint.workloads[0]])
            continue
        stored = model.new_bool_var(f"checkpoint_stored[{number}]")
        for name in checkpoint.workloads:
            for replicas in replicas_of.get((name, checkpoint.precision or ""), []):
                model.add(replicas == 0).only_enforce_if(~stored)
        needed.append(checkpoint.megabytes * stored)
    everything = data.storage_needed_gb * MB_PER_GB
    variables.drives = model.new_int_var(0, max(0, math.ceil(everything / max(drive_mb, 1))), "storage_drives")
    model.add(variables.drives * drive_mb + included >= sum(needed)).with_name("storage_covers_checkpoints")
