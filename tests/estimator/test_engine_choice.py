"""Engine choice from the support matrix (engine_choice.py, catalogs/engines.yaml): an option is
generated only where a candidate engine runs its formats and split on the hardware."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from solver.catalog import load_catalog
from solver.estimator.engine_choice import candidate_engines, choose_engine, unsupported_reason
from solver.model.data import build_data
from tests.fixtures.problems import interactive, make_problem

CATALOG = load_catalog(include_user=False)
MATRIX = CATALOG.engines
assert MATRIX is not None


def gpu(name: str):
    return CATALOG.gpu(name)


def test_defaults_by_device_kind() -> None:
    assert candidate_engines(MATRIX, None, gpu("h100-sxm")) == ("vllm", "llama.cpp")
    assert candidate_engines(MATRIX, None, gpu("m3-ultra-512gb")) == ("llama.cpp", "mlx")
    assert candidate_engines(MATRIX, None, gpu("epyc-genoa-2s")) == ("llama.cpp",)
    assert candidate_engines(MATRIX, ("sglang",), gpu("h100-sxm")) == ("sglang",)


def test_documented_support_only() -> None:
    # vLLM's supported-hardware table rules out AWQ/GPTQ on ROCm (code paths exist; not counted).
    assert choose_engine(MATRIX, None, gpu("mi300x"), "awq", "bf16") is None
    assert choose_engine(MATRIX, None, gpu("mi300x"), "fp8", "fp8") == "vllm"
    assert choose_engine(MATRIX, None, gpu("h100-sxm"), "awq", "bf16") == "vllm"
    # FP8 KV cache is not in llama.cpp's formats; MLX 4-bit (int4) runs only under MLX.
    assert choose_engine(MATRIX, None, gpu("m3-ultra-512gb"), "q4_k_m", "bf16") == "llama.cpp"
    assert choose_engine(MATRIX, None, gpu("m3-ultra-512gb"), "int4", "bf16") == "mlx"
    assert choose_engine(MATRIX, None, gpu("epyc-genoa-2s"), "q4_k_m", "bf16") == "llama.cpp"
    assert choose_engine(MATRIX, ("sglang",), gpu("epyc-genoa-2s"), "bf16", "bf16") is None  # needs Intel AMX


def test_split_needs_the_engine_to_run_it_there() -> None:
    assert choose_engine(MATRIX, None, gpu("h100-sxm"), "bf16", "bf16", tp=8) == "vllm"
    assert choose_engine(MATRIX, ("llama.cpp",), gpu("m3-ultra-512gb"), "q4_k_m", "bf16", tp=2) is None


def test_unsupported_reason_says_what_runs() -> None:
    reason = unsupported_reason(MATRIX, None, gpu("mi300x"), "awq", "bf16")
    assert "cannot run awq weights" in reason and "mi300x (cdna3)" in reason and "fp8" in reason


FORMATS = ["bf16", "fp8", "int8", "awq", "gptq-int4", "gptq-int8", "int4", "nf4", "q4_k_m", "q8_0"]
GPUS = ["h100-sxm", "a100-80gb-sxm", "mi300x", "rtx-4090", "l40s", "m3-ultra-512gb", "epyc-genoa-2s", "b200", "rtx-5090"]


@settings(max_examples=25, deadline=None)
@given(
    precision=st.sampled_from(FORMATS),
    kv=st.sampled_from(["bf16", "fp8"]),
    gpus=st.lists(st.sampled_from(GPUS), min_size=1, max_size=3, unique=True),
    engines=st.sampled_from([None, ["vllm"], ["sglang", "llama.cpp"], ["mlx"], ["tensorrt-llm"]]),
)
def test_no_option_for_a_combination_the_matrix_rules_out(precision: str, kv: str, gpus: list[str], engines: list[str] | None) -> None:
    # End-of-life GPUs (A100) are allowed: the test is about engines, not the buying policy.
    problem = make_problem(interactive("w", "llama-3.1-8b", 2, precision=precision, kv_precision=kv), allowed_gpus=gpus, allow_end_of_life=True)
    problem = problem.model_copy(update={"engines": engines})
    data = build_data(problem, CATALOG)
    for option in data.options:
        device = CATALOG.gpu(option.gpu)
        assert option.engine in candidate_engines(MATRIX, engines, device)
        engine = MATRIX.engine(option.engine)
        assert engine.runs(device.architecture, precision, kv), (option.engine, option.gpu, precision, kv)
        assert option.tp == 1 or engine.splits(device.architecture, "tp")
    for name in gpus:
        if choose_engine(MATRIX, engines, gpu(name), precision, kv) is None:
            assert not [o for o in data.options if o.gpu == name]
