"""Buy or rent in the report, from plan.json's ``rent`` (solver/rent/plan.py, compare.py).

Three shapes, by ``mode``: ``comparison`` (a bought plan beside the cheapest rental of the same
capacity and the break-even month, or ``status`` UNAVAILABLE with a ``reason``), ``rented``
(the plan rents instead of buying) and ``hybrid`` (owned base load, rented remainder).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from solver.report.charts import usd_label
from solver.report.report_format import DASH, pct, usd
from solver.report.report_tables import Table
from solver.report.svg_charts import Series, line_chart

UNAVAILABLE = "UNAVAILABLE"


@dataclass(frozen=True)
class RentSection:
    mode: str
    headline: str
    chart: Markup | None
    """Cumulative cost of buying and of renting, month by month (a bought plan's comparison)."""
    instances: Table | None
    sources: list[tuple[str, str]]
    """(instance, where its price comes from)."""
    notes: list[str]


def _instances(records: list[Mapping[str, Any]]) -> Table:
    rows = [
        [
            str(record.get("provider", "")),
            str(record.get("instance_type", "")),
            f"{record.get('gpus', 0)}× {record.get('gpu', '')}",
            f"{record.get('count', 0):,}",
            str(record.get("commitment", "")),
            f"${record['usd_per_hour']:,.2f}" if record.get("usd_per_hour") is not None else DASH,
            usd(record.get("usd_per_month")),
            usd(record["usd_per_month"] * record["count"]) if record.get("usd_per_month") is not None and record.get("count") is not None else DASH,
            str(record.get("region") or DASH),
            str(record.get("price_date") or "undated"),
        ]
        for record in records
    ]
    return Table(
        ["Provider", "Instance", "GPUs each", "Count", "Commitment", "Per hour", "Per month each", "Per month", "Region", "Price date"],
        rows, [False, False, False, True, False, True, True, True, False, False],
    )


def horizon_months(years: float, break_even: float | None) -> int:
    """Months the cost chart spans: the amortisation horizon, or past the break-even month."""
    months = years * 12
    if break_even is not None:
        months = max(months, break_even * 1.25)
    return math.ceil(months)


def cumulative_cost_chart(capex: float, running_monthly: float, rent_monthly: float, months: int) -> Markup:
    """Buying: capex, then running costs each month; renting: the rent each month. Straight
    lines, so their ends are enough: they cross at the break-even month."""
    ticks = [float(month) for month in range(0, months + 1, 12 if months > 24 else 6)]
    return line_chart(
        [
            Series("buy: capex + running costs", [(0.0, capex), (float(months), capex + running_monthly * months)], emphasis=True),
            Series("rent the same capacity", [(0.0, 0.0), (float(months), rent_monthly * months)]),
        ],
        title="Cumulative cost, buying against renting",
        x_label="months from purchase",
        y_label="cumulative cost (USD)",
        x_format=lambda month: f"{month:g}",
        y_format=usd_label,
        y_range=(0.0, max(capex + running_monthly * months, rent_monthly * months) * 1.08),
        x_ticks=ticks,
        css_class="chart buy-vs-rent",
    )


def _comparison(rent: Mapping[str, Any], plan: Mapping[str, Any]) -> tuple[str, Markup | None]:
    if rent.get("status") == UNAVAILABLE:
        return f"No rented plan serves the same demand: {rent.get('reason', 'no reason given')}.", None
    capex = plan.get("summary", {}).get("capex_usd") or 0
    monthly, running = rent.get("monthly_usd"), rent.get("owned_running_monthly_usd")
    headline = (
        f"Renting the same capacity ({rent.get('commitment', '')}) costs {usd(monthly)} a month ({usd(rent.get('yearly_usd'))} a year); "
        f"owning costs {usd(rent.get('owned_monthly_usd'))} a month with the capex amortised, {usd(running)} of it running costs. "
    )
    verdict = str(rent.get("verdict") or "")
    if verdict:
        headline += verdict[:1].upper() + verdict[1:] + "."
    years = _years(plan)
    if rent.get("rent_over_horizon_usd") is not None and years is not None:
        headline += f" Over {years:g} years: renting {usd(rent['rent_over_horizon_usd'])}, owning {usd(rent.get('owned_over_horizon_usd'))}."
    chart = None
    if monthly is not None and running is not None and years is not None:
        chart = cumulative_cost_chart(capex, running, monthly, horizon_months(years, rent.get("break_even_month")))
    return headline, chart


def _years(plan: Mapping[str, Any]) -> float | None:
    years = ((plan.get("economics") or {}).get("assumptions") or {}).get("years")
    return float(years["value"]) if isinstance(years, Mapping) and years.get("value") is not None else None


def _rented(rent: Mapping[str, Any]) -> str:
    count = sum(record.get("count", 0) for record in rent.get("instances", []))
    return f"This plan rents instead of buying: {count:,} cloud instances for {usd(rent.get('monthly_usd'))} a month ({usd(rent.get('yearly_usd'))} a year) at {rent.get('commitment', '')} prices."


def _hybrid(rent: Mapping[str, Any]) -> str:
    text = f"Owned servers carry {pct(rent.get('base_fraction'))} of each workload's peak; cloud instances serve the rest, billed {rent.get('hours_per_day', 24):g} h a day: {usd(rent.get('monthly_usd'))} a month ({usd(rent.get('yearly_usd'))} a year)."
    owned = rent.get("owned_capacity")
    if isinstance(owned, Mapping) and owned:
        text += " The owned servers serve " + ", ".join(f"{units:,} of {name}" for name, units in owned.items()) + "."
    return text


def buy_vs_rent(plan: Mapping[str, Any]) -> RentSection | None:
    """The section, or None for a plan without ``rent`` (no cloud catalog, or turned off)."""
    rent = plan.get("rent")
    if not isinstance(rent, Mapping):
        return None
    mode = str(rent.get("mode", ""))
    chart = None
    if mode == "comparison":
        headline, chart = _comparison(rent, plan)
    elif mode == "hybrid":
        headline = _hybrid(rent)
    else:
        headline = _rented(rent)
    records = [record for record in rent.get("instances", []) if isinstance(record, Mapping)]
    notes = [str(rent["note"])] if rent.get("note") else []
    if rent.get("storage_gb_not_priced"):
        notes.append(f"Checkpoint storage the rented instances need ({rent['storage_gb_not_priced']:,} GB) is not priced.")
    return RentSection(
        mode=mode,
        headline=headline,
        chart=chart,
        instances=_instances(records) if records else None,
        sources=[(str(record.get("instance_id", "")), f"{record.get('source', '')} {record.get('confidence', '')}".strip()) for record in records],
        notes=notes,
    )


__all__ = ["RentSection", "buy_vs_rent", "cumulative_cost_chart", "horizon_months"]
