"""Roofline speed: decode tokens/s, prefill time, and training time.

Decode (one step produces one token for each of b sequences) reads every weight it uses once
and each sequence's KV cache once, and performs 2 FLOPs per active parameter per sequence plus
attention (Kaplan et al. 2020 §2.1; the memory-bound regime of Pope et al. 2022, "Efficiently
Scaling Transformer Inference", arXiv:2211.05102). Step time per pipeline stage is
max(bytes / (bandwidth · efficiency), FLOPs / (peak · efficiency)) plus two tensor-parallel
all-reduces per layer; stages run one after another for a given token.
MoE layers read only the experts the batch touches: with k of E experts per token and uniform
routing, E·(1 − (1 − k/E)^b) distinct experts per layer.
A ring all-reduce of m bytes over t ranks moves 2(t−1)/t · m per rank (Patarasuk & Yuan 2009),
over NVLink at half the bidirectional figure, or over PCIe at the host link's rate.
Training takes 6·N·D FLOPs for N active parameters and D tokens (Kaplan et al. 2020), 4·N·D for
LoRA whose frozen weights need no weight gradients, plus 2·N·D when activations are recomputed.
"""

from __future__ import annotations

from dataclasses import dataclass

from solver.estimator.deployment import Deployment
from solver.estimator.formats import weight_format
from solver.estimator.kv_cache import kv_cache_bytes_per_rank
from solver.estimator.params import count_parameters, layer_parameters
from solver.estimator.weights import pipeline_stages, rank_weights, stage_weight_bytes
from solver.specs.assumptions import Assumptions
from solver.specs.hardware import GpuSpec, MigProfile
from solver.specs.model import ModelSpec

INTER_NODE_BYTES_PER_S = 50e9
"""One 400 Gb/s NDR port per GPU (rail-optimised), for pipeline hops between nodes."""
INTER_NODE_LATENCY_S = 10e-6


@dataclass(frozen=True)
class Device:
    """What one GPU, or one MIG slice of it, offers a replica."""

    gpu: GpuSpec
    memory_bytes: int
    bandwidth_bytes_per_s: float
    compute_share: float
    link_bytes_per_s: float
    """Per direction, for tensor-parallel collectives."""
    mig_profile: str | None = None

    def peak_flops(self, compute_format: str) -> float | None:
        tflops = self.gpu.dense_tflops(compute_format)
        return None if tflops is None else tflops * 1e12 * self.compute_share


def whole_gpu(gpu: GpuSpec, scaleup: bool) -> Device:
    """A whole GPU; `scaleup` when its TP peers are in its NVLink domain, else PCIe."""
    link = gpu.scaleup_bandwidth_gb_s / 2 if scaleup and gpu.has_scaleup else gpu.host_link_gb_s
    return Device(gpu, gpu.usable_memory_bytes, gpu.memory_bandwidth_gb_s * 1e9, 1.0, link * 1e9)


def mig_slice(gpu: GpuSpec, profile: MigProfile) -> Device:
    """A MIG instance gets its memory slices' share of bandwidth and its GPCs' share of compute."""
    return Device(
        gpu,
        int(profile.memory),
        gpu.memory_bandwidth_gb_s * 1e9 * profile.memory_slices / profile.total_memory_slices,
        profile.compute_slices / profile.total_compute_slices,
        0.0,
        profile.name,
    )


def expected_experts_touched(num_experts: int, experts_per_token: int, sequences: int) -> float:
    return num_experts * (1 - (1 - experts_per_token / num_experts) ** sequences)


def allreduce_seconds(message_bytes: float, tp: int, device: Device, assumptions: Assumptions) -> float:
    if tp == 1:
        return 0.0
    bandwidth = device.link_bytes_per_s * assumptions.link_efficiency
    return assumptions.collective_latency_us * 1e-6 + 2 * (tp - 1) / tp * message_bytes / bandwidth


def _attention_width(model: ModelSpec) -> int:
    """Per-token K (and V) width one query attends over: MLA decodes in its absorbed latent form."""
    if model.mla is not None:
        return model.num_attention_heads * (model.mla.kv_lora_rank + model.mla.qk_rope_head_dim)
    return model.num_attention_heads * model.head_dim


@dataclass(frozen=True)
class DecodeSpeed:
    step_seconds: float
    memory_seconds: float
    compute_seconds: float
    communication_seconds: float

    @property
    def tokens_per_s_per_sequence(self) -> float:
        return 1.0 / self.step_seconds

    def aggregate_tokens_per_s(self, sequences: int) -> float:
        return sequences / self.step_seconds

    @property
    def bound(self) -> str:
        return "memory" if self.memory_seconds >= self.compute_seconds else "compute"


def all_to_all_seconds(message_bytes: float, ep: int, device: Device, assumptions: Assumptions) -> float:
    """Expert-parallel dispatch or combine: each rank exchanges (ep−1)/ep of its tokens' states."""
    if ep == 1:
        return 0.0
    bandwidth = device.link_bytes_per_s * assumptions.link_efficiency
    return assumptions.collective_latency_us * 1e-6 + (ep - 1) / ep * message_bytes / bandwidth


def _expert_flops_per_token_layer(model: ModelSpec) -> float:
    """Routed-expert FLOPs of one token in one MoE layer (2 per active expert weight)."""
    if model.moe is None:
        return 0.0
    return 2 * model.moe.experts_per_token * layer_parameters(model, moe_layer=True).expert_one


def decode_speed(model: ModelSpec, deployment: Deployment, device: Device, assumptions: Assumptions, *, inter_node_stages: bool = False) -> DecodeSpeed:
    """Time of one decode step at batch `deployment.batch` with full contexts (the slowest point).

    With expert parallelism each GPU runs attention for its group's share of the sequences and
    the routed experts it holds for the whole batch; two all-to-alls per MoE layer replace the
    MLP all-reduce.
    """
    fmt = weight_format(deployment.precision)
    peak = device.peak_flops(fmt.compute) or device.peak_flops("bf16")
    assert peak is not None
    counts = count_parameters(model)
    tp, ep = deployment.tp, deployment.ep
    weights = rank_weights(model, fmt, tp, ep)
    batch, sequences = deployment.batch, deployment.sequences_per_group
    untouched = 0.0
    if model.moe is not None:
        touched = expected_experts_touched(model.moe.num_experts, model.moe.experts_per_token, batch)
        untouched = weights.moe_layer_experts * (1 - touched / model.moe.num_experts)
    expert_flops = _expert_flops_per_token_layer(model)
    other_flops_per_layer = 2 * counts.layers_active / model.num_layers
    memory_s = compute_s = comm_s = 0.0
    for stage in pipeline_stages(model, deployment.pp):
        read = stage_weight_bytes(model, weights, stage) - stage.moe * untouched
        if stage.first:
            read -= weights.embedding  # decode looks up b rows, not the matrix
            if stage.last and model.tie_word_embeddings:
                read += weights.embedding  # ...but a tied lm_head reads it all
        read += kv_cache_bytes_per_rank(model, deployment.kv_precision, tp, stage.layers, deployment.context_tokens * sequences)
        flops = sequences * (other_flops_per_layer * stage.layers - expert_flops * stage.moe) / tp
        flops += batch * expert_flops * stage.moe / (ep if ep > 1 else tp)
        flops += 4 * sequences * deployment.context_tokens * _attention_width(model) / tp * stage.layers
        if stage.last:
            flops += 2 * sequences * model.vocab_size * model.hidden_size / tp
        stage_memory = read / (device.bandwidth_bytes_per_s * assumptions.bandwidth_efficiency)
        stage_compute = flops / (peak * assumptions.compute_efficiency)
        memory_s += stage_memory if stage_memory >= stage_compute else 0.0
        compute_s += stage_compute if stage_compute > stage_memory else 0.0
        reduce = allreduce_seconds(sequences * model.hidden_size * 2, tp, device, assumptions)
        if ep > 1:
            exchange = all_to_all_seconds(batch / ep * model.moe.experts_per_token * model.hidden_size * 2, ep, device, assumptions)  # type: ignore[union-attr]
            comm_s += stage.layers * reduce + stage.dense * reduce + stage.moe * 2 * exchange
        else:
            comm_s += 2 * stage.layers * reduce
    hops = deployment.pp - 1
    if hops:
        hop_bytes = batch * model.hidden_size * 2
        hop_rate = INTER_NODE_BYTES_PER_S if inter_node_stages else max(device.link_bytes_per_s, 1e9)
        comm_s += hops * (INTER_NODE_LATENCY_S + hop_bytes / hop_rate)
    return DecodeSpeed(memory_s + compute_s + comm_s, memory_s, compute_s, comm_s)


def prefill_seconds(model: ModelSpec, deployment: Deployment, device: Device, prompt_tokens: int, assumptions: Assumptions) -> float:
    """Time to first token for one prompt on an otherwise idle replica (its attention group's
    tp GPUs; with expert parallelism the routed experts spread over ep GPUs)."""
    fmt = weight_format(deployment.precision)
    peak = device.peak_flops(fmt.compute) or device.peak_flops("bf16")
    assert peak is not None
    counts = count_parameters(model)
    tp, ep = deployment.tp, deployment.ep
    expert = _expert_flops_per_token_layer(model) * model.moe_layers * prompt_tokens
    other = 2 * counts.active * prompt_tokens - expert + 2 * model.num_layers * prompt_tokens**2 * _attention_width(model)
    compute_s = (other / tp + expert / (ep if ep > 1 else tp)) / (peak * assumptions.compute_efficiency)
    weights = rank_weights(model, fmt, tp, ep)
    read = sum(stage_weight_bytes(model, weights, stage) for stage in pipeline_stages(model, deployment.pp))
    memory_s = read / (device.bandwidth_bytes_per_s * assumptions.bandwidth_efficiency)
    comm_s = 2 * model.num_layers * allreduce_seconds(prompt_tokens * model.hidden_size * 2, tp, device, assumptions)
    return max(compute_s, memory_s) + comm_s


def training_flops(model: ModelSpec, tokens: float, mode: str, checkpointing: bool) -> float:
    active = count_parameters(model).active
    per_token = 6 if mode == "full" else 4
    if checkpointing:
        per_token += 2
    return per_token * active * tokens


def training_hours(model: ModelSpec, tokens: float, gpus: int, device: Device, mode: str, checkpointing: bool, assumptions: Assumptions) -> float:
    """Wall-clock hours for `tokens` training tokens on `gpus` devices at the assumed MFU."""
    peak = device.peak_flops("bf16")
    assert peak is not None
    return training_flops(model, tokens, mode, checkpointing) / (gpus * peak * assumptions.training_mfu) / 3600
