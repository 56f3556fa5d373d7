"""The bill of materials in the report: the purchase order as bom.csv has it, the money it
adds up to, and where each price comes from.

A system line (a configured server) is followed by its sub-lines (chassis, accelerators,
configuration), drawn indented: they are priced within the system line, so the total counts
only lines without a parent and equals the plan's capex. Reservations (rented instances) are
billed per month, not bought: they get a table and a monthly total of their own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from solver.plan.schema import BomLine
from solver.rent.plan import RESERVATION
from solver.report.report_format import DASH, usd
from solver.report.report_tables import Table
from solver.report.svg_charts import bar_chart

INCLUDED = "incl."
"""Price cell of a sub-line the system's price already covers (CPUs, memory, rails...)."""

_PRICE_POINTS = {
    "mid": "the catalog's price for each item",
    "low": "the low end of each item's published price range",
    "high": "the high end of each item's published price range",
}


@dataclass(frozen=True)
class PriceSource:
    sku: str
    as_of: str
    source: str
    quote: str
    """'quote Q-17 from Dell, 2026-10-01, valid until 2026-12-31', or empty."""


@dataclass(frozen=True)
class BomSection:
    purchase: Table | None
    """Bought lines, sub-lines indented; footer: the total, which is the capex."""
    reservations: Table | None
    """Rented instances; footer: the total per month."""
    capex_chart: Markup | None
    sources: list[PriceSource]
    price_basis: str
    """Which price of each item planned the purchase (summary.price_point)."""


def purchase_lines(bom: Sequence[BomLine]) -> list[BomLine]:
    return [line for line in bom if line.category != RESERVATION]


def reservation_lines(bom: Sequence[BomLine]) -> list[BomLine]:
    return [line for line in bom if line.category == RESERVATION]


def purchase_total(bom: Sequence[BomLine]) -> int:
    """What the order costs: its top-level lines (sub-lines are inside their system's price)."""
    return sum(line.extended_price_usd for line in purchase_lines(bom) if line.parent is None)


def _item(line: BomLine, *, show_notes: bool) -> Markup:
    """SKU over description (and notes): one cell, so long SKUs do not need a column."""
    notes = Markup('<br><span class="note">{}</span>').format(line.notes) if show_notes and line.notes else ""
    return Markup('<span class="sku">{}</span><br>{}{}').format(line.sku, line.description, notes)


def _range(line: BomLine) -> str:
    if line.price_low_usd is None or line.price_high_usd is None:
        return DASH
    return f"{usd(line.price_low_usd)}–{usd(line.price_high_usd)}"


def _purchase_table(lines: Sequence[BomLine]) -> Table:
    rows, classes = [], []
    for line in lines:
        included = line.parent is not None and line.unit_price_usd == 0
        rows.append([
            str(line.line),
            line.category,
            _item(line, show_notes=not included),  # "incl." already says what such a note says
            line.vendor,
            f"{line.quantity:,}",
            INCLUDED if included else usd(line.unit_price_usd),
            _range(line),
            INCLUDED if included else usd(line.extended_price_usd),
            f"{line.unit_power_w:,} W" if line.unit_power_w else DASH,
        ])
        classes.append("sub" if line.parent is not None else "")
    footer = ["", "", "total (sub-lines are priced within their system)", "", "", "", "", usd(purchase_total(lines)), ""]
    return Table(
        ["#", "Category", "Item", "Vendor", "Qty", "Unit price", "Price range", "Extended", "Power each"],
        rows, [True, False, False, False, True, True, True, True, True], footer, classes,
    )


def _reservation_table(lines: Sequence[BomLine]) -> Table:
    rows = [
        [str(line.line), line.vendor, _item(line, show_notes=True), f"{line.quantity:,}", usd(line.unit_price_usd), usd(line.extended_price_usd), line.price_as_of or DASH]
        for line in lines
    ]
    footer = ["", "", "total per month", "", "", usd(sum(line.extended_price_usd for line in lines)), ""]
    return Table(["#", "Provider", "Instance", "Qty", "Per month each", "Per month", "Price as of"], rows, [True, False, False, True, True, True, False], footer)


def capex_by_category(bom: Sequence[BomLine]) -> Markup | None:
    """Where the money goes: top-level purchase lines summed per category, largest first."""
    totals: dict[str, float] = {}
    for line in purchase_lines(bom):
        if line.parent is None:
            totals[line.category] = totals.get(line.category, 0.0) + line.extended_price_usd
    if not totals:
        return None
    bars = sorted(totals.items(), key=lambda item: -item[1])
    return bar_chart(bars, title="Capex by category", value_format=usd, css_class="chart bars capex-by-category")


def _quote(line: BomLine) -> str:
    if not line.quote_id and not line.quote_vendor:
        return ""
    parts = [f"quote {line.quote_id}".strip() + (f" from {line.quote_vendor}" if line.quote_vendor else "")]
    if line.quote_date:
        parts.append(line.quote_date)
    if line.quote_valid_until:
        parts.append(f"valid until {line.quote_valid_until}")
    return ", ".join(parts)


def price_sources(bom: Sequence[BomLine]) -> list[PriceSource]:
    """Each top-level line's price source (a system's names its chassis' and cards')."""
    return [PriceSource(line.sku, line.price_as_of or "undated", line.price_source, _quote(line)) for line in bom if line.parent is None and (line.price_source or _quote(line))]


def bill_of_materials(bom: Sequence[BomLine], price_point: str) -> BomSection:
    bought, rented = purchase_lines(bom), reservation_lines(bom)
    return BomSection(
        purchase=_purchase_table(bought) if bought else None,
        reservations=_reservation_table(rented) if rented else None,
        capex_chart=capex_by_category(bom),
        sources=price_sources(bom),
        price_basis=_PRICE_POINTS.get(price_point, price_point),
    )


__all__ = ["INCLUDED", "BomSection", "PriceSource", "bill_of_materials", "capex_by_category", "price_sources", "purchase_lines", "purchase_total", "reservation_lines"]
