"""The sections of a solve report, one function each, from a solve folder's plan.json.

Each function reads the plan.json keys it names and returns what its template block shows, or
None when the plan has no such data (the block then says so or is left out). plan.json is read
as plain data so older plans, lacking later keys, still render. To add a section: a function
here (or a module of its own: bom_section, economics_section, rent_section), a block in
templates/sections/, and a line in ``html.solve_context``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

from solver.options.generate import split_label
from solver.plan.schema import BomLine
from solver.report.rack_drawing import rack_elevations, rack_svg
from solver.report.report_folder import SolveFolder
from solver.report.report_format import DASH, gib, kw, pct, usd
from solver.report.report_tables import Table
from solver.specs.problem import Problem

DEFAULT_RACK_UNITS = 42
"""Rack height drawn when the problem file (limits.rack_units) is not at hand."""

_OBJECTIVE_WORDS = {
    "cost": "cheapest purchase",
    "power": "lowest-power purchase",
    "tco": "lowest total-cost-of-ownership purchase",
    "rent": "cheapest cloud rental",
    "hybrid": "cheapest mix of owned servers for the base load and rented instances for the rest",
}


# ============================================================================================
# The question and the answer


def _count(number_: int, noun: str) -> str:
    return f"{number_:,} {noun}" + ("" if number_ == 1 else "s")


def limits_text(problem: Problem) -> str:
    """'a $3,000,000 budget, 80 kW and 3 racks of 42 U' (only the limits the problem sets)."""
    limits = problem.limits
    parts = []
    if limits.budget_usd is not None:
        parts.append(f"a {usd(limits.budget_usd)} budget")
    if limits.power_kw is not None:
        parts.append(f"{limits.power_kw:,g} kW")
    if limits.racks is not None:
        parts.append(f"{_count(limits.racks, 'rack')} of {limits.rack_units} U")
    if not parts:
        return ""
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def demand_text(workloads: list[dict[str, Any]]) -> str:
    """'48 concurrent sessions and 2 jobs' from plan.json's workloads."""
    totals: dict[str, int] = {}
    for entry in workloads:
        totals[entry.get("unit", "sessions")] = totals.get(entry.get("unit", "sessions"), 0) + int(entry.get("required_sessions", 0))
    return " and ".join(f"{total:,} {unit}" for unit, total in totals.items())


def served_text(workloads: list[dict[str, Any]]) -> str:
    short = [entry["name"] for entry in workloads if entry.get("served_fraction", 1.0) < 1 - 1e-9]
    if not short:
        return "every workload is fully served, at its speed floor where it has one"
    return f"{len(workloads) - len(short)} of {len(workloads)} workloads are fully served; short: {', '.join(short)}"


def gpus_text(nodes: list[dict[str, Any]]) -> str:
    """'16× h200-nvl, 8× mi325x': the GPUs in ``nodes`` by type, in plan order."""
    gpus: dict[str, int] = {}
    for node in nodes:
        gpus[node.get("gpu", "")] = gpus.get(node.get("gpu", ""), 0) + int(node.get("gpu_count", 0))
    return ", ".join(f"{count}× {gpu}" for gpu, count in gpus.items())


def _question(name: str, problem: Problem | None, objective: str, workloads: list[dict[str, Any]]) -> str:
    described = f" ({escape(problem.description.strip())})" if problem is not None and problem.description.strip() else ""
    limits = limits_text(problem) if problem is not None else ""
    what = _OBJECTIVE_WORDS.get(objective, objective)
    return (
        f"<strong>Question.</strong> {escape(name)}{described}: what is the {what} that runs "
        f"{_count(len(workloads), 'workload')} ({escape(demand_text(workloads))} at peak)" + (f" within {escape(limits)}" if limits else "") + "?"
    )


def _bought_text(plan: dict[str, Any], bought: list[dict[str, Any]]) -> str:
    summary = plan.get("summary", {})
    desk_side = sum(1 for node in bought if node.get("rack") is None)
    where = _count(summary.get("racks", 0), "rack") if len(bought) > desk_side else ""
    if desk_side:
        where = (where + " plus " if where else "") + _count(desk_side, "desk-side machine")
    return (
        f"buy {_count(len(bought), 'server')} with {escape(gpus_text(bought))} for <strong class=\"capex\">{usd(summary.get('capex_usd'))}</strong> capex, "
        f"drawing {kw(summary.get('power_w'))} nameplate" + (f" in {where}" if where else "")
    )


def _rented_text(plan: dict[str, Any], rented: list[dict[str, Any]]) -> str:
    monthly = (plan.get("rent") or {}).get("monthly_usd")
    return f"rent {_count(len(rented), 'cloud instance')} with {escape(gpus_text(rented))} for <strong class=\"rent-monthly\">{usd(monthly)}</strong> a month"


def money_text(plan: dict[str, Any]) -> str:
    """What a token costs and whether buying beats renting, from ``economics`` and ``rent``."""
    sentences = []
    total = (plan.get("economics") or {}).get("total") or {}
    if total.get("usd_per_million_output_tokens") is not None:
        utilization = (((plan.get("economics") or {}).get("assumptions") or {}).get("utilization") or {}).get("value")
        busy = f" at {pct(utilization)} utilisation" if utilization is not None else ""
        sentences.append(
            f"Over all inference workloads a million output tokens costs <strong class=\"usd-per-million\">${total['usd_per_million_output_tokens']:,.2f}</strong>{busy}; "
            f"the plan costs {usd(total.get('usd_per_year'))} a year" + (", capex amortised." if total.get("capex_usd") else ".")
        )
    rent = plan.get("rent") or {}
    if rent.get("mode") == "comparison" and rent.get("verdict"):
        sentences.append(f"Renting the same capacity would cost {usd(rent.get('monthly_usd'))} a month: {escape(rent['verdict'])}.")
    return " ".join(sentences)


def question_and_answer(folder: SolveFolder) -> Markup:
    """One paragraph: what was asked (problem, demand, limits, objective), what to buy or rent,
    and what it costs per token and against renting."""
    plan = folder.plan
    summary = plan.get("summary", {})
    workloads = plan.get("workloads", [])
    nodes = plan.get("nodes", [])
    bought = [node for node in nodes if not node.get("rented")]
    rented = [node for node in nodes if node.get("rented")]
    parts = [_bought_text(plan, bought)] if bought or not rented else []
    if rented:
        parts.append(_rented_text(plan, rented))
    acquire = " and ".join(parts)
    answer = (
        f"<strong>Answer.</strong> {acquire[:1].upper()}{acquire[1:]}; {escape(served_text(workloads))}. "
        f"The plan is {escape(summary.get('status', DASH))} (gap {pct(summary.get('gap'))}) and passed procure's independent checker."
    )
    baseline = plan.get("baseline")
    if baseline and baseline.get("capex_usd"):
        answer += (
            f" The rule of thumb (one dedicated instance per session, no packing) would cost {usd(baseline['capex_usd'])}: "
            f"this plan saves {usd(baseline.get('saving_usd'))} ({baseline.get('saving_usd', 0) / baseline['capex_usd']:.0%})."
        )
    money = money_text(plan)
    question = _question(str(summary.get("problem", "this problem")), folder.problem.problem, summary.get("objective", "cost"), workloads)
    return Markup(f"{question} {answer}" + (f" {money}" if money else ""))


# ============================================================================================
# Workloads and how each is served


@dataclass(frozen=True)
class ServedBy:
    """Replicas of one workload deployed the same way."""

    shape: str
    """'mi300x TP4×PP1 bf16 on mi300x-8'."""
    engine: str
    replicas: int
    sessions_per_replica: int
    speed: str
    ttft: str
    memory: str


@dataclass(frozen=True)
class WorkloadRow:
    name: str
    kind: str
    served: str
    share: str
    floors: str
    redundancy: str
    """'n+1 across servers: 8 of 8 sessions served after the worst failure', or empty."""
    deployments: list[ServedBy]


def _speed(replica: dict[str, Any]) -> str:
    if replica.get("decode_tokens_per_s") is not None:
        text = f"{replica['decode_tokens_per_s']:,.1f} tok/s"
        band = replica.get("decode_band_tokens_per_s")
        return text + (f" ({band[0]:,.0f}–{band[1]:,.0f})" if band else "")
    if replica.get("training_hours") is not None:
        return f"{replica['training_hours']:,.1f} h to train"
    return DASH


def _floors(entry: dict[str, Any]) -> str:
    parts = []
    if entry.get("min_decode_tokens_per_s") is not None:
        parts.append(f"≥ {entry['min_decode_tokens_per_s']:g} tok/s")
    if entry.get("max_ttft_s") is not None:
        parts.append(f"TTFT ≤ {entry['max_ttft_s']:g} s")
    return "; ".join(part.replace(" ", "\u00a0") for part in parts) or DASH  # each floor on one line


def redundancy_text(entry: dict[str, Any]) -> str:
    redundancy = entry.get("redundancy", "none")
    if not redundancy or redundancy == "none":
        return ""
    text = f"{redundancy} across {entry.get('failure_domain', 'server')}s"
    left = entry.get("served_after_worst_failure")
    if left is not None:
        text += f": {left:,} of {entry.get('required_sessions', 0):,} {entry.get('unit', '')} served after the worst failure"
    return text


def workloads_served(plan: dict[str, Any]) -> list[WorkloadRow]:
    by_workload: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for replica in plan.get("replicas", []):
        by_workload[replica.get("workload", "")].append(replica)
    rows = []
    for entry in plan.get("workloads", []):
        groups: dict[tuple, list[dict[str, Any]]] = defaultdict(list)
        for replica in by_workload[entry["name"]]:
            key = tuple(replica.get(field) for field in ("gpu", "node_type", "tp", "pp", "dp", "ep", "mig_profile", "precision", "kv_precision", "engine"))
            groups[key].append(replica)
        deployments = []
        for (gpu, node_type, tp, pp, dp, ep, mig, precision, kv_precision, engine), replicas in sorted(groups.items(), key=lambda item: str(item[0])):
            sample = replicas[0]
            split = f"MIG {mig}" if mig else split_label(tp or 1, pp or 1, dp or 1, ep or 1)
            formats = f"{precision}" + (f", KV {kv_precision}" if kv_precision and kv_precision != "bf16" else "")
            deployments.append(ServedBy(
                shape=f"{gpu} {split} {formats} on {node_type}",
                engine=engine or DASH,
                replicas=len(replicas),
                sessions_per_replica=int(sample.get("sessions", 0)),
                speed=_speed(sample),
                ttft=DASH if sample.get("ttft_s") is None else f"{sample['ttft_s']:,.2f} s",
                memory=f"{gib(sample.get('memory_per_gpu_bytes'))} of {gib(sample.get('usable_memory_per_gpu_bytes'))}",
            ))
        rows.append(WorkloadRow(
            name=entry["name"],
            kind=entry.get("kind", ""),
            served=f"{entry.get('served_sessions', 0):,} / {entry.get('required_sessions', 0):,} {entry.get('unit', '')}",
            share=pct(entry.get("served_fraction")),
            floors=_floors(entry),
            redundancy=redundancy_text(entry),
            deployments=deployments,
        ))
    return rows


# ============================================================================================
# Racks and servers


@dataclass(frozen=True)
class RackSection:
    drawings: list[Markup]
    desk_side: Table | None


def racks(plan: dict[str, Any], problem: Problem | None) -> RackSection:
    units = problem.limits.rack_units if problem is not None else DEFAULT_RACK_UNITS
    drawings = [rack_svg(elevation) for elevation in rack_elevations(plan, units)]
    desk = [node for node in plan.get("nodes", []) if node.get("rack") is None and not node.get("rented")]
    table = None
    if desk:
        table = Table(
            ["Machine", "Type", "GPUs", "Power", "Owned"],
            [[node["id"], node.get("node_type", ""), f"{node.get('gpu_count', 0)}× {node.get('gpu', '')}", kw(node.get("power_w")), "yes" if node.get("owned") else ""] for node in desk],
            [False, False, False, True, False],
        )
    return RackSection(drawings, table)


@dataclass(frozen=True)
class SystemConfiguration:
    description: str
    parts: list[str]
    """The configuration sub-lines: 'CPUs: 2× AMD EPYC 9654', 'memory: 24× 96 GB DDR5', ..."""


def system_configurations(bom: list[BomLine]) -> dict[tuple[str, str], SystemConfiguration]:
    """(node type, GPU) → the system line's description and its configuration sub-lines."""
    children: dict[int, list[BomLine]] = defaultdict(list)
    for line in bom:
        if line.parent is not None:
            children[line.parent].append(line)
    found = {}
    for line in bom:
        if line.category != "system":
            continue
        parts = children[line.line]
        chassis = next((part.sku for part in parts if part.category == "chassis"), "")
        device = next((part.sku for part in parts if part.category not in ("chassis", "configuration")), "")
        found[(chassis, device)] = SystemConfiguration(line.description, [part.description for part in parts if part.category == "configuration"])
    return found


def _where(nodes: list[dict[str, Any]], providers: dict[str, str]) -> str:
    if all(node.get("rented") for node in nodes):
        return f"cloud ({providers.get(nodes[0].get('node_type', ''), 'rented')})"
    racks_used = sorted({node["rack"] + 1 for node in nodes if node.get("rack") is not None})
    places = [f"rack {', '.join(map(str, racks_used))}"] if racks_used else []
    if any(node.get("rack") is None for node in nodes):
        places.append("desk-side")
    return " and ".join(places)


def server_configurations(folder: SolveFolder) -> Table:
    """One row per server configuration (node type × GPU × count): what it is (the system's
    configuration sub-lines), how many, where, what runs on it."""
    plan = folder.plan
    systems = system_configurations(folder.bom)
    providers = {str(record.get("instance_id", "")): f"{record.get('provider', '')} {record.get('instance_type', '')}" for record in (plan.get("rent") or {}).get("instances", [])}
    running: dict[str, set[str]] = defaultdict(set)
    for replica in plan.get("replicas", []):
        for placement in replica.get("placement", []):
            running[placement.get("node", "")].add(replica.get("workload", ""))
    groups: dict[tuple, list[dict[str, Any]]] = defaultdict(list)
    for node in plan.get("nodes", []):
        groups[(node.get("node_type"), node.get("gpu"), node.get("gpu_count"), bool(node.get("owned")), bool(node.get("rented")))].append(node)
    rows = []
    for (node_type, gpu, gpu_count, owned, rented), nodes in groups.items():
        sample = nodes[0]
        system = systems.get((node_type, gpu))
        what = Markup("<strong>{}</strong>").format(node_type)
        if system is not None:
            what += Markup("<br>{}").format(system.description)
            if system.parts:
                what += Markup('<br><span class="note">{}</span>').format("; ".join(system.parts))
        workloads = sorted(set().union(*(running[node["id"]] for node in nodes)))
        rows.append([
            what,
            f"{gpu_count}× {gpu}",
            str(len(nodes)) + (" (owned)" if owned else ""),
            f"{sample.get('rack_units', 0)} U" if sample.get("rack") is not None else DASH,
            kw(sample.get("power_w")) if not rented else DASH,
            "yes" if sample.get("fabric") else "",
            _where(nodes, providers),
            ", ".join(workloads) or "spare",
        ])
    return Table(["Configuration", "GPUs each", "Count", "Height", "Power each", "Fabric", "Where", "Runs"], rows, [False, False, True, True, True, False, False, False])


__all__ = [
    "RackSection",
    "ServedBy",
    "SystemConfiguration",
    "WorkloadRow",
    "question_and_answer",
    "racks",
    "redundancy_text",
    "server_configurations",
    "system_configurations",
    "workloads_served",
]
