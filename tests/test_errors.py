"""User-facing errors and name suggestions."""

from __future__ import annotations

from solver.errors import InfeasibleError, InputError, ProcureError, UnknownNameError, did_you_mean

GPUS = ["a100-40gb", "a100-80gb", "h100-pcie", "h100-sxm", "h200-sxm", "mi300x", "l40s", "rtx-4090"]


def test_render():
    assert ProcureError("boom").render() == "error: boom"
    assert InputError("bad", hint="do this").render() == "error: bad\n  To fix: do this"
    assert InputError("line one\nline two").render() == "error: line one\n  line two"
    assert InputError("x").exit_code == 2 and str(InputError("x")) == "x"


def test_infeasible():
    err = InfeasibleError("no purchase fits", explanation=["budget too small", "power cap"], hint="raise the budget")
    assert err.exit_code == 1
    assert err.explanation == ("budget too small", "power cap")
    assert err.render() == "error: no purchase fits\n  - budget too small\n  - power cap\n  To fix: raise the budget"
    assert isinstance(err, ProcureError) and not isinstance(err, InputError)


def test_did_you_mean_prefix():
    assert did_you_mean("h100", GPUS) == ["h100-sxm", "h100-pcie"]
    assert did_you_mean("h10", GPUS) == ["h100-sxm", "h100-pcie"]
    assert did_you_mean("a100", GPUS) == ["a100-40gb", "a100-80gb"]


def test_did_you_mean_typo_and_case():
    assert did_you_mean("memroy", ["memory", "memory_bandwidth_gb_s", "name"], n=1) == ["memory"]
    assert did_you_mean("MI300", GPUS, n=1) == ["mi300x"]
    assert did_you_mean("H100-SMX", GPUS, n=1) == ["h100-sxm"]


def test_did_you_mean_substring():
    assert did_you_mean("4090", GPUS) == ["rtx-4090"]


def test_did_you_mean_nothing_close():
    assert did_you_mean("zzzz", GPUS) == []
    assert did_you_mean("x", []) == []
    assert len(did_you_mean("a", GPUS)) <= 3


def test_unknown_name_error():
    err = UnknownNameError("GPU", "h10", GPUS)
    assert err.message.startswith("unknown GPU 'h10' — did you mean 'h100-")
    assert err.hint is not None and err.hint.startswith("use one of: a100-40gb, a100-80gb")
    assert "`procure catalog gpus`" in err.hint
    assert UnknownNameError("GPU", "zzz", GPUS).message == "unknown GPU 'zzz'"


def test_unknown_name_hint_truncates():
    names = [f"gpu-{i:02d}" for i in range(40)]
    err = UnknownNameError("GPU", "x", names)
    assert err.hint is not None and "… (28 more)" in err.hint and "gpu-39" not in err.hint


def test_unknown_name_explicit_suggestions():
    err = UnknownNameError("vendor", "nvidea", ["nvidia", "amd"], suggestions=["nvidia"])
    assert err.message == "unknown vendor 'nvidea' — did you mean 'nvidia'?"
    assert err.hint == "use one of: amd, nvidia"


def test_render_escapes_control_characters_quoted_from_input():
    text = InputError('unknown field "\x1b[2Jx"\rforged', hint="use \u202eevil").render()
    assert "\x1b" not in text and "\r" not in text and "\u202e" not in text
    assert "\\x1b[2Jx" in text and "\\u202eevil" in text
    # Every line break in the output is followed by the indentation render adds.
    assert all(line.startswith(("error:", "  ")) for line in text.split("\n"))
    explained = InfeasibleError("no plan", explanation=["budget \x1b[31m"]).render()
    assert "\x1b" not in explained and "\\x1b[31m" in explained


def test_huge_names_get_no_suggestions_and_a_shortened_message():
    name = "h100" * 250_000
    assert did_you_mean(name, GPUS) == []
    error = UnknownNameError("gpu", name, GPUS)
    assert len(error.message) < 120 and error.message.startswith("unknown gpu 'h100h100")
