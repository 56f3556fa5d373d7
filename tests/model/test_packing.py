"""GPU capacity, exact packing and MIG slices (solver/model/constraints/packing.py)."""

from __future__ import annotations

import pytest

from solver.model.constraints import packing
from solver.estimator.deployment import Deployment
from solver.estimator.estimates import estimate_decode
from solver.estimator.speed import whole_gpu
from solver.model.data import build_data
from solver.plan.placement import PlacementError
from solver.verify.checker import verify_plan
from tests.fixtures.problems import (
    DGX_A100_SERVER,
    HGX_H100_8_SERVER,
    H100_PCIE,
    PCIE_4,
    PCIE_8,
    PDU_PAIR,
    RACK,
    bought,
    interactive,
    make_problem,
    plan_of,
    solve_mini,
)

HGX = "hgx-h100-8/h100-sxm"
DGX = "dgx-a100/a100-80gb-sxm"


def llama70_on_h100(sessions: int):
    # max_batch_per_replica 10: a TP4 replica serves 10 sessions, TP8 no more (pruned).
    return make_problem(interactive("chat", "llama-3.1-70b", sessions), allowed_gpus=["h100-sxm"], assumptions={"max_batch_per_replica": 10})


def sandboxes(count: int, *extra: dict):
    # AWQ Llama-3.1-8B (~5.7 GB) fits the smallest A100 80GB slice, 1g.10gb (7 per GPU).
    return make_problem(interactive("box", "llama-3.1-8b", count, sharing="dedicated", precision="awq"), *extra, allowed_gpus=["a100-80gb-sxm"])


def replicas_by_label(data, solution) -> dict[str, int]:
    from solver.model.variables import replica_name

    return {o.label: solution.values[replica_name(o)] for o in data.options if solution.values[replica_name(o)]}


def assert_aligned_in_domains(plan) -> None:
    """Every in-node replica sits at an offset that is a multiple of its width, and every TP
    group inside one NVLink domain of its node."""
    nodes = {n.id: n for n in plan.nodes}
    for replica in plan.replicas:
        for placement in replica.placement:
            node = nodes[placement.node]
            gpus = placement.gpus
            if replica.mig_profile is None and len(replica.placement) == 1:
                assert gpus == list(range(gpus[0], gpus[0] + len(gpus))), gpus
                assert gpus[0] % len(gpus) == 0, f"{gpus} not aligned"
            for start in range(0, len(gpus), replica.tp):
                group = gpus[start : start + replica.tp]
                assert len({g // node.nvlink_domain for g in group}) == 1, f"TP group {group} straddles on {node.id}"


def test_three_four_gpu_replicas_need_two_eight_gpu_nodes(catalog):
    problem = llama70_on_h100(30)
    data, solution = solve_mini(problem)
    assert solution.status == "OPTIMAL"
    assert (4, 1, 4, 10) in {(o.tp, o.pp, o.gpus, o.serves) for o in data.options}
    # Three TP4 replicas, or two and a faster TP8 one (kept: not dominated), fill 12-16 GPUs.
    chosen = replicas_by_label(data, solution)
    assert chosen in ({f"{HGX} TP4×PP1": 3}, {f"{HGX} TP4×PP1": 2, f"{HGX} TP8×PP1": 1})
    assert bought(solution) == {HGX: 2}
    # 2 servers (20 kW) in one rack with two 17.3 kW PDUs; included NVMe holds the checkpoint.
    assert solution.capex_usd == 2 * HGX_H100_8_SERVER + RACK + 2 * PDU_PAIR == 611_300
    plan = plan_of(data, solution)
    assert verify_plan(plan, problem, catalog) == []
    assert sorted(len(r.placement[0].gpus) for r in plan.replicas) in ([4, 4, 4], [4, 4, 8])
    assert_aligned_in_domains(plan)
    used = [(p.node, g) for r in plan.replicas for p in r.placement for g in p.gpus]
    assert len(used) == len(set(used)) >= 12


@pytest.mark.parametrize(("sessions", "nodes"), [(40, 2), (41, 3)])
def test_gpu_capacity_boundary(sessions, nodes):
    # 40 sessions = 4 TP4 replicas = 16 GPUs = 2 nodes; one more session needs a third node.
    _, solution = solve_mini(llama70_on_h100(sessions))
    assert bought(solution) == {HGX: nodes}


def test_mixed_widths_on_bridged_pairs_pack_exactly(catalog):
    # Three TP2 replicas of a 70B model and two single-GPU 8B replicas fill one 8-GPU PCIe
    # server whose NVLink bridges join pairs only: every TP2 group must sit on one bridged pair.
    problem = make_problem(
        interactive("big", "llama-3.1-70b", 3, precision="fp8"),
        interactive("small", "llama-3.1-8b", 2),
        allowed_gpus=["h100-pcie"], allowed_node_types=["pcie-8gpu"], assumptions={"max_batch_per_replica": 1},
        vram_headroom=0.3,  # ~60 GB usable: 70 GB of FP8 weights need two GPUs, 35 GB each fit easily
    )
    data, solution = solve_mini(problem)
    assert bought(solution) == {"pcie-8gpu/h100-pcie": 1}
    assert solution.capex_usd == PCIE_8 + 8 * H100_PCIE + RACK + PDU_PAIR == 239_700
    plan = plan_of(data, solution)
    assert verify_plan(plan, problem, catalog) == []
    assert sorted((r.workload, r.tp, len(r.placement[0].gpus)) for r in plan.replicas) == [("big", 2, 2)] * 3 + [("small", 1, 1)] * 2
    assert_aligned_in_domains(plan)
    assert sorted(g for r in plan.replicas for g in r.placement[0].gpus) == [0, 1, 2, 3, 4, 5, 6, 7]


def test_mig_slices_of_dedicated_sandboxes(catalog):
    # 56 sandboxes on 1g.10gb slices (7 per GPU) fill the 8 GPUs of one DGX A100 (6.3 kW: one PDU).
    problem = sandboxes(56)
    data, solution = solve_mini(problem)
    profiles = {o.mig_profile: o.slices_per_gpu for o in data.options if o.mig_profile}
    assert profiles["1g.10gb"] == 7
    assert bought(solution) == {DGX: 1}
    assert solution.values[f"mig_gpus[{DGX}|1g.10gb]"] == 8
    assert solution.capex_usd == DGX_A100_SERVER + RACK + PDU_PAIR == 238_100
    plan = plan_of(data, solution)
    assert verify_plan(plan, problem, catalog) == []
    assert len(plan.replicas) == 56
    slots = [(p.node, g, p.mig_slice) for r in plan.replicas for p in r.placement for g in p.gpus]
    assert len(set(slots)) == 56
    assert len({(node, gpu) for node, gpu, _ in slots}) == 8
    for replica in plan.replicas:
        assert replica.mig_profile == "1g.10gb" and 0 <= replica.placement[0].mig_slice < 7


def test_one_sandbox_more_needs_a_second_server(catalog):
    problem = sandboxes(57)
    data, solution = solve_mini(problem)
    assert bought(solution) == {DGX: 2}
    assert solution.capex_usd == 2 * DGX_A100_SERVER + RACK + PDU_PAIR  # 12.7 kW: still one PDU pair
    plan = plan_of(data, solution)
    assert verify_plan(plan, problem, catalog) == []
    assert sum(r.serves for r in plan.replicas) == 57


@pytest.mark.parametrize(("count", "nodes"), [(49, 1), (50, 2)])
def test_mig_gpus_share_capacity_with_whole_gpu_replicas(count, nodes):
    # 49 sandboxes take 7 GPUs as MIG slices; a shared 8B workload takes the eighth whole GPU.
    problem = sandboxes(count, interactive("shared", "llama-3.1-8b", 1))
    _, solution = solve_mini(problem)
    assert bought(solution) == {DGX: nodes}


def test_removing_packing_breaks_the_plan(monkeypatch):
    problem = llama70_on_h100(30)
    monkeypatch.setattr(packing, "add", lambda *args, **kwargs: None)
    data, solution = solve_mini(problem)
    assert solution.feasible
    # Without capacity constraints replicas need no servers at all.
    assert bought(solution) == {}
    assert solution.capex_usd < 604_300
    # The replicas cannot be placed on the (absent) servers.
    with pytest.raises((PlacementError, IndexError)):  # IndexError: see tests/plan/test_placement.py
        plan_of(data, solution)


def llama70_on_bridged_pairs(tp_requires_nvlink: bool, floor: float | None = None):
    workload = interactive("chat", "llama-3.1-70b", 4)
    if floor is not None:
        workload["min_decode_tokens_per_s"] = floor
    return make_problem(workload, allowed_gpus=["h100-pcie"], allowed_node_types=["pcie-4gpu"], tp_requires_nvlink=tp_requires_nvlink)


def tp4_only_floor(catalog) -> float:
    """A decode-speed floor (batch 1) that TP4 over PCIe meets and every split with TP ≤ 2 on
    a 4×H100 PCIe server misses (splitting the weight reads four ways beats PCIe all-reduce)."""
    model, gpu = catalog.model("llama-3.1-70b"), catalog.gpu("h100-pcie")
    problem = llama70_on_bridged_pairs(False)

    def speed(tp: int, pp: int) -> float:
        deployment = Deployment(precision="bf16", kv_precision="bf16", context_tokens=4096, tp=tp, pp=pp)
        estimate = estimate_decode(model, deployment, whole_gpu(gpu, scaleup=tp <= 2), "vllm", catalog.speed_model, problem.assumptions.speed_confidence)
        return estimate.planning

    tp4 = speed(4, 1)
    narrower = max(speed(tp, pp) for tp, pp in ((1, 1), (1, 2), (1, 4), (2, 1), (2, 2)))
    assert tp4 > narrower, "premise: TP4 decodes faster than any split with TP ≤ 2"
    return (tp4 + narrower) / 2


def test_tp_stays_within_bridged_pairs_when_nvlink_is_required(catalog):
    problem = llama70_on_bridged_pairs(True)
    data, solution = solve_mini(problem)
    assert data.configs[0].nvlink_domain == 2
    assert {o.tp for o in data.options} == {2}
    plan = plan_of(data, solution)
    assert verify_plan(plan, problem, catalog) == []
    assert [(r.tp, r.pp) for r in plan.replicas] == [(2, 2)]
    assert_aligned_in_domains(plan)


def test_tp4_over_pcie_allowed_only_without_the_nvlink_requirement(catalog):
    # At this floor only TP4 is fast enough on a 4×H100 PCIe server, and TP4 spans two bridged
    # pairs: impossible when TP must stay in one NVLink domain, fine when not.
    floor = tp4_only_floor(catalog)
    strict = llama70_on_bridged_pairs(True, floor=floor)
    assert build_data(strict, catalog).workloads[0].options == []
    relaxed = llama70_on_bridged_pairs(False, floor=floor)
    data, solution = solve_mini(relaxed)
    assert [(o.tp, o.pp, o.gpus) for o in data.options] == [(4, 1, 4)]
    assert solution.capex_usd == PCIE_4 + 4 * H100_PCIE + RACK + PDU_PAIR == 128_700
    plan = plan_of(data, solution)
    assert verify_plan(plan, relaxed, catalog) == []
    # The same plan breaks the NVLink rule the stricter problem states.
    issues = verify_plan(plan, strict, catalog)
    assert any("straddles NVLink domains of 2" in issue for issue in issues), issues
