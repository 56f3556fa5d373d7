"""Hardware catalog schemas: bounds, money text and case-insensitive choices."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from solver.specs.hardware import FabricItem, GpuSpec, NodeSpec

GPU = {
    "id": "x1", "name": "X1", "vendor": "nvidia", "architecture": "hopper", "memory_type": "hbm", "memory": "80 GiB", "memory_bandwidth_gb_s": 3350,
    "bf16_tflops": 989, "tdp_w": 700, "form_factor": "sxm", "scaleup_link": "nvlink4", "scaleup_bandwidth_gb_s": 900,
    "max_scaleup_domain": 8, "host_link_gb_s": 64, "supported_formats": ["bf16"], "supported_kv_formats": ["bf16"],
    "price_usd": 30000, "price_source": "test", "year": 2024, "source": "test", "as_of": "2024-01-01",
    "lifecycle": {"availability": "shipping", "since": "2024", "source": "test"}, "deployment_class": "data-centre",
}
NODE = {
    "id": "n1", "name": "N1", "vendor": "acme", "kind": "pcie-server", "gpus": ["x1"], "gpu_count": 8, "nvlink_domain": 1,
    "base_price_usd": 20000, "base_power_w": 1000, "rack_units": 4, "host_ram": "1 TiB", "storage": "4 TB",
    "fabric_nics": 8, "price_source": "test", "source": "test", "as_of": "2024-01-01",
    "lifecycle": {"availability": "shipping", "since": "2024", "source": "test"},
}


def test_prices_accept_money_text_and_choices_any_case():
    gpu = GpuSpec.model_validate({**GPU, "price_usd": "$30k", "form_factor": "SXM", "kind": "GPU", "vendor": "NVIDIA", "supported_formats": ["BF16", "FP8"]})
    assert (gpu.price_usd, gpu.form_factor, gpu.kind, gpu.vendor, gpu.supported_formats) == (30_000, "sxm", "gpu", "nvidia", ("bf16", "fp8"))
    assert NodeSpec.model_validate({**NODE, "base_price_usd": "1.5m", "kind": "PCIE-Server"}).base_price_usd == 1_500_000


@pytest.mark.parametrize(
    "field, value",
    [
        ("price_usd", 1e10), ("price_usd", "inf"), ("memory", "1 EB"), ("memory_bandwidth_gb_s", float("nan")),
        ("bf16_tflops", 1e300), ("tdp_w", 10**7), ("max_scaleup_domain", 10**6), ("memory", 0),
    ],
)
def test_gpu_fields_are_bounded_and_finite(field, value):
    with pytest.raises(ValidationError):
        GpuSpec.model_validate({**GPU, field: value})


@pytest.mark.parametrize("field, value", [("gpu_count", 100_000), ("rack_units", 61), ("base_power_w", 10**9), ("host_ram", "1 EB")])
def test_node_fields_are_bounded(field, value):
    with pytest.raises(ValidationError):
        NodeSpec.model_validate({**NODE, field: value, "nvlink_domain": 1})


def test_fabric_price_is_bounded():
    rack = {"id": "r", "name": "R", "category": "RACK", "vendor": "acme", "rack_units": 42, "power_w": 0, "price_source": "test", "source": "test", "as_of": "2024-01-01"}
    assert FabricItem.model_validate({**rack, "price_usd": "1.7k"}).category == "rack"
    with pytest.raises(ValidationError):
        FabricItem.model_validate({**rack, "price_usd": 2e9})
