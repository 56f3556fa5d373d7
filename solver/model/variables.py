"""Decision variables, named, with domains from the precomputed data.

Counts are per (node type, GPU type) configuration rather than per server: identical servers
are interchangeable, so per-server variables would only multiply symmetric solutions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from solver.model.data import ModelData
from solver.options.generate import DeploymentOption


@dataclass
class Variables:
    bought: dict[str, cp_model.IntVar]
    replicas: dict[int, cp_model.IntVar]
    """Per option index (position in ModelData.options)."""
    mig_gpus: dict[tuple[str, str], cp_model.IntVar]
    served: dict[str, cp_model.IntVar]
    """Demand units served per workload, capped at the requirement."""
    guards: dict[str, cp_model.IntVar] = field(default_factory=dict)
    """Named literals guarding constraint families, for infeasibility explanations."""
    # Fabric, per technology.
    use_fabric: dict[str, cp_model.IntVar] = field(default_factory=dict)
    fabric_nodes: dict[str, cp_model.IntVar] = field(default_factory=dict)
    nic_ports: dict[str, cp_model.IntVar] = field(default_factory=dict)
    nics_bought: dict[str, cp_model.IntVar] = field(default_factory=dict)
    leaf_switches: dict[str, cp_model.IntVar] = field(default_factory=dict)
    spine_switches: dict[str, cp_model.IntVar] = field(default_factory=dict)
    uplinks: dict[str, cp_model.IntVar] = field(default_factory=dict)
    # Storage and facility.
    drives: cp_model.IntVar | None = None
    rack_used: list[cp_model.IntVar] = field(default_factory=list)
    nodes_in_rack: dict[tuple[int, str], cp_model.IntVar] = field(default_factory=dict)
    switches_in_rack: dict[int, cp_model.IntVar] = field(default_factory=dict)
    fabric_nodes_in_rack: dict[tuple[int, str], cp_model.IntVar] = field(default_factory=dict)
    server_racks: list[cp_model.IntVar] = field(default_factory=list)
    """Per rack: 1 when it holds servers (and so its own front-end and management switches), 0
    when empty or holding a rack-scale system."""
    pdu_pairs: dict[int, cp_model.IntVar] = field(default_factory=dict)
    """A/B PDU pairs per rack."""
    support_usd: cp_model.IntVar | None = None
    spare_cards: dict[str, cp_model.IntVar] = field(default_factory=dict)
    """Spare cards bought per GPU type (procurement.spare_cards_percent)."""
    # Redundancy (workloads with n+k): see solver.model.constraints.redundancy.
    dedicated_servers: dict[int, cp_model.IntVar] = field(default_factory=dict)
    """Per in-node option index of a redundant workload: servers holding only its replicas."""
    replicas_per_server: dict[int, cp_model.IntVar] = field(default_factory=dict)
    """Per such option: most of its replicas on one of those servers."""
    dedicated_in_rack: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    """(rack, option index) → dedicated servers of the option in that rack (failure domain: rack)."""

    def nodes(self, data: ModelData, key: str) -> cp_model.LinearExprT:
        """Servers of a configuration in the plan: bought plus owned."""
        return self.bought[key] + data.config(key).owned

    def guard(self, model: cp_model.CpModel, name: str) -> cp_model.IntVar:
        if name not in self.guards:
            self.guards[name] = model.new_bool_var(f"guard[{name}]")
        return self.guards[name]


def replica_name(option: DeploymentOption) -> str:
    return f"replicas[{option.workload}|{option.label}]"


def bought_name(key: str) -> str:
    return f"bought[{key}]"


def mig_name(key: str, profile: str) -> str:
    return f"mig_gpus[{key}|{profile}]"


def replica_upper(data: ModelData, option: DeploymentOption) -> int:
    """Most replicas of an option worth having: all of its workload's demand, plus the spare
    domains of a redundant workload (n+k adds up to k servers' worth)."""
    entry = data.workload_entry(option.workload)
    alone = math.ceil(entry.required / option.serves)
    spares = entry.workload.spare_domains
    return alone + spares * max(replicas_per_server_upper(data, option), 1) if spares else alone


def replicas_per_server_upper(data: ModelData, option: DeploymentOption) -> int:
    """Most replicas of an in-node option one server holds."""
    return data.config(option.config_key).gpu_count // option.gpus if option.gpus and not option.nodes else 1


def create_variables(model: cp_model.CpModel, data: ModelData) -> Variables:
    bought = {}
    for config in data.configs:
        upper = max(0, data.node_upper[config.key] - config.owned) if config.purchasable else 0
        bought[config.key] = model.new_int_var(0, upper, bought_name(config.key))
    replicas = {index: model.new_int_var(0, replica_upper(data, option), replica_name(option)) for index, option in enumerate(data.options)}
    mig_gpus = {}
    for option in data.options:
        if option.mig_profile:
            key = (option.config_key, option.mig_profile)
            if key not in mig_gpus:
                config = data.config(option.config_key)
                mig_gpus[key] = model.new_int_var(0, data.node_upper[config.key] * config.gpu_count, mig_name(*key))
    served = {entry.workload.name: model.new_int_var(0, entry.required, f"served[{entry.workload.name}]") for entry in data.workloads}
    variables = Variables(bought=bought, replicas=replicas, mig_gpus=mig_gpus, served=served)
    for index, option in enumerate(data.options):
        if data.is_dedicated(option):
            variables.dedicated_servers[index] = model.new_int_var(0, replica_upper(data, option), f"dedicated_servers[{option.workload}|{option.label}]")
            variables.replicas_per_server[index] = model.new_int_var(0, replicas_per_server_upper(data, option), f"replicas_per_server[{option.workload}|{option.label}]")
    return variables
