"""Every feasible way to deploy each workload on each node configuration.

An option fixes the GPU type, the TP×PP(×DP) split or MIG profile, the sessions one replica
serves, and how many GPUs or whole nodes it occupies. Options whose per-GPU memory exceeds the
usable VRAM, or whose speed misses a floor, never reach the CP-SAT model; the reasons they fail
are kept to explain infeasible problems.

Packing is exact by construction (see solver.model.packing): an in-node option occupies a
power-of-two number of GPUs that divides the node's GPU count, so replicas of all widths pack
into nodes whenever their total fits; an option wider than a node occupies whole nodes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from solver.estimator.deployment import Deployment, valid_tp_degrees
from solver.estimator.estimates import Performance, calibration_gap
from solver.estimator.memory import training_memory_floor
from solver.estimator.speed import Device, mig_slice, training_hours, whole_gpu
from solver.options.bridges import pairs_to_bridge
from solver.options.configs import NodeConfig
from solver.options.replica import SharedEstimates, Split, device_key
from solver.estimator.engine_choice import choose_engine, unsupported_reason
from solver.specs.assumptions import Assumptions
from solver.specs.hardware import GpuSpec, MigProfile
from solver.specs.model import ModelSpec
from solver.specs.problem import Limits, Workload

MAX_REPLICA_NODES = 16
MAX_TRAINING_NODES = 256
TRAINING_NODE_CAP_REASON = (
    f"procure plans a training job on at most {MAX_TRAINING_NODES} nodes: a non-blocking two-tier fat tree of 64-port NDR switches "
    f"(the catalog's QM9700) connects 64 × 64 / 2 = 2,048 ports, {MAX_TRAINING_NODES} servers of 8 NICs; a larger job needs a third "
    "switch tier, which procure does not lay out"
)
"""Why MAX_TRAINING_NODES is what it is, for messages that hit it."""
ZERO_STAGES = (0, 1, 2, 3)


@dataclass(frozen=True)
class DeploymentOption:
    workload: str
    config_key: str
    gpu: str
    tp: int
    pp: int
    dp: int
    zero_stage: int
    ep: int
    nodes: int
    """Whole nodes a multi-node replica takes; 0 for a replica inside one node."""
    gpus: int
    """GPUs one replica occupies (0 for a MIG option: it occupies slices)."""
    mig_profile: str | None
    slices_per_gpu: int
    sessions: int
    """Sessions (sequences) one replica holds at once, or 1 job."""
    serves: int
    """Demand units one replica serves: sessions, jobs, or tokens/s for batch work."""
    memory_per_gpu_bytes: int
    usable_bytes_per_gpu: int
    decode_tokens_per_s: float | None
    """Per-session decode speed the plan counts on (the planning quantile of the band)."""
    ttft_s: float | None
    """Time to first token the plan counts on (the planning quantile)."""
    training_hours: float | None
    precision: str = "bf16"
    kv_precision: str = "bf16"
    preference: int = 0
    """Rank of (precision, kv_precision) in the workload's preference order (0: most preferred)."""
    variant: str = ""
    """'precision/kv' when the workload lets the solver choose its formats (part of the label)."""
    engine: str | None = None
    """Inference engine the option runs on (None for training)."""
    decode_central_tokens_per_s: float | None = None
    decode_band: tuple[float, float] | None = None
    """Low and high decode speed of the calibration band."""
    ttft_central_s: float | None = None
    ttft_band: tuple[float, float] | None = None

    @property
    def label(self) -> str:
        where = f"MIG {self.mig_profile}" if self.mig_profile else split_label(self.tp, self.pp, self.dp, self.ep)
        return f"{self.config_key} {where}" + (f" {self.variant}" if self.variant else "")


def split_label(tp: int, pp: int, dp: int = 1, ep: int = 1) -> str:
    return f"TP{tp}" + (f"×EP{ep}" if ep > 1 else "") + f"×PP{pp}" + (f"×DP{dp}" if dp > 1 else "")


@dataclass
class WorkloadOptions:
    workload: Workload
    model: ModelSpec
    required: int
    """Demand in the workload's unit (sessions, jobs, tokens/s)."""
    unit: str
    options: list[DeploymentOption] = field(default_factory=list)
    rejections: list[str] = field(default_factory=list)
    """Why configurations gave no option (for infeasibility explanations)."""
    smallest_need: dict[str, tuple[float, str]] = field(default_factory=dict)
    """Per GPU type: least memory per GPU over tried splits, and that split."""
    fastest: dict[str, tuple[float, str]] = field(default_factory=dict)
    unsupported: dict[str, str] = field(default_factory=dict)
    """Per GPU type no engine can serve the workload on: why, and what would run."""
    """Per GPU type: the fastest planning decode speed at batch 1 over splits that fit, and that split."""


def demand_unit(workload: Workload) -> str:
    if workload.kind == "interactive":
        return "sessions"
    if workload.kind == "batch":
        return "tokens/s"
    return "jobs"


def required_demand(workload: Workload) -> int:
    if workload.kind == "batch":
        assert workload.tokens is not None and workload.deadline_hours is not None
        jobs = workload.demand.required
        return math.ceil(jobs * workload.tokens / (workload.deadline_hours * 3600))
    return workload.demand.required


def _powers_of_two(limit: int) -> list[int]:
    values, value = [], 1
    while value <= limit:
        values.append(value)
        value *= 2
    return values


def in_node_widths(gpu_count: int) -> list[int]:
    """Widths that pack exactly: powers of two dividing the node's GPU count."""
    return [w for w in _powers_of_two(gpu_count) if gpu_count % w == 0]


def _tp_limit(config: NodeConfig, limits: Limits) -> int:
    return config.nvlink_domain if limits.tp_requires_nvlink else config.gpu_count


def _runnable(config: NodeConfig, device: Device, group: int, gpus_in_node: int) -> bool:
    """A replica using several GPUs of a node needs a link between them: the TP/EP group's
    collectives run over the device's link, and pipeline stages pass activations."""
    if gpus_in_node > 1 and not config.gpu.has_device_link:
        return False
    return group == 1 or device.link_bytes_per_s > 0


class _Builder:
    """Options of one workload in one of its (precision, KV precision) variants."""

    def __init__(self, entry: WorkloadOptions, variant: Workload, preference: int, limits: Limits, assumptions: Assumptions, performance: Performance, shared: SharedEstimates):
        self.entry = entry
        self.workload = variant
        self.preference = preference
        self.variant_label = f"{variant.precision}/{variant.kv_precision}" if len(entry.workload.variants) > 1 else ""
        self.model = entry.model
        self.limits = limits
        self.assumptions = assumptions
        self.performance = performance
        self.preferred = tuple(entry.workload.engines) if entry.workload.engines else performance.preferred_engines
        self.base = self.base_deployment()
        # Estimates depend on the GPU, not on the chassis around it: shared by every configuration
        # (and by other workloads deploying this model the same way).
        self.replicas = shared.of(entry.model, self.base)
        self._engines: dict[tuple[str, int, int], str | None] = {}
        self._calibration_gaps: dict[tuple[str, str, str | None, str], str | None] = {}
        self._training_floors: dict[tuple[int, int], float] = {}

    def engine_for(self, gpu: GpuSpec, tp: int, ep: int) -> str | None:
        key = (gpu.id, tp, ep)
        if key not in self._engines:
            self._engines[key] = choose_engine(self.performance.engines, self.preferred, gpu, self.workload.precision, self.workload.kv_precision, tp=tp, ep=ep)
        return self._engines[key]

    def calibration_gap(self, engine: str, device: Device) -> str | None:
        key = (engine, *device_key(device))
        if key not in self._calibration_gaps:
            self._calibration_gaps[key] = calibration_gap(self.performance.speed_model, engine, device, self.workload.precision)
        return self._calibration_gaps[key]

    def usable(self, memory_bytes: int) -> float:
        return memory_bytes * (1 - self.limits.vram_headroom)

    def note_need(self, gpu: GpuSpec, memory: float, split: str) -> None:
        best = self.entry.smallest_need.get(gpu.id)
        if best is None or memory < best[0]:
            self.entry.smallest_need[gpu.id] = (memory, split)

    def note_speed(self, gpu: GpuSpec, planning: float, split: str) -> None:
        best = self.entry.fastest.get(gpu.id)
        if best is None or planning > best[0]:
            self.entry.fastest[gpu.id] = (planning, split)

    def base_deployment(self) -> Deployment:
        workload = self.workload
        if workload.is_training:
            mode = workload.training_method
            return Deployment(
                precision="bf16" if mode == "full" else workload.precision,
                kv_precision=workload.kv_precision,
                context_tokens=workload.context_tokens,
                batch=workload.micro_batch,
                mode=mode,
                gradient_checkpointing=workload.gradient_checkpointing,
                lora_rank=workload.lora_rank or self.assumptions.lora_rank,
            )
        return Deployment(precision=workload.precision, kv_precision=workload.kv_precision, context_tokens=workload.context_tokens)

    def host_ram_ok(self, config: NodeConfig, weights_per_gpu: float) -> bool:
        """Each GPU's share of host RAM must stage its weight shard (checked per GPU slot, so
        any placement satisfies every node)."""
        return int(config.node.host_ram) == 0 or weights_per_gpu <= config.host_ram_per_gpu_bytes

    # -- inference -------------------------------------------------------------------------
    def inference_option(self, config: NodeConfig, tp: int, pp: int, nodes: int, device: Device, ep: int = 1) -> DeploymentOption | None:
        workload, assumptions, replicas = self.workload, self.assumptions, self.replicas
        label = split_label(tp, pp, 1, ep) + (f" on {nodes} nodes" if nodes else "") + (f" {self.variant_label}" if self.variant_label else "")
        engine = self.engine_for(config.gpu, tp, ep)
        if engine is None:
            self.entry.rejections.append(f"{config.key} {label}: no engine runs this split of {workload.precision} on {config.gpu.id}")
            return None
        if not assumptions.plan_uncalibrated_speeds:
            gap = self.calibration_gap(engine, device)
            if gap is not None:
                self.entry.unsupported.setdefault(config.gpu.id, f"{gap}: its speeds would be guesses (assumptions.plan_uncalibrated_speeds: true allows it)")
                self.entry.rejections.append(f"{config.key} {label}: {gap}")
                return None
        split = Split(tp, pp, ep)
        usable = self.usable(device.memory_bytes)
        inter_node = nodes > 0
        memory_one = replicas.memory(split, 1)
        self.note_need(config.gpu, memory_one.total, label)
        if memory_one.total > usable:
            return None
        if not self.host_ram_ok(config, memory_one.weights):
            self.entry.rejections.append(f"{config.key} {label}: weight shard exceeds the host RAM per GPU")
            return None
        # Speed only once memory fits: most splits of a large model fail on memory.
        first = replicas.decode(split, 1, device, engine, inter_node)
        self.note_speed(config.gpu, first.planning, label)
        floor = workload.min_decode_tokens_per_s
        if floor is not None and first.planning < floor:
            self.entry.rejections.append(
                f"{config.key} {label}: {first.planning:.1f} tok/s per session at batch 1 at {assumptions.speed_confidence:.0%} confidence "
                f"(estimate {first.central:.1f}), floor {floor:g}"
            )
            return None
        ttft = None
        if workload.kind == "interactive":
            ttft = replicas.ttft(split, device, engine, inter_node, workload.prompt_tokens)
            if workload.max_ttft_s is not None and ttft.planning > workload.max_ttft_s:
                self.entry.rejections.append(f"{config.key} {label}: time to first token {ttft.planning:.2f} s at {assumptions.speed_confidence:.0%} confidence exceeds {workload.max_ttft_s:g} s")
                return None
        cap = 1 if workload.sharing == "dedicated" else assumptions.max_batch_per_replica
        sessions = replicas.max_sessions(split, device, engine, inter_node, usable, cap, floor)
        memory = replicas.memory(split, sessions)
        speed = replicas.decode(split, sessions, device, engine, inter_node)
        serves = sessions if workload.kind == "interactive" else math.floor(sessions * speed.planning)
        if serves < 1:
            return None
        gpus = nodes * config.gpu_count if nodes else replicas.deployment(split, 1).gpus
        return DeploymentOption(
            workload=workload.name, config_key=config.key, gpu=config.gpu.id, tp=tp, pp=pp, dp=1, zero_stage=0, ep=ep,
            nodes=nodes, gpus=gpus, mig_profile=device.mig_profile, slices_per_gpu=0, sessions=sessions, serves=serves,
            memory_per_gpu_bytes=math.ceil(memory.total), usable_bytes_per_gpu=math.floor(usable), decode_tokens_per_s=speed.planning,
            ttft_s=None if ttft is None else ttft.planning, training_hours=None,
            precision=self.base.precision, kv_precision=self.base.kv_precision, preference=self.preference, variant=self.variant_label, engine=engine,
            decode_central_tokens_per_s=speed.central, decode_band=(speed.low, speed.high),
            ttft_central_s=None if ttft is None else ttft.central, ttft_band=None if ttft is None else (ttft.low, ttft.high),
        )

    def expert_parallel_options(self, config: NodeConfig, width: int, tp_limit: int) -> list[DeploymentOption]:
        """MoE replicas of `width` GPUs with experts spread whole over all of them and attention
        copies of every valid TP degree; the expert group needs the NVLink domain like TP does."""
        model = self.model
        if model.moe is None or width < 2 or width > tp_limit or model.moe.num_experts % width:
            return []
        device = whole_gpu(config.gpu, scaleup=width <= config.nvlink_domain)
        if not _runnable(config, device, width, width):
            return []
        found = []
        for tp in valid_tp_degrees(model, limit=width):
            if width % tp == 0:
                option = self.inference_option(config, tp, 1, 0, device, ep=width)
                if option:
                    found.append(option)
        return found

    def mig_option(self, config: NodeConfig, profile: MigProfile) -> DeploymentOption | None:
        device = mig_slice(config.gpu, profile)
        option = self.inference_option(config, 1, 1, 0, device)
        if option is None:
            return None
        return replace(option, gpus=0, mig_profile=profile.name, slices_per_gpu=profile.instances_per_gpu)

    def inference_options(self, config: NodeConfig) -> list[DeploymentOption]:
        model, limits = self.model, self.limits
        options: list[DeploymentOption] = []
        gpu_count = config.gpu_count
        tp_limit = _tp_limit(config, limits)
        for width in in_node_widths(gpu_count):
            for tp in valid_tp_degrees(model, limit=min(width, tp_limit)):
                pp = width // tp
                if width % tp or pp > model.num_layers:
                    continue
                device = whole_gpu(config.gpu, scaleup=tp <= config.nvlink_domain)
                if not _runnable(config, device, tp, width):
                    continue
                option = self.inference_option(config, tp, pp, 0, device)
                if option:
                    options.append(option)
            options.extend(self.expert_parallel_options(config, width, tp_limit))
        if self.workload.sharing == "dedicated":
            for profile in config.gpu.mig_profiles:
                option = self.mig_option(config, profile)
                if option:
                    options.append(option)
        served_in_node = max((min(o.serves, self.entry.required) for o in options if not o.mig_profile), default=0)
        # A wider-than-a-node replica cannot beat an in-node one that already serves everything:
        # it takes more servers and fabric, and its extra pipeline stages only slow decoding.
        if limits.allow_multinode and config.node.fabric_nics > 0 and served_in_node < self.entry.required:
            options.extend(self.multi_node_options(config, tp_limit))
        return options

    def multi_node_options(self, config: NodeConfig, tp_limit: int) -> list[DeploymentOption]:
        """Replicas over 2, 3, … whole nodes (TP within a node, pipeline stages across nodes), at
        every TP degree, until one replica serves the whole demand: wider ones only cost more."""
        model, gpu_count = self.model, config.gpu_count
        bound = min(MAX_REPLICA_NODES, self.limits.max_nodes or MAX_REPLICA_NODES)
        found: list[DeploymentOption] = []
        for nodes in range(2, bound + 1):
            at_this_width = []
            for tp in valid_tp_degrees(model, limit=min(gpu_count, tp_limit)):
                pp = nodes * gpu_count // tp
                if pp > model.num_layers:
                    continue
                device = whole_gpu(config.gpu, scaleup=tp <= config.nvlink_domain)
                if not _runnable(config, device, tp, gpu_count):
                    continue
                option = self.inference_option(config, tp, pp, nodes, device)
                if option:
                    at_this_width.append(option)
            found.extend(at_this_width)
            if any(option.serves >= self.entry.required for option in at_this_width):
                break
        return found

    # -- training --------------------------------------------------------------------------
    def training_floor(self, tp: int, pp: int) -> float:
        """Least memory per GPU of any TP×PP training split, whatever its DP and ZeRO stage."""
        key = (tp, pp)
        if key not in self._training_floors:
            self._training_floors[key] = training_memory_floor(self.model, replace(self.base, tp=tp, pp=pp), self.assumptions)
        return self._training_floors[key]

    def training_could_fit(self, config: NodeConfig, usable: float) -> bool:
        """Whether any TP×PP split the node allows has a memory floor within the GPU: when none
        has, no width fits, and the search over hundreds of node counts is skipped."""
        tp_limit = min(_tp_limit(config, self.limits), config.gpu_count)
        return any(
            self.training_floor(tp, pp) <= usable
            for tp in valid_tp_degrees(self.model, limit=tp_limit)
            for pp in range(1, self.model.num_layers + 1)
        )

    def training_option(self, config: NodeConfig, width: int, nodes: int) -> DeploymentOption | None:
        model, workload, assumptions = self.model, self.workload, self.assumptions
        assert workload.tokens is not None and workload.deadline_hours is not None
        base = self.base
        device = whole_gpu(config.gpu, scaleup=True)
        hours = training_hours(model, workload.tokens, width, device, base.mode, base.gradient_checkpointing, assumptions)
        if hours > workload.deadline_hours:
            return None
        usable = self.usable(config.gpu.usable_memory_bytes)
        tp_limit = _tp_limit(config, self.limits)
        for tp in valid_tp_degrees(model, limit=min(width, tp_limit, config.gpu_count)):
            rest = width // tp
            for pp in [p for p in range(1, rest + 1) if rest % p == 0 and p <= model.num_layers]:
                floor = self.training_floor(tp, pp)
                if floor > usable:
                    self.note_need(config.gpu, floor, f"TP{tp}×PP{pp}, any DP (lower bound)")
                    continue
                dp = rest // pp
                for stage in ZERO_STAGES if dp > 1 else (0,):
                    estimate = self.replicas.memory(Split(tp, pp, 1, dp, stage), base.batch)
                    memory = estimate.total
                    self.note_need(config.gpu, memory, f"TP{tp}×PP{pp}×DP{dp} ZeRO-{stage}")
                    if memory <= usable and self.host_ram_ok(config, estimate.weights):
                        return DeploymentOption(
                            workload=workload.name, config_key=config.key, gpu=config.gpu.id, tp=tp, pp=pp, dp=dp,
                            zero_stage=stage, ep=1, nodes=nodes, gpus=width, mig_profile=None, slices_per_gpu=0, sessions=1,
                            serves=1, memory_per_gpu_bytes=math.ceil(memory), usable_bytes_per_gpu=math.floor(usable),
                            decode_tokens_per_s=None, ttft_s=None, training_hours=hours,
                            precision=workload.weights_format, kv_precision=workload.kv_precisions[0],
                        )
        return None

    def training_options(self, config: NodeConfig) -> list[DeploymentOption]:
        options = []
        for width in in_node_widths(config.gpu_count):
            option = self.training_option(config, width, 0)
            if option:
                return [option]
        could_fit = self.training_could_fit(config, self.usable(config.gpu.usable_memory_bytes))
        if self.limits.allow_multinode and config.node.fabric_nics > 0 and could_fit:
            for nodes in range(2, MAX_TRAINING_NODES + 1):
                option = self.training_option(config, nodes * config.gpu_count, nodes)
                if option:
                    options.append(option)
                    break
        if not options:
            capped = self.limits.allow_multinode and config.node.fabric_nics > 0 and could_fit
            self.entry.rejections.append(
                f"{config.key}: no split meets memory and the {self.workload.deadline_hours:g} h deadline"
                + (f" on up to {MAX_TRAINING_NODES} nodes ({MAX_TRAINING_NODES * config.gpu_count:,} GPUs; {TRAINING_NODE_CAP_REASON})" if capped else "")
            )
        return options


def _dominates(a: DeploymentOption, b: DeploymentOption, required: int, config: NodeConfig) -> bool:
    """`a` is at least as good as `b` on everything a constraint or objective reads: footprint
    (whole nodes, GPUs; same configuration, so the same power, price and fabric per GPU), NVLink
    bridges bought for it (on bridged PCIe cards a TP2 replica needs a bridge a TP1×PP2 one on
    the same GPUs does not), demand served (beyond the requirement earns nothing), speed the plan
    counts on, and first-token time."""
    return (
        a.nodes <= b.nodes
        and a.gpus <= b.gpus
        and pairs_to_bridge(a, config) <= pairs_to_bridge(b, config)
        and min(a.serves, required) >= min(b.serves, required)
        and (a.decode_tokens_per_s or 0.0) >= (b.decode_tokens_per_s or 0.0)
        and (a.ttft_s or 0.0) <= (b.ttft_s or 0.0)
        and (a.training_hours or 0.0) <= (b.training_hours or 0.0)
    )


def _order(option: DeploymentOption) -> tuple:
    """Deterministic preference among equals: smaller, then serving more, then faster."""
    return (option.nodes, option.gpus, -option.serves, -(option.decode_tokens_per_s or 0.0), option.ttft_s or 0.0, option.tp, option.pp, option.ep)


def prune_dominated(options: list[DeploymentOption], required: int, config: NodeConfig) -> list[DeploymentOption]:
    """Options of one configuration (`config`) no other option beats on every attribute (_dominates).

    An option another dominates can be replaced replica for replica by the dominating one: its
    width is a power of two dividing the node (or whole nodes), so packing stays exact, and it
    needs no more servers, fabric, bridges, power or money while serving as much as fast. Of two
    equal options the first in _order stays. MIG options are compared within their profile.
    """
    kept: list[DeploymentOption] = []
    groups: dict[str | None, list[DeploymentOption]] = {}
    for option in options:
        groups.setdefault(option.mig_profile, []).append(option)
    for profile in sorted(groups, key=lambda p: p or ""):
        ordered = sorted(groups[profile], key=_order)
        for index, option in enumerate(ordered):
            if not any(_dominates(other, option, required, config) for other in ordered[:index]) and not any(
                _dominates(other, option, required, config) and not _dominates(option, other, required, config) for other in ordered[index + 1 :]
            ):
                kept.append(option)
    return sorted(kept, key=lambda o: (o.nodes, o.gpus, o.mig_profile or "", o.tp, o.pp, o.ep))


def workload_options(
    workload: Workload, model: ModelSpec, configs: list[NodeConfig], limits: Limits, assumptions: Assumptions, performance: Performance,
    *, prune: bool = True, shared: SharedEstimates | None = None,
) -> WorkloadOptions:
    """Every feasible option of `workload` on `configs`, in each of its (precision, KV precision)
    variants; with `prune`, only the non-dominated ones per configuration and variant (tests
    compare both to show pruning never changes the optimum). `shared` holds estimates other
    workloads of the problem made (same assumptions and performance)."""
    entry = WorkloadOptions(workload, model, required_demand(workload), demand_unit(workload))
    shared = shared if shared is not None else SharedEstimates(assumptions, performance)
    for preference, (precision, kv_precision) in enumerate(workload.variants):
        variant = workload.model_copy(update={"precision": precision, "kv_precision": kv_precision})
        builder = _Builder(entry, variant, preference, limits, assumptions, performance, shared)
        base = builder.base
        for config in configs:
            gpu = config.gpu
            if base.base_precision not in gpu.supported_formats:
                entry.rejections.append(f"{config.key}: {gpu.id} cannot run {base.base_precision}")
                continue
            if not workload.is_training and kv_precision not in gpu.supported_kv_formats:
                entry.rejections.append(f"{config.key}: {gpu.id} cannot hold a {kv_precision} KV cache")
                continue
            if not workload.is_training and builder.engine_for(gpu, 1, 1) is None:
                reason = unsupported_reason(performance.engines, builder.preferred, gpu, precision, kv_precision)
                entry.unsupported.setdefault(gpu.id, reason)
                entry.rejections.append(f"{config.key}: {reason}")
                continue
            found = builder.training_options(config) if workload.is_training else builder.inference_options(config)
            entry.options.extend(prune_dominated(found, entry.required, config) if prune else found)
    return entry
