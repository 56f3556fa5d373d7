"""Byte units. procure computes in bytes; GB (10^9) and GiB (2^30) only appear in output."""

from __future__ import annotations

MiB = 1024**2
GiB = 1024**3
MB = 10**6
GB = 10**9
