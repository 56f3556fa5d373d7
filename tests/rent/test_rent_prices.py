"""Rental prices by commitment and monthly rounding."""

from __future__ import annotations

from solver.rent.prices import monthly_usd, rental_price
from tests.fixtures.cloud import mini_cloud_catalog


def instance(instance_id: str):
    return next(i for i in mini_cloud_catalog().cloud.instances if i.id == instance_id)


def test_committed_price_where_published_else_on_demand():
    h100 = instance("t-8x-h100")
    assert rental_price(h100, "1y").usd_per_hour == 12.0 and rental_price(h100, "1y").commitment == "1y"
    fallback = rental_price(h100, "3y")
    assert (fallback.usd_per_hour, fallback.commitment) == (20.0, "on-demand")
    assert rental_price(instance("t-1x-4090"), "spot").usd_per_hour == 0.20


def test_monthly_price_is_whole_dollars_of_730_hours_and_at_least_one():
    assert monthly_usd(0.5, 730) == 365
    assert monthly_usd(55.04, 730) == 40_179
    assert monthly_usd(20.0, 730, share_of_day=10 / 24) == 6_083
    assert monthly_usd(0.0001, 730) == 1
