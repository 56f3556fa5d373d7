"""How a model is deployed: precision, context, batch, mode, and the parallel split."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from solver.errors import InputError
from solver.estimator.formats import KV_FORMAT_BYTES, WEIGHT_FORMATS
from solver.specs.model import ModelSpec

Mode = Literal["inference", "full", "lora", "qlora"]
MODES: tuple[Mode, ...] = ("inference", "full", "lora", "qlora")


@dataclass(frozen=True)
class Deployment:
    precision: str = "bf16"
    kv_precision: str = "bf16"
    context_tokens: int = 4096
    """Tokens each sequence holds in the KV cache (prompt + generated); training: sequence length."""
    batch: int = 1
    """Sequences at once per replica (inference) or micro-batch per GPU (training)."""
    mode: Mode = "inference"
    tp: int = 1
    pp: int = 1
    dp: int = 1
    """Data-parallel ranks sharing optimizer states (training, ZeRO)."""
    ep: int = 1
    """Expert-parallel degree (MoE inference). 1: every routed expert is split across the TP
    group. ep > 1: each of `ep` GPUs per stage holds num_experts/ep whole experts, and attention,
    TP-split over `tp`, is replicated ep/tp times, each copy serving its own share of the
    sequences (data-parallel attention, as SGLang and vLLM run DeepSeek models)."""
    zero_stage: int = 0
    gradient_checkpointing: bool = True
    lora_rank: int = 16

    @property
    def gpus_per_stage(self) -> int:
        return self.ep if self.ep > 1 else self.tp

    @property
    def attention_groups(self) -> int:
        """Data-parallel attention copies per stage (1 without expert parallelism)."""
        return self.ep // self.tp if self.ep > 1 else 1

    @property
    def sequences_per_group(self) -> int:
        return -(-self.batch // self.attention_groups)

    @property
    def gpus(self) -> int:
        return self.gpus_per_stage * self.pp * self.dp

    @property
    def is_training(self) -> bool:
        return self.mode != "inference"

    @property
    def base_precision(self) -> str:
        """Storage format of the (frozen or trained) base weights: QLoRA forces NF4."""
        return "nf4" if self.mode == "qlora" else self.precision


def validate_deployment(model: ModelSpec, deployment: Deployment) -> None:
    """Reject deployments no engine can run, with one clear message each."""
    if deployment.precision not in WEIGHT_FORMATS:
        raise InputError(f"unknown precision '{deployment.precision}'", hint=f"valid: {', '.join(WEIGHT_FORMATS)}")
    if deployment.kv_precision not in KV_FORMAT_BYTES:
        raise InputError(f"unknown KV precision '{deployment.kv_precision}'", hint=f"valid: {', '.join(KV_FORMAT_BYTES)}")
    if deployment.mode not in MODES:
        raise InputError(f"unknown mode '{deployment.mode}'", hint=f"valid: {', '.join(MODES)}")
    for field, value in (("context", deployment.context_tokens), ("batch", deployment.batch), ("tp", deployment.tp), ("pp", deployment.pp), ("dp", deployment.dp), ("ep", deployment.ep), ("lora rank", deployment.lora_rank)):
        if value < 1:
            raise InputError(f"{field} must be at least 1 (got {value})")
    if deployment.zero_stage not in (0, 1, 2, 3):
        raise InputError(f"ZeRO stage must be 0-3 (got {deployment.zero_stage})")
    if deployment.mode == "full" and deployment.precision not in ("bf16", "fp16"):
        raise InputError(f"full fine-tuning trains 16-bit weights, not {deployment.precision}", hint="use --precision bf16, or --mode qlora for a 4-bit base")
    heads = model.num_attention_heads
    if heads % deployment.tp:
        raise InputError(
            f"tensor parallel {deployment.tp} does not divide {model.id}'s {heads} attention heads",
            hint=f"use a TP degree dividing {heads}: {', '.join(str(t) for t in valid_tp_degrees(model))}",
        )
    if model.mla is None:
        kv_heads = model.num_key_value_heads
        if deployment.tp < kv_heads and kv_heads % deployment.tp:
            raise InputError(f"tensor parallel {deployment.tp} does not divide {model.id}'s {kv_heads} KV heads")
        if deployment.tp > kv_heads and deployment.tp % kv_heads:
            raise InputError(f"tensor parallel {deployment.tp} is not a multiple of {model.id}'s {kv_heads} KV heads")
    if deployment.ep > 1:
        if model.moe is None:
            raise InputError(f"expert parallel needs a mixture-of-experts model; {model.id} is dense", hint="use --ep 1")
        if deployment.is_training:
            raise InputError("expert parallel is modelled for inference only", hint="use --ep 1 with --mode full/lora/qlora")
        if deployment.ep % deployment.tp:
            raise InputError(f"expert parallel {deployment.ep} must be a multiple of tensor parallel {deployment.tp}")
        if model.moe.num_experts % deployment.ep:
            raise InputError(f"expert parallel {deployment.ep} does not divide {model.id}'s {model.moe.num_experts} experts")
    if deployment.pp > model.num_layers:
        raise InputError(f"pipeline parallel {deployment.pp} exceeds {model.id}'s {model.num_layers} layers")


def valid_tp_degrees(model: ModelSpec, limit: int = 128) -> list[int]:
    """Power-of-two TP degrees an engine accepts: they divide the heads, and divide or are multiples of the KV heads."""
    degrees = []
    tp = 1
    while tp <= min(limit, model.num_attention_heads):
        ok = model.num_attention_heads % tp == 0
        if model.mla is None:
            kv = model.num_key_value_heads
            ok = ok and (kv % tp == 0 if tp <= kv else tp % kv == 0)
        if ok:
            degrees.append(tp)
        tp *= 2
    return degrees
