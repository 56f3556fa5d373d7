"""What renting an instance costs at a commitment.

An instance is rented at the committed (or spot) rate where its provider publishes one and on
demand otherwise: on-demand capacity can always be had at its list price, so a plan asking for
1-year prices still considers a provider that only lists on-demand ones. Each reservation says
which price it pays. Monthly prices are whole dollars (the model's unit): hourly × hours billed
in a month (730 = 8,760 / 12), rounded.
"""

from __future__ import annotations

from dataclasses import dataclass

from solver.specs.cloud import CloudInstance, Commitment


@dataclass(frozen=True)
class RentalPrice:
    usd_per_hour: float
    commitment: Commitment
    """The price actually paid: the requested commitment, or on-demand where it has none."""


def rental_price(instance: CloudInstance, commitment: Commitment) -> RentalPrice | None:
    """The price paid renting `instance` at `commitment` (None: no usable price)."""
    price = instance.usd_per_hour(commitment)
    if price is not None:
        return RentalPrice(price, commitment)
    if instance.on_demand_usd_per_hour is not None:
        return RentalPrice(instance.on_demand_usd_per_hour, "on-demand")
    return None


def monthly_usd(usd_per_hour: float, hours_per_month: float, share_of_day: float = 1.0) -> int:
    """Whole dollars a month for an instance billed `share_of_day` of every day; at least one, so
    the model is never indifferent to renting another instance."""
    return max(1, round(usd_per_hour * hours_per_month * share_of_day))
