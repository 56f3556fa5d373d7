"""Redundancy: a workload marked n+k still serves its demand with any k failure domains lost.

A replica's capacity is lost with the server (or rack) it runs on, so the model must bound what
one domain holds. Replicas of a redundant workload therefore run on servers of their own, and
the model chooses how many of them there are and how many replicas each holds at most:

  in-node option j of w on configuration c (width g_j, G_c GPUs per server):
    s_j dedicated servers, ℓ_j ≤ ⌊G_c/g_j⌋ replicas per server, y_j ≤ ℓ_j·s_j, s_j ≤ y_j
    (the placement deals the y_j replicas round-robin over the s_j servers: ≤ ⌈y_j/s_j⌉ ≤ ℓ_j each)
  multi-node option j: whole servers already, one replica per server: b_j ≥ [y_j > 0]
  loss_w ≥ a_j·ℓ_j and loss_w ≥ a_j·b_j            (most one server takes away)
  server domain: Σ_j a_j·y_j − k·loss_w ≥ served_w
  rack domain:   dedicated servers per rack d_r,j (Σ_r d_r,j = s_j, Σ_{j on c} d_r,j ≤ ν_r,c),
                 q_w ≥ Σ_j d_r,j ∀r, and Σ_j a_j·y_j − k·q_w·loss_w ≥ served_w
                 (one rack takes at most q_w servers of loss_w each; a desk-side machine is a
                 domain of one server). Multi-node replicas are not used for rack redundancy.

MIG slices are not used for redundant workloads: a GPU's slices share its server anyway, and
whole GPUs keep the failure arithmetic exact. Losing k domains costs at most k times the worst
one, so the bound is safe for k > 1 (exact for k = 1). The rack relaxation (aggregate racks)
keeps the server-domain rule only, which is weaker: a valid lower bound.
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from solver.model.data import ModelData
from solver.model.variables import Variables, replica_upper, replicas_per_server_upper
from solver.options.generate import DeploymentOption


def add(model: cp_model.CpModel, data: ModelData, variables: Variables) -> None:
    options = data.options
    dedicated_by_rack: dict[tuple[int, str], list[cp_model.IntVar]] = {}
    for entry in data.workloads:
        workload = entry.workload
        spares = workload.spare_domains
        if not spares:
            continue
        name = workload.name
        mine = [(i, options[i]) for i in data.options_by_workload.get(name, [])]
        most = max((o.serves * max(1, data.config(o.config_key).gpu_count // max(o.gpus, 1)) for _, o in mine), default=0)
        loss = model.new_int_var(0, most, f"loss_per_server[{name}]")
        capacity = sum(variables.replicas[i] * o.serves for i, o in mine)
        by_rack = workload.failure_domain == "rack" and bool(variables.nodes_in_rack)
        for index, option in mine:
            replicas = variables.replicas[index]
            if option.mig_profile or (option.nodes and workload.failure_domain == "rack"):
                model.add(replicas == 0)
            elif option.nodes:
                used = model.new_bool_var(f"used[{name}|{option.label}]")
                model.add(replicas <= replica_upper(data, option) * used)
                model.add(loss >= option.serves * used)
            else:
                servers = variables.dedicated_servers[index]
                per_server = variables.replicas_per_server[index]
                room = model.new_int_var(0, replica_upper(data, option) * replicas_per_server_upper(data, option), f"dedicated_room[{name}|{option.label}]")
                model.add_multiplication_equality(room, [per_server, servers])
                model.add(replicas <= room).with_name(f"replicas_fit_dedicated[{name}|{option.label}]")
                model.add(servers <= replicas)
                model.add(loss >= option.serves * per_server)
        if by_rack:
            worst = _rack_domain(model, data, variables, name, [(i, o) for i, o in mine if i in variables.dedicated_servers], loss, most, dedicated_by_rack)
        else:
            worst = loss
        model.add(capacity - spares * worst >= variables.served[name]).with_name(f"redundancy[{name}]")
    for (rack, key), counts in dedicated_by_rack.items():
        # Every redundant workload's dedicated servers of a configuration share the rack's
        # servers, apart from its fabric servers (which replicas spanning servers take).
        fabric_here = variables.fabric_nodes_in_rack.get((rack, key), 0)
        model.add(sum(counts) + fabric_here <= variables.nodes_in_rack[(rack, key)])


def _rack_domain(
    model: cp_model.CpModel,
    data: ModelData,
    variables: Variables,
    name: str,
    dedicated: list[tuple[int, DeploymentOption]],
    loss: cp_model.IntVar,
    loss_upper: int,
    dedicated_by_rack: dict[tuple[int, str], list[cp_model.IntVar]],
) -> cp_model.IntVar:
    """What one rack takes away: q dedicated servers of at most `loss` each."""
    bins = data.facility.rack_bins
    most_servers = sum(replica_upper(data, option) for _, option in dedicated)
    per_rack = model.new_int_var(0, max(most_servers, 1), f"dedicated_per_rack[{name}]")
    model.add(per_rack >= 1)
    in_rack: dict[int, list[cp_model.IntVar]] = {}
    for index, option in dedicated:
        if not data.config(option.config_key).rack_mounted:
            continue
        counts = []
        for rack in range(bins):
            if (rack, option.config_key) not in variables.nodes_in_rack:
                continue
            count = model.new_int_var(0, replica_upper(data, option), f"dedicated_in_rack[{rack}|{name}|{option.label}]")
            variables.dedicated_in_rack[(rack, index)] = count
            dedicated_by_rack.setdefault((rack, option.config_key), []).append(count)
            in_rack.setdefault(rack, []).append(count)
            counts.append(count)
        model.add(sum(counts) == variables.dedicated_servers[index])
    for counts in in_rack.values():
        model.add(sum(counts) <= per_rack)
    worst = model.new_int_var(0, loss_upper * max(most_servers, 1), f"loss_per_rack[{name}]")
    model.add_multiplication_equality(worst, [per_rack, loss])
    return worst
