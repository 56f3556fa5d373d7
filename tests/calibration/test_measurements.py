"""The measurement set (catalogs/measurements.yaml): it validates and covers what the speed
model must explain (issue #7: dense and MoE, every format family, batch 1 to ≥ 64, data-centre
and consumer NVIDIA, AMD Instinct, Apple silicon, CPUs, TP over NVLink and PCIe)."""

from __future__ import annotations

from pathlib import Path

import pytest

from solver.catalog import load_catalog
from solver.catalog.measurements import load_measurements
from solver.errors import InputError

CATALOG = load_catalog(include_user=False)
ROWS = load_measurements(CATALOG)
FITTED = [row for row in ROWS if row.excluded is None]


def test_enough_published_rows_with_sources() -> None:
    assert len(FITTED) >= 60
    for row in ROWS:
        assert row.source and row.published and row.engine_version
        assert row.url is not None and row.url.startswith("http")


def test_coverage() -> None:
    models = {CATALOG.model(row.model) for row in FITTED}
    assert any(m.moe is not None for m in models) and any(m.moe is None for m in models)
    formats = {row.precision for row in FITTED}
    assert {"bf16", "fp8", "int8", "awq", "gptq-int4", "q4_k_m", "q8_0"} <= formats
    assert min(row.batch for row in FITTED) == 1 and max(row.batch for row in FITTED) >= 64
    gpus = [CATALOG.gpu(row.hardware) for row in FITTED]
    assert any(g.vendor == "nvidia" and g.memory_type == "hbm" for g in gpus)
    assert any(g.form_factor == "consumer" for g in gpus)
    assert any(g.vendor == "amd" and g.kind == "gpu" for g in gpus)
    assert any(g.kind == "unified-memory" for g in gpus) and any(g.kind == "cpu" for g in gpus)
    links = {row.link for row in FITTED if row.tp > 1}
    assert links == {"scaleup", "pcie"}
    assert any(row.ttft_s is not None for row in FITTED)


def test_model_families_present() -> None:
    ids = {row.model for row in FITTED}
    assert {"deepseek-r1", "mixtral-8x7b", "qwen3-30b-a3b", "qwen3-235b-a22b"} <= ids


def test_a_row_on_unknown_hardware_is_reported_with_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "m.yaml"
    bad.write_text(
        "measurements:\n"
        "  - {id: x, source: 'A page title', published: 2025-01-01, engine: vllm, engine_version: '0.6', hardware: h100-sxmm,\n"
        "     model: llama-3.1-8b, precision: bf16, batch: 1, input_tokens: 10, output_tokens: 10, decode_tokens_per_s_per_sequence: 5}\n"
    )
    with pytest.raises(InputError, match=r"m.yaml:2: measurements\[0\].hardware \(x\): unknown GPU 'h100-sxmm' — did you mean 'h100-sxm'"):
        load_measurements(CATALOG, bad)


def test_a_row_without_any_figure_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "m.yaml"
    bad.write_text(
        "measurements:\n"
        "  - {id: x, source: 'A page title', published: 2025-01-01, engine: vllm, engine_version: '0.6', hardware: h100-sxm,\n"
        "     model: llama-3.1-8b, precision: bf16, batch: 1, input_tokens: 10, output_tokens: 10}\n"
    )
    with pytest.raises(InputError, match="give at least one measured figure"):
        load_measurements(CATALOG, bad)
