"""How numbers read in the HTML report (also the Jinja2 filters of the same names).

Money in whole dollars with separators, power in kW, shares in percent, memory in GiB; None is
a dash. Generic tables (sections whose columns come from plan.json keys) format a value by its
key's suffix, so a new ``…_usd`` key reads as money without touching the report.
"""

from __future__ import annotations

from typing import Any

from solver.units import GiB, MiB

DASH = "–"


def usd(value: float | None) -> str:
    if value is None:
        return DASH
    if abs(value) < 100 and value != round(value):
        return f"${value:,.2f}"
    return f"${value:,.0f}"


def kw(watts: float | None) -> str:
    return DASH if watts is None else f"{watts / 1000:,.1f} kW"


def pct(share: float | None) -> str:
    """0.399 → 39.9%, 0.8 → 80%: one decimal, none when it is zero."""
    if share is None:
        return DASH
    return f"{share:.1%}".replace(".0%", "%")


def gib(num_bytes: float | None) -> str:
    """GiB with one decimal; MiB below one GiB (a 128 MiB buffer is not '0.1 GiB')."""
    if num_bytes is None:
        return DASH
    if num_bytes < GiB:
        return f"{num_bytes / MiB:,.0f} MiB"
    return f"{num_bytes / GiB:,.1f} GiB"


def number(value: float | None) -> str:
    """Thousands separators; up to three significant decimals for small non-integers."""
    if value is None:
        return DASH
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value == round(value) or abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:,.3g}" if abs(value) < 1 else f"{value:,.2f}"


def humanize(key: str) -> str:
    """plan.json key → column heading: 'usd_per_million_output_tokens' → '$ per million output
    tokens', 'electricity_usd_per_kwh' → 'Electricity $ per kwh'."""
    words = key.replace("_", " ")
    if words.startswith("usd "):
        words = "$ " + words[4:]
    elif words.endswith(" usd"):
        words = words[:-4] + " ($)"
    words = words.replace(" usd per ", " $ per ")
    return words[:1].upper() + words[1:]


def by_key(key: str, value: Any) -> str:
    """A value from a plan.json section, formatted by what its key says it is."""
    if value is None:
        return DASH
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        if key.endswith("_usd") or key.startswith("usd_"):
            return usd(value)
        if key.endswith("_w"):
            return kw(value)
        if key.endswith(("_fraction", "_share")):
            return pct(value)
        return number(value)
    if isinstance(value, list):
        return ", ".join(by_key(key, item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{humanize(k)}: {by_key(k, v)}" for k, v in value.items())
    return str(value)


__all__ = ["DASH", "by_key", "gib", "humanize", "kw", "number", "pct", "usd"]
