"""Turn solver values into a Plan: servers, racks, fabric, placements, workloads and the BOM."""

from __future__ import annotations

from collections import defaultdict
import math

from solver.model.constraints.racks import node_rack_units, rack_network_power, rack_network_units, server_cable_power
from solver.model.constraints.storage import MB_PER_GB
from solver.model.data import ModelData, needed_megabytes, power, price
from solver.model.objective import rack_network_price, server_cables
from solver.model.racks_view import rack_assignment
from solver.model.solve import Solution
from solver.model.variables import bought_name, mig_name, replica_name
from solver.plan.bom import Purchases, bom_lines
from solver.plan.placement import Dedicated, PlacedReplica, ServerSlots, place_config
from solver.plan.schema import FabricPlan, NodePlan, Placement, Plan, RackPlan, ReplicaPlan, Summary, WorkloadPlan
from solver.options.policy import policy_opt_ins
from solver.units import GB


def _servers(data: ModelData, values: dict[str, int]) -> list[ServerSlots]:
    racks = rack_assignment(data, values)
    servers = []
    for config in data.configs:
        total = values[bought_name(config.key)] + config.owned
        fabric_count = values.get(f"fabric_nodes[{config.key}]", 0)
        placed = racks.get(config.key, [])
        for index in range(total):
            # Servers beyond the rack assignment (only if a model variant dropped racks) stay
            # unracked, for the checker to report.
            rack, fabric = placed[index] if config.rack_mounted and index < len(placed) else (None, index < fabric_count)
            servers.append(
                ServerSlots(
                    # Partial populations of one chassis are told apart by their card count.
                    id=f"{config.node.id}-{f'{config.gpu_count}x-' if config.partial else ''}{config.gpu.id}-{index + 1:02d}",
                    config=config,
                    owned=index < config.owned,
                    fabric=fabric,
                    rack=rack,
                )
            )
    return servers


def _dedicated(data: ModelData, values: dict[str, int], key: str) -> list[Dedicated]:
    """Options of redundant workloads on `key` with their own servers, as the model sized them."""
    groups = []
    for index in data.options_by_config.get(key, []):
        option = data.options[index]
        if not data.is_dedicated(option):
            continue
        replicas = values[replica_name(option)]
        if not replicas:
            continue
        per_rack = None
        if data.workload_entry(option.workload).workload.failure_domain == "rack" and data.config(key).rack_mounted:
            per_rack = {
                rack: count
                for rack in range(data.facility.rack_bins)
                if (count := values.get(f"dedicated_in_rack[{rack}|{option.workload}|{option.label}]", 0))
            }
        groups.append(
            Dedicated(
                option, replicas, values[f"dedicated_servers[{option.workload}|{option.label}]"], values[f"replicas_per_server[{option.workload}|{option.label}]"], per_rack
            )
        )
    return groups


def served_after_failures(replicas: list[ReplicaPlan], workload: str, domain_of: dict[str, str], domains_lost: int) -> int:
    """Demand units a workload's replicas still serve after the worst `domains_lost` failure
    domains (servers or racks) are lost: a replica is lost with any domain it touches."""
    mine = [r for r in replicas if r.workload == workload]
    loss: dict[str, int] = defaultdict(int)
    for replica in mine:
        for domain in {domain_of[p.node] for p in replica.placement}:
            loss[domain] += replica.serves
    worst = sorted(loss.values(), reverse=True)[:domains_lost]
    return sum(r.serves for r in mine) - sum(worst)


def build_plan(data: ModelData, solution: Solution, *, tco_usd: float) -> Plan:
    values = solution.values
    servers = _servers(data, values)
    placed: list[PlacedReplica] = []
    servers_by_config: dict[str, list[ServerSlots]] = {}
    for server in servers:
        servers_by_config.setdefault(server.config.key, []).append(server)
    for config in data.configs:
        config_servers = servers_by_config.get(config.key, [])
        on_config = [data.options[i] for i in data.options_by_config.get(config.key, [])]
        items = [(o, values[replica_name(o)]) for o in on_config if values[replica_name(o)]]
        migs = {profile: values[mig_name(key, profile)] for (key, profile) in {(o.config_key, o.mig_profile) for o in on_config if o.mig_profile} if values[mig_name(key, profile)]}
        if items or migs:
            placed.extend(place_config(config_servers, items, migs, _dedicated(data, values, config.key)))
    workloads_by_name = {entry.workload.name: entry for entry in data.workloads}
    replicas = []
    for replica in placed:
        option = replica.option
        workload = workloads_by_name[option.workload].workload
        model = workloads_by_name[option.workload].model
        replicas.append(
            ReplicaPlan(
                workload=option.workload,
                model=model.id,
                precision=option.precision,
                kv_precision=option.kv_precision,
                gpu=option.gpu,
                node_type=data.config(option.config_key).node.id,
                tp=option.tp,
                pp=option.pp,
                dp=option.dp,
                zero_stage=option.zero_stage,
                ep=option.ep,
                mig_profile=option.mig_profile,
                placement=[Placement(node=node, gpus=gpus, mig_slice=slice_index) for node, gpus, slice_index in replica.placement],
                sessions=option.sessions,
                serves=option.serves,
                memory_per_gpu_bytes=option.memory_per_gpu_bytes,
                usable_memory_per_gpu_bytes=option.usable_bytes_per_gpu,
                decode_tokens_per_s=None if option.decode_tokens_per_s is None else round(option.decode_tokens_per_s, 3),
                ttft_s=None if option.ttft_s is None else round(option.ttft_s, 4),
                training_hours=None if option.training_hours is None else round(option.training_hours, 3),
                engine=option.engine,
                decode_estimate_tokens_per_s=None if option.decode_central_tokens_per_s is None else round(option.decode_central_tokens_per_s, 3),
                decode_band_tokens_per_s=None if option.decode_band is None else [round(value, 3) for value in option.decode_band],
                ttft_estimate_s=None if option.ttft_central_s is None else round(option.ttft_central_s, 4),
                ttft_band_s=None if option.ttft_band is None else [round(value, 4) for value in option.ttft_band],
            )
        )
    replicas.sort(key=lambda r: (r.workload, r.placement[0].node, r.placement[0].gpus, r.placement[0].mig_slice or 0))

    capacity: dict[str, int] = defaultdict(int)
    replica_count: dict[str, int] = defaultdict(int)
    for replica_plan in replicas:
        capacity[replica_plan.workload] += replica_plan.serves
        replica_count[replica_plan.workload] += 1
    workloads = []
    for entry in data.workloads:
        workload = entry.workload
        name = workload.name
        served = min(capacity[name], entry.required)
        after = None
        if workload.spare_domains:
            domain_of = {s.id: (f"rack {s.rack}" if workload.failure_domain == "rack" and s.rack is not None else s.id) for s in servers}
            after = served_after_failures(replicas, name, domain_of, workload.spare_domains)
        workloads.append(
            WorkloadPlan(
                name=name, kind=workload.kind, unit=entry.unit, required_sessions=entry.required,
                served_sessions=served, served_fraction=round(served / entry.required, 6),
                replicas=replica_count[name],
                min_decode_tokens_per_s=workload.min_decode_tokens_per_s, max_ttft_s=workload.max_ttft_s,
                redundancy=workload.redundancy, failure_domain=workload.failure_domain, served_after_worst_failure=after,
            )
        )

    fabric_tech = next((t for t in data.fabric if values.get(f"use_fabric[{t.technology}]")), None)
    fabric_counts: dict[str, tuple[int, int, int]] = {}
    for tech in data.fabric:
        name = tech.technology
        nics = values.get(f"nics_bought[{name}]", 0)
        switches = values.get(f"leaf_switches[{name}]", 0) + values.get(f"spine_switches[{name}]", 0)
        cables = values.get(f"nic_ports[{name}]", 0) + values.get(f"uplinks[{name}]", 0)
        fabric_counts[name] = (nics, switches, cables)
    ports = values.get(f"nic_ports[{fabric_tech.technology}]", 0) if fabric_tech else 0
    nics, switches, cables = fabric_counts.get(fabric_tech.technology, (0, 0, 0)) if fabric_tech else (0, 0, 0)
    fabric = FabricPlan(
        technology=fabric_tech.technology if fabric_tech and ports else None,
        nodes=[s.id for s in servers if s.fabric],
        ports=ports,
        nics=nics,
        leaf_switches=values.get(f"leaf_switches[{fabric_tech.technology}]", 0) if fabric_tech else 0,
        spine_switches=values.get(f"spine_switches[{fabric_tech.technology}]", 0) if fabric_tech else 0,
        cables=cables,
    )

    racks = []
    switch_power = int(fabric_tech.switch.power_w) if fabric_tech else 0
    switch_units = fabric_tech.switch.rack_units if fabric_tech else 0
    cable_power = power(fabric_tech.cable) if fabric_tech else 0
    nic_power = power(fabric_tech.nic) if fabric_tech else 0
    facility = data.facility
    for index in range(facility.rack_bins):
        if not values.get(f"rack_used[{index}]"):
            continue
        members = [s for s in servers if s.rack == index]
        switches_here = values.get(f"switches_in_rack[{index}]", 0)
        of_servers = values.get(f"server_rack[{index}]", 0)
        liquid = any(s.config.node.kind == "rack-scale" for s in members)
        racks.append(
            RackPlan(
                index=index,
                nodes=[s.id for s in members],
                switches=switches_here,
                pdus=2 * values.get(f"pdu_pairs[{index}]", 0),
                power_w=sum(
                    s.config.power_w
                    + server_cable_power(data, s.config)
                    + (s.config.node.fabric_nics * (cable_power + (0 if s.config.node.fabric_nics_integrated else nic_power)) if s.fabric else 0)
                    for s in members
                )
                + switches_here * switch_power
                + of_servers * rack_network_power(data),
                rack_units_used=sum(node_rack_units(data, s.config.key) for s in members) + switches_here * switch_units + of_servers * rack_network_units(data),
                cooling="liquid" if liquid else "air",
                power_limit_w=facility.liquid_rack_power_w if liquid else facility.rack_power_w,
                frontend_switches=of_servers if facility.frontend_switch is not None else 0,
                management_switches=of_servers if facility.management_switch is not None else 0,
            )
        )
    rack_scale = sum(1 for s in servers if s.config.node.kind == "rack-scale")
    bridges: dict[str, int] = defaultdict(int)
    for option in data.options:
        count = data.bridges_per_replica(option) * values[replica_name(option)]
        if count:
            bridges[data.bridges[option.config_key].id] += count
    bought = {c.key: values[bought_name(c.key)] for c in data.configs}
    purchases = Purchases(
        bought=bought,
        fabric=fabric_counts,
        drives=values.get("storage_drives", 0),
        racks=len(racks) - rack_scale,
        pdus=sum(r.pdus for r in racks),
        server_racks=sum(values.get(f"server_rack[{r.index}]", 0) for r in racks),
        cabled_servers=sum(1 for s in servers if server_cables(data, s.config)),
        bridges=dict(bridges),
        installed_servers=sum(count for key, count in bought.items() if data.config(key).rack_mounted) if facility.installation else 0,
        support_usd=values.get("support_usd", 0),
        spare_cards={gpu: values.get(f"spare_cards[{gpu}]", 0) for gpu in data.spared_gpus},
        supported_hardware_usd=_supported_hardware(data, values, bought, fabric_counts, racks),
    )
    bom = bom_lines(data, purchases)
    included_gb = sum(int(s.config.node.storage) // GB for s in servers)
    drive_gb = int(data.facility.storage.capacity or 0) // GB
    # Only what the plan deploys is stored (a what-if plan may leave workloads out).
    needed_mb = needed_megabytes(data.checkpoints, {(r.workload, r.precision) for r in replicas}, {w.name: w.served_sessions for w in workloads})
    storage = {
        "needed_gb": math.ceil(needed_mb / MB_PER_GB),
        "included_in_servers_gb": included_gb,
        "drives": purchases.drives,
        "drive_sku": data.facility.storage.id,
        "drive_capacity_gb": drive_gb,
    }
    gpus: dict[str, int] = {}
    for server in servers:
        gpus[server.config.gpu.id] = gpus.get(server.config.gpu.id, 0) + server.config.gpu_count
    primary = solution.primary
    # TCO is optimised in cents; report every objective in its natural unit.
    scale = 100 if solution.objective == "tco" else 1
    summary = Summary(
        problem=data.problem.name,
        status="INTERRUPTED" if solution.interrupted else solution.status,
        objective=solution.objective,
        objective_value=solution.primary_value / scale,
        best_bound=primary.bound / scale,
        objective_unit="W" if solution.objective == "power" else "USD",
        gap=round(solution.gap, 6),
        capex_usd=solution.capex_usd,
        power_w=solution.power_w,
        tco_usd=round(tco_usd, 2),
        gpus=dict(sorted(gpus.items())),
        nodes=len(servers),
        racks=len(racks),
        solve_seconds=round(solution.solve_seconds, 3),
        build_seconds=round(solution.build_seconds, 3),
        deterministic=solution.deterministic,
        stages=[{"name": s.name, "status": s.status, "value": s.value, "bound": s.bound, "seconds": round(s.seconds, 3)} for s in solution.stages],
        binding_limits=binding_limits(data, solution, len(racks)),
        speed_confidence=data.problem.assumptions.speed_confidence,
        speed_model=data.speed_model_label,
        name_expansions=data.name_expansions,
        policy_opt_ins=policy_opt_ins(data.problem.limits),
        excluded_by_policy=data.excluded_by_policy,
        price_point=data.problem.procurement.price_point,
    )
    nodes = [
        NodePlan(
            id=s.id, node_type=s.config.node.id, gpu=s.config.gpu.id, gpu_count=s.config.gpu_count,
            nvlink_domain=s.config.nvlink_domain, gpu_memory_bytes=int(s.config.gpu.memory), owned=s.owned,
            rack=s.rack, fabric=s.fabric, power_w=s.config.power_w, rack_units=s.config.node.rack_units,
        )
        for s in servers
    ]
    return Plan(summary=summary, nodes=nodes, replicas=replicas, workloads=workloads, fabric=fabric, racks=racks, storage=storage, bom=bom)


def _supported_hardware(data: ModelData, values: dict[str, int], bought: dict[str, int], fabric: dict[str, tuple[int, int, int]], racks: list[RackPlan]) -> int:
    """What the support contract covers, in dollars (as solver.model.objective prices it)."""
    servers = sum(count * data.config(key).price_usd for key, count in bought.items() if data.config(key).rack_mounted)
    switches = sum(fabric.get(tech.technology, (0, 0, 0))[1] * price(tech.switch) for tech in data.fabric)
    network = sum(values.get(f"server_rack[{r.index}]", 0) for r in racks) * rack_network_price(data)
    return servers + switches + network


def binding_limits(data: ModelData, solution: Solution, racks_used: int) -> list[str]:
    """Limits the plan sits at or within 2% of (where relaxing them could change the answer)."""
    limits = data.problem.limits
    near = []
    if limits.budget_usd is not None and solution.capex_usd >= 0.98 * limits.budget_usd:
        near.append(f"budget: ${solution.capex_usd:,} of ${limits.budget_usd:,.0f}")
    if limits.power_kw is not None and solution.power_w >= 0.98 * limits.power_kw * 1000:
        near.append(f"power: {solution.power_w / 1000:,.1f} kW of {limits.power_kw:g} kW")
    if limits.racks is not None and racks_used >= limits.racks:
        near.append(f"racks: {racks_used} of {limits.racks}")
    if limits.max_nodes is not None:
        total = sum(solution.values[bought_name(c.key)] + c.owned for c in data.configs)
        if total >= limits.max_nodes:
            near.append(f"max_nodes: {total} of {limits.max_nodes}")
    return near
