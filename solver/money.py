"""USD amounts as people write them: ``250000``, ``250k``, ``1.5m``, ``$2,500,000``, ``2e6``.

One parser for every amount procure reads — problem files (``budget_usd``), ``solve --budget``,
``whatif --budget``/``--budgets`` and quote CSVs — so the same text means the same money
everywhere. ``parse_usd`` raises ``ValueError`` (pydantic turns it into a field error with the
file and line); ``usd_option`` raises ``InputError`` naming the command-line option.
"""

from __future__ import annotations

import math
import re

from solver.errors import InputError, shown

SUFFIXES = {"k": 1e3, "m": 1e6, "b": 1e9}
"""Thousand, million, billion (no 'bn' or 'mm': one spelling each keeps typos detectable)."""

MAX_BUDGET_USD = 1e12
"""A trillion dollars: above any real purchase, and 100× it in cents still fits CP-SAT's 64-bit
integers with room for the energy term of the TCO objective."""

EXAMPLES = "write e.g. 250000, 250k, 1.5m or $2,500,000"

# Digits with optional thousands separators (groups of three) or none, an optional fraction
# and exponent: '2,500,000', '2500000.50', '2e6'. A comma elsewhere ('2,5') is refused rather
# than guessed at.
_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?(?:e[+-]?\d+)?|[+-]?\.\d+(?:e[+-]?\d+)?")


def parse_usd(value: str | int | float) -> float:
    """A finite amount in dollars; ``ValueError`` saying what is valid. Not rounded: a rate such
    as $0.125 per kWh keeps its fraction of a cent."""
    if isinstance(value, bool):
        raise ValueError(f"expected an amount in USD, found a boolean; {EXAMPLES}")
    if isinstance(value, (int, float)):
        try:
            amount = float(value)
        except OverflowError:  # an integer beyond float range
            amount = math.inf
    elif isinstance(value, str):
        amount = _parse_text(value)
    else:
        raise ValueError(f"expected an amount in USD, found {type(value).__name__}; {EXAMPLES}")
    if not math.isfinite(amount):
        raise ValueError(f"{shown(value)} is not a finite amount; {EXAMPLES}")
    return amount


def _parse_text(text: str) -> float:
    cleaned = text.strip().lower().replace("_", "")
    if cleaned.endswith("usd"):
        cleaned = cleaned[: -len("usd")].strip()
    sign = ""
    if cleaned.startswith(("+", "-")):
        sign, cleaned = cleaned[0], cleaned[1:].strip()
    cleaned = cleaned.removeprefix("$").strip()
    multiplier = 1.0
    if cleaned[-1:] in SUFFIXES:
        multiplier, cleaned = SUFFIXES[cleaned[-1]], cleaned[:-1].strip()
    if len(cleaned) > 40 or not _NUMBER.fullmatch(cleaned):
        raise ValueError(f"cannot read {shown(text)} as an amount in USD; {EXAMPLES}")
    return float(sign + cleaned.replace(",", "")) * multiplier


def usd_option(text: str | float, *, what: str, positive: bool = True, maximum: float = MAX_BUDGET_USD) -> float:
    """``parse_usd`` for a command-line budget, in whole cents: ``InputError`` naming the option ``what``."""
    try:
        amount = round(parse_usd(text), 2)
    except ValueError as error:
        raise InputError(f"{what}: {error}") from None
    if positive and amount <= 0:
        raise InputError(f"{what}: the amount must be positive (got {shown(text)})", hint="give an amount above zero, e.g. 250k")
    if amount > maximum:
        raise InputError(f"{what}: {shown(text)} exceeds the largest amount procure accepts (${maximum:,.0f})")
    return amount


__all__ = ["EXAMPLES", "MAX_BUDGET_USD", "SUFFIXES", "parse_usd", "usd_option"]
