"""Buy versus rent: what renting a bought plan's capacity costs, and when buying pays off.

Owning costs its capex once, then runs at `running` a month (energy, support, space); renting
costs `rent` a month. Cumulative costs meet after capex / (rent − running) months: the
break-even month. When renting costs no more a month than running the owned hardware, buying
never pays off (None). The owned plan's full monthly cost (amortised capex included) is given
beside it for the per-month comparison over the amortisation horizon.
"""

from __future__ import annotations

from typing import Any

from solver.plan.schema import Plan


def break_even_month(capex_usd: float, rent_usd_per_month: float, running_usd_per_month: float) -> float | None:
    """Months after which buying has cost less than renting (None: never)."""
    saving = rent_usd_per_month - running_usd_per_month
    if saving <= 0:
        return None
    return capex_usd / saving


def comparison(owned: Plan, rented: Plan) -> dict[str, Any]:
    """plan.json `rent` of a bought plan: the rented plan's reservations beside the owned costs."""
    assert owned.economics is not None and rented.rent is not None
    total = owned.economics["total"]
    rent = dict(rented.rent)
    monthly = rent["monthly_usd"]
    months = break_even_month(owned.summary.capex_usd, monthly, total["running_usd_per_month"])
    years = owned.economics["assumptions"]["years"]["value"]
    rent.update({
        "mode": "comparison",
        "status": rented.summary.status,
        "owned_monthly_usd": total["usd_per_month"],
        "owned_running_monthly_usd": total["running_usd_per_month"],
        "break_even_month": None if months is None else round(months, 1),
        "rent_over_horizon_usd": round(monthly * 12 * years, 2),
        "owned_over_horizon_usd": round(total["usd_per_year"] * years, 2),
        "verdict": _verdict(months, years),
    })
    return rent


def unavailable(reason: str) -> dict[str, Any]:
    """plan.json `rent` when no rented plan serves the same demand."""
    return {"mode": "comparison", "status": "UNAVAILABLE", "reason": reason, "monthly_usd": None, "yearly_usd": None, "break_even_month": None, "instances": []}


def _verdict(months: float | None, years: float) -> str:
    if months is None:
        return "renting costs no more a month than running the owned hardware: buying never pays off"
    if months > years * 12:
        return f"buying pays off after {months:.1f} months, beyond the {years:g}-year horizon: rent"
    return f"buying pays off after {months:.1f} months, within the {years:g}-year horizon: buy"
