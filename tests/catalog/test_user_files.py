"""User catalog writes: atomic, and read back (parsed and validated) before they replace a file."""

from __future__ import annotations

import pytest

from solver.catalog import load_catalog
from solver.catalog.user_files import write_user_catalog_file
from solver.errors import InputError
from tests.catalog.test_hf_import import FIXTURES


@pytest.fixture
def home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("PROCURE_HOME", str(home))
    monkeypatch.setattr("solver.catalog.loader.bundled_catalog_dir", lambda: FIXTURES)
    return home


def test_a_valid_file_is_written_and_loads(home):
    path = write_user_catalog_file("gpus.yaml", "gpus:\n  - {id: h100-sxm, price_usd: 5}\n")
    assert path == home / "gpus.yaml"
    assert load_catalog().gpu("h100-sxm").price_usd == 5
    assert [p.name for p in home.iterdir()] == ["gpus.yaml"]


@pytest.mark.parametrize("text,message", [
    ("gpus: [unclosed\n", "would not load"),
    ("gpus:\n  - {id: h100-sxm, price_usd: -5}\n", "would not load"),
    ("gpus:\n  - {id: brand-new-gpu}\n", "would not load"),
])
def test_text_that_does_not_load_back_leaves_the_old_file(home, text, message):
    write_user_catalog_file("gpus.yaml", "gpus:\n  - {id: h100-sxm, price_usd: 5}\n")
    with pytest.raises(InputError) as excinfo:
        write_user_catalog_file("gpus.yaml", text)
    assert message in excinfo.value.message and str(home / "gpus.yaml") in excinfo.value.message
    assert ".tmp" not in excinfo.value.message
    assert (home / "gpus.yaml").read_text() == "gpus:\n  - {id: h100-sxm, price_usd: 5}\n"
    assert [p.name for p in home.iterdir()] == ["gpus.yaml"]


def test_the_other_user_files_take_part_in_the_check(home):
    write_user_catalog_file("gpus.yaml", "gpus:\n  - {id: h100-sxm, aliases: [hopper]}\n")
    with pytest.raises(InputError, match="would not load"):
        write_user_catalog_file("nodes.yaml", "gpus:\n  - {id: a100-80gb-sxm, aliases: [hopper]}\n")
    assert not (home / "nodes.yaml").exists()


def test_only_catalog_file_names():
    with pytest.raises(ValueError):
        write_user_catalog_file("../escape.yaml", "")
