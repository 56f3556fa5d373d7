"""The independent plan checker (solver/verify/checker.py): valid plans pass, and each broken
rule in a mutated copy of a valid plan is reported."""

from __future__ import annotations

import pytest

from solver.plan.schema import Plan
from solver.specs.problem import InventoryItem, Problem
from solver.verify.checker import PlanRejected, require_valid, verify_plan
from tests.fixtures.problems import interactive, make_problem, mini_catalog, plan_of, solve_mini


def _solved(problem: Problem) -> tuple[Problem, Plan]:
    data, solution = solve_mini(problem)
    return problem, plan_of(data, solution)


@pytest.fixture(scope="module")
def pcie():
    """One 8×H100 PCIe server (bridged pairs): three TP2 replicas of 70B and two 8B replicas."""
    return _solved(make_problem(
        interactive("big", "llama-3.1-70b", 3, precision="fp8"),
        interactive("small", "llama-3.1-8b", 2),
        allowed_gpus=["h100-pcie"], allowed_node_types=["pcie-8gpu"], assumptions={"max_batch_per_replica": 1},
        vram_headroom=0.3,  # ~60 GB usable: 70 GB of FP8 weights need two GPUs, 35 GB each fit easily
    ))


@pytest.fixture(scope="module")
def fabric():
    """Llama-3.1-405B BF16 across two HGX H100 servers on InfiniBand."""
    return _solved(make_problem(interactive("frontier", "llama-3.1-405b", 1), allowed_gpus=["h100-sxm"]))


@pytest.fixture(scope="module")
def mig():
    """Eight 8B sandboxes on MIG slices of a DGX A100."""
    return _solved(make_problem(interactive("box", "llama-3.1-8b", 8, sharing="dedicated"), allowed_gpus=["a100-80gb-sxm"]))


def replace_replica(plan: Plan, index: int, **update) -> Plan:
    replicas = list(plan.replicas)
    replicas[index] = replicas[index].model_copy(update=update)
    return plan.model_copy(update={"replicas": replicas})


def replace_placement(plan: Plan, index: int, **update) -> Plan:
    replica = plan.replicas[index]
    placement = [replica.placement[0].model_copy(update=update), *replica.placement[1:]]
    return replace_replica(plan, index, placement=placement)


def index_of(plan: Plan, workload: str, tp: int | None = None) -> int:
    return next(i for i, r in enumerate(plan.replicas) if r.workload == workload and (tp is None or r.tp == tp))


def test_valid_plans_pass(pcie, fabric, mig):
    catalog = mini_catalog()
    for problem, plan in (pcie, fabric, mig):
        assert verify_plan(plan, problem, catalog) == []
        require_valid(plan, problem, catalog)


# -- GPUs and placement --------------------------------------------------------------------------


def double_booked(plan: Plan) -> Plan:
    first, second = [i for i, r in enumerate(plan.replicas) if r.workload == "small"]
    return replace_replica(plan, second, placement=plan.replicas[first].placement)


def straddling(plan: Plan) -> Plan:
    # A TP2 group on GPUs 1 and 2: GPU 1 is bridged to 0, GPU 2 to 3.
    return replace_placement(plan, index_of(plan, "big"), gpus=[1, 2])


def bigger_sessions(plan: Plan) -> Plan:
    # 200 sessions' KV caches (4k tokens each) do not fit next to 70 GB of weights per GPU.
    return replace_replica(plan, index_of(plan, "big"), sessions=200, serves=200)


def wrong_gpu(plan: Plan) -> Plan:
    return replace_replica(plan, index_of(plan, "small"), gpu="l40s")


def index_outside(plan: Plan) -> Plan:
    return replace_placement(plan, index_of(plan, "small"), gpus=[8])


def unknown_node(plan: Plan) -> Plan:
    return replace_placement(plan, index_of(plan, "small"), node="nowhere-01")


def wrong_width(plan: Plan) -> Plan:
    return replace_placement(plan, index_of(plan, "big"), gpus=[0])


def over_claimed(plan: Plan) -> Plan:
    return replace_replica(plan, index_of(plan, "small"), serves=5)


def served_over_report(plan: Plan) -> Plan:
    workloads = [w.model_copy(update={"served_sessions": w.served_sessions + 1}) if w.name == "small" else w for w in plan.workloads]
    return plan.model_copy(update={"workloads": workloads})


# -- bill of materials, money and power ----------------------------------------------------------


def bom_arithmetic(plan: Plan) -> Plan:
    bom = list(plan.bom)
    bom[0] = bom[0].model_copy(update={"extended_price_usd": bom[0].extended_price_usd + 1})
    return plan.model_copy(update={"bom": bom})


def bom_numbering(plan: Plan) -> Plan:
    bom = list(plan.bom)
    bom[1] = bom[1].model_copy(update={"line": 7})
    return plan.model_copy(update={"bom": bom})


def system_missing_from_bom(plan: Plan) -> Plan:
    """One configured server fewer on the order, with a total that agrees with it."""
    bom = [line.model_copy(update={"quantity": line.quantity - 1, "extended_price_usd": (line.quantity - 1) * line.unit_price_usd}) if line.category == "system" else line for line in plan.bom]
    summary = plan.summary.model_copy(update={"capex_usd": sum(line.extended_price_usd for line in bom if line.parent is None)})
    return plan.model_copy(update={"bom": bom, "summary": summary})


def gpus_missing_from_system(plan: Plan) -> Plan:
    bom = [line.model_copy(update={"quantity": line.quantity - 1, "extended_price_usd": (line.quantity - 1) * line.unit_price_usd}) if line.category == "gpu" else line for line in plan.bom]
    return plan.model_copy(update={"bom": bom})


def capex_understated(plan: Plan) -> Plan:
    return plan.model_copy(update={"summary": plan.summary.model_copy(update={"capex_usd": plan.summary.capex_usd - 1000})})


def power_understated(plan: Plan) -> Plan:
    return plan.model_copy(update={"summary": plan.summary.model_copy(update={"power_w": plan.summary.power_w - 100})})


# -- racks, storage, fabric -----------------------------------------------------------------------


def unracked(plan: Plan) -> Plan:
    racks = [plan.racks[0].model_copy(update={"nodes": plan.racks[0].nodes[1:]}), *plan.racks[1:]]
    return plan.model_copy(update={"racks": racks})


def rack_mismatch(plan: Plan) -> Plan:
    nodes = [plan.nodes[0].model_copy(update={"rack": 5}), *plan.nodes[1:]]
    return plan.model_copy(update={"nodes": nodes})


def too_few_pdus(plan: Plan) -> Plan:
    racks = [plan.racks[0].model_copy(update={"pdus": 0}), *plan.racks[1:]]
    return plan.model_copy(update={"racks": racks})


def repeated_server_id(plan: Plan) -> Plan:
    nodes = [*plan.nodes, plan.nodes[0].model_copy()]
    return plan.model_copy(update={"nodes": nodes})


def odd_pdus(plan: Plan) -> Plan:
    racks = [plan.racks[0].model_copy(update={"pdus": plan.racks[0].pdus + 1}), *plan.racks[1:]]
    return plan.model_copy(update={"racks": racks})


def no_storage(plan: Plan) -> Plan:
    return plan.model_copy(update={"storage": {**plan.storage, "needed_gb": plan.storage["included_in_servers_gb"] + 1}})


def missing_nics(plan: Plan) -> Plan:
    bom = [line for line in plan.bom if line.category != "nic"]
    bom = [line.model_copy(update={"line": number}) for number, line in enumerate(bom, start=1)]
    summary = plan.summary.model_copy(update={"capex_usd": sum(line.extended_price_usd for line in bom)})
    return plan.model_copy(update={"bom": bom, "summary": summary, "fabric": plan.fabric.model_copy(update={"nics": 0})})


def off_fabric(plan: Plan) -> Plan:
    nodes = [node.model_copy(update={"fabric": False}) for node in plan.nodes]
    return plan.model_copy(update={"nodes": nodes})


def mig_slice_twice(plan: Plan) -> Plan:
    return replace_replica(plan, 1, placement=plan.replicas[0].placement)


def mig_unknown_profile(plan: Plan) -> Plan:
    return replace_replica(plan, 0, mig_profile="9g.99gb")


def mig_slice_beyond_profile(plan: Plan) -> Plan:
    # A profile with n instances per GPU has slices 0..n-1: slice n does not exist.
    replica = plan.replicas[-1]
    profile = next(p for p in mini_catalog().gpu(replica.gpu).mig_profiles if p.name == replica.mig_profile)
    placement = [replica.placement[0].model_copy(update={"mig_slice": profile.instances_per_gpu})]
    return replace_replica(plan, len(plan.replicas) - 1, placement=placement)


CASES: list = [
    ("double-booked GPU", "pcie", double_booked, "is used by several replicas"),
    ("TP group straddling NVLink domains", "pcie", straddling, "straddles NVLink domains of 2"),
    ("memory over capacity", "pcie", bigger_sessions, "GB per GPU, usable"),
    ("GPU type mismatch", "pcie", wrong_gpu, "needs l40s but"),
    ("GPU index outside the node", "pcie", index_outside, "GPU index 8 outside"),
    ("unknown node", "pcie", unknown_node, "placed on unknown node nowhere-01"),
    ("fewer GPUs than TP×PP", "pcie", wrong_width, "occupies 1 GPUs but TP×PP×DP is 2"),
    ("replica claims more than it holds", "pcie", over_claimed, "claims 5 but can serve 1"),
    ("workload reports more than its replicas", "pcie", served_over_report, "workload small: reports 3 served but replicas provide 2"),
    ("BOM line arithmetic", "pcie", bom_arithmetic, "BOM line 1: 1 × 231000 ≠ 231001"),
    ("BOM numbering", "pcie", bom_numbering, "BOM line 7: numbering should be 2"),
    ("BOM systems differ from servers", "pcie", system_missing_from_bom, "BOM systems {pcie-8gpu/h100-pcie: 0} differ from bought servers"),
    ("system sub-lines differ from the system", "pcie", gpus_missing_from_system, "sub-lines sum to $207,000, the system line says $231,000"),
    ("capex differs from the BOM", "pcie", capex_understated, "differs from capex"),
    ("power differs from the catalog", "pcie", power_understated, "power recomputed"),
    ("node in no rack", "pcie", unracked, "is in no rack"),
    ("rack lists a node placed elsewhere", "pcie", rack_mismatch, "which the node table puts elsewhere"),
    ("too few PDUs", "pcie", too_few_pdus, "0 A/B PDU pairs"),
    ("PDUs not in A/B pairs", "pcie", odd_pdus, "PDUs are not A/B pairs"),
    ("server ids repeat", "pcie", repeated_server_id, "server ids repeat"),
    ("checkpoints without storage", "pcie", no_storage, "storage:"),
    ("missing fabric NICs", "fabric", missing_nics, "fabric: 2 fabric nodes need 16 NICs, plan has 0"),
    ("multi-node replica off the fabric", "fabric", off_fabric, "spans nodes that are not on the InfiniBand fabric"),
    ("MIG slice used twice", "mig", mig_slice_twice, "a MIG slice is used twice"),
    ("MIG slice beyond the profile", "mig", mig_slice_beyond_profile, "slice"),
    ("unknown MIG profile", "mig", mig_unknown_profile, "has no MIG profile 9g.99gb"),
]


@pytest.mark.parametrize(
    ("base", "mutate", "expected"),
    [pytest.param(*case[1:4], id=case[0], marks=case[4:]) for case in CASES],
)
def test_mutated_plan_is_rejected(request, base, mutate, expected):
    problem, plan = request.getfixturevalue(base)
    broken = mutate(plan)
    issues = verify_plan(broken, problem, mini_catalog())
    assert any(expected in issue for issue in issues), issues
    with pytest.raises(PlanRejected):
        require_valid(broken, problem, mini_catalog())


# -- the same plan against tighter limits ----------------------------------------------------------


def tighter(problem: Problem, **limits) -> Problem:
    return problem.model_copy(update={"limits": problem.limits.model_copy(update=limits)})


@pytest.mark.parametrize(
    ("limits", "expected"),
    [
        ({"budget_usd": "capex-1"}, "exceeds budget"),
        ({"power_kw": 1.0}, "exceeds the cap 1.0 kW"),
        ({"max_nodes": 1}, "2 nodes exceed max_nodes 1"),
        ({"racks": 0}, "racks exceed the limit 0"),
        ({"rack_units": 8}, "exceeds 8 U"),
        ({"rack_power_kw": 15.0}, "exceeds the air-cooled limit of 15 kW"),
        ({"inventory": "one owned hgx"}, "owned but 0 in the plan"),
    ],
)
def test_plan_checked_against_tighter_limits(fabric, limits, expected):
    problem, plan = fabric
    if limits.get("budget_usd") == "capex-1":
        limits = {"budget_usd": plan.summary.capex_usd - 1}
    if limits.get("inventory"):
        limits = {"inventory": [InventoryItem(node="hgx-h100-8", gpu="h100-sxm", count=1)]}
    issues = verify_plan(plan, tighter(problem, **limits), mini_catalog())
    assert any(expected in issue for issue in issues), issues


def test_speed_floor_rechecked(pcie):
    problem, plan = pcie
    workloads = [w.model_copy(update={"min_decode_tokens_per_s": 1000.0}) if w.name == "small" else w for w in problem.workloads]
    issues = verify_plan(plan, problem.model_copy(update={"workloads": workloads}), mini_catalog())
    assert sum("below floor 1000" in issue for issue in issues) == 2, issues


# -- speed and deadlines, re-derived by the checker ------------------------------------------------


def with_workload(problem: Problem, **fields) -> Problem:
    workload = problem.workloads[0].model_copy(update=fields)
    return problem.model_copy(update={"workloads": [workload, *problem.workloads[1:]]})


def test_time_to_first_token_is_rechecked(fabric):
    problem, plan = fabric
    assert not verify_plan(plan, problem, mini_catalog())
    # The same placement judged against a ceiling no 405B prefill can meet.
    strict = with_workload(problem, max_ttft_s=0.001)
    assert any("time to first token" in issue for issue in verify_plan(plan, strict, mini_catalog()))


def test_training_deadline_is_rechecked():
    finetune = {
        "name": "tune", "model": "llama-3.1-8b", "kind": "finetune", "method": "lora", "context_tokens": 2048,
        "demand": {"jobs": 1}, "tokens": 2e8, "deadline_hours": 48,
    }
    problem, plan = _solved(make_problem(finetune, allowed_gpus=["l40s"]))
    assert not verify_plan(plan, problem, mini_catalog())
    rushed = with_workload(problem, deadline_hours=0.01)
    assert any("deadline" in issue for issue in verify_plan(plan, rushed, mini_catalog()))


def test_engine_that_cannot_run_the_format_is_rejected(pcie):
    problem, plan = pcie
    index = index_of(plan, "small")
    assert plan.replicas[index].engine == "vllm"
    # MLX runs only on Apple silicon; TensorRT-LLM is not among this problem's default engines.
    for engine, message in (("mlx", "not among the engines allowed"), (None, "no inference engine")):
        issues = verify_plan(replace_replica(plan, index, engine=engine), problem, mini_catalog())
        assert any(message in issue for issue in issues), issues
    allowed = problem.model_copy(update={"engines": ["mlx"]})
    issues = verify_plan(replace_replica(plan, index, engine="mlx"), allowed, mini_catalog())
    assert any("does not run bf16 weights" in issue for issue in issues), issues


def test_speed_floor_is_rechecked_at_the_planning_quantile(pcie):
    problem, plan = pcie
    index = index_of(plan, "small")
    speed = plan.replicas[index].decode_tokens_per_s
    strict = problem.model_copy(update={"workloads": [w.model_copy(update={"min_decode_tokens_per_s": speed * 1.05}) if w.name == "small" else w for w in problem.workloads]})
    issues = verify_plan(plan, strict, mini_catalog())
    assert any("below floor" in issue and "80% confidence" in issue for issue in issues), issues
