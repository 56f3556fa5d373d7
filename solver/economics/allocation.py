"""Share each server's yearly cost among the workloads whose replicas run on it.

A replica's share of a server is the GPUs it occupies there (a MIG slice: its share of the GPU
among the slices placed on that GPU). GPUs nobody occupies are paid for all the same: a server's
whole cost is split in proportion to the occupied shares, so the workloads on it carry its idle
GPUs too and the shares add up to the server's cost. A server without replicas (owned inventory
the plan leaves idle) stays unallocated and is reported as such.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from solver.plan.schema import Plan


def occupancy(plan: Plan) -> dict[str, dict[str, float]]:
    """GPU-equivalents each workload occupies on each server: server id → workload → GPUs."""
    mig_sharers: dict[tuple[str, int], int] = defaultdict(int)
    for replica in plan.replicas:
        for placement in replica.placement:
            if placement.mig_slice is not None:
                for index in placement.gpus:
                    mig_sharers[(placement.node, index)] += 1
    occupied: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for replica in plan.replicas:
        for placement in replica.placement:
            for index in placement.gpus:
                share = 1.0 if placement.mig_slice is None else 1.0 / mig_sharers[(placement.node, index)]
                occupied[placement.node][replica.workload] += share
    return {node: dict(shares) for node, shares in occupied.items()}


def allocate(node_costs: Mapping[str, float], occupied: Mapping[str, Mapping[str, float]]) -> tuple[dict[str, float], float]:
    """Each workload's share of the servers' costs, and the cost of servers nobody occupies."""
    per_workload: dict[str, float] = defaultdict(float)
    unallocated = 0.0
    for node, cost in node_costs.items():
        shares = occupied.get(node, {})
        total = sum(shares.values())
        if total <= 0:
            unallocated += cost
            continue
        for workload, share in shares.items():
            per_workload[workload] += cost * share / total
    return dict(per_workload), unallocated


def gpus_per_workload(plan: Plan, occupied: Mapping[str, Mapping[str, float]]) -> dict[str, float]:
    """GPUs each workload holds: its occupied shares, plus its part of its servers' idle GPUs
    (so they add up to the GPUs of every occupied server)."""
    gpu_count = {node.id: node.gpu_count for node in plan.nodes}
    held: dict[str, float] = defaultdict(float)
    for node, shares in occupied.items():
        total = sum(shares.values())
        for workload, share in shares.items():
            held[workload] += gpu_count.get(node, 0) * share / total
    return dict(held)
