"""Unit economics in the report, from plan.json's ``economics`` (solver/economics/report.py):
$ per million tokens per workload and in total, what the plan costs a year and why, and the
assumptions those figures rest on with their sources."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from solver.report.report_format import DASH, by_key, humanize, number, pct, usd
from solver.report.report_tables import Table
from solver.report.svg_charts import bar_chart

TOTAL_LABEL = "all inference workloads"


def per_million(value: float | None) -> str:
    return DASH if value is None else f"${value:,.2f}"


def _tokens(value: float | None) -> str:
    if value is None:
        return DASH
    return f"{value / 1e6:,.1f} M" if value >= 1e6 else f"{value:,.0f}"


_ASSUMPTION_FORMATS: dict[str, Callable[[Any], str]] = {
    "years": lambda value: f"{value:g} years",
    "utilization": pct,
    "power_draw_fraction": pct,
    "residual_value_fraction": pct,
    "support_fraction_per_year": lambda value: f"{pct(value)} of the price a year",
    "support_years": lambda value: f"{value} years" if value else "none",
    "electricity_usd_per_kwh": lambda value: f"${value:g} per kWh",
    "pue": lambda value: f"{value:g}",
    "space_usd_per_rack_per_month": lambda value: f"{usd(value)} per rack a month",
    "hours_per_month": lambda value: f"{value:g} h",
}
"""How each of economics.assumptions reads; keys not listed, and values not set, by their suffix."""


@dataclass(frozen=True)
class EconomicsSection:
    chart: Markup | None
    per_workload: Table
    yearly: list[tuple[str, str]]
    """What the plan costs a year, and what that is made of."""
    assumptions: Table
    notes: list[str]


def _workload_table(records: list[dict[str, Any]], total: Mapping[str, Any]) -> Table:
    training = any("usd_per_job" in record for record in records)
    columns = ["Workload", "Served", "GPUs held", "Cost a year", "GPU-hour", "Output tokens a day", "Input tokens a day", "$ / M output tokens", "$ / M input tokens", "$ / M tokens, both"]
    if training:
        columns += ["GPU-hours a job", "Cost a job"]
    rows = []
    for record in records:
        row = [
            str(record.get("workload", "")),
            f"{record.get('served', 0):,} {record.get('unit', '')}",
            number(record.get("gpus")),
            usd(record.get("usd_per_year")),
            per_million(record.get("gpu_hour_usd")),
            _tokens(record.get("tokens_per_day")),
            _tokens(record.get("input_tokens_per_day")),
            per_million(record.get("usd_per_million_output_tokens")),
            per_million(record.get("usd_per_million_input_tokens")),
            per_million(record.get("usd_per_million_tokens")),
        ]
        if training:
            row += [number(record.get("gpu_hours_per_job")), usd(record.get("usd_per_job"))]
        rows.append(row)
    footer = [
        TOTAL_LABEL, "", number(total.get("gpus")), usd(total.get("inference_usd_per_year")), per_million(total.get("gpu_hour_usd")),
        _tokens(total.get("tokens_per_day")), _tokens(total.get("input_tokens_per_day")),
        per_million(total.get("usd_per_million_output_tokens")), per_million(total.get("usd_per_million_input_tokens")), per_million(total.get("usd_per_million_tokens")),
    ] + (["", ""] if training else [])
    return Table(columns, rows, [False] + [True] * (len(columns) - 1), footer)


def _yearly(total: Mapping[str, Any]) -> list[tuple[str, str]]:
    contract = total.get("support_contract_years")
    lines = [
        ("Cost a year", f"{usd(total.get('usd_per_year'))} ({usd(total.get('usd_per_month'))} a month)"),
        ("Amortised capex", f"{usd(total.get('amortised_capex_usd_per_year'))} a year (capex {usd(total.get('capex_usd'))})"),
        ("Energy", f"{usd(total.get('energy_usd_per_year'))} a year"),
        ("Support", f"{usd(total.get('support_usd_per_year'))} a year" + (f" (the order's {contract}-year contract)" if contract else "")),
    ]
    optional = (
        ("space_usd_per_year", "Space", " a year"),
        ("rent_usd_per_year", "Rented instances", " a year"),
        ("training_usd_per_year", "Training workloads", " a year (costed per job, not per token)"),
        ("unallocated_usd_per_year", "Carried by no workload", " a year (idle servers, shared costs)"),
    )
    lines += [(label, usd(total[key]) + suffix) for key, label, suffix in optional if total.get(key)]
    lines.append(("Running costs", f"{usd(total.get('running_usd_per_month'))} a month (energy, support, space)"))
    return lines


def _assumptions(assumptions: Mapping[str, Any]) -> Table:
    rows = []
    for key, entry in assumptions.items():
        value = entry.get("value") if isinstance(entry, Mapping) else entry
        format_ = _ASSUMPTION_FORMATS.get(key) if value is not None else None
        shown = format_(value) if format_ else by_key(key, value)
        rows.append([humanize(key), shown, str(entry.get("source", "")) if isinstance(entry, Mapping) else ""])
    return Table(["Assumption", "Value", "Source"], rows)


def unit_economics(plan: Mapping[str, Any]) -> EconomicsSection | None:
    """The section, or None for a plan without ``economics``."""
    economics = plan.get("economics")
    if not isinstance(economics, Mapping):
        return None
    records = [record for record in economics.get("per_workload", []) if isinstance(record, Mapping)]
    total = economics.get("total") or {}
    bars = [(str(record.get("workload", "")), float(record["usd_per_million_output_tokens"])) for record in records if record.get("usd_per_million_output_tokens") is not None]
    if bars and total.get("usd_per_million_output_tokens") is not None:
        bars.append((TOTAL_LABEL, float(total["usd_per_million_output_tokens"])))
    chart = bar_chart(bars, title="$ per million output tokens", value_format=per_million, css_class="chart bars usd-per-million-tokens") if bars else None
    return EconomicsSection(
        chart=chart,
        per_workload=_workload_table(records, total),
        yearly=_yearly(total),
        assumptions=_assumptions(economics.get("assumptions") or {}),
        notes=[str(note) for note in economics.get("notes", [])],
    )


__all__ = ["TOTAL_LABEL", "EconomicsSection", "per_million", "unit_economics"]
