"""Explain infeasible problems: which workload or limit cannot be met, and what would change it."""

from __future__ import annotations

import math

from solver.errors import InfeasibleError
from solver.estimator.formats import weight_format
from solver.estimator.kv_cache import kv_bytes_per_token
from solver.estimator.weights import model_weight_bytes
from solver.model.data import ModelData
from solver.options.generate import WorkloadOptions
from solver.units import GiB


def _largest_domain(data: ModelData) -> int:
    return max((c.nvlink_domain for c in data.configs), default=1)


def workload_without_options(data: ModelData, entry: WorkloadOptions) -> list[str]:
    workload, model = entry.workload, entry.model
    lines = [
        f"workload '{workload.name}' ({model.id} {workload.precision}, {workload.context_tokens:,}-token context, "
        f"{entry.required} {entry.unit}) has no feasible deployment on the allowed hardware."
    ]
    weights = model_weight_bytes(model, weight_format("nf4" if workload.method == "qlora" else workload.precision))
    kv = kv_bytes_per_token(model, workload.kv_precision) * workload.context_tokens
    limits = data.problem.limits
    if entry.smallest_need:
        ranked = sorted(entry.smallest_need.items(), key=lambda item: -max((int(c.gpu.memory) for c in data.configs if c.gpu.id == item[0]), default=0))
        for gpu_id, (need, split) in ranked[:4]:
            config = next(c for c in data.configs if c.gpu.id == gpu_id)
            usable = config.gpu.usable_memory_bytes * (1 - limits.vram_headroom)
            gpus_needed = math.ceil((weights + kv) / usable)
            lines.append(
                f"  on {gpu_id}: at best {need / GiB:,.1f} GiB per GPU ({split}) vs {usable / GiB:,.1f} GiB usable; "
                f"the weights ({weights / GiB:,.0f} GiB) and one sequence's KV ({kv / GiB:,.1f} GiB) need ≥ {gpus_needed} such GPUs"
            )
    for rejection in entry.rejections[:4]:
        lines.append(f"  {rejection}")
    largest = _largest_domain(data)
    fixes = []
    if not limits.allow_multinode:
        fixes.append("allow pipeline parallel over InfiniBand (limits.allow_multinode: true)")
    if workload.precision in ("bf16", "fp16"):
        fixes.append("use fp8 or a 4-bit format (precision: fp8 / awq)")
    if workload.kv_precision in ("bf16", "fp16"):
        fixes.append("use an fp8 KV cache (kv_precision: fp8)")
    fixes.append("shorten context_tokens")
    if largest < 72:
        fixes.append(f"allow a larger NVLink domain (largest allowed: {largest} GPUs; a GB200 NVL72 rack has 72)")
    if workload.min_decode_tokens_per_s or workload.max_ttft_s:
        fixes.append("relax min_decode_tokens_per_s / max_ttft_s")
    if workload.deadline_hours:
        fixes.append("extend deadline_hours")
    lines.append("  To fix: " + "; or ".join(fixes))
    return lines


def raise_if_unservable(data: ModelData) -> None:
    lines: list[str] = []
    for entry in data.workloads:
        if not entry.options:
            lines.extend(workload_without_options(data, entry))
    if lines:
        raise InfeasibleError("\n".join(lines))


GUARD_TEXT = {
    "budget": "the budget (limits.budget_usd)",
    "power": "the facility power cap (limits.power_kw)",
    "racks": "the rack count (limits.racks)",
    "rack_power": "the power per rack (limits.rack_power_kw)",
    "max_nodes": "the node limit (limits.max_nodes)",
}


def describe_conflict(guards: list[str], relaxed_minimums: dict[str, str]) -> str:
    """One explanation from the conflicting families and, per limit, what the plan would need."""
    demands = [g.removeprefix("demand:") for g in guards if g.startswith("demand:")]
    limits = [g for g in guards if not g.startswith("demand:")]
    lines = ["no purchase meets every requirement at once."]
    if demands:
        lines.append(f"  demand that cannot all be served: {', '.join(demands)}")
    for limit in limits:
        text = GUARD_TEXT.get(limit, limit)
        need = relaxed_minimums.get(limit)
        lines.append(f"  conflicts with {text}" + (f": {need}" if need else ""))
    hint = "raise or drop the limits named above, lower the demand, or run `procure whatif` to see what each budget serves"
    lines.append(f"  To fix: {hint}")
    return "\n".join(lines)
