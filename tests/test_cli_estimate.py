"""`procure estimate` and `procure fits` through click's CliRunner: tables, --json, and bad input
(exit code 2, one `error:` line on stderr, no traceback)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import cli


def run(*args: str):
    return CliRunner().invoke(cli.main, ["--no-user-catalog", *args])


def assert_clean_input_error(result, *fragments: str) -> str:
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert "Traceback" not in result.output and "Traceback" not in result.stderr
    assert result.stdout == ""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    assert lines[0] == errors[0]
    # At most the message and a "To fix:" hint.
    assert len(lines) <= 2 and all(line.startswith("  To fix:") for line in lines[1:]), result.stderr
    for fragment in fragments:
        assert fragment in errors[0], (fragment, errors[0])
    return errors[0]


# ------------------------------------------------------------------------------------------
# Happy paths


def test_estimate_table() -> None:
    result = run("estimate", "llama-3.1-8b")
    assert result.exit_code == 0, result.output
    assert "llama-3.1-8b" in result.stdout
    assert "weights" in result.stdout and "KV cache" in result.stdout and "total" in result.stdout
    assert "131,072 B per token" in result.stdout


def test_estimate_table_with_gpu() -> None:
    result = run("estimate", "llama-3.1-8b", "--gpu", "h100-sxm")
    assert result.exit_code == 0, result.output
    assert "decode" in result.stdout and "tok/s" in result.stdout


def test_estimate_json() -> None:
    result = run("estimate", "llama-3.1-70b", "--tp", "8", "--gpu", "h100-sxm", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    for key in ("params_total", "params_active", "weights_bytes", "kv_cache_bytes", "activations_bytes", "gradients_bytes", "optimizer_bytes", "overhead_bytes", "total_bytes", "per_gpu_bytes", "decode_tokens_per_s"):
        assert key in data, key
    assert data["tp"] == 8 and data["gpu"] == "h100-sxm"
    assert data["kv_bytes_per_token"] == 327_680
    assert data["decode_tokens_per_s"] > 0


def test_estimate_json_training() -> None:
    result = run("estimate", "llama-3.1-8b", "--mode", "qlora", "--context", "2048", "--lora-rank", "64", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["mode"] == "qlora" and data["trainable_params"] == 4 * 41_943_040
    assert data["kv_cache_bytes"] == 0 and data["optimizer_bytes"] > 0


def test_fits_table() -> None:
    result = run("fits", "llama-3.1-70b", "--gpu", "rtx-4090", "--count", "2", "--precision", "awq")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("FITS")
    assert "TP2" in result.stdout


def test_fits_exits_1_when_it_does_not_fit() -> None:
    result = run("fits", "llama-3.1-70b", "--gpu", "rtx-4090", "--precision", "awq")
    assert result.exit_code == 1, result.output
    assert result.stdout.startswith("DOES NOT FIT")
    assert "tok/s" not in result.stdout  # no speed for a split that cannot run
    assert "Traceback" not in result.output and result.stderr == ""


@pytest.mark.parametrize(("gpu", "count", "expected"), [("h100-sxm", "8", False), ("h200-sxm", "8", True)])
def test_fits_json(gpu: str, count: str, expected: bool) -> None:
    result = run("fits", "llama-3.1-405b", "--gpu", gpu, "--count", count, "--json")
    assert result.exit_code == (0 if expected else 1), result.output
    data = json.loads(result.stdout)
    assert data["fits"] is expected
    assert data["count"] == 8
    assert set(data["best_split"]) == {"tp", "pp", "dp", "ep"}


def test_names_are_case_insensitive_and_aliases_work() -> None:
    result = run("estimate", "Meta-Llama/Llama-3.1-8B-Instruct", "--precision", "AWQ", "--gpu", "H100-SXM5", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["model"], data["precision"], data["gpu"]) == ("llama-3.1-8b", "awq", "h100-sxm")
    assert json.loads(run("estimate", "llama-3.1-8b", "--gpu", "MI300", "--json").stdout)["gpu"] == "mi300x"  # a family of one


def test_a_gpu_family_is_ambiguous_where_one_gpu_is_needed() -> None:
    result = run("estimate", "llama-3.1-8b", "--gpu", "a100")
    assert result.exit_code == 2
    assert "GPU 'a100' is ambiguous: it covers a100-40gb-pcie, a100-40gb-sxm, a100-80gb-pcie, a100-80gb-sxm" in result.output


# ------------------------------------------------------------------------------------------
# Bad input


def test_unknown_model_suggests_names() -> None:
    line = assert_clean_input_error(run("estimate", "llama-3.1-7b"), "unknown model 'llama-3.1-7b'", "did you mean")
    assert "'llama-3.1-8b'" in line or "'llama-3.1-70b'" in line
    assert_clean_input_error(run("fits", "llama-3.1-7b", "--gpu", "h100-sxm"), "unknown model", "did you mean")


def test_unknown_gpu() -> None:
    assert_clean_input_error(run("estimate", "llama-3.1-8b", "--gpu", "h100-sxn"), "unknown GPU 'h100-sxn'", "did you mean 'h100-sxm'")
    assert_clean_input_error(run("fits", "llama-3.1-8b", "--gpu", "h100-sxn"), "unknown GPU")


def test_unknown_precision() -> None:
    assert_clean_input_error(run("estimate", "llama-3.1-8b", "--precision", "int3"), "unknown precision 'int3'")
    assert_clean_input_error(run("fits", "llama-3.1-8b", "--gpu", "h100-sxm", "--kv-precision", "fp4"), "unknown KV precision 'fp4'")
    assert_clean_input_error(run("estimate", "llama-3.1-8b", "--mode", "pretrain"), "unknown mode 'pretrain'")


@pytest.mark.parametrize("option", ["--context", "--batch"])
@pytest.mark.parametrize("value", ["0", "-5"])
def test_non_positive_context_or_batch(option: str, value: str) -> None:
    name = option.lstrip("-")
    assert_clean_input_error(run("estimate", "llama-3.1-8b", option, value), f"{name} must be at least 1 (got {value})")
    assert_clean_input_error(run("fits", "llama-3.1-8b", "--gpu", "h100-sxm", option, value), f"{name} must be at least 1")


def test_tp_not_dividing_heads() -> None:
    assert_clean_input_error(run("estimate", "llama-3.1-70b", "--tp", "3"), "tensor parallel 3 does not divide llama-3.1-70b's 64 attention heads")


def test_pp_beyond_layers() -> None:
    assert_clean_input_error(run("estimate", "llama-3.1-8b", "--pp", "64"), "pipeline parallel 64 exceeds")


def test_format_the_gpu_cannot_run() -> None:
    assert_clean_input_error(run("estimate", "llama-3.1-8b", "--precision", "fp8", "--gpu", "a100-80gb-sxm"), "a100-80gb-sxm cannot run fp8 weights")
    assert_clean_input_error(run("fits", "llama-3.1-8b", "--precision", "fp8", "--gpu", "a100-80gb-sxm"), "a100-80gb-sxm cannot run fp8 weights")
    assert_clean_input_error(run("fits", "llama-3.1-8b", "--kv-precision", "fp8", "--gpu", "a100-80gb-sxm"), "cannot hold a fp8 KV cache")


def test_full_fine_tune_at_int4() -> None:
    assert_clean_input_error(run("estimate", "llama-3.1-8b", "--mode", "full", "--precision", "int4"), "full fine-tuning trains 16-bit weights, not int4")


def test_bad_count_and_headroom() -> None:
    assert_clean_input_error(run("fits", "llama-3.1-8b", "--gpu", "h100-sxm", "--count", "0"), "--count must be 1 to 100,000 (got 0)")
    assert_clean_input_error(run("fits", "llama-3.1-8b", "--gpu", "h100-sxm", "--headroom", "1.5"), "--headroom must be in [0, 1)")


def test_fits_help_documents_the_exit_code() -> None:
    assert "0 when it fits, 1 when it does not" in run("fits", "--help").stdout


def test_estimate_context_beyond_the_model_maximum() -> None:
    assert_clean_input_error(run("estimate", "llama-3.1-8b", "--context", "10000000"), "--context 10,000,000 exceeds llama-3.1-8b's maximum context of 131,072 tokens")
    assert_clean_input_error(run("fits", "llama-3.1-8b", "--gpu", "h100-sxm", "--context", "200000"), "maximum context")


def test_estimate_on_a_gpu_it_does_not_fit_prints_memory_but_no_speed() -> None:
    result = run("estimate", "llama-3.1-70b", "--gpu", "rtx-4090")
    assert result.exit_code == 0, result.output
    assert "total" in result.stdout and "DOES NOT FIT" in result.stdout
    assert "decode ≈" not in result.stdout and "tok/s" not in result.stdout
    data = json.loads(run("estimate", "llama-3.1-70b", "--gpu", "rtx-4090", "--json").stdout)
    assert data["fits"] is False and data["decode_tokens_per_s"] is None and data["ttft_s"] is None
    assert data["per_gpu_bytes"] > data["usable_bytes_per_gpu"]


def test_fits_deepseek_r1_on_two_m3_ultra_512gb() -> None:
    """No link between Mac Studios: a model runs on one device (was a ZeroDivisionError)."""
    assert_clean_input_error(run("fits", "deepseek-r1", "--gpu", "m3-ultra-512gb", "--count", "2"), "m3-ultra-512gb has no link between devices", "one device")


def test_estimate_tp2_on_epyc_genoa_2s() -> None:
    """A CPU socket pair has no inter-device link: TP2 is refused (was a ZeroDivisionError)."""
    assert_clean_input_error(run("estimate", "llama-3.1-8b", "--tp", "2", "--gpu", "epyc-genoa-2s"), "epyc-genoa-2s has no link between devices")
    assert_clean_input_error(run("estimate", "deepseek-v2", "--ep", "2", "--gpu", "m3-ultra-512gb"), "no link between devices")


def test_fits_requires_gpu() -> None:
    result = run("fits", "llama-3.1-8b")
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "--gpu" in result.stderr
