"""Everything the CP-SAT model needs, precomputed and in integers (dollars, watts, GB).

Building the model from this data alone keeps the model small and makes every coefficient
inspectable: no estimator call happens while the model is built.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TypeVar

from solver.catalog import Catalog, QuoteTerms
from solver.catalog.price_points import at_price_point
from solver.errors import InputError
from solver.estimator.formats import weight_format
from solver.estimator.params import count_parameters
from solver.estimator.training import ADAM_STATE_BYTES, WEIGHT_BYTES_16BIT, lora_parameters
from solver.estimator.weights import model_weight_bytes
from solver.options.bridges import bridge_item, bridged_pairs
from solver.options.dominance import Drive, dominated_configs, storage_mb
from solver.options.configs import NOT_IN_LISTS, NodeConfig, candidate_configs, family_expansions
from solver.estimator.estimates import Performance
from solver.options.generate import DeploymentOption, WorkloadOptions
from solver.options.parallel import options_of_workloads
from solver.options.replica import SharedEstimates
from solver.specs.hardware import FabricItem
from solver.specs.problem import Problem
from solver.units import MB

K = TypeVar("K")

MAX_RACK_BINS = 64
"""Most racks a plan is laid out in: every rack is a bin of per-configuration variables, and a
few dozen symmetric bins are what CP-SAT handles well."""
MAX_PLAN_REPLICAS = 20_000
"""Most replicas a plan may need. Placing, checking and printing a plan take time linear in its
replicas (a 100,000-replica plan takes tens of seconds); the schema allows a million sessions,
which shared replicas serve in a few thousand, but one replica per session cannot."""


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
    """Bought in A/B pairs: each PDU of a pair carries the whole rack (ANSI/TIA-942-B: each power
    path must support the entire critical load alone)."""
    storage: FabricItem
    rack_units: int
    rack_power_w: int | None
    """Most an air-cooled rack may draw (None: no limit)."""
    rack_bins: int
    """Racks the model may fill: the limit, or an upper bound when there is none or the limit
    is above it."""
    rack_bins_unlimited: int
    """Upper bound ignoring the limit (to test whether the rack limit is what conflicts)."""
    liquid_rack_power_w: int | None = None
    """Most a liquid-cooled (rack-scale) rack may draw (None: no limit)."""
    frontend_switch: FabricItem | None = None
    """One top-of-rack front-end switch per rack of servers (None: the catalog has none)."""
    management_switch: FabricItem | None = None
    frontend_cable: FabricItem | None = None
    management_cable: FabricItem | None = None
    support: FabricItem | None = None
    support_basis_points: int = 0
    """Support price as basis points of the covered hardware: percent per year × years × 100."""
    installation: FabricItem | None = None
    rack_bins_capped: bool = False
    """The racks a sensible plan may fill exceed MAX_RACK_BINS: an infeasible answer may be due
    to that cap rather than to the problem."""


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
    speed_model_label: str = ""
    """Which fit planned the speeds: its date and measurement-set hash."""
    name_expansions: list[str] = field(default_factory=list)
    """Family names in the limits and what they stood for."""
    bridges: dict[str, FabricItem] = field(default_factory=dict)
    """NVLink bridge of each bridged configuration (key → item)."""
    excluded_by_policy: list[str] = field(default_factory=list)
    """Configurations the buying policy kept out, with why (for the plan and explanations)."""
    quotes: Mapping[str, QuoteTerms] = field(default_factory=dict)
    """Vendor quote terms by catalog id (the BOM shows them next to quoted prices)."""
    dominated: dict[str, str] = field(default_factory=dict)
    """Configurations left out because another beats them on every count (key → the one kept;
    solver.options.dominance)."""

    # Indices built once per ModelData (replace() makes a new object, so they never go stale):
    # model building and plan extraction look options up by workload and by configuration, and
    # a scan per workload or per configuration made them grow as options × workloads.

    @functools.cached_property
    def options(self) -> list[DeploymentOption]:
        return [option for entry in self.workloads for option in entry.options]

    @functools.cached_property
    def options_by_config(self) -> dict[str, list[int]]:
        """Configuration key → indices (in ``options``) of the options that run on it."""
        return _indices_by(self.options, lambda option: option.config_key)

    @functools.cached_property
    def options_by_workload(self) -> dict[str, list[int]]:
        """Workload name → indices (in ``options``) of its options."""
        return _indices_by(self.options, lambda option: option.workload)

    @functools.cached_property
    def options_by_mig(self) -> dict[tuple[str, str], list[int]]:
        """(configuration key, MIG profile) → indices of the options using that profile there."""
        return _indices_by(self.options, lambda option: (option.config_key, option.mig_profile or ""), keep=lambda option: bool(option.mig_profile))

    @functools.cached_property
    def _entries_by_name(self) -> dict[str, WorkloadOptions]:
        return {entry.workload.name: entry for entry in self.workloads}

    def workload_entry(self, name: str) -> WorkloadOptions:
        return self._entries_by_name[name]

    def is_dedicated(self, option: DeploymentOption) -> bool:
        """Whether the option's replicas get servers of their own (an in-node option of a
        redundant workload; see solver.model.constraints.redundancy)."""
        return bool(self.workload_entry(option.workload).workload.spare_domains) and not option.nodes and not option.mig_profile

    @property
    def spare_percent(self) -> int:
        return self.problem.procurement.spare_cards_percent

    @functools.cached_property
    def spared_gpus(self) -> dict[str, list[NodeConfig]]:
        """GPU type → the bought configurations whose cards are field-replaceable (PCIe and
        consumer cards in servers and workstations; never rented instances)."""
        spared: dict[str, list[NodeConfig]] = {}
        if not self.spare_percent:
            return spared
        for config in self.configs:
            if config.gpu.form_factor in SPARED_FORM_FACTORS and not config.rented:
                spared.setdefault(config.gpu.id, []).append(config)
        return spared

    def bridges_per_replica(self, option: DeploymentOption) -> int:
        """NVLink bridges one replica of the option needs (0 on wired NVLink or without TP)."""
        item = self.bridges.get(option.config_key)
        if item is None:
            return 0
        return bridged_pairs(option, self.config(option.config_key)) * (item.bridges_per_pair or 1)

    def config(self, key: str) -> NodeConfig:
        return self._configs_by_key[key]

    @functools.cached_property
    def _configs_by_key(self) -> dict[str, NodeConfig]:
        # Looked up once per replica when a plan is built: a scan would make large plans quadratic.
        return {config.key: config for config in self.configs}

    @functools.cached_property
    def storage_needed_gb(self) -> int:
        """NVMe for every checkpoint when all demand is served, in GB (rounded up). Cached like
        the option indices: a scan of every option, and brute-force checks price thousands of
        purchases against it."""
        return math.ceil(most_storage_needed_mb(self.workloads, self.checkpoints) / 1000)


def most_storage_needed_mb(workloads: list[WorkloadOptions], checkpoints: list[StoredCheckpoint]) -> int:
    """NVMe for every checkpoint of every format an option runs, all demand served (an upper bound)."""
    everything = {(entry.workload.name, option.precision) for entry in workloads for option in entry.options}
    return needed_megabytes(checkpoints, everything, {entry.workload.name: entry.required for entry in workloads})


def _indices_by(options: list[DeploymentOption], key: Callable[[DeploymentOption], K], keep: Callable[[DeploymentOption], bool] = lambda option: True) -> dict[K, list[int]]:
    """Positions of the `options` that `keep` passes, grouped by `key(option)`, in order."""
    grouped: dict[K, list[int]] = {}
    for index, option in enumerate(options):
        if keep(option):
            grouped.setdefault(key(option), []).append(index)
    return grouped


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


def _optional(catalog: Catalog, category: str) -> FabricItem | None:
    items = [i for i in catalog.fabric.values() if i.category == category]
    return _cheapest(items) if items else None


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
    workload deploys replicas in that format; or one training workload's kept checkpoints, per job."""

    workloads: tuple[str, ...]
    bytes: float
    precision: str | None = None
    """The weight format of a weights checkpoint (a workload choosing among formats stores
    only those its replicas use)."""
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
        for precision in (workload.weights_format,) if workload.is_training else workload.precisions:
            weights.setdefault((model.id, precision), []).append(workload.name)
        if workload.is_training:
            if workload.training_method == "full":
                per_checkpoint = count_parameters(model).total * (WEIGHT_BYTES_16BIT + ADAM_STATE_BYTES)
            else:
                per_checkpoint = lora_parameters(model, workload.lora_rank or problem.assumptions.lora_rank) * 16
            training.append(StoredCheckpoint((workload.name,), per_checkpoint * problem.assumptions.checkpoint_copies, per_job=True))
    stored = [StoredCheckpoint(tuple(names), model_weight_bytes(catalog.model(model_id), weight_format(precision)), precision=precision) for (model_id, precision), names in weights.items()]
    return stored + training


def needed_megabytes(checkpoints: list[StoredCheckpoint], deployed: set[tuple[str, str]], served: dict[str, int]) -> int:
    """NVMe a plan needs, given the (workload, weight format) pairs it deploys and the units it
    serves of each workload."""
    total = 0
    for checkpoint in checkpoints:
        if checkpoint.per_job:
            total += checkpoint.megabytes * served.get(checkpoint.workloads[0], 0)
        elif any((name, checkpoint.precision) in deployed for name in checkpoint.workloads):
            total += checkpoint.megabytes
    return total


def storage_needed_bytes(problem: Problem, catalog: Catalog) -> float:
    """NVMe for every checkpoint when all demand is served in every allowed format (an upper bound)."""
    jobs = {workload.name: workload.demand.required for workload in problem.workloads}
    return sum(c.bytes * (jobs[c.workloads[0]] if c.per_job else 1) for c in stored_checkpoints(problem, catalog))


def _nodes_to_serve_alone(config: NodeConfig, entry: WorkloadOptions, on_config: list[DeploymentOption]) -> float:
    """Nodes of `config` that serve all of a workload with its least dense option there
    (`on_config`: the workload's options on it), plus one partial node for rounding (0 when the
    workload cannot run on it)."""
    footprints = []
    for option in on_config:
        replicas = math.ceil(entry.required / option.serves)
        if option.nodes:
            footprints.append(replicas * option.nodes)
        elif option.mig_profile:
            footprints.append(math.ceil(replicas / option.slices_per_gpu) / config.gpu_count + 1)
        else:
            footprints.append(replicas * option.gpus / config.gpu_count + 1)
    return max(footprints, default=0.0)


def _options_by_config(workloads: list[WorkloadOptions]) -> list[dict[str, list[DeploymentOption]]]:
    """Per workload (in order): configuration key → its options there."""
    grouped = []
    for entry in workloads:
        by_config: dict[str, list[DeploymentOption]] = {}
        for option in entry.options:
            by_config.setdefault(option.config_key, []).append(option)
        grouped.append(by_config)
    return grouped


def _node_upper_bounds(configs: list[NodeConfig], workloads: list[WorkloadOptions], max_nodes: int | None) -> dict[str, int]:
    """Most nodes of each configuration worth buying: all demand served on it alone, plus owned."""
    bounds = {}
    grouped = _options_by_config(workloads)
    for config in configs:
        nodes = sum(_nodes_to_serve_alone(config, entry, by_config.get(config.key, [])) for entry, by_config in zip(workloads, grouped))
        bound = math.ceil(nodes) + config.owned if config.purchasable else config.owned
        if max_nodes is not None:
            bound = min(bound, max_nodes)
        bounds[config.key] = max(bound, config.owned)
    return bounds


def _rack_bins(problem: Problem, configs: list[NodeConfig], fabric: list[FabricTech], workloads: list[WorkloadOptions]) -> int:
    """Racks any sensible plan could need when the problem sets no rack count (not capped).

    Each workload served alone on its bulkiest rack-mounted configuration bounds the rack units U
    and the load W of such a plan. First-fit never leaves two bins half empty, so it needs at most
    2·⌈U/units⌉ racks for space and 2·⌈W/rack power⌉ for power; their sum (+1) bounds both at once.
    """
    port_power = max((power(t.nic) + power(t.cable) for t in fabric), default=0)
    mounted = [c for c in configs if c.rack_mounted]
    units = sum(c.owned * c.node.rack_units for c in mounted)
    load = sum(c.owned * c.power_w for c in mounted)
    for entry, by_config in zip(workloads, _options_by_config(workloads)):
        alone = [(math.ceil(_nodes_to_serve_alone(c, entry, by_config.get(c.key, []))), c) for c in mounted]
        alone = [(nodes, c) for nodes, c in alone if nodes]
        if alone:
            units += max(nodes * c.node.rack_units for nodes, c in alone)
            load += max(nodes * (c.power_w + c.node.fabric_nics * port_power) for nodes, c in alone)
    limits = problem.limits
    bins = 2 * math.ceil(units / limits.rack_units) + 1
    if limits.rack_power_kw is not None:
        bins += 2 * math.ceil(load / (limits.rack_power_kw * 1000))
    return max(1, bins)


def _kilowatts_to_watts(kilowatts: float | None) -> int | None:
    return None if kilowatts is None else round(kilowatts * 1000)


def check_plan_size(workloads: list[WorkloadOptions]) -> None:
    """Refuse demand that needs more than MAX_PLAN_REPLICAS replicas even on the replicas that
    serve the most, naming the workload that needs the most."""
    needs = [(math.ceil(entry.required / max(option.serves for option in entry.options)), entry) for entry in workloads if entry.options]
    total = sum(replicas for replicas, _ in needs)
    if total <= MAX_PLAN_REPLICAS:
        return
    replicas, entry = max(needs, key=lambda need: need[0])
    per_replica = max(option.serves for option in entry.options)
    raise InputError(
        f"workloads.{entry.workload.name}.demand: {entry.required:,} {entry.unit} need at least {replicas:,} replicas "
        f"(one serves at most {per_replica:,}); the plan would hold at least {total:,}, and procure plans at most {MAX_PLAN_REPLICAS:,}",
        hint="share replicas (sharing: shared, a larger max_batch_per_replica), lower the demand, or split the problem",
    )


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
    lifted = [LIMIT_FIELDS[guard]] + (["liquid_rack_power_kw"] if guard == "rack_power" else [])
    limits = data.problem.limits.model_copy(update=dict.fromkeys(lifted))
    facility = data.facility
    if guard == "racks":
        facility = replace(facility, rack_bins=facility.rack_bins_unlimited)
    if guard == "rack_power":
        facility = replace(facility, rack_power_w=None, liquid_rack_power_w=None)
    return replace(
        data,
        problem=data.problem.model_copy(update={"limits": limits}),
        facility=facility,
        node_upper=data.node_upper_without_node_limit if guard == "max_nodes" else data.node_upper,
    )


def policy_exclusions(candidates: list[tuple[NodeConfig, list[str]]]) -> list[str]:
    """One line per GPU type the buying policy keeps out entirely (its reasons), for the plan.

    Only policy reasons count: configurations the problem's own allow/exclude lists leave out are
    the problem's choice, not something to report back."""
    allowed_gpus = {config.gpu.id for config, reasons in candidates if not reasons}
    reasons_by_gpu: dict[str, set[str]] = {}
    for config, reasons in candidates:
        policy = [reason for reason in reasons if reason != NOT_IN_LISTS]
        if policy and NOT_IN_LISTS not in reasons and config.gpu.id not in allowed_gpus:
            reasons_by_gpu.setdefault(config.gpu.id, set()).update(policy)
    return [f"{gpu}: {'; '.join(sorted(reasons))}" for gpu, reasons in sorted(reasons_by_gpu.items())]


SPARED_FORM_FACTORS = ("pcie", "consumer")
"""Cards a buyer can stock and swap in the field; SXM/OAM modules and superchips are replaced by the vendor."""


def _options_of_configs(workloads: list[WorkloadOptions]) -> dict[str, list[DeploymentOption]]:
    """Configuration key → its options, over all workloads."""
    merged: dict[str, list[DeploymentOption]] = {}
    for by_config in _options_by_config(workloads):
        for key, options in by_config.items():
            merged.setdefault(key, []).extend(options)
    return merged


def performance_of(problem: Problem, catalog: Catalog) -> Performance:
    """The catalog's speed model and engine matrix with the problem's engine preference."""
    if catalog.speed_model is None or catalog.engines is None:
        raise InputError("the catalog has no speed model or engine matrix (speed_model.yaml, engines.yaml)", hint="reinstall procure; the bundled catalogs are incomplete")
    return Performance(catalog.speed_model, catalog.engines, tuple(problem.engines) if problem.engines else None)


def reuse_estimates(estimates: SharedEstimates | None, problem: Problem, catalog: Catalog) -> SharedEstimates:
    """`estimates` when they were made under `problem`'s assumptions and speed model (so every
    estimate they hold is the one `problem` would make), else empty ones for it.

    Estimates depend on models, formats, splits, devices and engines, never on prices, demand,
    limits or chassis: a purchase and its renting comparison, the samples of a Monte Carlo run
    and the scenarios of a what-if sweep share them. Only builds over one catalog (or its price
    variants: price points, Monte Carlo draws) may share them, since estimates are keyed by model
    and GPU ids; callers keep them no longer than that."""
    performance = performance_of(problem, catalog)
    if estimates is not None and estimates.assumptions == problem.assumptions and estimates.performance == performance:
        return estimates
    return SharedEstimates(problem.assumptions, performance)


def build_data(problem: Problem, catalog: Catalog, *, prune: bool = True, configs: list[NodeConfig] | None = None, estimates: SharedEstimates | None = None, jobs: int = 1) -> ModelData:
    """The model's data; `prune=False` keeps dominated options and configurations (tests of
    pruning's safety);
    `configs` replaces the catalog's node configurations (rented cloud instances, solver.rent),
    which no buying policy applies to; `estimates` are replica estimates another build made
    (reused when valid for `problem`, see reuse_estimates); `jobs`: processes estimating the
    options (solver.options.parallel; the data is the same for any number)."""
    catalog = at_price_point(catalog, problem.procurement.price_point)
    excluded_by_policy = []
    if configs is None:
        candidates = candidate_configs(catalog, problem.limits)
        configs = [config for config, reasons in candidates if not reasons]
        excluded_by_policy = policy_exclusions(candidates)
    if not configs:
        raise InputError(
            "limits: no node configuration is allowed by the limits and buying policy (allowed/excluded GPUs, vendors, node types, site, lifecycle)",
            hint="relax limits.allowed_gpus / allowed_vendors / allowed_node_types, or limits.site / allow_end_of_life",
        )
    shared = reuse_estimates(estimates, problem, catalog)
    performance = shared.performance
    workloads = options_of_workloads(problem, catalog, configs, shared, prune=prune, jobs=jobs)
    check_plan_size(workloads)
    # A configuration no workload can use and nobody owns would only ever be bought at zero.
    used = {option.config_key for entry in workloads for option in entry.options}
    allowed = configs
    configs = [c for c in configs if c.key in used or c.owned]
    bridges = {c.key: item for c in configs if (item := bridge_item(catalog, c)) is not None}
    storage = _single(catalog, "storage")
    checkpoints = stored_checkpoints(problem, catalog)
    drive = Drive(storage_mb(storage.capacity or 0), price(storage), power(storage), most_storage_needed_mb(workloads, checkpoints))
    dominated = dominated_configs(configs, _options_of_configs(workloads), bridges, drive) if prune else {}
    if dominated:
        configs = [c for c in configs if c.key not in dominated]
        for entry in workloads:
            entry.options = [option for option in entry.options if option.config_key not in dominated]
    upper = _node_upper_bounds(configs, workloads, problem.limits.max_nodes)
    upper_without_node_limit = _node_upper_bounds(configs, workloads, None)
    fabric = fabric_technologies(catalog)
    sensible_bins = _rack_bins(problem, configs, fabric, workloads)
    unlimited_bins = min(sensible_bins, MAX_RACK_BINS)
    procurement = problem.procurement
    support = _optional(catalog, "support") if procurement.support_years else None
    facility = Facility(
        rack=_single(catalog, "rack"),
        pdu=_single(catalog, "pdu"),
        storage=storage,
        rack_units=problem.limits.rack_units,
        rack_power_w=_kilowatts_to_watts(problem.limits.rack_power_kw),
        liquid_rack_power_w=_kilowatts_to_watts(problem.limits.liquid_rack_power_kw),
        frontend_switch=_optional(catalog, "frontend-switch"),
        management_switch=_optional(catalog, "management-switch"),
        frontend_cable=_optional(catalog, "frontend-cable"),
        management_cable=_optional(catalog, "management-cable"),
        support=support,
        support_basis_points=round((support.percent_per_year or 0) * procurement.support_years * 100) if support else 0,
        installation=_optional(catalog, "installation") if procurement.installation else None,
        # A limit above the racks any sensible plan fills cannot bind; bins beyond that bound
        # would only multiply symmetric variables (racks: 10,000 meant 10,000 bins).
        rack_bins=min(problem.limits.racks or unlimited_bins, unlimited_bins),
        rack_bins_unlimited=unlimited_bins,
        rack_bins_capped=sensible_bins > MAX_RACK_BINS and (problem.limits.racks is None or problem.limits.racks > MAX_RACK_BINS),
    )
    return ModelData(
        problem=problem,
        configs=configs,
        workloads=workloads,
        fabric=fabric,
        facility=facility,
        checkpoints=checkpoints,
        node_upper=upper,
        node_upper_without_node_limit=upper_without_node_limit,
        allowed_configs=allowed,
        name_expansions=family_expansions(catalog, problem.limits),
        bridges={key: item for key, item in bridges.items() if key not in dominated},
        dominated=dominated,
        excluded_by_policy=excluded_by_policy,
        quotes=catalog.quotes,
        speed_model_label=f"fitted {performance.speed_model.fitted_on} on {performance.speed_model.measurement_rows} measurements (sha256 {performance.speed_model.measurements_sha256[:12]})",
    )
