"""Price overrides from a vendor quote: a CSV with columns `sku` and `unit_price_usd`, and
optionally `vendor`, `quote_id`, `quote_date` and `valid_until` (ISO dates, YYYY-MM-DD), which
the bill of materials carries next to each quoted price.

Prices are read like every other amount (``solver.money``: '1,234', '$30k') and bounded like
the catalog's (at most $1e9 a unit).

A sku is any GPU, node or fabric id (or alias). GPUs and fabric items take the quoted unit price;
a node's quote is its price without GPUs, as in the catalog.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
from pathlib import Path

from solver.catalog import Catalog, QuoteTerms
from solver.errors import InputError, UnknownNameError
from solver.money import EXAMPLES, parse_usd
from solver.specs.hardware import MAX_PRICE_USD

REQUIRED_COLUMNS = ("sku", "unit_price_usd")
TERM_COLUMNS = ("vendor", "quote_id", "quote_date", "valid_until")
DATE_COLUMNS = ("quote_date", "valid_until")
MAX_TERM_CHARS = 200


@dataclasses.dataclass(frozen=True)
class Quote:
    unit_price_usd: float
    line: int
    """Line of the quote file, for messages."""
    vendor: str = ""
    quote_id: str = ""
    quote_date: str = ""
    valid_until: str = ""


def expired_quotes(catalog: Catalog, today: datetime.date) -> list[str]:
    """One warning per quote whose valid-until date has passed."""
    warnings = []
    for entry_id, terms in sorted(catalog.quotes.items()):
        if terms.valid_until and datetime.date.fromisoformat(terms.valid_until) < today:
            reference = f" {terms.quote_id}" if terms.quote_id else ""
            warnings.append(f"{terms.file}:{terms.line}: quote{reference} for {entry_id} expired on {terms.valid_until}; ask the vendor to re-quote")
    return warnings


def read_quotes(path: Path) -> dict[str, Quote]:
    """sku → quote from a quote CSV. A '#' starts a comment; blank lines are skipped; other
    columns are ignored. Every problem names the file and line."""
    lines = _read_lines(path)
    header: list[str] | None = None
    quotes: dict[str, Quote] = {}
    for line_number, line in enumerate(lines, start=1):
        content = line.split("#", 1)[0]
        if not content.strip():
            continue
        try:
            cells = [cell.strip() for cell in next(csv.reader([content], skipinitialspace=True, strict=True))]
        except csv.Error as error:
            raise InputError(f"{path}:{line_number}: cannot read as CSV ({error})") from None
        if header is None:
            header = [cell.lower() for cell in cells]
            missing = [column for column in REQUIRED_COLUMNS if column not in header]
            if missing:
                raise InputError(f"{path}:{line_number}: missing column(s) {', '.join(missing)}", hint="the header must include: sku,unit_price_usd")
            continue
        row = dict(zip(header, cells))
        sku = row.get("sku", "")
        if not sku:
            raise InputError(f"{path}:{line_number}: sku is empty")
        terms = {column: _term(row.get(column, ""), column, path, line_number) for column in TERM_COLUMNS}
        quotes[sku] = Quote(_price(row.get("unit_price_usd", ""), path, line_number), line_number, **terms)
    if header is None:
        raise InputError(f"{path}: the file is empty", hint="the first line must be the header sku,unit_price_usd")
    return quotes


def _read_lines(path: Path) -> list[str]:
    try:
        return Path(path).read_text(encoding="utf-8-sig").splitlines()
    except FileNotFoundError:
        raise InputError(f"{path}: no such price file") from None
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})") from None
    except OSError as error:
        raise InputError(f"cannot read {path}: {error.strerror or error}") from None


def _term(text: str, column: str, path: Path, line_number: int) -> str:
    """A quote term as written; dates must be ISO (YYYY-MM-DD) so expiry can be checked."""
    where = f"{path}:{line_number}: {column}"
    if len(text) > MAX_TERM_CHARS or any(ord(c) < 32 for c in text):
        raise InputError(f"{where}: one line of at most {MAX_TERM_CHARS} printable characters expected")
    if column in DATE_COLUMNS and text:
        try:
            datetime.date.fromisoformat(text)
        except ValueError:
            raise InputError(f"{where}: {text!r} is not a date", hint="write dates as YYYY-MM-DD, e.g. 2026-12-31") from None
    return text


def _price(text: str, path: Path, line_number: int) -> float:
    """A unit price between zero and the catalog schema's bound (MAX_PRICE_USD)."""
    where = f"{path}:{line_number}: unit_price_usd"
    try:
        price = parse_usd(text)
    except ValueError as error:
        raise InputError(f"{where}: {error}") from None
    if not 0 <= price <= MAX_PRICE_USD:
        shown = text if len(text) <= 40 else text[:39] + "…"
        raise InputError(f"{where}: {shown!r} is out of range: a unit price is between $0 and ${MAX_PRICE_USD:,.0f}", hint=EXAMPLES)
    return price


def apply_quotes(catalog: Catalog, quotes: dict[str, Quote], source: Path) -> Catalog:
    gpus, nodes, fabric = dict(catalog.gpus), dict(catalog.nodes), dict(catalog.fabric)
    terms: dict[str, QuoteTerms] = dict(catalog.quotes)
    for sku, quote in quotes.items():
        note = f"vendor quote {source.name} line {quote.line}" + "".join(
            f", {label} {value}" for label, value in (("from", quote.vendor), ("ref", quote.quote_id), ("dated", quote.quote_date), ("valid until", quote.valid_until)) if value
        )
        for kind, table, field in (("gpus", gpus, "price_usd"), ("nodes", nodes, "base_price_usd"), ("fabric", fabric, "price_usd")):
            try:
                entry_id = catalog.resolve_id(kind, sku)
            except UnknownNameError:
                continue
            # A quote is one price: the catalog's published range no longer applies to it.
            update = {field: quote.unit_price_usd, "price_source": note, "price_low_usd": None, "price_high_usd": None, "price_as_of": quote.quote_date or "quoted"}
            table[entry_id] = table[entry_id].model_copy(update=update)
            terms[entry_id] = QuoteTerms(source.name, quote.line, quote.vendor, quote.quote_id, quote.quote_date, quote.valid_until)
            break
        else:
            known = list(catalog.gpus) + list(catalog.nodes) + list(catalog.fabric)
            unknown = UnknownNameError("SKU", sku, known)
            raise InputError(f"{source}:{quote.line}: sku: {unknown.message}", hint=unknown.hint)
    return dataclasses.replace(catalog, gpus=gpus, nodes=nodes, fabric=fabric, quotes=terms)
