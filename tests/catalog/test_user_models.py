"""The user catalog's models: origins, refusing to shadow or remove bundled models, and writes
that are read back before they replace the old file."""

from __future__ import annotations

from pathlib import Path

import pytest

from solver.catalog import load_catalog
from solver.catalog.hf_import import model_from_config_file
from solver.catalog.user_models import list_models, remove_user_model, user_models_path, write_user_model
from solver.errors import InputError

FIXTURES = Path(__file__).parent / "fixtures"
HF = FIXTURES / "hf"


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    """User catalog in tmp; bundled catalog = the small fixtures."""
    home = tmp_path / "home"
    monkeypatch.setenv("PROCURE_HOME", str(home))
    monkeypatch.setattr("solver.catalog.loader.bundled_catalog_dir", lambda: FIXTURES)
    return home


def llama(model_id: str):
    return model_from_config_file(HF / "Llama-3.1-8B", model_id)


def test_import_id_llama_3_1_8b_refuses_to_shadow_the_bundled_model():
    with pytest.raises(InputError) as caught:
        write_user_model(llama("llama-3.1-8b"))
    assert "'llama-3.1-8b' is a bundled model" in caught.value.message and "--replace" in (caught.value.hint or "")
    assert not user_models_path().exists()
    write_user_model(llama("llama-3.1-8b"), replace=True)
    assert [entry.origin for entry in list_models(load_catalog()) if entry.model.id == "llama-3.1-8b"] == ["user, overrides bundled"]


def test_reimporting_a_user_model_needs_replace():
    write_user_model(llama("mine"))
    with pytest.raises(InputError, match="already in your user catalog"):
        write_user_model(llama("mine"))
    write_user_model(llama("mine"), replace=True)


def test_list_marks_bundled_and_user_models():
    write_user_model(llama("mine"))
    origins = {entry.model.id: entry.origin for entry in list_models(load_catalog())}
    assert origins["mine"] == "user" and origins["deepseek-v3"] == "bundled"
    assert "mine" not in {entry.model.id for entry in list_models(load_catalog(include_user=False), include_user=False)}


def test_remove_user_model_and_restore_the_bundled_one():
    write_user_model(llama("mine"))
    write_user_model(llama("deepseek-v3"), replace=True)
    assert remove_user_model("MINE") == (user_models_path(), False)
    assert remove_user_model("deepseek-v3") == (user_models_path(), True)
    catalog = load_catalog()
    assert "mine" not in catalog.models and catalog.model("deepseek-v3").moe is not None


def test_bundled_models_cannot_be_removed():
    with pytest.raises(InputError) as caught:
        remove_user_model("deepseek-v3")
    assert caught.value.message == "'deepseek-v3' is a bundled model; bundled models cannot be removed"


def test_removing_an_unknown_model_suggests_user_models():
    write_user_model(llama("my-llama"))
    with pytest.raises(InputError, match="did you mean 'my-llama'"):
        remove_user_model("my-lama")


def test_a_write_that_would_not_load_is_refused_and_keeps_the_old_file(home):
    write_user_model(llama("mine"))
    before = user_models_path().read_text()
    # A name no YAML file can hold: model_copy skips validation, as a bug upstream might.
    broken = llama("other").model_copy(update={"name": "bad \ud800 name"})
    with pytest.raises(InputError) as caught:
        write_user_model(broken)
    assert caught.value.message.startswith(f"the updated {user_models_path()} would not load, so it was left as it was")
    assert user_models_path().read_text() == before
    assert "other" not in load_catalog().models


def test_a_write_is_checked_with_the_other_user_files(home):
    spec = llama("mine")
    home.mkdir(parents=True)
    (home / "nodes.yaml").write_text("nodes:\n  - {id: hgx-h100-8, gpus: [no-such-gpu]}\n")
    with pytest.raises(InputError, match="(?s)would not load.*no-such-gpu"):
        write_user_model(spec)
    assert not user_models_path().exists()
