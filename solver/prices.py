"""Price overrides from a vendor quote: a CSV with columns `sku` and `unit_price_usd`.

A sku is any GPU, node or fabric id (or alias). GPUs and fabric items take the quoted unit price;
a node's quote is its price without GPUs, as in the catalog.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd

from solver.catalog import Catalog
from solver.errors import InputError, UnknownNameError

REQUIRED_COLUMNS = ("sku", "unit_price_usd")


def read_quotes(path: Path) -> dict[str, float]:
    try:
        frame = pd.read_csv(path, dtype={"sku": str}, comment="#", skipinitialspace=True)
    except FileNotFoundError:
        raise InputError(f"{path}: no such price file") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: cannot read as CSV ({error})") from None
    missing = [column for column in REQUIRED_COLUMNS if column not in frame.columns]
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)}", hint="the header must include: sku,unit_price_usd")
    quotes: dict[str, float] = {}
    for row_number, (sku, price) in enumerate(zip(frame["sku"], frame["unit_price_usd"]), start=2):
        if not isinstance(sku, str) or not sku.strip():
            raise InputError(f"{path}:{row_number}: sku is empty")
        try:
            value = float(price)
        except (TypeError, ValueError):
            raise InputError(f"{path}:{row_number}: unit_price_usd {price!r} is not a number") from None
        if not value >= 0:
            raise InputError(f"{path}:{row_number}: unit_price_usd must be zero or more (got {price})")
        quotes[sku.strip()] = value
    return quotes


def apply_quotes(catalog: Catalog, quotes: dict[str, float], source: Path) -> Catalog:
    gpus, nodes, fabric = dict(catalog.gpus), dict(catalog.nodes), dict(catalog.fabric)
    note = f"vendor quote {source.name}"
    for sku, price in quotes.items():
        for kind, table, field in (("gpus", gpus, "price_usd"), ("nodes", nodes, "base_price_usd"), ("fabric", fabric, "price_usd")):
            try:
                entry_id = catalog.resolve_id(kind, sku)
            except UnknownNameError:
                continue
            table[entry_id] = table[entry_id].model_copy(update={field: price, "price_source": note})
            break
        else:
            known = list(catalog.gpus) + list(catalog.nodes) + list(catalog.fabric)
            raise UnknownNameError("SKU", sku, known)
    return dataclasses.replace(catalog, gpus=gpus, nodes=nodes, fabric=fabric)
