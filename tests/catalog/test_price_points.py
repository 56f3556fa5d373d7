"""Price points (solver/catalog/price_points.py): the low or high end of every published range."""

from __future__ import annotations

from solver.catalog import load_catalog
from solver.catalog.price_points import at_price_point
from solver.verify.checker import verify_plan
from tests.fixtures.problems import chat_fleet, plan_of, solve_mini
from tests.fixtures.procurement import procurement_catalog

CATALOG = load_catalog(include_user=False)


def test_every_price_moves_to_its_range_end_or_stays():
    low, high = at_price_point(CATALOG, "low"), at_price_point(CATALOG, "high")
    assert at_price_point(CATALOG, "mid") is CATALOG
    for key, gpu in CATALOG.gpus.items():
        expected_low = gpu.price_usd if gpu.price_low_usd is None else gpu.price_low_usd
        expected_high = gpu.price_usd if gpu.price_high_usd is None else gpu.price_high_usd
        assert (low.gpus[key].price_usd, high.gpus[key].price_usd) == (expected_low, expected_high), key
    for key, node in CATALOG.nodes.items():
        assert low.nodes[key].base_price_usd <= node.base_price_usd <= high.nodes[key].base_price_usd, key


def test_catalog_prices_carry_ranges_and_dates():
    # Every GPU and chassis price states a range and a date (#8: prices with provenance).
    for entry in [*CATALOG.gpus.values(), *CATALOG.nodes.values()]:
        price = getattr(entry, "price_usd", None) if hasattr(entry, "price_usd") else entry.base_price_usd
        if not price:
            continue
        assert entry.price_low_usd is not None and entry.price_high_usd is not None, entry.id
        assert entry.price_as_of != "unstated", entry.id


def test_a_plan_at_the_high_end_costs_more_and_verifies():
    problem = chat_fleet(8, allowed_gpus=["h100-pcie"])
    high = problem.model_copy(update={"procurement": problem.procurement.model_copy(update={"price_point": "high"})})
    catalog = procurement_catalog()
    _, mid_solution = solve_mini(problem, catalog)
    data, high_solution = solve_mini(high, catalog)
    assert high_solution.capex_usd > mid_solution.capex_usd
    plan = plan_of(data, high_solution)
    assert plan.summary.price_point == "high"
    assert verify_plan(plan, high, catalog) == []
