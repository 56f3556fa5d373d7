"""Catalog merging, overrides, name resolution and cross-checks."""

from __future__ import annotations

import textwrap
import time
from pathlib import Path

import pytest

from solver.catalog import Catalog, bundled_catalog_dir, deep_merge, load_catalog, user_catalog_dir
from solver.errors import InputError, UnknownNameError

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("PROCURE_HOME", str(home))
    return home


def fixture_catalog(*extra: Path, include_user: bool = False) -> Catalog:
    return load_catalog(extra, include_user=include_user, bundled_dir=FIXTURES)


def write(tmp_path: Path, text: str, name: str = "extra.yaml") -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


# ------------------------------------------------------------------------------- name lookups


def test_fixture_catalog_loads():
    catalog = fixture_catalog()
    assert list(catalog.gpus) == ["h100-pcie", "h100-sxm", "h200-sxm", "mi300x"]
    assert list(catalog.nodes) == ["hgx-h100-8", "hgx-h200-8", "mi300x-platform", "pcie-4u-8"]
    assert set(catalog.fabric) == {"cx7-ndr", "qm9700", "rack-42u"}
    assert set(catalog.models) == {"llama-3.1-8b", "deepseek-v3"}
    assert catalog.files == tuple(FIXTURES / name for name in ("gpus.yaml", "nodes.yaml", "fabric.yaml", "models.yaml"))


@pytest.mark.parametrize(
    "name,expected",
    [("h100-sxm", "h100-sxm"), ("H100", "h100-sxm"), ("h100", "h100-sxm"), ("H100-SXM5", "h100-sxm"), ("  H200 ", "h200-sxm"), ("MI300X", "mi300x")],
)
def test_gpu_by_id_or_alias_case_insensitive(name, expected):
    assert fixture_catalog().gpu(name).id == expected


def test_other_lookups():
    catalog = fixture_catalog()
    assert catalog.model("Meta-Llama/Llama-3.1-8B").id == "llama-3.1-8b"
    assert catalog.model("LLAMA3.1:8B").id == "llama-3.1-8b"
    assert catalog.node("HGX-H100-8").id == "hgx-h100-8"
    assert catalog.fabric_item("QM9700").category == "switch"


def test_unknown_gpu_did_you_mean():
    with pytest.raises(UnknownNameError) as excinfo:
        fixture_catalog().gpu("h10")
    err = excinfo.value
    assert err.message.startswith("unknown GPU 'h10' — did you mean ")
    assert "'h100-sxm'" in err.message and "'h100-pcie'" in err.message
    assert err.hint is not None and "h200-sxm" in err.hint and "procure catalog gpus" in err.hint
    assert err.exit_code == 2


def test_unknown_names_suggest_ids_not_aliases():
    with pytest.raises(UnknownNameError) as excinfo:
        fixture_catalog().gpu("h200x")
    assert excinfo.value.suggestions[0] == "h200-sxm"
    assert "h200'" not in excinfo.value.message.replace("h200-sxm'", "")
    with pytest.raises(UnknownNameError, match="unknown model 'deepsek-v3' — did you mean 'deepseek-v3'"):
        fixture_catalog().model("deepsek-v3")
    with pytest.raises(UnknownNameError, match="unknown node"):
        fixture_catalog().node("dgx")
    with pytest.raises(UnknownNameError, match="unknown fabric item"):
        fixture_catalog().fabric_item("cx8")


def test_nodes_for_gpu():
    catalog = fixture_catalog()
    assert [node.id for node in catalog.nodes_for_gpu("H100")] == ["hgx-h100-8"]
    assert [node.id for node in catalog.nodes_for_gpu("h100-pcie")] == ["pcie-4u-8"]
    with pytest.raises(UnknownNameError):
        catalog.nodes_for_gpu("b300")


def test_nodes_for_gpu_sorted(tmp_path):
    extra = write(
        tmp_path,
        """\
        nodes:
          - {id: hgx-h100-8, gpus: [h100-sxm, h200-sxm]}
          - {id: a-first, name: A, vendor: x, kind: hgx-baseboard, gpus: [h200-sxm], gpu_count: 8, nvlink_domain: 8,
             base_price_usd: 1, base_power_w: 1, rack_units: 8, host_ram: 1 TiB, storage: 1 TB, fabric_nics: 8,
             price_source: test, source: test, as_of: 2024-01-01, lifecycle: {availability: shipping, since: test, source: test}}
        """,
    )
    assert [node.id for node in fixture_catalog(extra).nodes_for_gpu("h200")] == ["a-first", "hgx-h100-8", "hgx-h200-8"]


def test_catalog_is_read_only():
    catalog = fixture_catalog()
    with pytest.raises(TypeError):
        catalog.gpus["x"] = catalog.gpus["h100-sxm"]  # type: ignore[index]
    with pytest.raises(AttributeError):
        catalog.gpus = {}  # type: ignore[misc]


# -------------------------------------------------------------------------------- overrides


def test_override_changes_only_given_fields(tmp_path):
    extra = write(tmp_path, "gpus:\n  - id: h100-sxm\n    price_usd: 27000\n")
    base = fixture_catalog().gpu("h100-sxm")
    merged = fixture_catalog(extra).gpu("h100-sxm")
    assert merged.price_usd == 27000
    assert merged.model_dump(exclude={"price_usd"}) == base.model_dump(exclude={"price_usd"})


def test_override_deep_merges_nested_mappings(tmp_path):
    extra = write(tmp_path, "models:\n  - id: deepseek-v3\n    moe: {experts_per_token: 4}\n")
    model = fixture_catalog(extra).model("deepseek-v3")
    assert model.moe is not None
    assert model.moe.experts_per_token == 4
    assert model.moe.num_experts == 256 and model.moe.first_k_dense_layers == 3
    assert model.mla is not None and model.mla.kv_lora_rank == 512


def test_override_null_removes_a_nested_block(tmp_path):
    extra = write(tmp_path, "models:\n  - id: deepseek-v3\n    mla: null\n")
    assert fixture_catalog(extra).model("deepseek-v3").mla is None


def test_override_lists_replace(tmp_path):
    extra = write(tmp_path, "gpus:\n  - id: h100-sxm\n    aliases: [hopper]\n")
    catalog = fixture_catalog(extra)
    assert catalog.gpu("hopper").id == "h100-sxm"
    with pytest.raises(UnknownNameError):
        catalog.gpu("h100-sxm5")


def test_later_files_win(tmp_path):
    first = write(tmp_path, "gpus:\n  - {id: h100-sxm, price_usd: 1000}\n", "a.yaml")
    second = write(tmp_path, "gpus:\n  - {id: h100-sxm, price_usd: 2000}\n", "b.yaml")
    assert fixture_catalog(first, second).gpu("h100").price_usd == 2000
    assert fixture_catalog(second, first).gpu("h100").price_usd == 1000


def test_invalid_override_names_the_override_file(tmp_path):
    extra = write(tmp_path, "gpus:\n  - id: h100-sxm\n    price_usd: -3\n")
    with pytest.raises(InputError) as excinfo:
        fixture_catalog(extra)
    assert excinfo.value.message.startswith(f"{extra}:3: gpus[0].price_usd: must be greater than 0 (got -3)")


def test_override_typo_is_reported(tmp_path):
    extra = write(tmp_path, "gpus:\n  - id: h100-sxm\n    pirce_usd: 1\n")
    with pytest.raises(InputError, match='unknown field "pirce_usd" — did you mean "price_usd"'):
        fixture_catalog(extra)


def test_new_entry_must_be_complete(tmp_path):
    extra = write(tmp_path, "gpus:\n  - id: b200\n    price_usd: 40000\n")
    with pytest.raises(InputError) as excinfo:
        fixture_catalog(extra)
    message = excinfo.value.message
    assert message.startswith(f"{extra}:2: gpus[0]: missing required fields 'name', 'source', 'as_of'")


def test_new_entry_added(tmp_path):
    text = (FIXTURES / "gpus.yaml").read_text().split("  - id: h100-pcie")[1]
    extra = write(tmp_path, "gpus:\n  - id: h100-nvl" + text.split("\n  - id:")[0])
    catalog = fixture_catalog(extra)
    assert catalog.gpu("h100-nvl").bf16_tflops == 756
    assert len(catalog.gpus) == 5


def test_user_dir_then_extra(tmp_path, isolated_home):
    write(isolated_home, "gpus:\n  - {id: h100-sxm, price_usd: 111}\n", "gpus.yaml")
    write(isolated_home, "gpus:\n  - {id: h200-sxm, price_usd: 222}\n", "models.yaml")  # any key in any file
    write(isolated_home, "this file is ignored: [", "notes.yaml")
    assert fixture_catalog(include_user=True).gpu("h100").price_usd == 111
    assert fixture_catalog(include_user=True).gpu("h200").price_usd == 222
    assert fixture_catalog(include_user=False).gpu("h100").price_usd == 30000
    extra = write(tmp_path, "gpus:\n  - {id: h100-sxm, price_usd: 333}\n")
    assert fixture_catalog(extra, include_user=True).gpu("h100").price_usd == 333


def test_empty_list_is_fine(tmp_path):
    extra = write(tmp_path, "gpus:\nnodes: []\n")
    assert len(fixture_catalog(extra).gpus) == 4


# ---------------------------------------------------------------------------- file-level errors


def test_unknown_top_level_key(tmp_path):
    extra = write(tmp_path, "gpu:\n  - id: h100-sxm\n")
    with pytest.raises(InputError) as excinfo:
        fixture_catalog(extra)
    assert excinfo.value.message == f"{extra}:1: unknown top-level key 'gpu' — did you mean 'gpus'?"
    assert "gpus, nodes, fabric, models" in (excinfo.value.hint or "")


def test_list_required(tmp_path):
    extra = write(tmp_path, "gpus:\n  id: h100-sxm\n")
    with pytest.raises(InputError, match=r"extra\.yaml:1: 'gpus' must be a list"):
        fixture_catalog(extra)


def test_entry_without_id(tmp_path):
    extra = write(tmp_path, "gpus:\n  - price_usd: 1\n")
    with pytest.raises(InputError, match=r"extra\.yaml:2: gpus\[0\]: missing required field 'id'"):
        fixture_catalog(extra)


def test_entry_not_a_mapping(tmp_path):
    extra = write(tmp_path, "gpus:\n  - h100-sxm\n")
    with pytest.raises(InputError, match="must be a mapping"):
        fixture_catalog(extra)


def test_duplicate_id_in_one_file(tmp_path):
    extra = write(tmp_path, "gpus:\n  - {id: h100-sxm, price_usd: 1}\n  - {id: h100-sxm, price_usd: 2}\n")
    with pytest.raises(InputError) as excinfo:
        fixture_catalog(extra)
    assert excinfo.value.message == f"{extra}:3: duplicate GPU id 'h100-sxm' (already defined at line 2 of the same file)"


def test_alias_clash_names_both_files(tmp_path):
    extra = write(tmp_path, "gpus:\n  - id: h200-sxm\n    aliases: [h200, H100]\n")
    with pytest.raises(InputError) as excinfo:
        fixture_catalog(extra)
    message = excinfo.value.message
    assert str(extra) in message and str(FIXTURES / "gpus.yaml") in message
    assert "alias 'h100'" in message and "'h100-sxm'" in message


def test_alias_equal_to_another_id(tmp_path):
    extra = write(tmp_path, "gpus:\n  - id: h200-sxm\n    aliases: [h100-pcie]\n")
    with pytest.raises(InputError, match="alias 'h100-pcie' of 'h200-sxm' is already the id or an alias of 'h100-pcie'"):
        fixture_catalog(extra)


def test_same_alias_in_different_kinds_is_fine(tmp_path):
    extra = write(tmp_path, "models:\n  - id: llama-3.1-8b\n    aliases: [h100]\n")
    assert fixture_catalog(extra).model("h100").id == "llama-3.1-8b"


def test_node_with_unknown_gpu(tmp_path):
    extra = write(tmp_path, "nodes:\n  - id: hgx-h100-8\n    gpus: [h100-sxm, h100-smx]\n")
    with pytest.raises(InputError) as excinfo:
        fixture_catalog(extra)
    message = excinfo.value.message
    assert message.startswith(f"{extra}:3: nodes[0].gpus[1]: node 'hgx-h100-8' takes unknown GPU 'h100-smx'")
    assert "did you mean 'h100-sxm'" in message


def test_node_gpu_given_by_alias(tmp_path):
    extra = write(tmp_path, "nodes:\n  - id: hgx-h100-8\n    gpus: [H100]\n")
    with pytest.raises(InputError) as excinfo:
        fixture_catalog(extra)
    assert "names GPU 'H100' by an alias" in excinfo.value.message
    assert excinfo.value.hint == "use the GPU id 'h100-sxm'"


def test_bad_reference_in_bundled_node_points_at_its_file(tmp_path):
    bundled = tmp_path / "bundled"
    bundled.mkdir()
    for name in ("gpus.yaml", "fabric.yaml", "models.yaml"):
        (bundled / name).write_text((FIXTURES / name).read_text())
    (bundled / "nodes.yaml").write_text((FIXTURES / "nodes.yaml").read_text().replace("gpus: [mi300x]", "gpus: [mi300]"))
    with pytest.raises(InputError) as excinfo:
        load_catalog(include_user=False, bundled_dir=bundled)
    assert str(bundled / "nodes.yaml") in excinfo.value.message
    assert "node 'mi300x-platform' takes unknown GPU 'mi300' — did you mean 'mi300x'?" in excinfo.value.message


def test_missing_extra_file(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        fixture_catalog(tmp_path / "missing.yaml")


def test_missing_bundled_directory_gives_empty_catalog(tmp_path):
    catalog = load_catalog(include_user=False, bundled_dir=tmp_path / "none")
    assert not catalog.gpus and not catalog.models


# ------------------------------------------------------------------------------------ helpers


def test_deep_merge():
    base = {"a": 1, "b": {"c": 2, "d": [1, 2]}, "e": {"f": 1}}
    merged = deep_merge(base, {"b": {"d": [3]}, "e": None, "g": 4})
    assert merged == {"a": 1, "b": {"c": 2, "d": [3]}, "e": None, "g": 4}
    assert base == {"a": 1, "b": {"c": 2, "d": [1, 2]}, "e": {"f": 1}}


def test_user_catalog_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("PROCURE_HOME", str(tmp_path / "x"))
    assert user_catalog_dir() == tmp_path / "x"
    monkeypatch.delenv("PROCURE_HOME")
    assert user_catalog_dir() == Path.home() / ".config" / "procure"


def test_bundled_catalog_dir_in_checkout():
    assert bundled_catalog_dir() == REPO / "catalogs"


# ------------------------------------------------------------------------ bundled catalogs


def bundled_or_skip() -> Path:
    directory = bundled_catalog_dir()
    names = ("gpus.yaml", "nodes.yaml", "fabric.yaml", "models.yaml")
    missing = [name for name in names if not (directory / name).is_file()]
    if missing:
        pytest.skip(f"bundled catalog files not written yet: {', '.join(missing)}")
    return directory


def test_bundled_catalog_loads_quickly():
    bundled_or_skip()
    start = time.perf_counter()
    catalog = load_catalog(include_user=False)
    first = time.perf_counter() - start
    start = time.perf_counter()
    load_catalog(include_user=False)
    again = time.perf_counter() - start
    assert catalog.gpus and catalog.nodes and catalog.fabric and catalog.models
    assert first < 0.5 and again < 0.05


def test_bundled_catalog_nodes_reference_gpus():
    bundled_or_skip()
    catalog = load_catalog(include_user=False)
    for node in catalog.nodes.values():
        for gpu_id in node.gpus:
            assert gpu_id in catalog.gpus
            assert node in catalog.nodes_for_gpu(gpu_id)
