"""`procure catalog`, `procure schema`, `procure models import`, and CLI error handling."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

import cli
from solver.catalog import bundled_catalog_dir
from solver.errors import InfeasibleError, InputError

FIXTURES = Path(__file__).parent / "catalog" / "fixtures"
HF = FIXTURES / "hf"


@pytest.fixture
def home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("PROCURE_HOME", str(home))
    return home


@pytest.fixture
def fixture_bundled(monkeypatch, home):
    """The small fixture catalogs stand in for the bundled ones."""
    monkeypatch.setattr("solver.catalog.loader.bundled_catalog_dir", lambda: FIXTURES)


def run(*args: str, expect: int = 0):
    result = CliRunner().invoke(cli.main, list(args))
    assert result.exit_code == expect, (result.output, result.exception)
    assert "Traceback" not in result.output
    if expect == 0:
        assert result.exception is None
    else:
        assert result.exception is None or isinstance(result.exception, SystemExit)
    return result


# ------------------------------------------------------------------------------------ catalog


def test_catalog_gpus_table(fixture_bundled):
    result = run("catalog", "gpus")
    for gpu_id in ("h100-sxm", "h100-pcie", "h200-sxm", "mi300x"):
        assert gpu_id in result.stdout
    assert "Memory (GiB)" in result.stdout and "Memory (GB)" in result.stdout and "GB/s" in result.stdout
    assert "80.0" in result.stdout and "141.0" in result.stdout  # 80 GiB and 141 GB as given


def test_catalog_gpus_filters(fixture_bundled):
    assert "mi300x" in run("catalog", "gpus", "--vendor", "AMD").stdout
    assert "h100-sxm" not in run("catalog", "gpus", "--vendor", "amd").stdout
    big = run("catalog", "gpus", "--min-memory", "100GiB", "--json").stdout
    assert [gpu["id"] for gpu in json.loads(big)] == ["h200-sxm", "mi300x"]
    exact = run("catalog", "gpus", "--min-memory", "80GiB", "--json").stdout
    assert len(json.loads(exact)) == 4
    assert "none match" in run("catalog", "gpus", "--min-memory", "1TB").stdout


def test_catalog_gpus_json(fixture_bundled):
    data = json.loads(run("catalog", "gpus", "--json").stdout)
    assert isinstance(data, list) and len(data) == 4
    h100 = next(gpu for gpu in data if gpu["id"] == "h100-sxm")
    assert h100["memory"] == 80 * 2**30 and h100["aliases"] == ["h100", "h100-sxm5"]


def test_catalog_nodes(fixture_bundled):
    result = run("catalog", "nodes")
    assert all(node in result.stdout for node in ("hgx-h100-8", "hgx-h200-8", "pcie-4u-8", "mi300x-platform"))
    data = json.loads(run("catalog", "nodes", "--gpu", "H100", "--json").stdout)
    assert [node["id"] for node in data] == ["hgx-h100-8"]
    assert [n["id"] for n in json.loads(run("catalog", "nodes", "--vendor", "supermicro", "--json").stdout)] == ["hgx-h100-8", "hgx-h200-8"]


def test_catalog_models_and_fabric(fixture_bundled):
    result = run("catalog", "models")
    assert "llama-3.1-8b" in result.stdout and "deepseek-v3" in result.stdout and "MLA" in result.stdout
    data = json.loads(run("catalog", "models", "--family", "LLAMA3.1", "--json").stdout)
    assert [model["id"] for model in data] == ["llama-3.1-8b"]
    fabric = run("catalog", "fabric")
    assert "qm9700" in fabric.stdout and "Port speed (Gb/s)" in fabric.stdout
    switches = json.loads(run("catalog", "fabric", "--category", "switch", "--json").stdout)
    assert [item["id"] for item in switches] == ["qm9700"]


def test_unknown_gpu_filter(fixture_bundled):
    result = run("catalog", "nodes", "--gpu", "h10", expect=2)
    assert result.stdout == ""
    assert result.stderr.startswith("error: unknown GPU 'h10' — did you mean 'h100-sxm', 'h100-pcie'")
    assert "To fix: use one of: h100-pcie, h100-sxm, h200-sxm, mi300x" in result.stderr


def test_unknown_vendor_and_family(fixture_bundled):
    assert "did you mean 'nvidia'" in run("catalog", "gpus", "--vendor", "nvidea", expect=2).stderr
    assert "unknown model family 'llama'" in run("catalog", "models", "--family", "llama", expect=2).stderr


def test_size_needs_a_unit(fixture_bundled):
    result = run("catalog", "gpus", "--min-memory", "80", expect=2)
    assert "has no unit" in result.stderr
    assert "cannot read" in run("catalog", "gpus", "--min-memory", "lots", expect=2).stderr


def test_extra_catalog_override(fixture_bundled, tmp_path):
    extra = tmp_path / "prices.yaml"
    extra.write_text("gpus:\n  - id: h100-sxm\n    price_usd: 12345\n")
    data = json.loads(run("--catalog", str(extra), "catalog", "gpus", "--json").stdout)
    assert next(gpu for gpu in data if gpu["id"] == "h100-sxm")["price_usd"] == 12345


def test_malformed_yaml_via_catalog_option(fixture_bundled, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("gpus:\n  - id: h100-sxm\n    price_usd: [1, 2\n  - id: x\n")
    result = run("--catalog", str(bad), "catalog", "gpus", expect=2)
    assert result.stderr.startswith(f"error: {bad}:")
    line = int(result.stderr.split(f"{bad}:")[1].split(":")[0])
    assert line in (3, 4)
    assert "invalid YAML" in result.stderr


def test_invalid_field_via_catalog_option(fixture_bundled, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("gpus:\n  - id: h100-sxm\n    form_factor: smx\n")
    result = run("--catalog", str(bad), "catalog", "gpus", expect=2)
    assert f"error: {bad}:3: gpus[0].form_factor: invalid value 'smx'" in result.stderr
    assert "To fix:" in result.stderr


def test_missing_catalog_file(fixture_bundled, tmp_path):
    result = run("--catalog", str(tmp_path / "nope.yaml"), "catalog", "gpus", expect=2)
    assert "file not found" in result.stderr and "nope.yaml" in result.stderr


def test_user_catalog_and_no_user_catalog(fixture_bundled, home):
    home.mkdir()
    (home / "gpus.yaml").write_text("gpus:\n  - {id: mi300x, price_usd: 9999}\n")
    with_user = json.loads(run("catalog", "gpus", "--vendor", "amd", "--json").stdout)
    assert with_user[0]["price_usd"] == 9999
    without = json.loads(run("--no-user-catalog", "catalog", "gpus", "--vendor", "amd", "--json").stdout)
    assert without[0]["price_usd"] == 15000


# ------------------------------------------------------------------------------------- schema


def test_schema_to_stdout():
    data = json.loads(run("schema").stdout)
    assert {"gpus", "nodes", "fabric", "models", "catalog"} <= set(data)
    assert data["gpus"]["properties"]["gpus"]["type"] == "array"
    assert data["gpus"]["$schema"].startswith("https://json-schema.org/")
    assert "memory_bandwidth_gb_s" in json.dumps(data["gpus"])
    assert data["gpus"]["additionalProperties"] is False


def test_schema_problem_file_when_available():
    try:
        from solver.specs.problem import Problem  # noqa: F401
    except ModuleNotFoundError:
        pytest.skip("solver.specs.problem not written yet")
    assert "problem" in json.loads(run("schema").stdout)


def test_schema_out_dir(tmp_path):
    out = tmp_path / "schemas"
    result = run("schema", "--out", str(out))
    schemas = sorted(out.glob("*.schema.json"))
    assert {"gpus.schema.json", "nodes.schema.json", "fabric.schema.json", "models.schema.json", "catalog.schema.json"} <= {path.name for path in schemas}
    for path in schemas:
        assert isinstance(json.loads(path.read_text()), dict)
        assert str(path) in result.stdout
    assert sorted(path.name for path in out.iterdir()) == sorted([".procure-manifest.json", *(path.name for path in schemas)])
    run("schema", "--out", str(out))  # an earlier run's outputs are replaced
    (out / "mine.txt").write_text("x")
    again = run("schema", "--out", str(out), expect=2)
    assert "is not empty" in again.stderr and "--force" in again.stderr
    run("schema", "--out", str(out), "--force")
    assert not (out / "mine.txt").exists()


# ------------------------------------------------------------------------------ models import


def test_models_import_then_listed(fixture_bundled, home):
    result = run("models", "import", str(HF / "Qwen3-30B-A3B"))
    assert "imported model 'qwen3-30b-a3b'" in result.stdout and "30.53 B parameters" in result.stdout
    assert (home / "models.yaml").is_file()
    listed = run("catalog", "models")
    assert "qwen3-30b-a3b" in listed.stdout and "llama-3.1-8b" in listed.stdout
    data = json.loads(run("catalog", "models", "--family", "qwen3-moe", "--json").stdout)
    assert data[0]["params_source"] == "computed by procure from config.json"


def test_models_import_id_llama_3_1_8b_needs_replace(fixture_bundled, home):
    refused = run("models", "import", str(HF / "Llama-3.1-8B" / "config.json"), "--id", "llama-3.1-8b", expect=2)
    assert "'llama-3.1-8b' is a bundled model" in refused.stderr and "--replace" in refused.stderr
    assert not (home / "models.yaml").exists()
    run("models", "import", str(HF / "Llama-3.1-8B" / "config.json"), "--id", "llama-3.1-8b", "--replace")
    data = json.loads(run("catalog", "models", "--json").stdout)
    llama = next(model for model in data if model["id"] == "llama-3.1-8b")
    assert llama["official_params_total"] == 8_030_261_248


def test_models_list_marks_origins(fixture_bundled, home):
    run("models", "import", str(HF / "Llama-3.1-8B"), "--id", "my-llama")
    rows = {row["id"]: row["origin"] for row in json.loads(run("models", "list", "--json").stdout)}
    assert rows["my-llama"] == "user" and rows["deepseek-v3"] == "bundled"
    table = run("models", "list").stdout
    assert "Origin" in table and "my-llama" in table and "bundled" in table
    assert "my-llama" not in run("--no-user-catalog", "models", "list").stdout


def test_models_remove(fixture_bundled, home):
    run("models", "import", str(HF / "Llama-3.1-8B"), "--id", "my-llama")
    assert "removed model 'my-llama'" in run("models", "remove", "my-llama").stdout
    assert "bundled models cannot be removed" in run("models", "remove", "deepseek-v3", expect=2).stderr
    assert "unknown user model 'my-llama'" in run("models", "remove", "my-llama", expect=2).stderr


def test_models_import_errors(fixture_bundled, home, tmp_path):
    assert "file not found" in run("models", "import", str(tmp_path / "none"), expect=2).stderr
    bad = tmp_path / "gpt2"
    bad.mkdir()
    (bad / "config.json").write_text(json.dumps({"architectures": ["GPT2LMHeadModel"]}))
    result = run("models", "import", str(bad), expect=2)
    assert "unsupported architecture 'GPT2LMHeadModel'" in result.stderr and str(bad / "config.json") in result.stderr
    assert not (home / "models.yaml").exists()


# ------------------------------------------------------------------------------ error handling


def test_procure_group_exit_codes():
    @click.group(cls=cli.ProcureGroup)
    def group() -> None:
        pass

    @group.command()
    def infeasible() -> None:
        raise InfeasibleError("nothing fits", explanation=["budget"], hint="more money")

    @group.command()
    def bad() -> None:
        raise InputError("bad input")

    runner = CliRunner()
    result = runner.invoke(group, ["infeasible"])
    assert result.exit_code == 1
    assert result.stderr == "error: nothing fits\n  - budget\n  To fix: more money\n"
    result = runner.invoke(group, ["bad"])
    assert result.exit_code == 2 and result.stderr == "error: bad input\n"


def test_help_and_version():
    assert "catalog" in run("--help").stdout and "schema" in run("--help").stdout
    assert "0.1.0" in run("--version").stdout


# --------------------------------------------------------------------- bundled catalogs


def test_bundled_catalog_tables(home):
    directory = bundled_catalog_dir()
    if not all((directory / name).is_file() for name in ("gpus.yaml", "nodes.yaml", "fabric.yaml", "models.yaml")):
        pytest.skip("bundled catalog files not written yet")
    for kind in ("gpus", "nodes", "models", "fabric"):
        assert json.loads(run("--no-user-catalog", "catalog", kind, "--json").stdout)
        run("--no-user-catalog", "catalog", kind)
