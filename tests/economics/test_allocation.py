"""Sharing servers' costs among workloads by the GPUs their replicas occupy."""

from __future__ import annotations

import pytest

from solver.economics.allocation import allocate, gpus_per_workload, occupancy
from solver.plan.schema import FabricPlan, NodePlan, Placement, Plan, ReplicaPlan, Summary


def node(node_id: str, gpus: int = 8) -> NodePlan:
    return NodePlan(id=node_id, node_type="n", gpu="g", gpu_count=gpus, nvlink_domain=gpus, gpu_memory_bytes=1, owned=False, rack=0, fabric=False, power_w=1000, rack_units=4)


def replica(workload: str, node_id: str, gpus: list[int], mig_slice: int | None = None) -> ReplicaPlan:
    return ReplicaPlan(
        workload=workload, model="m", precision="bf16", kv_precision="bf16", gpu="g", node_type="n", tp=len(gpus) if mig_slice is None else 1, pp=1, dp=1,
        zero_stage=0, mig_profile=None if mig_slice is None else "1g.10gb", placement=[Placement(node=node_id, gpus=gpus, mig_slice=mig_slice)],
        sessions=1, serves=1, memory_per_gpu_bytes=1, usable_memory_per_gpu_bytes=1, decode_tokens_per_s=10.0, ttft_s=1.0, training_hours=None,
    )


def plan(nodes: list[NodePlan], replicas: list[ReplicaPlan]) -> Plan:
    summary = Summary(problem="t", status="OPTIMAL", objective="cost", objective_value=0, best_bound=0, objective_unit="USD", gap=0, capex_usd=0, power_w=0, tco_usd=0,
                      gpus={}, nodes=len(nodes), racks=1, solve_seconds=0, build_seconds=0, stages=[], binding_limits=[])
    return Plan(summary=summary, nodes=nodes, replicas=replicas, workloads=[], fabric=FabricPlan(technology=None, nodes=[], ports=0, nics=0, leaf_switches=0, spine_switches=0, cables=0), racks=[], storage={}, bom=[])


def test_a_servers_cost_follows_occupied_gpus_idle_ones_included():
    p = plan([node("a")], [replica("chat", "a", [0, 1]), replica("code", "a", [2, 3, 4, 5])])
    shares, unallocated = allocate({"a": 600.0}, occupancy(p))
    # 2 and 4 of the 6 occupied GPUs: the 2 idle ones are paid in the same proportion.
    assert shares == pytest.approx({"chat": 200.0, "code": 400.0}) and unallocated == 0
    assert gpus_per_workload(p, occupancy(p)) == pytest.approx({"chat": 8 / 3, "code": 16 / 3})


def test_mig_slices_share_their_gpu():
    p = plan([node("a", 1)], [replica("s", "a", [0], 0), replica("s", "a", [0], 1), replica("t", "a", [0], 2)])
    assert occupancy(p) == {"a": pytest.approx({"s": 2 / 3, "t": 1 / 3})}


def test_a_server_nobody_occupies_stays_unallocated():
    p = plan([node("a"), node("b")], [replica("chat", "a", [0])])
    shares, unallocated = allocate({"a": 100.0, "b": 50.0}, occupancy(p))
    assert shares == {"chat": 100.0} and unallocated == 50.0


def test_a_replica_over_two_servers_takes_its_share_of_each():
    p = plan([node("a", 2), node("b", 2)], [replica("big", "a", [0, 1]), replica("big", "b", [0]), replica("small", "b", [1])])
    p.replicas[0].placement.append(Placement(node="b", gpus=[0]))
    p.replicas.pop(1)
    shares, _ = allocate({"a": 100.0, "b": 100.0}, occupancy(p))
    assert shares == pytest.approx({"big": 150.0, "small": 50.0})
