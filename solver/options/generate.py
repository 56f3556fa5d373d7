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
from functools import lru_cache

from solver.estimator.deployment import Deployment, valid_tp_degrees
from solver.estimator.memory import estimate_memory, training_memory_floor
from solver.estimator.speed import Device, decode_speed, mig_slice, prefill_seconds, training_hours, whole_gpu
from solver.options.configs import NodeConfig
from solver.specs.assumptions import Assumptions
from solver.specs.hardware import GpuSpec, MigProfile
from solver.specs.model import ModelSpec
from solver.specs.problem import Limits, Workload

MAX_REPLICA_NODES = 16
MAX_TRAINING_NODES = 256
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
    ttft_s: float | None
    training_hours: float | None

    @property
    def label(self) -> str:
        where = f"MIG {self.mig_profile}" if self.mig_profile else split_label(self.tp, self.pp, self.dp, self.ep)
        return f"{self.config_key} {where}"


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


@lru_cache(maxsize=None)
def _evaluate(model: ModelSpec, deployment: Deployment, device: Device, assumptions: Assumptions, inter_node: bool) -> tuple[float, float | None, float]:
    """(memory per GPU, decode tokens/s per sequence, weights per GPU) — cached across node types."""
    memory = estimate_memory(model, deployment, assumptions)
    speed = None
    if not deployment.is_training:
        speed = decode_speed(model, deployment, device, assumptions, inter_node_stages=inter_node).tokens_per_s_per_sequence
    return memory.per_gpu_bytes, speed, memory.per_gpu.weights


def _fits_batch(model: ModelSpec, base: Deployment, device: Device, usable: float, workload: Workload, assumptions: Assumptions, inter_node: bool, batch: int) -> bool:
    memory, speed, _ = _evaluate(model, replace(base, batch=batch), device, assumptions, inter_node)
    if memory > usable:
        return False
    floor = workload.min_decode_tokens_per_s
    return floor is None or (speed is not None and speed >= floor)


def max_sessions(model: ModelSpec, base: Deployment, device: Device, usable: float, workload: Workload, assumptions: Assumptions, inter_node: bool) -> int:
    """Largest batch meeting memory and the per-session speed floor (both monotone in batch)."""
    cap = 1 if workload.sharing == "dedicated" else assumptions.max_batch_per_replica
    if not _fits_batch(model, base, device, usable, workload, assumptions, inter_node, 1):
        return 0
    low, high = 1, cap
    while low < high:
        middle = (low + high + 1) // 2
        if _fits_batch(model, base, device, usable, workload, assumptions, inter_node, middle):
            low = middle
        else:
            high = middle - 1
    return low


class _Builder:
    def __init__(self, entry: WorkloadOptions, limits: Limits, assumptions: Assumptions):
        self.entry = entry
        self.workload = entry.workload
        self.model = entry.model
        self.limits = limits
        self.assumptions = assumptions
        self._training_floors: dict[tuple[int, int], float] = {}

    def usable(self, memory_bytes: int) -> float:
        return memory_bytes * (1 - self.limits.vram_headroom)

    def note_need(self, gpu: GpuSpec, memory: float, split: str) -> None:
        best = self.entry.smallest_need.get(gpu.id)
        if best is None or memory < best[0]:
            self.entry.smallest_need[gpu.id] = (memory, split)

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
        model, workload, assumptions = self.model, self.workload, self.assumptions
        base = self.base_deployment()
        deployment = replace(base, tp=tp, pp=pp, ep=ep)
        usable = self.usable(device.memory_bytes)
        inter_node = nodes > 0
        memory_one, speed_one, weights = _evaluate(model, deployment, device, assumptions, inter_node)
        split = split_label(tp, pp, 1, ep) + (f" on {nodes} nodes" if nodes else "")
        self.note_need(config.gpu, memory_one, split)
        if memory_one > usable:
            return None
        if not self.host_ram_ok(config, weights):
            self.entry.rejections.append(f"{config.key} {split}: weight shard exceeds the host RAM per GPU")
            return None
        floor = workload.min_decode_tokens_per_s
        if floor is not None and (speed_one is None or speed_one < floor):
            self.entry.rejections.append(f"{config.key} {split}: {speed_one:.1f} tok/s per session at batch 1, floor {floor:g}")
            return None
        ttft = None
        if workload.kind == "interactive":
            ttft = prefill_seconds(model, deployment, device, workload.prompt_tokens, assumptions)
            if workload.max_ttft_s is not None and ttft > workload.max_ttft_s:
                self.entry.rejections.append(f"{config.key} {split}: time to first token {ttft:.2f} s exceeds {workload.max_ttft_s:g} s")
                return None
        sessions = max_sessions(model, deployment, device, usable, workload, assumptions, inter_node)
        final = replace(deployment, batch=sessions)
        memory, speed, weights = _evaluate(model, final, device, assumptions, inter_node)
        assert speed is not None
        serves = sessions if workload.kind == "interactive" else math.floor(sessions * speed)
        if serves < 1:
            return None
        gpus = nodes * config.gpu_count if nodes else deployment.gpus
        return DeploymentOption(
            workload=workload.name, config_key=config.key, gpu=config.gpu.id, tp=tp, pp=pp, dp=1, zero_stage=0, ep=ep,
            nodes=nodes, gpus=gpus, mig_profile=device.mig_profile, slices_per_gpu=0, sessions=sessions, serves=serves,
            memory_per_gpu_bytes=math.ceil(memory), usable_bytes_per_gpu=math.floor(usable), decode_tokens_per_s=speed,
            ttft_s=ttft, training_hours=None,
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
        # A wider-than-a-node replica cannot beat an in-node one that already serves everything.
        if limits.allow_multinode and config.node.fabric_nics > 0 and served_in_node < self.entry.required:
            fits_in_node = bool(options)
            tps = valid_tp_degrees(model, limit=min(gpu_count, tp_limit))
            for nodes in range(2, (4 if fits_in_node else MAX_REPLICA_NODES) + 1):
                for tp in tps[-1:]:
                    pp = nodes * gpu_count // tp
                    if pp > model.num_layers:
                        continue
                    device = whole_gpu(config.gpu, scaleup=tp <= config.nvlink_domain)
                    if not _runnable(config, device, tp, config.gpu_count):
                        continue
                    option = self.inference_option(config, tp, pp, nodes, device)
                    if option:
                        options.append(option)
                if options and not fits_in_node:
                    break
        return prune_dominated(options, self.entry.required)

    # -- training --------------------------------------------------------------------------
    def training_floor(self, tp: int, pp: int) -> float:
        """Least memory per GPU of any TP×PP training split, whatever its DP and ZeRO stage."""
        key = (tp, pp)
        if key not in self._training_floors:
            self._training_floors[key] = training_memory_floor(self.model, replace(self.base_deployment(), tp=tp, pp=pp), self.assumptions)
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
        base = self.base_deployment()
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
                    deployment = replace(base, tp=tp, pp=pp, dp=dp, zero_stage=stage)
                    memory, _, weights = _evaluate(model, deployment, device, assumptions, nodes > 0)
                    self.note_need(config.gpu, memory, f"TP{tp}×PP{pp}×DP{dp} ZeRO-{stage}")
                    if memory <= usable and self.host_ram_ok(config, weights):
                        return DeploymentOption(
                            workload=workload.name, config_key=config.key, gpu=config.gpu.id, tp=tp, pp=pp, dp=dp,
                            zero_stage=stage, ep=1, nodes=nodes, gpus=width, mig_profile=None, slices_per_gpu=0, sessions=1,
                            serves=1, memory_per_gpu_bytes=math.ceil(memory), usable_bytes_per_gpu=math.floor(usable),
                            decode_tokens_per_s=None, ttft_s=None, training_hours=hours,
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
            self.entry.rejections.append(f"{config.key}: no split meets memory and the {self.workload.deadline_hours:g} h deadline")
        return options


def prune_dominated(options: list[DeploymentOption], required: int) -> list[DeploymentOption]:
    """Drop options another option of the same configuration beats outright.

    Service beyond the requirement earns nothing, so compare min(serves, required). An option
    taking more GPUs (or whole nodes) than another, or as many, while serving no more, can be
    replaced replica for replica by the smaller one: the smaller width still packs exactly and
    needs no more fabric, power or money. MIG options are compared within their profile.
    """
    def footprint(option: DeploymentOption) -> tuple[int, int]:
        return (option.nodes, option.gpus)

    kept: list[DeploymentOption] = []
    whole = sorted((o for o in options if not o.mig_profile), key=lambda o: (footprint(o), -o.serves, -(o.decode_tokens_per_s or 0.0), o.tp, o.pp))
    best_served = 0
    for option in whole:
        effective = min(option.serves, required)
        if effective > best_served:
            kept.append(option)
            best_served = effective
    by_profile: dict[str, DeploymentOption] = {}
    for option in options:
        if option.mig_profile:
            current = by_profile.get(option.mig_profile)
            if current is None or (option.serves, option.decode_tokens_per_s or 0.0) > (current.serves, current.decode_tokens_per_s or 0.0):
                by_profile[option.mig_profile] = option
    kept.extend(by_profile[name] for name in sorted(by_profile))
    return sorted(kept, key=lambda o: (o.nodes, o.gpus, o.mig_profile or "", o.tp, o.pp))


def workload_options(workload: Workload, model: ModelSpec, configs: list[NodeConfig], limits: Limits, assumptions: Assumptions) -> WorkloadOptions:
    entry = WorkloadOptions(workload, model, required_demand(workload), demand_unit(workload))
    builder = _Builder(entry, limits, assumptions)
    base = builder.base_deployment()
    for config in configs:
        gpu = config.gpu
        if base.base_precision not in gpu.supported_formats:
            entry.rejections.append(f"{config.key}: {gpu.id} cannot run {base.base_precision}")
            continue
        if not workload.is_training and workload.kv_precision not in gpu.supported_kv_formats:
            entry.rejections.append(f"{config.key}: {gpu.id} cannot hold a {workload.kv_precision} KV cache")
            continue
        found = builder.training_options(config) if workload.is_training else builder.inference_options(config)
        entry.options.extend(found)
    return entry
