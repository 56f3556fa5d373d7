"""Unit-economics and renting settings of a problem file (`economics:` and `rent:`).

The amortisation horizon, electricity price, PUE and power draw are the TCO settings
(`objective.tco`): one place for each figure. What is here adds what unit costs and renting need.
Every default names its basis.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from solver.specs.cloud import Commitment
from solver.specs.common import StrictModel
from solver.specs.fields import Line, Lowercase, usd

HOURS_PER_MONTH = 730.0
"""8,760 h / 12: the month AWS, Google Cloud and Azure bill instance-hours against."""


class EconomicsSettings(StrictModel):
    utilization: float = Field(
        default=0.25, gt=0, le=1,
        description="Share of the day the planned capacity is busy serving (tokens per day = served sessions × planned decode speed × 86,400 s × utilization). "
        "Default 0.25 [D]: the plan is sized for peak concurrency, and a team that works 5 × 8 h a week at that peak and is idle otherwise "
        "keeps it busy 40/168 = 24% of the week. Set it from serving logs (e.g. vLLM's num_requests_running over a week).",
    )
    support_fraction_per_year: float = Field(
        default=0.10, ge=0, le=1,
        description="Hardware support contract per year as a share of the purchase price. Default 0.10: next-business-day support is quoted at "
        "8-12% of purchase per year, 24×7 four-hour support at 12-20% (rules of thumb: librarytechnology.org 10-12%, philipcrewe.net 10-15% [3P/U]).",
    )
    space_usd_per_rack_per_month: usd(ge=0, le=1_000_000) | None = Field(
        default=None,
        description="Data-centre space (colocation) per rack per month, USD; none by default: space is counted only when given.",
    )
    residual_value_fraction: float = Field(
        default=0.0, ge=0, lt=1,
        description="Share of the purchase price recovered at the end of the horizon (resale). Default 0: straight-line amortisation of the whole price over objective.tco.years.",
    )


class RentSettings(StrictModel):
    commitment: Annotated[Commitment, Lowercase] = Field(
        default="on-demand",
        description="Price renting is compared at, and rented plans pay: on-demand, 1y or 3y (committed-use rate; instances without one are rented on demand), or spot (interruptible).",
    )
    providers: list[Annotated[Line, Lowercase]] | None = Field(default=None, description="Only rent from these providers (aws, gcp, azure, oci, lambda, nebius, runpod, ...); default: every provider in catalogs/cloud.yaml.")
    excluded_providers: list[Annotated[Line, Lowercase]] = Field(default_factory=list, description="Never rent from these providers.")
    compare: bool = Field(default=True, description="`procure solve` also finds what renting the same capacity costs (a second, rented plan) and the break-even month.")
    base_fraction: float = Field(
        default=0.5, gt=0, lt=1,
        description="objective hybrid: share of each workload's peak demand served by owned hardware (the base load, rounded up); the rest is rented. "
        "Default 0.5, a neutral starting point: sweep it to find your own.",
    )
    burst_hours_per_day: float = Field(
        default=24.0, gt=0, le=24,
        description="objective hybrid: hours a day the rented remainder runs (on-demand instances are billed by the hour; peak demand above the base load "
        "lasts only part of the day). Default 24: rented around the clock, the conservative choice.",
    )
    hours_per_month: float = Field(default=HOURS_PER_MONTH, gt=0, le=744, description="Billed hours in a month: 730 = 8,760 / 12, the month the large clouds bill against.")
