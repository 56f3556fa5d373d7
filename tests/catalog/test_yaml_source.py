"""YAML loading with line numbers, and pydantic errors as file:line messages."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from pydantic import ValidationError

from solver.catalog.files import GpuCatalogFile, ModelCatalogFile
from solver.catalog.yaml_source import format_location, load_document, load_yaml, validate
from solver.errors import InputError
from solver.specs.hardware import GpuSpec, NodeSpec

FIXTURES = Path(__file__).parent / "fixtures"

GPU = """\
- id: test-gpu
  name: Test GPU
  vendor: nvidia
  architecture: hopper
  memory_type: hbm
  memory: 80 GiB
  memory_bandwidth_gb_s: 3350
  bf16_tflops: 989
  tdp_w: 700
  form_factor: sxm
  scaleup_link: nvlink4
  scaleup_bandwidth_gb_s: 900
  max_scaleup_domain: 8
  host_link_gb_s: 64
  supported_formats: [bf16]
  supported_kv_formats: [bf16]
  price_usd: 30000
  price_source: test
  year: 2022
  source: test
  as_of: 2024-01-01
  lifecycle: {availability: shipping, since: test, source: test}
  deployment_class: data-centre
"""


def write(tmp_path: Path, text: str, name: str = "doc.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def gpu_file(tmp_path: Path, replace: dict[str, str] | None = None, extra: str = "") -> Path:
    body = GPU
    for old, new in (replace or {}).items():
        assert old in body
        body = body.replace(old, new)
    text = "gpus:\n" + textwrap.indent(body + textwrap.indent(extra, "  "), "  ")
    return write(tmp_path, text, "gpus.yaml")


def message_of(excinfo: pytest.ExceptionInfo[InputError]) -> str:
    return excinfo.value.message


# ---------------------------------------------------------------------------------- load_yaml


def test_lines_of_keys_and_items(tmp_path):
    path = write(tmp_path, "# comment\ngpus:\n  - id: a\n    memory: 1\n  - id: b\n    memory: 2\n")
    document = load_yaml(path)
    assert document.data == {"gpus": [{"id": "a", "memory": 1}, {"id": "b", "memory": 2}]}
    assert document.line_of(("gpus",)) == 2
    assert document.line_of(("gpus", 0)) == 3
    assert document.line_of(("gpus", 1)) == 5
    assert document.line_of(("gpus", 1, "memory")) == 6
    # unknown paths fall back to the longest known prefix
    assert document.line_of(("gpus", 1, "as_of")) == 5
    assert document.where(("gpus", 1, "memory")) == f"{path}:6"
    assert document.has(("gpus", 0, "id")) and not document.has(("gpus", 0, "name"))


def test_fixture_lines(tmp_path):
    document = load_yaml(FIXTURES / "gpus.yaml")
    lines = (FIXTURES / "gpus.yaml").read_text().splitlines()
    line = document.line_of(("gpus", 2, "memory"))
    assert lines[line - 1].strip() == "memory: 141 GB"


def test_missing_file(tmp_path):
    with pytest.raises(InputError) as excinfo:
        load_yaml(tmp_path / "nope.yaml")
    assert "nope.yaml" in message_of(excinfo)
    assert "not found" in message_of(excinfo)


def test_directory(tmp_path):
    with pytest.raises(InputError, match="directory"):
        load_yaml(tmp_path)


def test_syntax_error_names_line_and_column(tmp_path):
    path = write(tmp_path, "gpus:\n  - id: a\n    name: [unclosed\n  - id: b\n")
    with pytest.raises(InputError) as excinfo:
        load_yaml(path)
    message = message_of(excinfo)
    assert message.startswith(f"{path}:")
    assert "invalid YAML" in message
    line = int(message.split(":")[1])
    assert 3 <= line <= 4


def test_bad_indentation(tmp_path):
    path = write(tmp_path, "gpus:\n  - id: a\n   name: b\n")
    with pytest.raises(InputError, match=r"doc\.yaml:\d+:\d+: invalid YAML"):
        load_yaml(path)


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n"])
def test_empty_file(tmp_path, text):
    path = write(tmp_path, text)
    with pytest.raises(InputError, match="empty"):
        load_yaml(path)


@pytest.mark.parametrize("text,found", [("- a\n- b\n", "a list"), ("just text\n", "a string"), ("42\n", "a number")])
def test_top_level_must_be_mapping(tmp_path, text, found):
    path = write(tmp_path, text)
    with pytest.raises(InputError) as excinfo:
        load_yaml(path)
    assert "expected a mapping" in message_of(excinfo)
    assert found in message_of(excinfo)
    assert str(path) in message_of(excinfo)


def test_duplicate_key(tmp_path):
    path = write(tmp_path, "gpus:\n  - id: a\n    name: x\n    name: y\n")
    with pytest.raises(InputError) as excinfo:
        load_yaml(path)
    assert f"{path}:4: duplicate key 'name' (first at line 3)" == message_of(excinfo)


def test_merge_keys_are_not_duplicates(tmp_path):
    path = write(tmp_path, "base: &base {a: 1, b: 2}\nderived:\n  <<: *base\n  b: 3\n")
    document = load_yaml(path)
    assert document.data["derived"] == {"a": 1, "b": 3}
    assert document.line_of(("derived", "b")) == 4


def test_multiple_documents(tmp_path):
    path = write(tmp_path, "a: 1\n---\nb: 2\n")
    with pytest.raises(InputError, match="invalid YAML"):
        load_yaml(path)


def test_not_utf8(tmp_path):
    path = tmp_path / "latin.yaml"
    path.write_bytes("name: caf\xe9\n".encode("latin-1"))
    with pytest.raises(InputError, match="UTF-8"):
        load_yaml(path)


# ----------------------------------------------------------------------------------- validate


def validate_gpus(path: Path) -> GpuCatalogFile:
    return load_document(path, GpuCatalogFile)


def test_valid_document(tmp_path):
    loaded = validate_gpus(gpu_file(tmp_path))
    assert loaded.gpus[0].id == "test-gpu"
    assert loaded.gpus[0].memory == 80 * 2**30


def test_unknown_field_did_you_mean(tmp_path):
    path = gpu_file(tmp_path, {"  memory: 80 GiB\n": "  memroy: 80 GiB\n"})
    with pytest.raises(InputError) as excinfo:
        validate_gpus(path)
    message = message_of(excinfo)
    line = (tmp_path / "gpus.yaml").read_text().splitlines().index("    memroy: 80 GiB") + 1
    assert f'{path}:{line}: gpus[0]: unknown field "memroy" — did you mean "memory"?' in message
    assert "missing required field 'memory'" in message


def test_unknown_field_without_suggestion_lists_fields(tmp_path):
    path = gpu_file(tmp_path, extra="zzz: 1\n")
    with pytest.raises(InputError) as excinfo:
        validate_gpus(path)
    assert 'unknown field "zzz"; valid fields: id, name' in message_of(excinfo)


def test_missing_field(tmp_path):
    path = gpu_file(tmp_path, {"  as_of: 2024-01-01\n": ""})
    with pytest.raises(InputError) as excinfo:
        validate_gpus(path)
    message = message_of(excinfo)
    assert message.startswith(f"{path}:2: gpus[0]: missing required field 'as_of'")
    assert "Date the source was read" in message


def test_several_missing_fields_share_a_line(tmp_path):
    path = gpu_file(tmp_path, {"  as_of: 2024-01-01\n": "", "  year: 2022\n": ""})
    with pytest.raises(InputError) as excinfo:
        validate_gpus(path)
    assert "missing required fields 'as_of', 'year'" in message_of(excinfo)
    assert len(message_of(excinfo).splitlines()) == 1


def test_literal_lists_allowed_values(tmp_path):
    path = gpu_file(tmp_path, {"form_factor: sxm": "form_factor: smx"})
    with pytest.raises(InputError) as excinfo:
        validate_gpus(path)
    message = message_of(excinfo)
    assert "gpus[0].form_factor: invalid value 'smx'; allowed: 'sxm', 'oam', 'pcie'" in message
    assert "did you mean 'sxm'?" in message


def test_bad_size(tmp_path):
    path = gpu_file(tmp_path, {"memory: 80 GiB": "memory: 80 GiBB"})
    with pytest.raises(InputError) as excinfo:
        validate_gpus(path)
    assert "gpus[0].memory: cannot read '80 GiBB' as a size" in message_of(excinfo)


def test_number_bound(tmp_path):
    path = gpu_file(tmp_path, {"tdp_w: 700": "tdp_w: -5"})
    with pytest.raises(InputError) as excinfo:
        validate_gpus(path)
    line = (tmp_path / "gpus.yaml").read_text().splitlines().index("    tdp_w: -5") + 1
    assert message_of(excinfo).startswith(f"{path}:{line}: gpus[0].tdp_w: must be greater than 0 (got -5)")


def test_bad_id(tmp_path):
    path = gpu_file(tmp_path, {"id: test-gpu": "id: Test GPU"})
    with pytest.raises(InputError) as excinfo:
        validate_gpus(path)
    assert "gpus[0].id: 'Test GPU' is not a valid id" in message_of(excinfo)
    assert "'test-gpu'" in message_of(excinfo)


def test_nested_location(tmp_path):
    extra = "mig_profiles:\n  - {name: 1g.10gb, memory: 10 GiB, compute_slices: 9, memory_slices: 1, instances_per_gpu: 7}\n"
    path = gpu_file(tmp_path, extra=extra)
    with pytest.raises(InputError) as excinfo:
        validate_gpus(path)
    assert "gpus[0].mig_profiles[0].compute_slices: must be less than or equal to 7 (got 9)" in message_of(excinfo)


def test_model_validator_message(tmp_path):
    node = {
        "id": "n", "name": "N", "vendor": "x", "kind": "hgx-baseboard", "gpus": ["g"], "gpu_count": 8,
        "nvlink_domain": 3, "base_price_usd": 1, "base_power_w": 1, "rack_units": 1, "host_ram": "1 GiB",
        "storage": "1 TB", "fabric_nics": 1, "price_source": "test", "source": "test", "as_of": "2024-01-01",
        "lifecycle": {"availability": "shipping", "since": "test", "source": "test"},
    }
    document = load_yaml(write(tmp_path, "nodes:\n  - id: n\n"))
    with pytest.raises(InputError) as excinfo:
        validate(NodeSpec, node, document=document, location=("nodes", 0))
    assert message_of(excinfo) == f"{document.path}:2: nodes[0]: nvlink_domain 3 must divide gpu_count 8"


def test_text_field_given_a_number(tmp_path):
    path = gpu_file(tmp_path, {"scaleup_link: nvlink4": "scaleup_link: 4"})
    with pytest.raises(InputError) as excinfo:
        validate_gpus(path)
    assert "gpus[0].scaleup_link: expected text, found a number 4 — put it in quotes" in message_of(excinfo)


def test_wrong_container(tmp_path):
    path = write(tmp_path, "gpus:\n  id: a\n")
    with pytest.raises(InputError) as excinfo:
        validate_gpus(path)
    assert f"{path}:1: gpus: expected a list, found a mapping" in message_of(excinfo)


def test_many_problems_are_capped(tmp_path):
    path = write(tmp_path, "models:\n" + "".join(f"  - id: m{i}\n" for i in range(15)))
    with pytest.raises(InputError) as excinfo:
        load_document(path, ModelCatalogFile)
    lines = message_of(excinfo).splitlines()
    assert len(lines) == 11
    assert lines[-1] == "… and 5 more problems"


def test_no_validation_error_escapes(tmp_path):
    path = gpu_file(tmp_path, {"memory: 80 GiB": "memory: lots"})
    with pytest.raises(InputError) as excinfo:
        validate_gpus(path)
    assert not isinstance(excinfo.value, ValidationError)
    assert excinfo.value.__cause__ is None and excinfo.value.__suppress_context__
    assert "Traceback" not in excinfo.value.render()
    assert excinfo.value.render().startswith("error: ")


def test_also_sources_pick_the_file_that_sets_the_field(tmp_path):
    base = load_yaml(gpu_file(tmp_path))
    override = load_yaml(write(tmp_path, "gpus:\n  - id: test-gpu\n    price_usd: 1\n", "override.yaml"))
    merged = dict(base.data["gpus"][0], price_usd=1, tdp_w=0)
    with pytest.raises(InputError) as excinfo:
        validate(GpuSpec, merged, document=override, location=("gpus", 0), also=[(base, ("gpus", 0))])
    line = (tmp_path / "gpus.yaml").read_text().splitlines().index("    tdp_w: 700") + 1
    assert message_of(excinfo).startswith(f"{base.path}:{line}: gpus[0].tdp_w:")


def test_format_location():
    assert format_location(("gpus", 3, "memory_bandwidth_gb_s")) == "gpus[3].memory_bandwidth_gb_s"
    assert format_location(("a", "b", 0, 1)) == "a.b[0][1]"
    assert format_location(()) == ""
