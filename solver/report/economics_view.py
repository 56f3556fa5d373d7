"""Terminal views of a plan's unit economics and its renting comparison or reservations."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text

from solver.plan.schema import Plan
from solver.report.terminal_text import user_text

_DASH = "–"


def _money(value: float | None, digits: int = 0) -> str:
    return _DASH if value is None else f"{value:,.{digits}f}"


def _tokens(value: float | None) -> str:
    return _DASH if value is None else f"{value / 1e6:,.2f} M"


def economics_table(plan: Plan) -> Table | None:
    """Per workload and in total: yearly cost, GPUs, GPU-hour cost, tokens a day, $/M tokens."""
    economics = plan.economics
    if economics is None:
        return None
    assumptions = economics["assumptions"]
    contract_years = economics["total"].get("support_contract_years")
    support = f"the order's {contract_years}-year support contract" if contract_years else f"support {assumptions['support_fraction_per_year']['value']:.0%}/year"
    title = (
        f"Unit economics (utilisation {assumptions['utilization']['value']:.0%} of the day, {assumptions['years']['value']:g}-year straight-line amortisation, "
        f"{support}, ${assumptions['electricity_usd_per_kwh']['value']:g}/kWh × PUE {assumptions['pue']['value']:g})"
    )
    table = Table(title=title, title_justify="left", header_style="bold")
    records = economics["per_workload"]
    total = economics["total"]
    # Columns by what the plan holds: token costs for inference, cost per job for training.
    columns: list[tuple[str, Any, Any]] = [
        ("Workload", lambda r: user_text(r["workload"]), "total"),
        ("$ / year", lambda r: _money(r["usd_per_year"]), _money(total["usd_per_year"])),
        ("GPUs", lambda r: f"{r['gpus']:,.2f}", str(total["gpus"])),
        ("$ / GPU-hour", lambda r: _money(r["gpu_hour_usd"], 2), _money(total["gpu_hour_usd"], 2)),
    ]
    if any("tokens_per_day" in r for r in records):
        columns += [
            ("Output tokens / day", lambda r: _tokens(r.get("tokens_per_day")), _tokens(total["tokens_per_day"])),
            ("$ / M output", lambda r: _money(r.get("usd_per_million_output_tokens"), 2), _money(total["usd_per_million_output_tokens"], 2)),
            ("$ / M input", lambda r: _money(r.get("usd_per_million_input_tokens"), 3), _money(total["usd_per_million_input_tokens"], 3)),
        ]
    if any("usd_per_job" in r for r in records):
        columns += [("GPU-hours / job", lambda r: _money(r.get("gpu_hours_per_job")), ""), ("$ / job", lambda r: _money(r.get("usd_per_job")), "")]
    for index, (column, _, _) in enumerate(columns):
        table.add_column(column, justify="left" if index == 0 else "right")
    for record in records:
        table.add_row(*[cell(record) for _, cell, _ in columns])
    table.add_row(*[last for _, _, last in columns], style="bold")
    return table


def cost_breakdown(plan: Plan) -> Text | None:
    economics = plan.economics
    if economics is None:
        return None
    total = economics["total"]
    named = (("amortised capex", "amortised_capex_usd_per_year"), ("energy", "energy_usd_per_year"), ("support", "support_usd_per_year"), ("space", "space_usd_per_year"), ("rent", "rent_usd_per_year"))
    parts = [f"{label} ${total[key]:,.0f}" for label, key in named if total[key]]
    text = f"cost per year ${total['usd_per_year']:,.0f} = " + " + ".join(parts) + f" (${total['usd_per_month']:,.0f} a month)"
    if total["unallocated_usd_per_year"]:
        text += f"; ${total['unallocated_usd_per_year']:,.0f} of it on idle owned servers no workload occupies"
    return Text(text)


def _instances(rent: dict[str, Any]) -> str:
    return ", ".join(f"{r['count']}× {r['provider']} {r['instance_type']} (${r['usd_per_hour']:g}/h, {r['commitment']})" for r in rent.get("instances", []))


def rent_text(plan: Plan) -> Text | None:
    """The renting comparison of a bought plan, or the reservations of a rented/hybrid one."""
    rent = plan.rent
    if rent is None:
        return None
    mode = rent.get("mode")
    if mode == "comparison":
        if rent.get("status") == "UNAVAILABLE":
            return user_text(f"renting the same capacity: no rented plan ({rent.get('reason')})", style="cyan")
        return user_text(
            f"renting the same capacity ({rent['commitment']}): ${rent['monthly_usd']:,}/month, ${rent['yearly_usd']:,}/year — {_instances(rent)}; "
            f"owning costs ${rent['owned_monthly_usd']:,.0f}/month (${rent['owned_running_monthly_usd']:,.0f} of it running costs); {rent['verdict']}"
            + (f"; checkpoints ({rent['storage_gb_not_priced']:,} GB) not priced" if rent.get("storage_gb_not_priced") else ""),
            style="cyan",
        )
    label = "rented" if mode == "rented" else f"rented remainder (owned base: {rent.get('base_fraction', 0):.0%} of peak)"
    return user_text(
        f"{label}: ${rent['monthly_usd']:,}/month ({rent['commitment']}, {rent['hours_per_day']:g} h a day) — {_instances(rent)}"
        + (f"; checkpoint storage ({rent['storage_gb_not_priced']:,} GB) not priced" if rent.get("storage_gb_not_priced") else ""),
        style="cyan",
    )
