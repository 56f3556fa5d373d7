"""Training budgets: FLOPs, GPU-hours, wall-clock time and cost of training a model on N GPUs.

    FLOPs      = k · N_active · tokens, k = 6 for full training (forward 2, backward 4), 4 for
                 LoRA/QLoRA (no weight gradients of the frozen base): model FLOPs, the MFU basis
                 (no attention FLOPs, no recomputation)
    GPU-hours  = FLOPs / (MFU · dense peak of the training arithmetic) / 3600
    wall clock = GPU-hours / GPUs
    cost       = GPU-hours × $ per GPU-hour: given, the cheapest cloud instance with that GPU
                 (solver.rent.prices), or owning it (solver.economics.costs.owned_gpu_hour_usd)

The MFU is calibrated on published whole runs (solver.estimator.training_mfu), so downtime and
restarts are in it; `mfu` overrides it. FP8 training (FP8 matrix multiplications, BF16/FP32
master weights and optimizer states, as in DeepSeek-V3 §3.3) runs only where the GPU has native FP8.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from solver.catalog import Catalog
from solver.economics.costs import owned_gpu_hour_usd
from solver.errors import InputError
from solver.estimator.params import count_parameters
from solver.estimator.training_mfu import SECONDS_PER_HOUR, CalibratedMfu, calibrated_mfu, peak_flops
from solver.options.configs import NodeConfig
from solver.options.generate import MAX_TRAINING_NODES, TRAINING_NODE_CAP_REASON
from solver.rent.prices import rental_price
from solver.specs.assumptions import Assumptions
from solver.specs.cloud import Commitment
from solver.specs.economics import EconomicsSettings
from solver.specs.hardware import GpuSpec
from solver.specs.model import ModelSpec
from solver.specs.problem import TcoSettings

TOKEN_SUFFIXES = {"": 1.0, "k": 1e3, "m": 1e6, "b": 1e9, "g": 1e9, "t": 1e12}
MAX_TOKENS = 1e15
"""As the problem file's `tokens`: ~60× the largest published pre-training run."""


def parse_tokens(text: str) -> float:
    """A token count: 14.8T, 1.5e12, 500B, 2M (K, M, B/G, T: 10^3, 10^6, 10^9, 10^12)."""
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*([kmbgt]?)\s*", str(text).lower())
    if not match:
        raise InputError(f"cannot read {text!r} as a token count", hint="write e.g. 14.8T, 1.5e12 or 500B (K, M, B, T = 10^3, 10^6, 10^9, 10^12)")
    tokens = float(match.group(1)) * TOKEN_SUFFIXES[match.group(2)]
    if not 0 < tokens <= MAX_TOKENS or not math.isfinite(tokens):
        raise InputError(f"--tokens must be above 0 and at most {MAX_TOKENS:.0e} (got {text})")
    return tokens


def model_flops(model: ModelSpec, tokens: float, mode: str) -> float:
    per_token = 6 if mode == "full" else 4
    return per_token * count_parameters(model).active * tokens


@dataclass(frozen=True)
class CostLine:
    label: str
    usd_per_gpu_hour: float
    basis: str
    usd: float


@dataclass(frozen=True)
class NodeFit:
    """How the GPUs group into servers, against the node cap of a solve."""

    node: str | None
    gpus_per_node: int
    nodes: int
    within_cap: bool
    note: str


@dataclass(frozen=True)
class TrainingBudget:
    model: str
    mode: str
    tokens: float
    gpus: int
    gpu: str
    arithmetic: str
    flops: float
    mfu: CalibratedMfu
    gpu_hours: float
    costs: tuple[CostLine, ...]
    nodes: NodeFit
    notes: tuple[str, ...] = field(default=())

    @property
    def wall_clock_hours(self) -> float:
        return self.gpu_hours / self.gpus

    def as_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "mode": self.mode,
            "tokens": self.tokens,
            "gpu": self.gpu,
            "gpus": self.gpus,
            "arithmetic": self.arithmetic,
            "flops": self.flops,
            "mfu": round(self.mfu.mfu, 4),
            "mfu_peak_tflops": round(self.mfu.peak_flops / 1e12, 1),
            "mfu_basis": self.mfu.basis,
            "mfu_runs": list(self.mfu.runs),
            "achieved_tflops_per_gpu": round(self.mfu.flops_per_gpu / 1e12, 1),
            "gpu_hours": round(self.gpu_hours),
            "wall_clock_hours": round(self.wall_clock_hours, 1),
            "wall_clock_days": round(self.wall_clock_hours / 24, 2),
            "costs": [{"label": c.label, "usd_per_gpu_hour": round(c.usd_per_gpu_hour, 4), "basis": c.basis, "usd": round(c.usd, 2)} for c in self.costs],
            "nodes": {"node": self.nodes.node, "gpus_per_node": self.nodes.gpus_per_node, "nodes": self.nodes.nodes, "within_cap": self.nodes.within_cap, "note": self.nodes.note},
            "notes": list(self.notes),
        }


def node_fit(catalog: Catalog, gpu: GpuSpec, gpus: int) -> tuple[NodeFit, NodeConfig | None]:
    """The servers `gpus` GPUs fill (the catalog's largest node for that GPU, cheapest first) and
    whether `procure solve` would plan a job that size."""
    nodes = catalog.nodes_for_gpu(gpu.id)
    if not nodes:
        return NodeFit(None, 1, gpus, True, f"no server in the catalog takes {gpu.id}"), None
    node = min(nodes, key=lambda n: (-n.gpu_count, n.base_price_usd, n.id))
    config = NodeConfig(node, gpu, 0, True)
    count = math.ceil(gpus / node.gpu_count)
    within = count <= MAX_TRAINING_NODES
    if within:
        note = f"{count:,} × {node.id} ({node.gpu_count} GPUs each): within the {MAX_TRAINING_NODES} nodes per training job that `procure solve` plans"
    else:
        note = f"{count:,} × {node.id} ({node.gpu_count} GPUs each) exceed the {MAX_TRAINING_NODES} nodes per training job that `procure solve` plans ({TRAINING_NODE_CAP_REASON}); this budget is arithmetic and holds, but a solve cannot lay the job out"
    return NodeFit(node.id, node.gpu_count, count, within, note), config


def cheapest_rental(catalog: Catalog, gpu: GpuSpec, commitment: Commitment, gpus_per_node: int) -> tuple[float, str] | None:
    """The lowest price per GPU-hour at which `gpu` is rented in instances that can hold the
    job's nodes: at least `gpus_per_node` GPUs in one NVLink domain (a 1-GPU marketplace
    instance cannot host a tensor-parallel group of a multi-node job)."""
    if catalog.cloud is None:
        return None
    offers = []
    for instance in catalog.cloud.instances:
        whole_node = instance.gpus >= gpus_per_node and instance.scaleup_domain == instance.gpus
        price = rental_price(instance, commitment) if instance.gpu == gpu.id and whole_node else None
        if price is not None:
            offers.append((price.usd_per_hour / instance.gpus, f"{instance.provider} {instance.instance_type} (${price.usd_per_hour:g}/h for {instance.gpus} GPUs, {price.commitment}; {instance.confidence} {instance.source})"))
    return min(offers, default=None)


def training_budget(
    catalog: Catalog,
    model: ModelSpec,
    tokens: float,
    gpus: int,
    gpu: GpuSpec,
    *,
    mode: str = "full",
    arithmetic: str = "bf16",
    usd_per_gpu_hour: float | None = None,
    commitment: Commitment = "on-demand",
    mfu: float | None = None,
    assumptions: Assumptions = Assumptions(),
    tco: TcoSettings = TcoSettings(),
    economics: EconomicsSettings = EconomicsSettings(),
) -> TrainingBudget:
    if gpus < 1:
        raise InputError(f"--gpus must be at least 1 (got {gpus})")
    if mode not in ("full", "lora", "qlora"):
        raise InputError("a training budget needs --mode full, lora or qlora")
    active = count_parameters(model).active
    notes = []
    if mfu is not None:
        if not 0 < mfu <= 1:
            raise InputError(f"--mfu must be in (0, 1] (got {mfu})")
        calibrated = CalibratedMfu(mfu, arithmetic, peak_flops(gpu, arithmetic), (), "given (--mfu)")
    else:
        found = calibrated_mfu(catalog.training_runs.runs if catalog.training_runs else (), catalog.gpus, gpu, arithmetic, active)
        if found is None:
            found = CalibratedMfu(assumptions.training_mfu, arithmetic, peak_flops(gpu, arithmetic), (), f"no published run to calibrate on: assumptions.training_mfu ({assumptions.training_mfu:g})")
        calibrated = found
    if mode != "full":
        notes.append("MFU calibrated on full pre-training runs, applied to adapter training")
    flops = model_flops(model, tokens, mode)
    gpu_hours = flops / (calibrated.flops_per_gpu * SECONDS_PER_HOUR)
    fit, config = node_fit(catalog, gpu, gpus)
    costs = []
    if usd_per_gpu_hour is not None:
        costs.append(CostLine("given", usd_per_gpu_hour, "--usd-per-gpu-hour", gpu_hours * usd_per_gpu_hour))
    per_node = min(gpus, fit.gpus_per_node)
    rental = cheapest_rental(catalog, gpu, commitment, per_node)
    if rental is not None:
        rate, basis = rental
        costs.append(CostLine(f"rented ({commitment})", rate, f"cheapest cloud price per GPU-hour in instances of {per_node}+ NVLinked GPUs: {basis}; list price, not a quote for {gpus:,} GPUs at once", gpu_hours * rate))
    else:
        notes.append(f"no cloud instance in catalogs/cloud.yaml offers {gpu.id}" + (f" in instances of {per_node}+ NVLinked GPUs" if per_node > 1 else ""))
    if config is not None:
        rate = owned_gpu_hour_usd(config.price_usd, config.power_w, config.gpu_count, tco, economics)
        capex = fit.nodes * config.price_usd
        costs.append(CostLine(
            "owned", rate,
            f"{config.key} at ${config.price_usd:,} ({config.gpu_count} GPUs, {config.power_w:,} W): {tco.years:g}-year straight-line amortisation + energy "
            f"(${tco.electricity_usd_per_kwh:g}/kWh × PUE {tco.pue:g} × draw {tco.utilization:g}) + support {economics.support_fraction_per_year:.0%}/year, "
            f"over a year of GPU-hours, charging the job only the hours it uses; buying the {fit.nodes:,} servers costs ${capex:,} (servers only, no fabric)",
            gpu_hours * rate,
        ))
    return TrainingBudget(model.id, mode, tokens, gpus, gpu.id, arithmetic, flops, calibrated, gpu_hours, tuple(costs), fit, tuple(notes))
