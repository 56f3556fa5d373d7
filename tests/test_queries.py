"""The calculator questions behind `procure estimate` / `procure fits` (solver/queries.py)."""

from __future__ import annotations

import json

import pytest

from solver.catalog import load_catalog
from solver.errors import InputError, UnknownNameError
from solver.estimator.deployment import Deployment, valid_tp_degrees
from solver.queries import estimate, fits

CATALOG = load_catalog(include_user=False)
MODEL_IDS = sorted(CATALOG.models)
LARGE_GPU = "b200"

MEMORY_KEYS = (
    "params_total",
    "params_active",
    "weights_bytes",
    "kv_cache_bytes",
    "activations_bytes",
    "gradients_bytes",
    "optimizer_bytes",
    "overhead_bytes",
    "total_bytes",
    "per_gpu_bytes",
)
PART_KEYS = ("weights_bytes", "kv_cache_bytes", "activations_bytes", "gradients_bytes", "optimizer_bytes", "overhead_bytes")


def check_sane(result: dict) -> None:
    for key in MEMORY_KEYS:
        assert key in result, key
        assert isinstance(result[key], int) and result[key] >= 0, (key, result[key])
    assert result["params_total"] >= result["params_active"] > 0
    assert result["weights_bytes"] > 0 and result["overhead_bytes"] > 0
    # Parts add up (each rounded separately, so allow a few bytes).
    assert abs(sum(result[key] for key in PART_KEYS) - result["total_bytes"]) <= len(PART_KEYS)
    assert abs(sum(result["per_gpu"].values()) - result["per_gpu_bytes"]) <= len(PART_KEYS)
    assert result["per_gpu_bytes"] <= result["total_bytes"] + 1
    assert result["per_gpu_bytes"] * result["gpus"] >= result["total_bytes"] - result["gpus"]
    json.dumps(result)  # plain data


def test_estimate_keys_without_gpu() -> None:
    result = estimate(CATALOG, "llama-3.1-8b", Deployment(), None).as_dict()
    check_sane(result)
    assert result["model"] == "llama-3.1-8b"
    assert result["params_total"] == 8_030_261_248
    assert result["weights_bytes"] == 16_060_522_496
    assert result["kv_cache_bytes"] == 536_870_912
    assert "decode_tokens_per_s" not in result and "gpu" not in result


def test_estimate_keys_with_gpu() -> None:
    result = estimate(CATALOG, "meta-llama/Llama-3.1-8B-Instruct", Deployment(), "h100-sxm").as_dict()
    check_sane(result)
    assert result["model"] == "llama-3.1-8b" and result["gpu"] == "h100-sxm"
    assert result["engine"] == "vllm"  # the matrix's default on a data-centre GPU
    low, high = result["decode_tokens_per_s_band"]
    assert low < result["decode_tokens_per_s_planning"] < result["decode_tokens_per_s"] < high
    assert result["aggregate_tokens_per_s"] == result["decode_tokens_per_s"]
    assert result["decode_bound"] == "memory"
    assert 0 < result["ttft_s_band"][0] < result["ttft_s"] < result["ttft_s_planning"] <= result["ttft_s_band"][1]
    assert result["gpu_memory_bytes"] == int(CATALOG.gpu("h100-sxm").memory)


def test_estimate_training_has_no_decode_speed() -> None:
    result = estimate(CATALOG, "llama-3.1-8b", Deployment(mode="full", context_tokens=2048, dp=8, zero_stage=3), "h100-sxm").as_dict()
    check_sane(result)
    assert result["decode_tokens_per_s"] is None and "engine" not in result
    assert result["gradients_bytes"] > 0 and result["optimizer_bytes"] > 0
    assert result["trainable_params"] == result["params_total"]
    assert result["gpus"] == 8


def test_fits_keys() -> None:
    report = fits(CATALOG, "llama-3.1-70b", Deployment(precision="awq"), "rtx-4090", 2)
    result = report.as_dict()
    check_sane(result)
    assert result["fits"] is True and report.fits is True
    assert result["count"] == 2 and result["best_split"] == {"tp": 2, "pp": 1, "dp": 1, "ep": 1}
    assert abs(result["free_bytes_per_gpu"] - (result["usable_bytes_per_gpu"] - result["per_gpu_bytes"])) <= 1
    assert result["headroom"] == 0.10
    assert "decode_tokens_per_s" in result
    no = fits(CATALOG, "llama-3.1-70b", Deployment(precision="awq"), "rtx-4090", 1).as_dict()
    assert no["fits"] is False and no["free_bytes_per_gpu"] < 0


def test_fits_training_reports_hours() -> None:
    result = fits(CATALOG, "llama-3.1-8b", Deployment(mode="qlora", context_tokens=2048), "rtx-4090", 1).as_dict()
    assert isinstance(result["fits"], bool)
    assert result["training_hours_per_billion_tokens"] > 0


def test_query_input_errors() -> None:
    with pytest.raises(UnknownNameError, match="did you mean"):
        estimate(CATALOG, "llama-3.1-7b", Deployment(), None)
    with pytest.raises(UnknownNameError):
        estimate(CATALOG, "llama-3.1-8b", Deployment(), "h100-sxn")
    with pytest.raises(InputError, match="cannot run fp8"):
        estimate(CATALOG, "llama-3.1-8b", Deployment(precision="fp8"), "a100-80gb-sxm")
    with pytest.raises(InputError, match="--count must be 1 to 100,000"):
        fits(CATALOG, "llama-3.1-8b", Deployment(), "h100-sxm", 0)
    with pytest.raises(InputError, match="--headroom"):
        fits(CATALOG, "llama-3.1-8b", Deployment(), "h100-sxm", 1, headroom=1.0)


def test_estimate_says_whether_it_fits_and_gives_no_speed_when_not() -> None:
    report = estimate(CATALOG, "llama-3.1-70b", Deployment(), "rtx-4090")
    assert report.fits is False and report.decode is None and report.ttft is None
    assert estimate(CATALOG, "llama-3.1-8b", Deployment(), "h100-sxm").fits is True
    assert estimate(CATALOG, "llama-3.1-8b", Deployment(), None).fits is None


def test_context_beyond_the_model_maximum_is_refused() -> None:
    with pytest.raises(InputError, match="exceeds llama-3.1-8b's maximum context of 131,072 tokens"):
        estimate(CATALOG, "llama-3.1-8b", Deployment(context_tokens=10_000_000), None)
    with pytest.raises(InputError, match="maximum context"):
        fits(CATALOG, "llama-3.1-8b", Deployment(context_tokens=10_000_000), "h100-sxm", 1)


def test_devices_without_a_link_run_one_device() -> None:
    with pytest.raises(InputError, match="m3-ultra-512gb has no link between devices"):
        fits(CATALOG, "deepseek-r1", Deployment(precision="q4_k_m"), "m3-ultra-512gb", 2)
    with pytest.raises(InputError, match="epyc-genoa-2s has no link between devices"):
        estimate(CATALOG, "llama-3.1-8b", Deployment(tp=2), "epyc-genoa-2s")
    with pytest.raises(InputError, match="no link between devices"):
        estimate(CATALOG, "llama-3.1-8b", Deployment(pp=2), "epyc-genoa-2s")
    assert fits(CATALOG, "llama-3.1-8b", Deployment(), "epyc-genoa-2s", 1).fits is True


def test_fits_with_headroom_0_999_answers_quickly() -> None:
    report = fits(CATALOG, "llama-3.1-8b", Deployment(), "h100-sxm", 8, headroom=0.999)
    assert report.fits is False and report.estimate.decode is None


def test_fits_a_lora_job_on_a_hundred_thousand_gpus_answers_quickly() -> None:
    """Training splits were searched over every divisor of the count up to the count itself."""
    import time

    started = time.perf_counter()
    report = fits(CATALOG, "llama-3.1-8b", Deployment(mode="lora", context_tokens=2048), "h100-sxm", 65_536)
    assert report.fits and time.perf_counter() - started < 10
    with pytest.raises(InputError, match="--count must be 1 to 100,000"):
        fits(CATALOG, "llama-3.1-8b", Deployment(mode="lora"), "h100-sxm", 100_000_000)


def test_training_hours_only_for_a_training_split_that_fits() -> None:
    report = fits(CATALOG, "llama-3.1-70b", Deployment(mode="full", context_tokens=2048), "rtx-4090", 1)
    assert report.fits is False and report.training_hours_per_billion_tokens is None


@pytest.mark.parametrize("model_id", MODEL_IDS)
def test_every_catalog_model_answers_estimate(model_id: str) -> None:
    m = CATALOG.model(model_id)
    tp = valid_tp_degrees(m, limit=8)[-1]
    result = estimate(CATALOG, model_id, Deployment(tp=tp), LARGE_GPU).as_dict()
    check_sane(result)
    assert result["tp"] == tp and result["gpus"] == tp
    if result["fits"]:
        assert result["decode_tokens_per_s"] > 0
    else:  # e.g. DeepSeek-V3 at BF16 on 8 GPUs: no speed for what cannot run
        assert result["decode_tokens_per_s"] is None and result["per_gpu_bytes"] > result["usable_bytes_per_gpu"]
    assert result["kv_bytes_per_token"] > 0


@pytest.mark.parametrize("model_id", MODEL_IDS)
def test_every_catalog_model_answers_fits(model_id: str) -> None:
    report = fits(CATALOG, model_id, Deployment(), LARGE_GPU, 8)
    result = report.as_dict()
    check_sane(result)
    assert isinstance(result["fits"], bool)
    split = result["best_split"]
    assert split["tp"] * split["pp"] * split["dp"] == 8
    if result["fits"]:
        assert result["per_gpu_bytes"] <= result["usable_bytes_per_gpu"]
        assert result["decode_tokens_per_s"] > 0
