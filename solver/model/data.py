"""Everything the CP-SAT model needs, precomputed and in integers (dollars, watts, GB).

Building the model from this data alone keeps the model small and makes every coefficient
inspectable: no estimator call happens while the model is built.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from solver.catalog import Catalog
from solver.errors import InputError
from solver.estimator.formats import weight_format
from solver.estimator.params import count_parameters
from solver.estimator.training import ADAM_STATE_BYTES, WEIGHT_BYTES_16BIT, lora_parameters
from solver.estimator.weights import model_weight_bytes
from solver.options.configs import NodeConfig, node_configs
from solver.options.generate import DeploymentOption, WorkloadOptions, workload_options
from solver.specs.hardware import FabricItem
from solver.specs.problem import Problem
from solver.units import MB

MAX_RACK_BINS = 64


@dataclass(frozen=True)
class FabricTech:
    """One scale-out technology: the cheapest NIC, switch and link of it in the catalog."""

    technology: str
    nic: FabricItem
    switch: FabricItem
    cable: FabricItem

    @property
    def switch_ports(self) -> int:
        assert self.switch.ports is not None
        return self.switch.ports


@dataclass(frozen=True)
class Facility:
    rack: FabricItem
    pdu: FabricItem
    storage: FabricItem
    rack_units: int
    rack_power_w: int | None
    rack_bins: int
    """Racks the model may fill: the limit, or an upper bound when there is none."""
    rack_bins_unlimited: int
    """Upper bound ignoring the limit (to test whether the rack limit is what conflicts)."""


@dataclass
class ModelData:
    problem: Problem
    configs: list[NodeConfig]
    workloads: list[WorkloadOptions]
    fabric: list[FabricTech]
    facility: Facility
    checkpoints: list[StoredCheckpoint]
    """What needs NVMe; a what-if plan that does not deploy a model does not store it."""
    node_upper: dict[str, int]
    """Most nodes of each configuration any sensible plan buys (variable domains)."""
    node_upper_without_node_limit: dict[str, int]
    """The same bounds ignoring limits.max_nodes (to test whether that limit is what conflicts)."""
    allowed_configs: list[NodeConfig]
    """Every configuration the limits allow, usable or not (for infeasibility explanations)."""

    @property
    def options(self) -> list[DeploymentOption]:
        return [option for entry in self.workloads for option in entry.options]

    def config(self, key: str) -> NodeConfig:
        return next(c for c in self.configs if c.key == key)

    @property
    def storage_needed_gb(self) -> int:
        """NVMe for every checkpoint when all demand is served, in GB (rounded up)."""
        everything = {entry.workload.name for entry in self.workloads}
        return math.ceil(needed_megabytes(self.checkpoints, everything, {entry.workload.name: entry.required for entry in self.workloads}) / 1000)


def price(item: FabricItem) -> int:
    return round(item.price_usd)


def power(item: FabricItem) -> int:
    return math.ceil(item.power_w)


def _cheapest(items: list[FabricItem]) -> FabricItem:
    return min(items, key=lambda item: (item.price_usd, item.id))


def fabric_technologies(catalog: Catalog) -> list[FabricTech]:
    techs = []
    items = list(catalog.fabric.values())
    for technology in sorted({i.technology for i in items if i.technology}):
        by_category = {cat: [i for i in items if i.technology == technology and i.category == cat] for cat in ("nic", "switch", "cable")}
        if all(by_category.values()):
            techs.append(FabricTech(technology, _cheapest(by_category["nic"]), _cheapest(by_category["switch"]), _cheapest(by_category["cable"])))
    return techs


def _single(catalog: Catalog, category: str) -> FabricItem:
    items = [i for i in catalog.fabric.values() if i.category == category]
    if not items:
        raise InputError(f"the fabric catalog has no '{category}' item", hint="add one to catalogs/fabric.yaml or a --catalog file")
    if category == "storage":
        # Cheapest per byte, then cheapest outright.
        return min(items, key=lambda i: (i.price_usd / int(i.capacity or 1), i.price_usd, i.id))
    return _cheapest(items)


@dataclass(frozen=True)
class StoredCheckpoint:
    """NVMe that part of a plan needs: one model's weights in one format, stored once while any
    workload using them is deployed; or one training workload's kept checkpoints, per job."""

    workloads: tuple[str, ...]
    bytes: float
    per_job: bool = False
    """True: ``bytes`` for each job served of the (single) workload."""

    @property
    def megabytes(self) -> int:
        return math.ceil(self.bytes / MB)


def stored_checkpoints(problem: Problem, catalog: Catalog) -> list[StoredCheckpoint]:
    """One copy of every checkpoint served, plus kept training checkpoints (weights + Adam
    states for full training; adapters with their optimizer for LoRA)."""
    weights: dict[tuple[str, str], list[str]] = {}
    training = []
    for workload in problem.workloads:
        model = catalog.model(workload.model)
        weights.setdefault((model.id, workload.weights_format), []).append(workload.name)
        if workload.is_training:
            if workload.training_method == "full":
                per_checkpoint = count_parameters(model).total * (WEIGHT_BYTES_16BIT + ADAM_STATE_BYTES)
            else:
                per_checkpoint = lora_parameters(model, workload.lora_rank or problem.assumptions.lora_rank) * 16
            training.append(StoredCheckpoint((workload.name,), per_checkpoint * problem.assumptions.checkpoint_copies, per_job=True))
    stored = [StoredCheckpoint(tuple(names), model_weight_bytes(catalog.model(model_id), weight_format(precision))) for (model_id, precision), names in weights.items()]
    return stored + training


def needed_megabytes(checkpoints: list[StoredCheckpoint], deployed: set[str], served: dict[str, int]) -> int:
    """NVMe a plan needs, given the workloads it deploys and the units it serves of each."""
    total = 0
    for checkpoint in checkpoints:
        if checkpoint.per_job:
            total += checkpoint.megabytes * served.get(checkpoint.workloads[0], 0)
        elif deployed.intersection(checkpoint.workloads):
            total += checkpoint.megabytes
    return total


def storage_needed_bytes(problem: Problem, catalog: Catalog) -> float:
    """NVMe for every checkpoint when all demand is served."""
    jobs = {workload.name: workload.demand.required for workload in problem.workloads}
    return sum(c.bytes * (jobs[c.workloads[0]] if c.per_job else 1) for c in stored_checkpoints(problem, catalog))


def _nodes_to_serve_alone(config: NodeConfig, entry: WorkloadOptions) -> float:
    """Nodes of `config` that serve all of a workload with its least dense option there, plus
    one partial node for rounding (0 when the workload cannot run on it)."""
    footprints = []
    for option in entry.options:
        if option.config_key != config.key:
            continue
        replicas = math.ceil(entry.required / option.serves)
        if option.nodes:
            footprints.append(replicas * option.nodes)
        elif option.mig_profile:
            footprints.append(math.ceil(replicas / option.slices_per_gpu) / config.gpu_count + 1)
        else:
            footprints.append(replicas * option.gpus / config.gpu_count + 1)
    return max(footprints, default=0.0)


def _node_upper_bounds(configs: list[NodeConfig], workloads: list[WorkloadOptions], max_nodes: int | None) -> dict[str, int]:
    """Most nodes of each configuration worth buying: all demand served on it alone, plus owned."""
    bounds = {}
    for config in configs:
        nodes = sum(_nodes_to_serve_alone(config, entry) for entry in workloads)
        bound = math.ceil(nodes) + config.owned if config.purchasable else config.owned
        if max_nodes is not None:
            bound = min(bound, max_nodes)
        bounds[config.key] = max(bound, config.owned)
    return bounds


def _rack_bins(problem: Problem, configs: list[NodeConfig], fabric: list[FabricTech], workloads: list[WorkloadOptions]) -> int:
    """Racks any sensible plan could need when the problem sets no rack count.

    Each workload served alone on its bulkiest rack-mounted configuration bounds the rack units U
    and the load W of such a plan. First-fit never leaves two bins half empty, so it needs at most
    2·⌈U/units⌉ racks for space and 2·⌈W/rack power⌉ for power; their sum (+1) bounds both at once.
    """
    port_power = max((power(t.nic) + power(t.cable) for t in fabric), default=0)
    mounted = [c for c in configs if c.rack_mounted]
    units = sum(c.owned * c.node.rack_units for c in mounted)
    load = sum(c.owned * c.power_w for c in mounted)
    for entry in workloads:
        alone = [(math.ceil(_nodes_to_serve_alone(c, entry)), c) for c in mounted]
        alone = [(nodes, c) for nodes, c in alone if nodes]
        if alone:
            units += max(nodes * c.node.rack_units for nodes, c in alone)
            load += max(nodes * (c.power_w + c.node.fabric_nics * port_power) for nodes, c in alone)
    limits = problem.limits
    bins = 2 * math.ceil(units / limits.rack_units) + 1
    if limits.rack_power_kw is not None:
        bins += 2 * math.ceil(load / (limits.rack_power_kw * 1000))
    return max(1, min(bins, MAX_RACK_BINS))


LIMIT_FIELDS = {
    "budget": "budget_usd",
    "power": "power_kw",
    "racks": "racks",
    "max_nodes": "max_nodes",
    "rack_power": "rack_power_kw",
}
"""Guarded limit families and the Limits field each comes from."""


def without_limit(data: ModelData, guard: str) -> ModelData:
    """The same precomputed data with one limit lifted (options do not depend on limits)."""
    limits = data.problem.limits.model_copy(update={LIMIT_FIELDS[guard]: None})
    facility = data.facility
    if guard == "racks":
        facility = replace(facility, rack_bins=facility.rack_bins_unlimited)
    if guard == "rack_power":
        facility = replace(facility, rack_power_w=None)
    return replace(
        data,
        problem=data.problem.model_copy(update={"limits": limits}),
        facility=facility,
        node_upper=data.node_upper_without_node_limit if guard == "max_nodes" else data.node_upper,
    )


def build_data(problem: Problem, catalog: Catalog) -> ModelData:
    configs = node_configs(catalog, problem.limits)
    if not configs:
        raise InputError("no node configuration is allowed by the limits", hint="relax limits.allowed_gpus / allowed_vendors / allowed_node_types")
    workloads = []
    for workload in problem.workloads:
        model = catalog.model(workload.model)
        workloads.append(workload_options(workload, model, configs, problem.limits, problem.assumptions))
    # A configuration no workload can use and nobody owns would only ever be bought at zero.
    used = {option.config_key for entry in workloads for option in entry.options}
    allowed = configs
    configs = [c for c in configs if c.key in used or c.owned]
    upper = _node_upper_bounds(configs, workloads, problem.limits.max_nodes)
    upper_without_node_limit = _node_upper_bounds(configs, workloads, None)
    fabric = fabric_technologies(catalog)
    unlimited_bins = _rack_bins(problem, configs, fabric, workloads)
    rack_power = None if problem.limits.rack_power_kw is None else round(problem.limits.rack_power_kw * 1000)
    facility = Facility(
        rack=_single(catalog, "rack"),
        pdu=_single(catalog, "pdu"),
        storage=_single(catalog, "storage"),
        rack_units=problem.limits.rack_units,
        rack_power_w=rack_power,
        rack_bins=problem.limits.racks or unlimited_bins,
        rack_bins_unlimited=max(unlimited_bins, problem.limits.racks or 0),
    )
    return ModelData(
        problem=problem,
        configs=configs,
        workloads=workloads,
        fabric=fabric,
        facility=facility,
        checkpoints=stored_checkpoints(problem, catalog),
        node_upper=upper,
        node_upper_without_node_limit=upper_without_node_limit,
        allowed_configs=allowed,
    )
