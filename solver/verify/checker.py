"""Plan verifier: every rule the model encodes, re-checked on the concrete plan."""

from __future__ import annotations

import functools
import math
from collections import Counter, defaultdict

from solver.catalog import Catalog
from solver.catalog.price_points import at_price_point
from solver.errors import InternalError
from solver.estimator.deployment import Deployment
from solver.estimator.memory import estimate_memory
from solver.estimator.engine_choice import candidate_engines
from solver.estimator.estimates import DecodeEstimate, TtftEstimate, estimate_decode, estimate_ttft
from solver.estimator.speed import mig_slice, training_hours, whole_gpu
from solver.plan.schema import Plan
from solver.verify.purchase import POWERED_CATEGORIES, check_policy, check_purchase_order, check_racks, check_redundancy, server_power_w
from solver.specs.problem import Problem
from solver.units import GB
from solver.verify.rented import check_rented, node_spec

SPEED_TOLERANCE = 1e-6


class PlanRejected(InternalError):
    """The verifier found a violated rule: a bug in procure, never shown as a valid plan."""


def _deployment(problem: Problem, replica, workload) -> Deployment:
    mode = workload.training_method if workload.is_training else "inference"
    return Deployment(
        precision=replica.precision if mode != "qlora" else workload.precision,
        kv_precision=replica.kv_precision,
        context_tokens=workload.context_tokens,
        batch=workload.micro_batch if workload.is_training else replica.sessions,
        mode=mode,
        tp=replica.tp,
        pp=replica.pp,
        dp=replica.dp,
        ep=replica.ep,
        zero_stage=replica.zero_stage,
        gradient_checkpointing=workload.gradient_checkpointing,
        lora_rank=workload.lora_rank or problem.assumptions.lora_rank,
    )


def _engine_issue(problem: Problem, catalog: Catalog, replica, workload, gpu) -> str | None:
    """Why the replica's engine may not run it, from the support matrix directly (None: fine)."""
    assert catalog.engines is not None
    if replica.engine is None:
        return "no inference engine named"
    allowed = candidate_engines(catalog.engines, workload.engines or problem.engines, gpu)
    if replica.engine not in allowed:
        return f"engine {replica.engine} is not among the engines allowed here ({', '.join(allowed)})"
    engine = catalog.engines.engine(replica.engine)
    if not engine.runs(gpu.architecture, replica.precision, replica.kv_precision):
        return f"{replica.engine} does not run {replica.precision} weights with a {replica.kv_precision} KV cache on {gpu.id} ({gpu.architecture})"
    if replica.tp > 1 and not engine.splits(gpu.architecture, "tp"):
        return f"{replica.engine} does not run tensor parallelism on {gpu.architecture}"
    if replica.ep > 1 and not engine.splits(gpu.architecture, "ep"):
        return f"{replica.engine} does not run expert parallelism on {gpu.architecture}"
    return None


def verify_plan(plan: Plan, problem: Problem, catalog: Catalog) -> list[str]:
    """Every violation found, as one line each (empty: the plan is valid)."""
    catalog = at_price_point(catalog, problem.procurement.price_point)
    # Replicas of one deployment are identical: recompute each estimate once per distinct input
    # (a fleet of a million replicas has a handful of shapes).
    estimate_memory_once = functools.lru_cache(maxsize=None)(estimate_memory)
    assert catalog.speed_model is not None
    speed_model = catalog.speed_model
    decodes: dict[tuple, DecodeEstimate] = {}
    ttfts: dict[tuple, TtftEstimate] = {}

    def decode_once(model, deployment, device, engine, inter_node) -> DecodeEstimate:
        key = (model.id, deployment, device.gpu.id, device.mig_profile, device.link, engine, inter_node)
        if key not in decodes:
            decodes[key] = estimate_decode(model, deployment, device, engine, speed_model, problem.assumptions.speed_confidence, inter_node_stages=inter_node)
        return decodes[key]

    def ttft_once(model, deployment, device, prompt_tokens, engine, inter_node) -> TtftEstimate:
        key = (model.id, deployment, device.gpu.id, device.mig_profile, device.link, prompt_tokens, engine, inter_node)
        if key not in ttfts:
            ttfts[key] = estimate_ttft(model, deployment, device, prompt_tokens, engine, speed_model, problem.assumptions.speed_confidence, inter_node_stages=inter_node)
        return ttfts[key]

    training_hours_once = functools.lru_cache(maxsize=None)(training_hours)
    issues: list[str] = []
    repeated = sorted(node_id for node_id, count in Counter(n.id for n in plan.nodes).items() if count > 1)
    if repeated:
        issues.append(f"server ids repeat: {', '.join(repeated)} (placements on them are ambiguous)")
    limits = problem.limits
    nodes = {node.id: node for node in plan.nodes}
    workloads = {w.name: w for w in problem.workloads}
    used: dict[tuple[str, int], list[str]] = defaultdict(list)
    mig_slices: dict[tuple[str, int], list[tuple[int, str, str]]] = defaultdict(list)
    host_load: dict[str, float] = defaultdict(float)
    served: dict[str, int] = defaultdict(int)

    for number, replica in enumerate(plan.replicas):
        label = f"replica {number} ({replica.workload})"
        workload = workloads.get(replica.workload)
        if workload is None:
            issues.append(f"{label}: unknown workload")
            continue
        gpu = catalog.gpu(replica.gpu)
        model = catalog.model(workload.model)
        deployment = _deployment(problem, replica, workload)
        width = deployment.gpus
        gpu_slots = [(p.node, g, p.mig_slice) for p in replica.placement for g in p.gpus]
        if replica.mig_profile is None and len(gpu_slots) != width:
            issues.append(f"{label}: occupies {len(gpu_slots)} GPUs but TP×PP×DP is {width}")
        if replica.ep > 1 and limits.tp_requires_nvlink:
            for placement in replica.placement:
                node = nodes.get(placement.node)
                if node is not None and len({index // node.nvlink_domain for index in placement.gpus}) > 1:
                    issues.append(f"{label}: expert-parallel group {placement.gpus} on {node.id} straddles NVLink domains of {node.nvlink_domain}")
        for placement in replica.placement:
            node = nodes.get(placement.node)
            if node is None:
                issues.append(f"{label}: placed on unknown node {placement.node}")
                continue
            if node.gpu != replica.gpu:
                issues.append(f"{label}: needs {replica.gpu} but {node.id} holds {node.gpu}")
            for index in placement.gpus:
                if not 0 <= index < node.gpu_count:
                    issues.append(f"{label}: GPU index {index} outside {node.id} (0..{node.gpu_count - 1})")
                if placement.mig_slice is None:
                    used[(node.id, index)].append(f"{replica.workload}#{number}")
                else:
                    mig_slices[(node.id, index)].append((placement.mig_slice, replica.mig_profile or "", f"{replica.workload}#{number}"))
        if len(replica.placement) > 1 and not all(nodes[p.node].fabric for p in replica.placement if p.node in nodes):
            issues.append(f"{label}: spans nodes that are not on the InfiniBand fabric")
        # Tensor-parallel groups: consecutive GPUs of each node's share, one NVLink domain each.
        if replica.tp > 1 and limits.tp_requires_nvlink:
            for placement in replica.placement:
                node = nodes.get(placement.node)
                if node is None:
                    continue
                for start in range(0, len(placement.gpus), replica.tp):
                    group = placement.gpus[start : start + replica.tp]
                    if len({index // node.nvlink_domain for index in group}) != 1 or node.nvlink_domain < replica.tp:
                        issues.append(f"{label}: TP group {group} on {node.id} straddles NVLink domains of {node.nvlink_domain}")
        # Memory, recomputed.
        memory = estimate_memory_once(model, deployment, problem.assumptions)
        if replica.mig_profile:
            profile = next((p for p in gpu.mig_profiles if p.name == replica.mig_profile), None)
            if profile is None:
                issues.append(f"{label}: {gpu.id} has no MIG profile {replica.mig_profile}")
                continue
            device = mig_slice(gpu, profile)
        else:
            device = whole_gpu(gpu, scaleup=replica.tp <= min(nodes[replica.placement[0].node].nvlink_domain, gpu.max_scaleup_domain) if replica.placement[0].node in nodes else False)
        usable = device.memory_bytes * (1 - limits.vram_headroom)
        if memory.per_gpu_bytes > usable + 1:
            issues.append(f"{label}: needs {memory.per_gpu_bytes / GB:.2f} GB per GPU, usable {usable / GB:.2f} GB")
        if deployment.base_precision not in gpu.supported_formats:
            issues.append(f"{label}: {gpu.id} cannot run {deployment.base_precision}")
        for placement in replica.placement:
            host_load[placement.node] += memory.per_gpu.weights * len(placement.gpus)
        # Engine support and speed floors, recomputed.
        if not workload.is_training:
            engine_issue = _engine_issue(problem, catalog, replica, workload, gpu)
            if engine_issue:
                issues.append(f"{label}: {engine_issue}")
                continue
            confidence = problem.assumptions.speed_confidence
            inter_node = len(replica.placement) > 1
            speed = decode_once(model, deployment, device, replica.engine, inter_node)
            floor = workload.min_decode_tokens_per_s
            if floor is not None and speed.planning < floor * (1 - SPEED_TOLERANCE):
                issues.append(f"{label}: {speed.planning:.2f} tok/s per session at {confidence:.0%} confidence, below floor {floor}")
            if workload.kind == "interactive" and workload.max_ttft_s is not None:
                ttft = ttft_once(model, deployment, device, workload.prompt_tokens, replica.engine, inter_node)
                if ttft.planning > workload.max_ttft_s * (1 + SPEED_TOLERANCE):
                    issues.append(f"{label}: time to first token {ttft.planning:.2f} s at {confidence:.0%} confidence exceeds {workload.max_ttft_s} s")
            capacity = replica.sessions if workload.kind == "interactive" else math.floor(replica.sessions * speed.planning)
            if replica.serves > capacity:
                issues.append(f"{label}: claims {replica.serves} but can serve {capacity}")
        else:
            assert workload.tokens is not None and workload.deadline_hours is not None
            hours = training_hours_once(model, workload.tokens, width, whole_gpu(gpu, scaleup=True), deployment.mode, deployment.gradient_checkpointing, problem.assumptions)
            if hours > workload.deadline_hours * (1 + SPEED_TOLERANCE):
                issues.append(f"{label}: training takes {hours:.1f} h, deadline {workload.deadline_hours} h")
        served[replica.workload] += replica.serves

    for (node_id, index), owners in used.items():
        if len(owners) > 1 or (node_id, index) in mig_slices:
            sharing = owners + [owner for _, _, owner in mig_slices.get((node_id, index), [])]
            issues.append(f"{node_id} GPU {index} is used by several replicas: {', '.join(sharing)}")
    for (node_id, index), slices in mig_slices.items():
        profiles = {profile for _, profile, _ in slices}
        if len(profiles) > 1:
            issues.append(f"{node_id} GPU {index} mixes MIG profiles {sorted(profiles)}")
        node = nodes.get(node_id)
        gpu = catalog.gpu(node.gpu) if node else None
        profile = next((p for p in gpu.mig_profiles if p.name in profiles), None) if gpu else None
        taken = [slice_index for slice_index, _, _ in slices]
        if len(set(taken)) != len(taken):
            issues.append(f"{node_id} GPU {index}: a MIG slice is used twice")
        if profile is not None and any(not 0 <= s < profile.instances_per_gpu for s in taken):
            issues.append(f"{node_id} GPU {index}: MIG slice index outside 0..{profile.instances_per_gpu - 1} of {profile.name}")

    for node_id, load in host_load.items():
        node = nodes.get(node_id)
        spec = None if node is None else node_spec(catalog, node)
        if spec is None:
            continue
        host_ram = int(spec.host_ram)
        if host_ram and load > host_ram:
            issues.append(f"{node_id}: weights to stage {load / GB:.1f} GB exceed host RAM {host_ram / GB:.1f} GB")

    for entry in plan.workloads:
        if entry.served_sessions > served.get(entry.name, 0):
            issues.append(f"workload {entry.name}: reports {entry.served_sessions} served but replicas provide {served.get(entry.name, 0)}")
    issues.extend(_check_bom_and_limits(plan, problem, catalog))
    issues.extend(check_rented(plan, problem, catalog))
    return issues


def _check_bom_and_limits(plan: Plan, problem: Problem, catalog: Catalog) -> list[str]:
    issues = check_purchase_order(plan, problem, catalog)
    issues.extend(check_policy(plan, problem, catalog))
    issues.extend(check_racks(plan, problem, catalog))
    issues.extend(check_redundancy(plan, problem))
    limits = problem.limits
    # Power from the catalog: servers (base + GPUs) and every powered BOM item but the systems.
    # Rented instances draw on someone else's facility.
    server_power = sum(server_power_w(n, catalog) for n in plan.nodes if not n.rented)
    other_power = sum(line.quantity * line.unit_power_w for line in plan.bom if line.parent is None and line.category in POWERED_CATEGORIES)
    power = server_power + other_power
    if power != plan.summary.power_w:
        issues.append(f"power recomputed {power} W differs from the plan's {plan.summary.power_w} W")
    if limits.power_kw is not None and power > limits.power_kw * 1000:
        issues.append(f"power {power / 1000:.1f} kW exceeds the cap {limits.power_kw} kW")
    # Racks.
    if limits.racks is not None and len(plan.racks) > limits.racks:
        issues.append(f"{len(plan.racks)} racks exceed the limit {limits.racks}")
    rack_of = {n.id: n.rack for n in plan.nodes}
    switches_in_racks = sum(rack.switches for rack in plan.racks)
    if switches_in_racks != plan.fabric.leaf_switches + plan.fabric.spine_switches:
        issues.append(f"fabric: {plan.fabric.leaf_switches + plan.fabric.spine_switches} switches but {switches_in_racks} placed in racks")
    for rack in plan.racks:
        for node_id in rack.nodes:
            if rack_of.get(node_id) != rack.index:
                issues.append(f"rack {rack.index}: lists {node_id}, which the node table puts elsewhere")
    placed = {node_id for rack in plan.racks for node_id in rack.nodes}
    for node in plan.nodes:
        spec = node_spec(catalog, node)
        if spec is None:
            continue  # an unknown rented instance: reported by check_rented
        mounted = spec.rack_mounted
        if mounted and node.id not in placed:
            issues.append(f"{node.id} is in no rack")
        if not mounted and node.id in placed:
            issues.append(f"{node.id} is a desk-side machine but sits in a rack")
    # Inventory.
    owned: dict[tuple[str, str], int] = defaultdict(int)
    for item in limits.inventory:
        owned[(catalog.node(item.node).id, catalog.gpu(item.gpu).id)] += item.count
    for (node_type, gpu), count in owned.items():
        present = sum(1 for n in plan.nodes if n.owned and n.node_type == node_type and n.gpu == gpu)
        if present != count:
            issues.append(f"inventory {node_type}/{gpu}: {count} owned but {present} in the plan")
    servers = sum(1 for n in plan.nodes if not n.rented)
    if limits.max_nodes is not None and servers > limits.max_nodes:
        issues.append(f"{servers} nodes exceed max_nodes {limits.max_nodes}")
    # Fabric: spanning nodes have ports and, unless their accelerators bring them, NICs.
    fabric_nodes = [n for n in plan.nodes if n.fabric]
    ports = sum(catalog.node(n.node_type).fabric_nics for n in fabric_nodes)
    nics = sum(catalog.node(n.node_type).fabric_nics for n in fabric_nodes if not catalog.node(n.node_type).fabric_nics_integrated)
    if ports != plan.fabric.ports:
        issues.append(f"fabric: {len(fabric_nodes)} fabric nodes have {ports} ports, plan has {plan.fabric.ports}")
    if nics != plan.fabric.nics:
        issues.append(f"fabric: {len(fabric_nodes)} fabric nodes need {nics} NICs, plan has {plan.fabric.nics}")
    if any(catalog.node(n.node_type).fabric_nics_integrated for n in fabric_nodes) and not (plan.fabric.technology or "").startswith("eth"):
        issues.append(f"fabric: integrated Ethernet ports cannot join a {plan.fabric.technology} fabric")
    bom_nics = sum(line.quantity for line in plan.bom if line.category == "nic")
    if bom_nics != plan.fabric.nics:
        issues.append(f"fabric: BOM lists {bom_nics} NICs, fabric plan {plan.fabric.nics}")
    # Storage.
    storage = plan.storage
    if storage["included_in_servers_gb"] + storage["drives"] * storage["drive_capacity_gb"] < storage["needed_gb"]:
        issues.append(f"storage: {storage['needed_gb']} GB needed, {storage['included_in_servers_gb']} GB in servers + {storage['drives']} drives")
    return issues


def require_valid(plan: Plan, problem: Problem, catalog: Catalog) -> None:
    issues = verify_plan(plan, problem, catalog)
    if issues:
        raise PlanRejected("the independent checker rejected the plan (a bug in procure):\n" + "\n".join(issues[:20]))
