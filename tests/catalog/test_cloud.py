"""The cloud price catalog and the published training runs: loading, GPU cross-checks, the
bundled data's completeness."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from solver.catalog import load_catalog
from solver.catalog.cloud import load_cloud, load_training_runs
from solver.errors import InputError

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(include_user=False)


def test_bundled_cloud_catalog_is_attached_and_sourced(catalog):
    assert catalog.cloud is not None and len(catalog.cloud.instances) >= 40
    providers = {instance.provider for instance in catalog.cloud.instances}
    # Major clouds and GPU clouds alike.
    assert {"aws", "gcp", "azure", "oci", "lambda", "nebius", "runpod"} <= providers
    for instance in catalog.cloud.instances:
        assert instance.source and instance.as_of and instance.confidence
        assert instance.price_date is not None or instance.price_date_note, instance.id
        assert instance.gpu in catalog.gpus


def test_main_gpu_types_have_on_demand_and_committed_prices(catalog):
    priced = {(i.gpu, "on-demand") for i in catalog.cloud.instances if i.on_demand_usd_per_hour} | {
        (i.gpu, "3y") for i in catalog.cloud.instances if i.commit_3y_usd_per_hour
    }
    for gpu in ("h100-sxm", "h200-sxm", "b200", "a100-80gb-sxm", "mi300x", "l40s"):
        assert (gpu, "on-demand") in priced
    assert ("h100-sxm", "3y") in priced


def test_bundled_training_runs_are_attached(catalog):
    runs = {run.id: run for run in catalog.training_runs.runs}
    deepseek = runs["deepseek-v3-pretrain"]
    assert (deepseek.gpu, deepseek.gpus, deepseek.tokens, deepseek.gpu_hours, deepseek.precision) == ("h800", 2048, 14.8e12, 2.664e6, "fp8")
    assert runs["llama-3.1-405b-pretrain"].gpu_hours == 30.84e6


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


INSTANCE = """\
    instances:
      - id: test-1x
        name: Test 1x
        provider: test
        instance_type: t1
        gpu: {gpu}
        gpus: {gpus}
        scaleup_domain: {domain}
        on_demand_usd_per_hour: 2.0
        confidence: "[D]"
        source: hand-written test entry
        as_of: 2026-11-30
"""


def test_unknown_gpu_id_is_an_error_naming_file_entry_and_suggestion(tmp_path, catalog):
    write(tmp_path, "cloud.yaml", INSTANCE.format(gpu="h100-sxn", gpus=1, domain=1))
    with pytest.raises(InputError) as caught:
        load_cloud(tmp_path, catalog.gpus)
    text = caught.value.render()
    assert "cloud.yaml" in text and "test-1x" in text and "h100-sxm" in text


def test_scaleup_domain_must_divide_the_gpus(tmp_path, catalog):
    write(tmp_path, "cloud.yaml", INSTANCE.format(gpu="h100-sxm", gpus=8, domain=3))
    with pytest.raises(InputError, match="scaleup_domain"):
        load_cloud(tmp_path, catalog.gpus)


def test_an_instance_needs_a_price(tmp_path, catalog):
    write(tmp_path, "cloud.yaml", INSTANCE.format(gpu="h100-sxm", gpus=1, domain=1).replace("on_demand_usd_per_hour: 2.0", "spot_usd_per_hour: null"))
    with pytest.raises(InputError, match="at least one price"):
        load_cloud(tmp_path, catalog.gpus)


def test_commitment_prices(catalog):
    gcp = next(i for i in catalog.cloud.instances if i.id == "gcp-a3-highgpu-8g")
    assert [gcp.usd_per_hour(c) for c in ("on-demand", "1y", "3y", "spot")] == [88.49, 61.38, 38.86, 53.09]


def test_training_run_rows_need_their_kind_fields(tmp_path, catalog):
    write(tmp_path, "training_runs.yaml", """\
        runs:
          - id: half-a-run
            name: A run without GPU-hours
            kind: run
            model: x
            params_active: 1e9
            gpu: h100-sxm
            precision: bf16
            tokens: 1e12
            confidence: "[D]"
            source: test
            as_of: 2026-11-30
    """)
    with pytest.raises(InputError, match="tokens and gpu_hours"):
        load_training_runs(tmp_path, catalog.gpus)
