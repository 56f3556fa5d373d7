"""Does a model fit on N GPUs, and with which split? (fit.py)

Hand-worked verdicts (weights alone decide them), and two published deployment claims:
- neuralmagic/Meta-Llama-3.1-405B-Instruct-FP8(-dynamic) model card: FP8 "reduc[es] the disk
  size and GPU memory requirements by approximately 50%. In particular, this model can now be
  loaded and evaluated with a single node of 8xH100 GPUs, as opposed to multiple nodes."
- neuralmagic/DeepSeek-Coder-V2-Instruct-FP8 model card: "this model can now be loaded and
  evaluated with only 4xH100 GPUs, as opposed to 8." DeepSeek-Coder-V2 (236B) has
  DeepSeek-V2's architecture, so the catalog's deepseek-v2 stands in for it.
"""

from __future__ import annotations

import pytest

from solver.catalog import load_catalog
from solver.errors import InputError
from solver.estimator.deployment import Deployment
from solver.estimator.fit import best_split, check_format_supported, check_split_runs, evaluate_split, group_is_linked
from solver.queries import performance
from solver.specs.assumptions import Assumptions

CATALOG = load_catalog(include_user=False)
DEFAULTS = Assumptions()
PERFORMANCE = performance(CATALOG)
HEADROOM = 0.10


def split(model_id: str, gpu_id: str, count: int, **deployment):
    return best_split(CATALOG.model(model_id), Deployment(**deployment), CATALOG.gpu(gpu_id), count, HEADROOM, DEFAULTS, PERFORMANCE)


@pytest.mark.parametrize("precision", ["awq", "int4", "gptq-int4"])
def test_llama_3_1_70b_4_bit_does_not_fit_one_rtx_4090(precision: str) -> None:
    result = split("llama-3.1-70b", "rtx-4090", 1, precision=precision)
    # 39,767,785,472 B of 4-bit weights alone exceed the card's 24 GiB (25,757,220,864 B).
    assert result.memory.per_gpu.weights == 39_767_785_472
    assert result.memory.per_gpu.weights > int(CATALOG.gpu("rtx-4090").memory)
    assert not result.fits


def test_llama_3_1_70b_awq_fits_two_rtx_4090_at_tp2_with_4k_context() -> None:
    result = split("llama-3.1-70b", "rtx-4090", 2, precision="awq", context_tokens=4096)
    assert result.fits
    assert (result.deployment.tp, result.deployment.pp) == (2, 1)
    # Usable: 25,757,220,864 × 0.9 = 23,181,498,777.6 B per card.
    assert result.usable_bytes == pytest.approx(25_757_220_864 * 0.9)
    # About half the 39.8 GB checkpoint per card (FP16 embeddings split, norms replicated).
    assert result.memory.per_gpu.weights == pytest.approx(39_767_785_472 / 2, rel=0.01)


def test_llama_3_1_405b_bf16_needs_more_than_8_h100_but_fits_8_h200() -> None:
    on_h100 = split("llama-3.1-405b", "h100-sxm", 8)
    # 811.7 GB of BF16 weights / 8 = 101.5 GB > 80 GiB.
    assert not on_h100.fits
    assert on_h100.memory.per_gpu.weights > int(CATALOG.gpu("h100-sxm").memory)
    on_h200 = split("llama-3.1-405b", "h200-sxm", 8)
    assert on_h200.fits
    assert (on_h200.deployment.tp, on_h200.deployment.pp) == (8, 1)


def test_llama_3_1_405b_fp8_fits_one_8x_h100_node_as_published() -> None:
    """neuralmagic 405B FP8 card: loads on a single 8×H100 node, BF16 needs multiple nodes."""
    assert split("llama-3.1-405b", "h100-sxm", 8, precision="fp8").fits
    assert not split("llama-3.1-405b", "h100-sxm", 8, precision="bf16").fits
    assert split("llama-3.1-405b", "h100-sxm", 16, precision="bf16").fits


def test_deepseek_v2_fp8_fits_4_h100_as_published() -> None:
    """neuralmagic DeepSeek-Coder-V2 FP8 card: 4×H100 instead of 8."""
    assert split("deepseek-v2", "h100-sxm", 4, precision="fp8").fits
    assert not split("deepseek-v2", "h100-sxm", 4, precision="bf16").fits
    assert split("deepseek-v2", "h100-sxm", 8, precision="bf16").fits


def test_best_split_prefers_the_fastest_fitting_split() -> None:
    result = split("llama-3.1-8b", "h100-sxm", 8)
    assert result.fits
    # Inference uses all GPUs for one replica: TP × PP = count, and TP8 decodes fastest.
    assert result.deployment.tp * result.deployment.pp == 8
    assert result.deployment.tp == 8


def test_no_fitting_split_returns_the_closest() -> None:
    result = split("llama-3.1-405b", "rtx-4090", 2, precision="awq")
    assert not result.fits
    assert result.memory.per_gpu_bytes > result.usable_bytes


def test_training_splits_use_data_parallel_ranks() -> None:
    result = split("llama-3.1-70b", "h100-sxm", 64, mode="full", context_tokens=2048, zero_stage=3)
    d = result.deployment
    assert result.fits
    assert d.tp * d.pp * d.dp == 64 and d.dp > 1


def test_headroom() -> None:
    gpu = CATALOG.gpu("h100-sxm")
    m = CATALOG.model("llama-3.1-8b")
    for headroom in (0.0, 0.1, 0.5):
        result = evaluate_split(m, Deployment(), gpu, headroom, DEFAULTS, True, PERFORMANCE)
        assert result.usable_bytes == pytest.approx(int(gpu.memory) * (1 - headroom))


def test_format_the_gpu_cannot_run_is_rejected() -> None:
    with pytest.raises(InputError, match="a100-80gb-sxm cannot run fp8 weights"):
        check_format_supported(CATALOG.gpu("a100-80gb-sxm"), Deployment(precision="fp8"))
    with pytest.raises(InputError, match="cannot hold a fp8 KV cache"):
        check_format_supported(CATALOG.gpu("a100-80gb-sxm"), Deployment(kv_precision="fp8"))
    with pytest.raises(InputError):
        split("llama-3.1-8b", "a100-80gb-sxm", 1, precision="fp8")
    # QLoRA checks its NF4 base, not --precision; MI300X has no NF4 kernels.
    with pytest.raises(InputError, match="nf4"):
        split("llama-3.1-8b", "mi300x", 1, mode="qlora")


def test_no_split_at_all_is_an_input_error() -> None:
    # 29 GPUs: TP must divide 29 and the 12 heads → TP1, PP29 > 28 layers.
    with pytest.raises(InputError, match="no tensor/pipeline split of 29 GPUs"):
        split("r1-distill-qwen-1.5b", "h100-sxm", 29)


def test_fits_deepseek_r1_on_two_m3_ultra_512gb_is_an_input_error() -> None:
    """Was a ZeroDivisionError: a device with no link cannot share a model with another."""
    with pytest.raises(InputError, match="m3-ultra-512gb has no link between devices"):
        split("deepseek-r1", "m3-ultra-512gb", 2, precision="q4_k_m")


def test_only_linked_groups_are_tried() -> None:
    """A GPU whose bridge joins pairs but has no host link: TP and EP stay within the pair."""
    gpu = CATALOG.gpu("h100-pcie").model_copy(update={"host_link_gb_s": 0.0})
    result = best_split(CATALOG.model("llama-3.1-70b"), Deployment(precision="fp8"), gpu, 4, 0.10, Assumptions(), PERFORMANCE)
    assert result.deployment.tp <= 2 and result.deployment.tp * result.deployment.pp == 4
    assert group_is_linked(gpu, 2) and not group_is_linked(gpu, 4)
    with pytest.raises(InputError, match="a tensor/expert-parallel group of 4 cannot run"):
        check_split_runs(gpu, Deployment(tp=4))
