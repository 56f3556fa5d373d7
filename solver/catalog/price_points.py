"""The catalog at the low or high end of its published price ranges.

Each GPU, chassis and fabric item may state `price_low_usd` / `price_high_usd` beside its price
(and the support rule `percent_per_year_low` / `_high`); a price point swaps every price for that
end of its range, leaving entries without a range, and quoted prices, as they are. Planning at
both ends shows whether the plan survives the uncertainty of list prices.
"""

from __future__ import annotations

import dataclasses
import functools

from solver.catalog.loader import Catalog

PRICE_POINTS = ("mid", "low", "high")


def at_price_point(catalog: Catalog, point: str) -> Catalog:
    """The catalog with every ranged price at `point` ('mid' returns the catalog itself)."""
    if point == "mid":
        return catalog
    return _cached(catalog, point)


@functools.lru_cache(maxsize=8)
def _cached(catalog: Catalog, point: str) -> Catalog:
    suffix = "low" if point == "low" else "high"
    gpus = {key: _moved(gpu, "price_usd", suffix) for key, gpu in catalog.gpus.items()}
    nodes = {key: _moved(node, "base_price_usd", suffix) for key, node in catalog.nodes.items()}
    fabric = {key: _moved(_moved_percent(item, suffix), "price_usd", suffix) for key, item in catalog.fabric.items()}
    return dataclasses.replace(catalog, gpus=gpus, nodes=nodes, fabric=fabric)


def _moved(entry, field: str, suffix: str):  # noqa: ANN001, ANN202 - any priced catalog entry
    bound = getattr(entry, f"price_{suffix}_usd", None)
    if bound is None:
        return entry
    # The published range stays as it is: the BOM still shows it beside the price used.
    return entry.model_copy(update={field: bound})


def _moved_percent(item, suffix: str):  # noqa: ANN001, ANN202
    bound = getattr(item, f"percent_per_year_{suffix}", None)
    if bound is None:
        return item
    return item.model_copy(update={"percent_per_year": bound})
