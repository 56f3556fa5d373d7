"""Deployment options: exact-packing widths, dominance pruning, expert-parallel and MIG options."""

from __future__ import annotations

from dataclasses import replace

from solver.catalog import load_catalog
from solver.model.data import build_data
from solver.options.configs import NodeConfig
from solver.options.generate import DeploymentOption, in_node_widths, prune_dominated
from solver.specs.problem import Problem

CATALOG = load_catalog(include_user=False)
HGX = NodeConfig(CATALOG.nodes["hgx-h100-8"], CATALOG.gpus["h100-sxm"], owned=0, purchasable=True)
BRIDGED = NodeConfig(CATALOG.nodes["pcie-4gpu"], CATALOG.gpus["h200-nvl"], owned=0, purchasable=True)


def option(gpus: int, serves: int, nodes: int = 0, speed: float = 10.0, tp: int = 1, pp: int = 1) -> DeploymentOption:
    return DeploymentOption(
        workload="w", config_key="k", gpu="g", tp=tp, pp=pp, dp=1, zero_stage=0, ep=1, nodes=nodes, gpus=gpus,
        mig_profile=None, slices_per_gpu=0, sessions=serves, serves=serves, memory_per_gpu_bytes=1,
        usable_bytes_per_gpu=2, decode_tokens_per_s=speed, ttft_s=None, training_hours=None,
    )


def test_widths_are_powers_of_two_dividing_the_node() -> None:
    assert in_node_widths(8) == [1, 2, 4, 8]
    assert in_node_widths(6) == [1, 2]  # a 4-wide replica could strand GPUs in a 6-GPU box
    assert in_node_widths(72) == [1, 2, 4, 8]


def test_wider_options_serving_no_more_are_dropped() -> None:
    narrow, wide, wider = option(2, 5), option(4, 5), option(8, 12)
    kept = prune_dominated([wider, wide, narrow], required=20, config=HGX)
    assert kept == [narrow, wider]


def test_service_beyond_the_requirement_does_not_justify_width() -> None:
    # Both serve the whole requirement of 3: the 8-GPU replica's 12 sessions earn nothing more.
    kept = prune_dominated([option(8, 12), option(2, 3)], required=3, config=HGX)
    assert kept == [option(2, 3)]


def test_same_footprint_keeps_the_faster() -> None:
    slow, fast = option(4, 6, speed=10.0, tp=4), option(4, 6, speed=20.0, tp=2)
    assert prune_dominated([slow, fast], required=10, config=HGX) == [fast]


def test_a_faster_split_needing_bridges_does_not_prune_one_without() -> None:
    # On bridged PCIe cards a TP2 replica buys an NVLink bridge that TP1×PP2 on the same two
    # GPUs does not: the slower one can be the cheaper plan (lab20 was $6,000 dearer when the
    # bridge-free split was pruned). On wired NVLink the faster one still dominates.
    bridged_tp, pipelined = option(2, 6, speed=20.0, tp=2), option(2, 6, speed=12.0, pp=2)
    assert prune_dominated([bridged_tp, pipelined], required=10, config=BRIDGED) == [pipelined, bridged_tp]
    assert prune_dominated([bridged_tp, pipelined], required=10, config=HGX) == [bridged_tp]


def _problem(**workload) -> Problem:
    base = {"name": "w", "model": "deepseek-v2", "precision": "fp8", "context_tokens": 16384, "demand": {"sessions": 64}}
    base.update(workload)
    return Problem.model_validate({"name": "p", "workloads": [base], "limits": {"allowed_gpus": ["h200-sxm"]}})


def test_moe_workloads_get_expert_parallel_options() -> None:
    # Many sessions at a speed floor: pipeline-only replicas are too slow, and data-parallel
    # attention keeps MLA's cache from being replicated on every rank.
    data = build_data(_problem(demand={"sessions": 512}, min_decode_tokens_per_s=20), CATALOG)
    ep = [o for o in data.options if o.ep > 1]
    assert ep, "DeepSeek-V2 should be offered expert-parallel replicas"
    assert all(o.gpus == o.ep and 160 % o.ep == 0 and o.ep % o.tp == 0 for o in ep)


def test_dense_models_get_none() -> None:
    data = build_data(_problem(model="llama-3.1-70b"), CATALOG)
    assert data.options and not any(o.ep > 1 for o in data.options)


def test_dedicated_small_models_get_mig_options_with_slices() -> None:
    problem = _problem(model="qwen2.5-7b", precision="bf16", context_tokens=4096, sharing="dedicated", demand={"sessions": 7})
    problem = problem.model_copy(update={"limits": problem.limits.model_copy(update={"allowed_gpus": ["h100-sxm"]})})
    data = build_data(problem, CATALOG)
    mig = [o for o in data.options if o.mig_profile]
    assert mig and all(o.gpus == 0 and o.sessions == 1 and o.slices_per_gpu >= 1 for o in mig)
    # A dedicated sandbox holds one session however much memory is left.
    assert all(o.sessions == 1 for o in data.options)


def test_options_never_exceed_usable_memory() -> None:
    data = build_data(_problem(), CATALOG)
    assert all(o.memory_per_gpu_bytes <= o.usable_bytes_per_gpu for o in data.options)
    assert replace(data.options[0], gpus=0).gpus == 0  # options are plain frozen data


def test_devices_without_a_link_get_single_device_options_only(tmp_path) -> None:
    """A (hypothetical) box of four Mac Studios has no link between them: no TP, PP or EP over
    them (was a ZeroDivisionError in the all-reduce time)."""
    extra = tmp_path / "macs.yaml"
    extra.write_text(
        "nodes:\n  - {id: mac-quad, name: Four Macs, vendor: apple, kind: desktop, gpus: [m3-ultra-512gb], gpu_count: 4,\n"
        "     nvlink_domain: 1, base_price_usd: 0, base_power_w: 0, rack_units: 8, host_ram: 0 GiB, storage: 1 TB,\n"
        "     fabric_nics: 0, rack_mounted: false, price_source: test, source: test, as_of: 2025-01-01,\n"
        "     lifecycle: {availability: shipping, since: '2025', source: test}}\n"
    )
    catalog = load_catalog(extra=[extra], include_user=False)
    problem = Problem.model_validate({
        "name": "macs", "limits": {"allowed_node_types": ["mac-quad"], "site": "desk-side", "allow_end_of_life": True, "desk_circuit_w": 2400},
        "workloads": [{"name": "r1", "model": "deepseek-r1", "precision": "q4_k_m", "context_tokens": 4096, "demand": {"sessions": 2}},
                      {"name": "small", "model": "llama-3.1-8b", "context_tokens": 4096, "demand": {"sessions": 2}}],
    })
    data = build_data(problem, catalog)
    assert data.options and all(o.gpus == 1 and o.tp == o.pp == o.ep == 1 for o in data.options)
    assert not data.workloads[0].options  # R1 needs more than one Mac: refused, not divided by zero


def test_finetune_that_fits_nowhere_is_answered_quickly() -> None:
    """A 405B full fine-tune at 128k tokens × 4,096 sequences per step: one layer's activations
    exceed every GPU, so no node count up to 256 is tried (the search took minutes)."""
    import time

    problem = Problem.model_validate({
        "name": "ft", "workloads": [{
            "name": "tune", "model": "llama-3.1-405b", "kind": "finetune", "method": "full", "context_tokens": 131072,
            "micro_batch": 4096, "tokens": 1e9, "deadline_hours": 1000, "demand": {"jobs": 1},
        }],
    })
    started = time.perf_counter()
    data = build_data(problem, CATALOG)
    assert not data.workloads[0].options
    assert time.perf_counter() - started < 20
    assert any("no split meets memory" in reason for reason in data.workloads[0].rejections)


def test_batch_demand_is_jobs_times_the_throughput_one_job_needs() -> None:
    """`demand: {sessions: 64}` on a batch workload multiplied its throughput by 64: the schema
    now takes batch demand as jobs only, and each job needs tokens / deadline."""
    from solver.options.generate import required_demand

    workload = {"name": "b", "model": "llama-3.1-8b", "kind": "batch", "context_tokens": 2048, "tokens": 3.6e7, "deadline_hours": 1}
    one = Problem.model_validate({"name": "t", "workloads": [workload | {"demand": {"jobs": 1}}]}).workloads[0]
    two = Problem.model_validate({"name": "t", "workloads": [workload | {"demand": {"jobs": 2}}]}).workloads[0]
    assert required_demand(one) == 10_000 and required_demand(two) == 20_000
