"""The sections of a solve report, one function each, from a solve folder's plan.json and bom.csv.

Each function reads the plan.json keys it names and returns what its template block shows, or
None when the plan has no such data (the block then says so or is left out). To add a section:
a function here, a block in templates/sections/, and a line in ``solve_context``.

Sections another part of procure adds to plan.json are read when present. Expected shapes
(extra keys are shown as extra columns or lines, formatted by key suffix: ``_usd`` money, ``_w``
power, ``_fraction`` share):

``plan["economics"]``::

    {"per_workload": [{"workload": "qwen72-awq",
                       "usd_per_million_output_tokens": 1.93,
                       "usd_per_million_input_tokens": 0.21,      # optional
                       "tokens_per_day": 1.2e8, ...}, ...],
     "total": {"usd_per_million_output_tokens": 2.4, "tokens_per_day": 9.9e8,
               "amortised_usd_per_year": 190000, ...},
     "assumptions": {"amortisation_years": 4, "utilization": 0.6, ...}}

``plan["rent"]``::

    {"monthly_usd": 61000, "yearly_usd": 732000, "break_even_month": 11,
     "instances": [{"instance": "8x H100 SXM", "provider": "…", "count": 2,
                    "usd_per_hour": 24.5, ...}, ...],
     "note": "on-demand list prices as of …"}               # optional
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

from solver.options.generate import split_label
from solver.report.rack_drawing import rack_elevations, rack_svg
from solver.report.report_folder import SolveFolder
from solver.report.report_format import DASH, by_key, gib, humanize, kw, number, pct, usd
from solver.report.report_tables import Table, keyed_table
from solver.report.svg_charts import bar_chart
from solver.specs.problem import Problem

DEFAULT_RACK_UNITS = 42
"""Rack height drawn when the problem file (limits.rack_units) is not at hand."""

_OBJECTIVE_WORDS = {"cost": "cheapest", "power": "lowest-power", "tco": "lowest total-cost-of-ownership"}


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


def gpus_text(gpus: dict[str, int]) -> str:
    return ", ".join(f"{count}× {gpu}" for gpu, count in gpus.items())


def question_and_answer(folder: SolveFolder) -> Markup:
    """One paragraph: what was asked (problem, demand, limits, objective) and what to buy."""
    plan, problem = folder.plan, folder.problem.problem
    summary = plan.get("summary", {})
    workloads = plan.get("workloads", [])
    name = escape(summary.get("problem", "this problem"))
    described = f" ({escape(problem.description.strip())})" if problem is not None and problem.description.strip() else ""
    limits = limits_text(problem) if problem is not None else ""
    objective = summary.get("objective", "cost")
    question = (
        f"<strong>Question.</strong> {name}{described}: what is the {_OBJECTIVE_WORDS.get(objective, objective)} purchase that runs "
        f"{_count(len(workloads), 'workload')} ({escape(demand_text(workloads))} at peak)" + (f" within {escape(limits)}" if limits else "") + "?"
    )
    desk_side = sum(1 for node in plan.get("nodes", []) if node.get("rack") is None)
    in_racks = len(plan.get("nodes", [])) - desk_side
    where = f"{_count(summary.get('racks', 0), 'rack')}" if in_racks else ""
    if desk_side:
        where = (where + " plus " if where else "") + _count(desk_side, "desk-side machine")
    answer = (
        f"<strong>Answer.</strong> Buy {_count(summary.get('nodes', 0), 'server')} with {escape(gpus_text(summary.get('gpus', {})))} "
        f"for <strong class=\"capex\">{usd(summary.get('capex_usd'))}</strong> capex, drawing {kw(summary.get('power_w'))} nameplate"
        + (f" in {where}" if where else "") + f"; {escape(served_text(workloads))}. "
        f"The plan is {escape(summary.get('status', DASH))} (gap {pct(summary.get('gap'))}) and passed procure's independent checker."
    )
    baseline = plan.get("baseline")
    if baseline and baseline.get("capex_usd"):
        answer += (
            f" The rule of thumb (one dedicated instance per session, no packing) would cost {usd(baseline['capex_usd'])}: "
            f"this plan saves {usd(baseline.get('saving_usd'))} ({baseline.get('saving_usd', 0) / baseline['capex_usd']:.0%})."
        )
    return Markup(f"{question} {answer}")


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
    desk = [node for node in plan.get("nodes", []) if node.get("rack") is None]
    table = None
    if desk:
        table = Table(
            ["Machine", "Type", "GPUs", "Power", "Owned"],
            [[node["id"], node.get("node_type", ""), f"{node.get('gpu_count', 0)}× {node.get('gpu', '')}", kw(node.get("power_w")), "yes" if node.get("owned") else ""] for node in desk],
            [False, False, False, True, False],
        )
    return RackSection(drawings, table)


def server_configurations(folder: SolveFolder) -> Table:
    """One row per server configuration (node type × GPU × count): how many, where, what runs."""
    plan = folder.plan
    descriptions = {row.get("sku", ""): row.get("description", "") for row in folder.bom if row.get("category") == "server"}
    running: dict[str, set[str]] = defaultdict(set)
    for replica in plan.get("replicas", []):
        for placement in replica.get("placement", []):
            running[placement.get("node", "")].add(replica.get("workload", ""))
    groups: dict[tuple, list[dict[str, Any]]] = defaultdict(list)
    for node in plan.get("nodes", []):
        groups[(node.get("node_type"), node.get("gpu"), node.get("gpu_count"), bool(node.get("owned")))].append(node)
    rows = []
    for (node_type, gpu, gpu_count, owned), nodes in groups.items():
        sample = nodes[0]
        racks_used = sorted({node["rack"] + 1 for node in nodes if node.get("rack") is not None})
        places = [f"rack {', '.join(map(str, racks_used))}"] if racks_used else []
        if any(node.get("rack") is None for node in nodes):
            places.append("desk-side")
        workloads = sorted(set().union(*(running[node["id"]] for node in nodes)))
        rows.append([
            f"{node_type}" + (f" — {descriptions[node_type]}" if node_type in descriptions else ""),
            f"{gpu_count}× {gpu}",
            str(len(nodes)) + (" (owned)" if owned else ""),
            f"{sample.get('rack_units', 0)} U" if sample.get("rack") is not None else DASH,
            kw(sample.get("power_w")),
            "yes" if sample.get("fabric") else "",
            " and ".join(places),
            ", ".join(workloads) or "spare",
        ])
    return Table(["Configuration", "GPUs each", "Count", "Height", "Power each", "Fabric", "Where", "Runs"], rows, [False, False, True, True, True, False, False, False])


# ============================================================================================
# Bill of materials


BOM_COLUMNS = (("line", "#", True), ("category", "Category", False), ("sku", "SKU", False), ("description", "Description", False), ("vendor", "Vendor", False), ("quantity", "Qty", True), ("unit_price_usd", "Unit price", True), ("extended_price_usd", "Extended", True), ("unit_power_w", "Unit power", True))
"""bom.csv columns shown as table columns; ``notes`` (price sources) goes under the table, and
columns the report does not know are appended as they are."""


def bill_of_materials(bom: list[dict[str, str]]) -> Table:
    known = {key for key, _, _ in BOM_COLUMNS} | {"notes"}
    extra = [key for key in (bom[0] if bom else {}) if key not in known]
    money = {"unit_price_usd", "extended_price_usd"}

    def cell(key: str, value: str | None) -> str:
        if value in (None, ""):
            return ""
        if key in money:
            return usd(float(value))
        if key == "unit_power_w":
            return f"{float(value):,.0f} W"
        if key == "quantity":
            return f"{int(float(value)):,}"
        return value

    rows = [[cell(key, row.get(key)) for key, _, _ in BOM_COLUMNS] + [row.get(key) or "" for key in extra] for row in bom]
    total = sum(float(row.get("extended_price_usd") or 0) for row in bom)
    footer = ["", "", "total", "", "", "", "", usd(total), ""] + [""] * len(extra)
    return Table([heading for _, heading, _ in BOM_COLUMNS] + [humanize(key) for key in extra], rows, [numeric for _, _, numeric in BOM_COLUMNS] + [False] * len(extra), footer)


def capex_by_category(bom: list[dict[str, str]]) -> Markup | None:
    """Where the money goes: extended prices summed per BOM category, largest first."""
    totals: dict[str, float] = {}
    for row in bom:
        category = row.get("category") or "other"
        totals[category] = totals.get(category, 0.0) + float(row.get("extended_price_usd") or 0)
    if not totals:
        return None
    bars = sorted(totals.items(), key=lambda item: -item[1])
    return bar_chart(bars, title="Capex by category", value_format=usd, css_class="chart bars capex-by-category")


def price_sources(bom: list[dict[str, str]]) -> list[tuple[str, str]]:
    """(SKU, where its price comes from) for every BOM line with a note."""
    return [(row.get("sku", ""), row["notes"]) for row in bom if row.get("notes")]


# ============================================================================================
# Unit economics and buy versus rent (present only in plans that carry them)


@dataclass(frozen=True)
class EconomicsSection:
    chart: Markup | None
    per_workload: Table
    total: list[tuple[str, str]]
    assumptions: list[tuple[str, str]]


def unit_economics(plan: dict[str, Any]) -> EconomicsSection | None:
    economics = plan.get("economics")
    if not isinstance(economics, dict):
        return None
    per_workload = [row for row in economics.get("per_workload", []) if isinstance(row, dict)]
    bars = [(str(row.get("workload", "")), float(row["usd_per_million_output_tokens"])) for row in per_workload if isinstance(row.get("usd_per_million_output_tokens"), (int, float))]
    chart = bar_chart(bars, title="$ per million output tokens, by workload", value_format=lambda value: f"${value:,.2f}", css_class="chart bars usd-per-million-tokens") if bars else None
    return EconomicsSection(
        chart=chart,
        per_workload=keyed_table(per_workload, first=("workload", "usd_per_million_output_tokens", "usd_per_million_input_tokens", "tokens_per_day")),
        total=[(humanize(key), by_key(key, value)) for key, value in (economics.get("total") or {}).items()],
        assumptions=[(humanize(key), by_key(key, value)) for key, value in (economics.get("assumptions") or {}).items()],
    )


@dataclass(frozen=True)
class RentSection:
    headline: str
    instances: Table | None
    details: list[tuple[str, str]]


def buy_vs_rent(plan: dict[str, Any]) -> RentSection | None:
    rent = plan.get("rent")
    if not isinstance(rent, dict):
        return None
    capex = plan.get("summary", {}).get("capex_usd")
    parts = []
    if rent.get("monthly_usd") is not None:
        parts.append(f"Renting the same capacity costs {usd(rent['monthly_usd'])} a month" + (f" ({usd(rent['yearly_usd'])} a year)" if rent.get("yearly_usd") is not None else ""))
    if rent.get("break_even_month") is not None:
        parts.append(f"buying ({usd(capex)} capex) breaks even in month {number(rent['break_even_month'])}")
    elif "break_even_month" in rent:
        parts.append("buying does not break even within the horizon")
    instances = [row for row in rent.get("instances", []) if isinstance(row, dict)]
    shown = {"monthly_usd", "yearly_usd", "break_even_month", "instances"}
    return RentSection(
        headline="; ".join(parts) + "." if parts else "",
        instances=keyed_table(instances) if instances else None,
        details=[(humanize(key), by_key(key, value)) for key, value in rent.items() if key not in shown],
    )


__all__ = [
    "BOM_COLUMNS",
    "EconomicsSection",
    "RackSection",
    "RentSection",
    "ServedBy",
    "WorkloadRow",
    "bill_of_materials",
    "buy_vs_rent",
    "capex_by_category",
    "price_sources",
    "question_and_answer",
    "racks",
    "server_configurations",
    "unit_economics",
    "workloads_served",
]
