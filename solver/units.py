"""Byte and rate units. procure computes in bytes; GB (10^9) and GiB (2^30) only appear in output."""

from __future__ import annotations

KiB = 1024
MiB = 1024**2
GiB = 1024**3
TiB = 1024**4
GB = 10**9
TB = 10**12


def gib(num_bytes: float) -> float:
    return num_bytes / GiB


def gb(num_bytes: float) -> float:
    return num_bytes / GB


def format_gib(num_bytes: float, digits: int = 1) -> str:
    return f"{num_bytes / GiB:,.{digits}f} GiB"


def format_gb(num_bytes: float, digits: int = 1) -> str:
    return f"{num_bytes / GB:,.{digits}f} GB"


def format_usd(dollars: float) -> str:
    return f"${dollars:,.0f}"


def format_params(count: float) -> str:
    if count >= 1e9:
        return f"{count / 1e9:,.2f} B"
    return f"{count / 1e6:,.1f} M"
