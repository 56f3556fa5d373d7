"""The figures unit costs rest on, each with where its value came from (plan.json
`economics.assumptions`): the problem file when it sets one, else the documented default."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from solver.specs.problem import Problem


def _sourced(settings: BaseModel, field: str, path: str) -> dict[str, Any]:
    value = getattr(settings, field)
    if field in settings.model_fields_set:
        source = f"problem file ({path})"
    else:
        basis = type(settings).model_fields[field].description or ""
        source = f"default ({path}): {basis}"
    return {"value": value, "source": source}


def economics_assumptions(problem: Problem) -> dict[str, dict[str, Any]]:
    tco, economics, rent = problem.objective.tco, problem.economics, problem.rent
    return {
        "years": _sourced(tco, "years", "objective.tco.years"),
        "amortisation": {"value": "straight-line", "source": "price less residual value, spread evenly over the years (solver/economics/costs.py)"},
        "residual_value_fraction": _sourced(economics, "residual_value_fraction", "economics.residual_value_fraction"),
        "utilization": _sourced(economics, "utilization", "economics.utilization"),
        "power_draw_fraction": _sourced(tco, "utilization", "objective.tco.utilization"),
        "electricity_usd_per_kwh": _sourced(tco, "electricity_usd_per_kwh", "objective.tco.electricity_usd_per_kwh"),
        "pue": _sourced(tco, "pue", "objective.tco.pue"),
        "support_years": {
            "value": problem.procurement.support_years,
            "source": "procurement.support_years: the support contract on the purchase order, spread over the years and renewed at its own rate beyond them; economics.support_fraction_per_year applies only to an order without one",
        },
        "support_fraction_per_year": _sourced(economics, "support_fraction_per_year", "economics.support_fraction_per_year"),
        "space_usd_per_rack_per_month": _sourced(economics, "space_usd_per_rack_per_month", "economics.space_usd_per_rack_per_month"),
        "hours_per_month": _sourced(rent, "hours_per_month", "rent.hours_per_month"),
    }
