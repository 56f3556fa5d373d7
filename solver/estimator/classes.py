"""The classes speed coefficients are keyed by: hardware, platform (engine on a backend), weight
format family and link. Each lookup tries the most specific key first and ends at 'default',
the value the fit shares across classes without measurements of their own."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from solver.specs.hardware import GpuSpec

BACKENDS = {"nvidia": "cuda", "amd": "rocm", "apple": "metal", "intel": "hpu", "huawei": "cann"}
"""Kernel backend of each accelerator vendor (CPUs are 'cpu' whatever the vendor)."""

FORMAT_FAMILIES = {
    "bf16": "16-bit",
    "fp16": "16-bit",
    "fp8": "fp8",
    "int8": "int8",
    "int4": "w4a16",
    "awq": "w4a16",
    "gptq-int4": "w4a16",
    "nf4": "w4a16",
    "gptq-int8": "w8a16",
    "q4_k_m": "gguf-q4",
    "q4_0": "gguf-q4",
    "q8_0": "gguf-q8",
}
"""Formats whose kernels behave alike. 16-bit is the reference (factor 1)."""


def format_family(precision: str) -> str:
    return FORMAT_FAMILIES[precision]


@dataclass(frozen=True)
class SpeedKeys:
    """Every key path one speed estimate reads, most specific first."""

    hardware: tuple[str, ...]
    """Achievable bandwidth and compute: the hardware class (vendor and memory technology:
    nvidia-hbm, nvidia-gddr, amd-hbm, apple-lpddr, intel-ddr), refined by the engine's kernels."""
    platform: tuple[str, ...]
    """Fixed latencies: the engine, refined by its backend (cuda, rocm, metal, cpu)."""
    format: tuple[str, ...] | None
    """Quantised kernels: the format family, refined by the engine; None for 16-bit weights,
    the reference every format factor is relative to."""
    link: tuple[str, ...]
    """Collectives: the link (scaleup, pcie), refined by the engine's communication library."""


def speed_keys(engine: str, gpu: GpuSpec, precision: str, link: str) -> SpeedKeys:
    return _speed_keys(engine, gpu.vendor, gpu.memory_type, gpu.kind, precision, link)


@lru_cache(maxsize=4096)
def _speed_keys(engine: str, vendor: str, memory_type: str, kind: str, precision: str, link: str) -> SpeedKeys:
    hardware = f"{vendor}-{memory_type}"
    backend = "cpu" if kind == "cpu" else BACKENDS.get(vendor, vendor)
    family = format_family(precision)
    return SpeedKeys(
        hardware=(f"{engine}/{hardware}", hardware, memory_type, "default"),
        platform=(f"{engine}/{backend}", engine, "default"),
        format=None if family == "16-bit" else (f"{engine}/{family}", family, "default"),
        link=(f"{engine}/{link}", link, "default"),
    )


def lookup(table: Mapping[str, float], keys: tuple[str, ...]) -> float:
    for key in keys:
        if key in table:
            return table[key]
    raise KeyError(keys[-1])
