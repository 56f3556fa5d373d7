"""How long the work of a step takes on a device under an engine: a roofline plus what engines pay.

Backbone (Pope et al. 2022, arXiv:2211.05102; Williams et al. 2009, "Roofline"): per pipeline
stage, the slower of streaming its bytes and computing its FLOPs,
    memory  = ((weights + experts·f_moe)·f_fmt·(1 + tokens/T_fmt) + kv·f_kv) / (peak bandwidth · η_mem)
    compute = matmul FLOPs · g_fmt / (peak in the format's arithmetic · η_c) + attention FLOPs / (16-bit peak · η_c)
where quantised kernels re-read a weight tile every T_fmt tokens it multiplies (16-bit: never),
plus what the roofline leaves out and engines measurably pay:
    fixed   = layers · τ_layer + MoE layers · τ_moe            (kernel launches, gating, dispatch;
              decode replays CUDA graphs, prefill launches every kernel: separate τ_layer)
    comm    = per all-reduce α_link + 2(t−1)/t · m / (link · η_link)  (ring all-reduce, Patarasuk &
              Yuan 2009), per all-to-all α_link + (t−1)/t · m / (link · η_link)
and per step τ_step + b · τ_seq (scheduling and sampling, which grow with the batch) and, between
pipeline stages, a hop of the hidden states. Stages run one after another for a given token.

Every coefficient (η, f, g, τ, α) is fitted from published measurements
(catalogs/measurements.yaml → catalogs/speed_model.yaml by `procure calibrate --refit`);
solver.estimator.classes says which class each is looked up by. The step's result is a central
estimate; solver.estimator.bands turns it into a band from the calibration residuals.
Training takes 6·N·D FLOPs for N active parameters and D tokens (Kaplan et al. 2020), 4·N·D for
LoRA whose frozen weights need no weight gradients, plus 2·N·D when activations are recomputed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from solver.errors import InputError
from solver.estimator.classes import lookup, speed_keys
from solver.estimator.deployment import Deployment
from solver.estimator.params import count_parameters
from solver.estimator.work import StepWork, decode_work, prefill_work
from solver.specs.assumptions import Assumptions
from solver.specs.hardware import GpuSpec, MigProfile
from solver.specs.model import ModelSpec
from solver.specs.performance import SpeedCoefficients

INTER_NODE_BYTES_PER_S = 50e9
"""One 400 Gb/s NDR port per GPU (rail-optimised), for pipeline hops between nodes."""
INTER_NODE_LATENCY_S = 10e-6
"""InfiniBand NDR point-to-point latency, a few microseconds plus the send/receive kernels."""

Link = Literal["scaleup", "pcie", "none"]

FP16_ACCUMULATING_ENGINES = frozenset({"llama.cpp"})
"""Engines whose 16-bit matrix multiplications accumulate in FP16 (llama.cpp's CUDA backend calls
cuBLAS with CUBLAS_COMPUTE_16F for f16 weights), reaching GeForce cards' doubled FP16-accumulate rate."""

FULL_REUSE_TOKENS = 1e12
"""16-bit GEMMs (cuBLAS and its peers) keep weight tiles on chip for any batch: no re-reads."""


@dataclass(frozen=True)
class Device:
    """What one GPU, or one MIG slice of it, offers a replica."""

    gpu: GpuSpec
    memory_bytes: int
    bandwidth_bytes_per_s: float
    compute_share: float
    link_bytes_per_s: float
    """Per direction, for tensor-parallel collectives."""
    link: Link
    mig_profile: str | None = None

    def peak_flops(self, compute_format: str, engine: str | None = None) -> float:
        """Peak dense FLOP/s in a format's arithmetic; 16-bit where the device has no native path,
        at the FP16-accumulate rate for engines that accumulate in FP16."""
        tflops = self.gpu.dense_tflops(compute_format) or self.gpu.dense_tflops("bf16")
        assert tflops is not None
        if compute_format in ("fp16", "bf16") and engine in FP16_ACCUMULATING_ENGINES and self.gpu.fp16_accumulate_tflops:
            tflops = self.gpu.fp16_accumulate_tflops
        return tflops * 1e12 * self.compute_share


def whole_gpu(gpu: GpuSpec, scaleup: bool) -> Device:
    """A whole GPU; `scaleup` when its TP peers are in its NVLink domain, else PCIe (none for a
    device that has neither, such as a Mac or a CPU server)."""
    if scaleup and gpu.has_scaleup:
        link: Link = "scaleup"
        link_gb_s = gpu.scaleup_bandwidth_gb_s / 2
    elif gpu.host_link_gb_s > 0:
        link, link_gb_s = "pcie", gpu.host_link_gb_s
    else:
        link, link_gb_s = "none", 0.0
    return Device(gpu, gpu.usable_memory_bytes, gpu.memory_bandwidth_gb_s * 1e9, 1.0, link_gb_s * 1e9, link)


def mig_slice(gpu: GpuSpec, profile: MigProfile) -> Device:
    """A MIG instance gets its memory slices' share of bandwidth and its GPCs' share of compute."""
    return Device(
        gpu,
        int(profile.memory),
        gpu.memory_bandwidth_gb_s * 1e9 * profile.memory_slices / profile.total_memory_slices,
        profile.compute_slices / profile.total_compute_slices,
        0.0,
        "none",
        profile.name,
    )


@dataclass(frozen=True)
class StepTime:
    """Seconds of one step by cause; `seconds` is their total."""

    memory_seconds: float
    """Stages whose bytes take longer than their FLOPs."""
    compute_seconds: float
    """Stages whose FLOPs take longer than their bytes."""
    fixed_seconds: float
    communication_seconds: float

    @property
    def seconds(self) -> float:
        return self.memory_seconds + self.compute_seconds + self.fixed_seconds + self.communication_seconds

    @property
    def bound(self) -> str:
        causes = {"memory": self.memory_seconds, "compute": self.compute_seconds, "latency": self.fixed_seconds, "communication": self.communication_seconds}
        return max(causes, key=lambda cause: causes[cause])


@dataclass(frozen=True)
class DecodeSpeed:
    time: StepTime
    sequences: int

    @property
    def step_seconds(self) -> float:
        return self.time.seconds

    @property
    def tokens_per_s_per_sequence(self) -> float:
        return 1.0 / self.time.seconds

    def aggregate_tokens_per_s(self, sequences: int) -> float:
        return sequences / self.time.seconds

    @property
    def bound(self) -> str:
        return self.time.bound


def _require_link(work: StepWork, device: Device) -> None:
    if (work.tp > 1 or work.ep > 1) and device.link == "none":
        raise InputError(
            f"{device.gpu.id} has no link between devices, so it cannot split a model with tensor or expert parallelism",
            hint="run on one device (TP1), or choose hardware with NVLink/PCIe peers",
        )


@dataclass(frozen=True)
class Rates:
    """The coefficients one step evaluation uses, resolved for its device, engine, format and
    phase. Fields are floats, or numpy arrays when calibration evaluates many steps at once."""

    bandwidth: Any
    """Achieved memory bandwidth, B/s."""
    matmul_peak: Any
    """Achieved matmul FLOP/s in the format's arithmetic."""
    attention_peak: Any
    weight_factor: Any
    reuse_tokens: Any
    """Tokens a quantised kernel serves from one read of a weight tile (re-reads beyond that)."""
    expert_factor: Any
    kv_factor: Any
    dequant: Any
    layer_s: Any
    moe_s: Any
    collective_s: Any
    link_rate: Any
    """Achieved link bandwidth, B/s (1 where there is no link: no collectives then)."""


def stage_terms(stage: Any, rates: Rates) -> tuple[Any, Any, Any, Any]:
    """(memory, compute, fixed, communication) seconds of a stage, before memory and compute
    overlap: the roofline takes the larger of the first two. `stage` has StageWork's fields as
    numbers or as numpy arrays (one element per stage); the same arithmetic serves both."""
    weight_passes = 1 + stage.tokens / rates.reuse_tokens
    streamed = (stage.weight_bytes + stage.expert_bytes * rates.expert_factor) * rates.weight_factor * weight_passes + stage.kv_bytes * rates.kv_factor
    memory = streamed / rates.bandwidth
    compute = stage.linear_flops * rates.dequant / rates.matmul_peak + stage.attention_flops / rates.attention_peak
    fixed = stage.layers * rates.layer_s + stage.moe_layers * rates.moe_s
    share = (stage.group - 1) / stage.group
    comm = stage.allreduces * (rates.collective_s + 2 * share * stage.allreduce_bytes / rates.link_rate)
    comm = comm + stage.alltoalls * (rates.collective_s + share * stage.alltoall_bytes / rates.link_rate)
    return memory, compute, fixed, comm


def rates_for(device: Device, engine: str, coefficients: SpeedCoefficients, precision: str, compute_format: str, phase: str) -> Rates:
    keys = speed_keys(engine, device.gpu, precision, device.link)
    c = coefficients
    efficiency = lookup(c.decode_compute_efficiency if phase == "decode" else c.prefill_compute_efficiency, keys.hardware)
    weight_only = keys.format is not None and compute_format not in ("fp8", "int8")
    return Rates(
        bandwidth=device.bandwidth_bytes_per_s * lookup(c.memory_efficiency, keys.hardware),
        matmul_peak=device.peak_flops(compute_format, engine) * efficiency,
        attention_peak=device.peak_flops("bf16", engine) * efficiency,
        weight_factor=1.0 if keys.format is None else lookup(c.weight_read_factor, keys.format),
        reuse_tokens=FULL_REUSE_TOKENS if keys.format is None else lookup(c.weight_reuse_tokens, keys.format),
        expert_factor=lookup(c.expert_read_factor, keys.platform),
        kv_factor=lookup(c.kv_read_factor, keys.platform),
        # Weight-only formats dequantise inside the matmul; native 8-bit and 16-bit ones do not.
        dequant=lookup(c.dequant_compute_factor, keys.format) if weight_only and keys.format else 1.0,
        layer_s=lookup(c.layer_latency_us if phase == "decode" else c.prefill_layer_latency_us, keys.platform) * 1e-6,
        moe_s=lookup(c.moe_layer_latency_us, keys.platform) * 1e-6,
        collective_s=lookup(c.collective_latency_us, keys.link) * 1e-6,
        link_rate=device.link_bytes_per_s * lookup(c.link_efficiency, keys.link) if device.link_bytes_per_s else 1.0,
    )


def hop_seconds(work: StepWork, device: Device, inter_node_stages: bool) -> float:
    """Passing hidden states between pipeline stages: over InfiniBand between nodes, else the link."""
    if not work.pipeline_hops:
        return 0.0
    rate = INTER_NODE_BYTES_PER_S if inter_node_stages or device.link == "none" else device.link_bytes_per_s
    return work.pipeline_hops * (INTER_NODE_LATENCY_S + work.hop_bytes / rate)


def step_overhead_seconds(sequences: int, step_s: float, sequence_s: float, phase: str) -> float:
    """Per-step engine time outside the layers; decode also pays per running sequence."""
    return step_s + (sequences * sequence_s if phase == "decode" else 0.0)


def step_time(work: StepWork, device: Device, engine: str, coefficients: SpeedCoefficients, precision: str, *, phase: Literal["decode", "prefill"], inter_node_stages: bool = False) -> StepTime:
    """Seconds for `work` on `device` under `engine` with the fitted `coefficients`."""
    _require_link(work, device)
    rates = rates_for(device, engine, coefficients, precision, work.compute_format, phase)
    memory_s = compute_s = fixed_s = comm_s = 0.0
    # Stages of one shape are one object (work._per_shape): evaluate each once, but add up
    # stage by stage in order, so the total is the same float as a sum over fresh evaluations.
    terms: dict[int, tuple[float, float, float, float]] = {}
    for stage in work.stages:
        found = terms.get(id(stage))
        if found is None:
            memory, compute, fixed, comm = stage_terms(stage, rates)
            found = terms[id(stage)] = (memory if memory >= compute else 0.0, compute if compute > memory else 0.0, fixed, comm)
        memory, compute, fixed, comm = found
        memory_s += memory
        compute_s += compute
        fixed_s += fixed
        comm_s += comm
    platform = speed_keys(engine, device.gpu, precision, device.link).platform
    fixed_s += step_overhead_seconds(work.sequences, lookup(coefficients.step_latency_us, platform) * 1e-6, lookup(coefficients.sequence_latency_us, platform) * 1e-6, phase)
    return StepTime(memory_s, compute_s, fixed_s, comm_s + hop_seconds(work, device, inter_node_stages))


def decode_speed(model: ModelSpec, deployment: Deployment, device: Device, engine: str, coefficients: SpeedCoefficients, *, inter_node_stages: bool = False, work: StepWork | None = None) -> DecodeSpeed:
    """Central estimate of one decode step at batch `deployment.batch` with every sequence at
    `deployment.context_tokens` (the solver passes full contexts: the slowest point). `work` is
    ``decode_work(model, deployment)`` when the caller has it already (it is device-independent)."""
    if work is None:
        work = decode_work(model, deployment)
    time = step_time(work, device, engine, coefficients, deployment.precision, phase="decode", inter_node_stages=inter_node_stages)
    return DecodeSpeed(time, deployment.batch)


def prefill_seconds(model: ModelSpec, deployment: Deployment, device: Device, prompt_tokens: int, engine: str, coefficients: SpeedCoefficients, *, inter_node_stages: bool = False) -> float:
    """Central estimate of the time to first token for one prompt on an otherwise idle replica."""
    work = prefill_work(model, deployment, prompt_tokens)
    return step_time(work, device, engine, coefficients, deployment.precision, phase="prefill", inter_node_stages=inter_node_stages).seconds


def batched_prefill_seconds(work: StepWork, device: Device, engine: str, coefficients: SpeedCoefficients, precision: str) -> float:
    """Matmul and attention time of one prompt's `work` (from prefill_work) when its prefill is
    batched with others (no per-layer latency, weights shared with the batch): what a serving
    engine spends per new request between decode steps."""
    rates = rates_for(device, engine, coefficients, precision, work.compute_format, "prefill")
    return sum(stage_terms(stage, rates)[1] for stage in work.stages)


def serving_step_seconds(decode_step_seconds: float, new_prompt_seconds: float, sequences: int, output_tokens: int) -> float:
    """Decode step time under continuous batching: with `sequences` running and each producing
    `output_tokens` before it is replaced, the engine prefills sequences/output_tokens new prompts
    per step on average, stalling decode for that long (chunked or not)."""
    if sequences <= 1:
        return decode_step_seconds
    return decode_step_seconds + sequences / output_tokens * new_prompt_seconds


def training_flops(model: ModelSpec, tokens: float, mode: str, checkpointing: bool) -> float:
    active = count_parameters(model).active
    per_token = 6 if mode == "full" else 4
    if checkpointing:
        per_token += 2
    return per_token * active * tokens


def training_hours(model: ModelSpec, tokens: float, gpus: int, device: Device, mode: str, checkpointing: bool, assumptions: Assumptions) -> float:
    """Wall-clock hours for `tokens` training tokens on `gpus` devices at the assumed MFU."""
    peak = device.peak_flops("bf16")
    return training_flops(model, tokens, mode, checkpointing) / (gpus * peak * assumptions.training_mfu) / 3600
