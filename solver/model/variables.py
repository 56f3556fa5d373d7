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
    pdus: dict[int, cp_model.IntVar] = field(default_factory=dict)

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


def create_variables(model: cp_model.CpModel, data: ModelData) -> Variables:
    bought = {}
    for config in data.configs:
        upper = max(0, data.node_upper[config.key] - config.owned) if config.purchasable else 0
        bought[config.key] = model.new_int_var(0, upper, bought_name(config.key))
    replicas = {}
    for index, option in enumerate(data.options):
        entry = next(e for e in data.workloads if e.workload.name == option.workload)
        replicas[index] = model.new_int_var(0, math.ceil(entry.required / option.serves), replica_name(option))
    mig_gpus = {}
    for option in data.options:
        if option.mig_profile:
            key = (option.config_key, option.mig_profile)
            if key not in mig_gpus:
                config = data.config(option.config_key)
                mig_gpus[key] = model.new_int_var(0, data.node_upper[config.key] * config.gpu_count, mig_name(*key))
    served = {entry.workload.name: model.new_int_var(0, entry.required, f"served[{entry.workload.name}]") for entry in data.workloads}
    return Variables(bought=bought, replicas=replicas, mig_gpus=mig_gpus, served=served)
