"""Explain infeasible problems: which workload or limit cannot be met, and what would change it."""

from __future__ import annotations

import math

from solver.errors import InfeasibleError
from solver.estimator.formats import weight_format
from solver.estimator.kv_cache import kv_bytes_per_token
from solver.estimator.weights import model_weight_bytes
from solver.model.data import LIMIT_FIELDS, MAX_RACK_BINS, ModelData
from solver.options.generate import WorkloadOptions
from solver.units import GiB

MAX_GPU_LINES = 4
MAX_REJECTION_LINES = 4


def _largest_domain(data: ModelData) -> int:
    return max((c.nvlink_domain for c in data.allowed_configs), default=1)


def workload_without_options(data: ModelData, entry: WorkloadOptions) -> tuple[list[str], list[str]]:
    """(reasons, fixes) for a workload no allowed hardware can serve."""
    workload, model = entry.workload, entry.model
    limits = data.problem.limits
    reasons = [
        f"workload '{workload.name}' ({model.id} {workload.precision}, {workload.context_tokens:,}-token context, "
        f"{entry.required} {entry.unit}) has no feasible deployment on the allowed hardware"
    ]
    floor = workload.min_decode_tokens_per_s
    confidence = data.problem.assumptions.speed_confidence
    if floor is not None and entry.fastest:
        fastest = sorted(entry.fastest.items(), key=lambda item: -item[1][0])
        reasons.append(
            f"the speed floor of {floor:g} tok/s per session is the obstacle where the model fits: fastest at {confidence:.0%} confidence "
            + "; ".join(f"{gpu_id} {speed:,.1f} tok/s ({split})" for gpu_id, (speed, split) in fastest[:MAX_GPU_LINES])
        )
    for gpu_id, reason in sorted(entry.unsupported.items())[:MAX_GPU_LINES]:
        reasons.append(reason)
    weights = model_weight_bytes(model, weight_format(workload.weights_format))
    kv = kv_bytes_per_token(model, workload.kv_precision) * workload.context_tokens
    largest = _largest_domain(data)
    configs_by_gpu = {c.gpu.id: c for c in data.allowed_configs}
    ranked = sorted(entry.smallest_need.items(), key=lambda item: -configs_by_gpu[item[0]].gpu.usable_memory_bytes)
    for gpu_id, (need, split) in ranked[:MAX_GPU_LINES]:
        if gpu_id in entry.fastest:
            continue  # it fits there; the line above says how fast it can go
        gpu = configs_by_gpu[gpu_id].gpu
        usable = gpu.usable_memory_bytes * (1 - limits.vram_headroom)
        gpus_needed = math.ceil((weights + kv) / usable)
        domain = max(c.nvlink_domain for c in data.allowed_configs if c.gpu.id == gpu_id)
        reasons.append(
            f"on {gpu_id}: at best {need / GiB:,.1f} GiB per GPU ({split}) vs {usable / GiB:,.1f} GiB usable; "
            f"{weights / GiB:,.0f} GiB of weights plus {kv / GiB:,.1f} GiB of KV per sequence need ≥ {gpus_needed} such GPUs"
            + (f", more than its largest NVLink domain of {domain}" if gpus_needed > domain else "")
        )
    reasons.extend(entry.rejections[:MAX_REJECTION_LINES])
    fixes = []
    if floor is not None and entry.fastest:
        best = max(speed for speed, _ in entry.fastest.values())
        fixes.append(f"lower min_decode_tokens_per_s to {best:,.1f} or less (the fastest deployment found)")
    if entry.unsupported:
        fixes.append("choose a format the hardware's engines run, or name another engine under engines:")
    if not limits.allow_multinode:
        fixes.append("allow pipeline parallel over InfiniBand (limits.allow_multinode: true)")
    if workload.precision in ("bf16", "fp16") and not workload.is_training:
        fixes.append("use fp8 or a 4-bit format (precision: fp8, awq)")
    if workload.kv_precision in ("bf16", "fp16") and not workload.is_training:
        fixes.append("use an fp8 KV cache (kv_precision: fp8)")
    fixes.append("shorten context_tokens")
    if largest < 72:
        fixes.append(f"allow a larger NVLink domain (largest allowed: {largest} GPUs; a GB200 NVL72 rack has 72)")
    if limits.allowed_gpus is not None or limits.allowed_vendors is not None or limits.excluded_gpus:
        fixes.append("allow more GPU types (limits.allowed_gpus / allowed_vendors)")
    if data.excluded_by_policy:
        # The buying policy may have kept out the very parts that would serve it.
        reasons.append("the buying policy keeps out: " + "; ".join(data.excluded_by_policy[:MAX_GPU_LINES]) + (" …" if len(data.excluded_by_policy) > MAX_GPU_LINES else ""))
        fixes.append("lift a buying-policy rule where it is right to (limits.site, allow_end_of_life, allow_geforce_in_rack_room, liquid_cooling)")
    if (workload.min_decode_tokens_per_s and not entry.fastest) or workload.max_ttft_s:
        fixes.append("relax min_decode_tokens_per_s / max_ttft_s")
    if workload.deadline_hours:
        fixes.append("extend deadline_hours")
    return reasons, fixes


def raise_if_unservable(data: ModelData) -> None:
    reasons: list[str] = []
    fixes: list[str] = []
    names = []
    for entry in data.workloads:
        if not entry.options:
            names.append(entry.workload.name)
            workload_reasons, workload_fixes = workload_without_options(data, entry)
            reasons.extend(workload_reasons)
            fixes.extend(fix for fix in workload_fixes if fix not in fixes)
    if names:
        raise InfeasibleError(f"no hardware can serve {', '.join(names)}", explanation=reasons, hint="; or ".join(fixes))


LIMIT_NAMES = {
    "budget": "the budget",
    "power": "the facility power cap",
    "racks": "the rack count",
    "rack_power": "the power per rack",
    "max_nodes": "the node limit",
}


def conflict_error(guards: list[str], relaxed_minimums: dict[str, str], *, racks_capped: bool = False) -> InfeasibleError:
    """One explanation from the conflicting families and, per limit, what the plan would need;
    ``racks_capped``: the demand may need more racks than procure lays out, which may be why."""
    demands = [g.removeprefix("demand:") for g in guards if g.startswith("demand:")]
    limits = [g for g in guards if not g.startswith("demand:")]
    explanation = []
    if demands:
        explanation.append(f"demand that cannot all be served together: {', '.join(demands)}")
    for limit in limits:
        need = relaxed_minimums.get(limit)
        explanation.append(f"conflicts with {LIMIT_NAMES[limit]} (limits.{LIMIT_FIELDS[limit]})" + (f": {need}" if need else ""))
    if racks_capped:
        explanation.append(f"serving all demand may take more than {MAX_RACK_BINS} racks, the most procure lays out one plan in")
    names = [f"limits.{LIMIT_FIELDS[limit]}" for limit in limits]
    hint = (f"raise or drop {', '.join(names)}, " if names else "") + "lower the demand, or run `procure whatif` to see what each budget serves"
    if racks_capped:
        hint += f"; or split the problem into parts of at most {MAX_RACK_BINS} racks each"
    return InfeasibleError("no purchase meets every requirement at once", explanation=explanation, hint=hint)
