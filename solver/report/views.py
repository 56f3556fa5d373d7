"""Terminal views (rich) of estimates, fit answers and solved plans. GB = 10^9 B, GiB = 2^30 B."""

from __future__ import annotations

from collections import defaultdict

from rich.console import Group
from rich.table import Table
from rich.text import Text

from solver.options.generate import split_label
from solver.plan.schema import Plan
from solver.queries import EstimateReport, FitReport
from solver.report.economics_view import cost_breakdown, economics_table, rent_text
from solver.report.terminal_text import escape_controls, user_text
from solver.units import GB, GiB


def _bytes(num_bytes: float) -> tuple[str, str]:
    return f"{num_bytes / GiB:,.2f}", f"{num_bytes / GB:,.2f}"


def estimate_view(report: EstimateReport, *, verdict: bool = True) -> Group:
    """Memory table; with a GPU its memory and speed. A deployment that does not fit gets no
    speed: ``verdict`` prints why (``fit_view`` states the verdict itself)."""
    memory = report.memory
    deployment = memory.deployment
    header = Text(
        f"{report.model.id} · {deployment.mode} · weights {deployment.base_precision} · KV {deployment.kv_precision} · "
        f"context {deployment.context_tokens:,} · batch {deployment.batch} · {split_label(deployment.tp, deployment.pp, deployment.dp, deployment.ep)}"
        + (f" ZeRO-{deployment.zero_stage}" if deployment.zero_stage else "")
        + f"\nparameters {memory.params_total / 1e9:,.2f} B total, {memory.params_active / 1e9:,.2f} B active"
        + (f", {memory.trainable_params / 1e9:,.3f} B trained" if memory.trainable_params else "")
        + f"; KV {memory.kv_bytes_per_token:,.0f} B per token; checkpoint {memory.model_weights_bytes / GB:,.1f} GB"
    )
    table = Table(title="Memory", title_justify="left", header_style="bold")
    table.add_column("Component")
    table.add_column("Per GPU (GiB)", justify="right")
    table.add_column("Per GPU (GB)", justify="right")
    table.add_column(f"All {deployment.gpus} GPUs (GiB)", justify="right")
    for label, attribute in (("weights", "weights"), ("KV cache", "kv_cache"), ("activations", "activations"), ("gradients", "gradients"), ("optimizer", "optimizer"), ("runtime overhead", "overhead")):
        per_gpu = getattr(memory.per_gpu, attribute)
        table.add_row(label, *_bytes(per_gpu), f"{getattr(memory.all_gpus, attribute) / GiB:,.2f}")
    table.add_row("total", *_bytes(memory.per_gpu_bytes), f"{memory.total_bytes / GiB:,.2f}", style="bold")
    parts: list = [header, table]
    if report.gpu is not None:
        gpu = report.gpu
        lines = [f"{gpu.id}: {int(gpu.memory) / GiB:,.1f} GiB ({int(gpu.memory) / GB:,.1f} GB) per GPU"]
        if verdict and report.fits is False and report.usable_bytes is not None:
            lines.append(
                f"DOES NOT FIT: {memory.per_gpu_bytes / GiB:,.2f} GiB per GPU > {report.usable_bytes / GiB:,.2f} GiB usable "
                f"({1 - report.usable_bytes / gpu.usable_memory_bytes:.0%} kept free); no speed for a deployment that cannot run — `procure fits` finds a split that does"
            )
        decode, ttft = report.decode, report.ttft
        if decode is not None:
            lines.append(
                f"decode on {decode.engine} ≈ {decode.central:,.1f} tok/s per sequence (band {decode.low:,.1f}–{decode.high:,.1f}; "
                f"{decode.planning:,.1f} at {decode.confidence:.0%} confidence), {decode.central * deployment.batch:,.1f} tok/s aggregate; "
                f"{decode.bound}-bound; band from the '{decode.band_group}' calibration group"
            )
        if ttft is not None:
            lines.append(
                f"first token of a {report.prompt_tokens:,}-token prompt ≈ {ttft.central:,.2f} s (band {ttft.low:,.2f}–{ttft.high:,.2f} s; "
                f"{ttft.planning:,.2f} s at {decode.confidence if decode else 0.8:.0%} confidence)"
            )
        parts.append(Text("\n".join(lines)))
    return Group(*parts)


def fit_view(report: FitReport) -> Group:
    split = report.split
    deployment = split.deployment
    verdict = "FITS" if report.fits else "DOES NOT FIT"
    style = "bold green" if report.fits else "bold red"
    free = split.usable_bytes - split.memory.per_gpu_bytes
    line = Text(
        f"{verdict}: {report.estimate.model.id} ({deployment.base_precision}) on {report.count}× {report.estimate.gpu.id if report.estimate.gpu else ''} "
        f"— best split {split_label(deployment.tp, deployment.pp, deployment.dp, deployment.ep)}"
        + f": {split.memory.per_gpu_bytes / GiB:,.2f} GiB per GPU of {split.usable_bytes / GiB:,.2f} GiB usable "
        f"({report.headroom:.0%} headroom); {'free' if free >= 0 else 'short by'} {abs(free) / GiB:,.2f} GiB",
        style=style,
    )
    parts: list = [line, estimate_view(report.estimate, verdict=False)]
    if report.training_hours_per_billion_tokens is not None:
        parts.append(Text(f"training ≈ {report.training_hours_per_billion_tokens:,.1f} h per billion tokens on {report.count} GPUs"))
    return Group(*parts)


MAX_SERVER_ROWS = 200
"""Servers listed one per row; a fleet of thousands is summarised (plan.json lists every one)."""


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _speed(replica) -> str:
    if replica.decode_tokens_per_s is not None:
        text = f"{replica.decode_tokens_per_s:,.1f} tok/s"
        if replica.decode_band_tokens_per_s is not None:
            low, high = replica.decode_band_tokens_per_s
            text += f" ({low:,.0f}–{high:,.0f})"
        return text
    if replica.training_hours is not None:
        return f"{replica.training_hours:,.1f} h to train"
    return "–"


def plan_view(plan: Plan) -> Group:
    summary = plan.summary
    head = Text(
        f"{escape_controls(summary.problem)}: {summary.status} ({summary.objective}); capex ${summary.capex_usd:,}; power {summary.power_w / 1000:,.1f} kW; "
        f"{_count(summary.nodes, 'server')} in {_count(summary.racks, 'rack')}; GPUs: " + ", ".join(f"{count}× {gpu}" for gpu, count in summary.gpus.items())
        + f"\n{summary.objective} {summary.objective_value:,.0f} {summary.objective_unit}, best bound {summary.best_bound:,.0f} {summary.objective_unit}, gap {summary.gap:.2%}; solved in {summary.solve_seconds:.2f} s (+{summary.precompute_seconds:.2f} s estimating options, {summary.build_seconds:.2f} s building the model); "
        f"TCO ${summary.tco_usd:,.0f}"
        + f"\nspeeds planned at {summary.speed_confidence:.0%} confidence from the calibration band (speed model {summary.speed_model})"
        + "".join(f"\n{line}" for line in summary.name_expansions)
        + "".join(f"\ntie-break {stage['name']} found no plan in its time: among plans of equal {summary.objective} this one may not have the least {stage['name']}" for stage in summary.stages if stage["status"] == "UNKNOWN")
        + ("" if summary.deterministic else "\na re-run may give another plan: a search stopped at its wall-clock backstop (busy machine) before its deterministic time limit"),
        style="bold",
    )
    workloads = Table(title="Workloads", title_justify="left", header_style="bold")
    for column, justify in (("Workload", "left"), ("Served / required", "right"), ("Deployment", "left"), ("Engine", "left"), ("Replicas", "right"), ("Sessions/replica", "right"), ("Planned speed per session (band)", "right"), ("TTFT (s)", "right"), ("Memory/GPU used of usable (GiB)", "right")):
        workloads.add_column(column, justify=justify)
    by_workload = defaultdict(list)
    for replica in plan.replicas:
        by_workload[replica.workload].append(replica)
    for entry in plan.workloads:
        groups = defaultdict(list)
        for replica in by_workload[entry.name]:
            key = (replica.gpu, replica.node_type, replica.tp, replica.pp, replica.dp, replica.mig_profile, replica.ep, replica.precision, replica.kv_precision)
            groups[key].append(replica)
        first = True
        for (gpu, node_type, tp, pp, dp, mig, _, precision, kv_precision), replicas in sorted(groups.items(), key=lambda item: str(item[0])):
            sample = replicas[0]
            shape = f"MIG {mig}" if mig else split_label(tp, pp, dp, replicas[0].ep)
            shape += f" {precision}" + (f"/KV {kv_precision}" if kv_precision != "bf16" else "")
            workloads.add_row(
                user_text(entry.name) if first else "",
                f"{entry.served_sessions}/{entry.required_sessions} {entry.unit}" if first else "",
                f"{gpu} {shape} ({node_type})",
                sample.engine or "–",
                str(len(replicas)),
                str(sample.sessions),
                _speed(sample),
                "–" if sample.ttft_s is None else f"{sample.ttft_s:,.2f}",
                f"{sample.memory_per_gpu_bytes / GiB:,.1f} / {sample.usable_memory_per_gpu_bytes / GiB:,.1f}",
            )
            first = False
    utilisation = Table(title="Servers", title_justify="left", header_style="bold")
    for column in ("Server", "Rack", "GPUs used", "Fabric", "Owned"):
        utilisation.add_column(column)
    used = defaultdict(set)
    for replica in plan.replicas:
        for placement in replica.placement:
            used[placement.node].update(placement.gpus)
    for node in plan.nodes:
        if len(utilisation.rows) == MAX_SERVER_ROWS:
            utilisation.add_row(f"… {len(plan.nodes) - MAX_SERVER_ROWS:,} more", "", "", "", "", style="italic")
            break
        utilisation.add_row(node.id, "desk-side" if node.rack is None else str(node.rack), f"{len(used[node.id])}/{node.gpu_count}", "yes" if node.fabric else "", "yes" if node.owned else "")
    bom = Table(title="Bill of materials", title_justify="left", header_style="bold")
    for column, justify in (("#", "right"), ("Category", "left"), ("SKU", "left"), ("Qty", "right"), ("Unit $", "right"), ("Extended $", "right")):
        bom.add_column(column, justify=justify)
    for line in plan.bom:
        if line.parent is None:
            bom.add_row(str(line.line), line.category, line.sku, str(line.quantity), f"{line.unit_price_usd:,}", f"{line.extended_price_usd:,}")
        elif line.category != "configuration":
            # Sub-lines of a system: shown indented, priced within the system line.
            bom.add_row("", f"  {line.category}", f"  {line.sku}", str(line.quantity), f"({line.unit_price_usd:,})", "", style="dim")
    # Reservations are paid by the month: totalled apart from the purchase.
    purchase = [line for line in plan.bom if line.parent is None and line.category != "reservation"]
    if purchase or not plan.bom:
        bom.add_row("", "", "total", "", "", f"{sum(line.extended_price_usd for line in purchase):,}", style="bold")
    monthly = sum(line.extended_price_usd for line in plan.bom if line.category == "reservation")
    if monthly:
        bom.add_row("", "", "reservations per month", "", "", f"{monthly:,}", style="bold")
    parts: list = [head, workloads, utilisation, bom]
    parts.extend(part for part in (economics_table(plan), cost_breakdown(plan), rent_text(plan)) if part is not None)
    limits = summary.binding_limits
    parts.append(Text("limits at or near their bound: " + ("; ".join(limits) if limits else "none")))
    for opt_in in summary.policy_opt_ins:
        parts.append(Text(f"buying policy lifted: {opt_in}", style="yellow"))
    for warning in summary.warnings:
        parts.append(Text(f"warning: {warning}", style="bold yellow"))
    if plan.baseline:
        baseline = plan.baseline
        parts.append(
            Text(
                f"rule of thumb ({baseline['description']}): ${baseline['capex_usd']:,} of servers for {baseline['gpus']} GPUs — "
                f"procure's servers cost ${baseline['plan_servers_usd']:,}, ${baseline['saving_usd']:,} less"
                + (f" ({baseline['saving_usd'] / baseline['capex_usd']:.0%})" if baseline["capex_usd"] else ""),
                style="cyan",
            )
        )
    return Group(*parts)
