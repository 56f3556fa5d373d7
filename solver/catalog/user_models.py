"""The models of the user catalog: where each catalog model comes from, adding and removing.

``procure models import`` writes, and ``procure models remove`` edits, the user catalog's
models.yaml. Bundled models are never replaced silently (``replace=True`` says so) and never
removed. Every write is read back first — parsed and merged with the bundled catalog exactly as
every later command will load it — and only then replaces the old file, atomically: a write
can fail, but it cannot leave a catalog that no later command can read.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from solver.catalog.loader import CATALOG_FILENAMES, Catalog, load_catalog, user_catalog_dir
from solver.catalog.user_files import write_user_catalog_file
from solver.catalog.yaml_source import load_yaml
from solver.errors import InputError, UnknownNameError
from solver.specs.model import ModelSpec

MODELS_FILENAME = "models.yaml"
_HEADER = "# procure user catalog: models (written by `procure models import`)\n"

Origin = Literal["bundled", "user", "user, overrides bundled", "catalog file"]


@dataclass(frozen=True)
class ListedModel:
    model: ModelSpec
    origin: Origin


def user_models_path() -> Path:
    return user_catalog_dir() / MODELS_FILENAME


def bundled_model_ids() -> set[str]:
    return set(load_catalog(include_user=False).models)


def user_model_ids() -> set[str]:
    """Ids of the model entries in any user catalog file."""
    ids: set[str] = set()
    for name in CATALOG_FILENAMES:
        path = user_catalog_dir() / name
        if path.is_file():
            ids.update(entry["id"] for entry in _model_entries(load_yaml(path).data, path) if isinstance(entry.get("id"), str))
    return ids


def list_models(catalog: Catalog, *, include_user: bool = True) -> list[ListedModel]:
    """Every model of ``catalog`` with where it comes from, sorted by id."""
    bundled = bundled_model_ids()
    user = user_model_ids() if include_user else set()
    listed = []
    for model_id, model in sorted(catalog.models.items()):
        origin: Origin
        if model_id in user:
            origin = "user, overrides bundled" if model_id in bundled else "user"
        else:
            origin = "bundled" if model_id in bundled else "catalog file"
        listed.append(ListedModel(model, origin))
    return listed


def write_user_model(spec: ModelSpec, *, replace: bool = False) -> Path:
    """Add ``spec`` to the user catalog's models.yaml; its other entries and keys are kept
    (comments are not). An id that is already a bundled or user model needs ``replace``."""
    target = user_models_path()
    data = _read_user_file(target)
    models = _model_entries(data, target)
    if not replace:
        _refuse_existing(spec.id, models, target)
    entry = spec.model_dump(mode="json")
    positions = [index for index, existing in enumerate(models) if existing.get("id") == spec.id]
    if positions:
        models[positions[0]] = entry
    else:
        models.append(entry)
    data["models"] = models
    return _replace_user_file(target, data)


def remove_user_model(name: str) -> tuple[Path, bool]:
    """Remove a model from the user catalog's models.yaml: (the file, whether a bundled model of
    that id is used again). Bundled models cannot be removed."""
    target = user_models_path()
    data = _read_user_file(target)
    models = _model_entries(data, target)
    wanted = name.strip().lower()
    kept = [entry for entry in models if str(entry.get("id", "")).lower() != wanted]
    bundled = bundled_model_ids()
    if len(kept) == len(models):
        if wanted in bundled:
            raise InputError(
                f"'{wanted}' is a bundled model; bundled models cannot be removed",
                hint="bundled models come with procure; importing a model under the same id (--replace) overrides one, and `procure models list` shows which models are yours",
            )
        user_ids = [str(entry.get("id")) for entry in models if entry.get("id")]
        raise UnknownNameError("user model", name, user_ids, hint=f"user models: {', '.join(sorted(user_ids)) or 'none'} (in {target})")
    data["models"] = kept
    return _replace_user_file(target, data), wanted in bundled


def _refuse_existing(model_id: str, models: list[dict[str, Any]], target: Path) -> None:
    if model_id in bundled_model_ids():
        raise InputError(
            f"model id '{model_id}' is a bundled model: importing it would replace the bundled model for every command",
            hint=f"pass --replace to use the imported model instead (`procure models remove {model_id}` restores the bundled one), or choose another --id",
        )
    if any(entry.get("id") == model_id for entry in models):
        raise InputError(
            f"model id '{model_id}' is already in your user catalog ({target})",
            hint="pass --replace to overwrite it, or choose another --id",
        )


def _read_user_file(target: Path) -> dict[str, Any]:
    return dict(load_yaml(target).data) if target.exists() else {}


def _model_entries(data: dict[str, Any], target: Path) -> list[dict[str, Any]]:
    models = data.get("models") or []
    if not isinstance(models, list) or not all(isinstance(entry, dict) for entry in models):
        raise InputError(f"{target}: 'models' must be a list of entries", hint="fix or remove the file; `procure models import` rewrites it")
    return list(models)


def _replace_user_file(target: Path, data: dict[str, Any]) -> Path:
    text = _HEADER + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=None, width=100)
    return write_user_catalog_file(target.name, text)


__all__ = ["ListedModel", "MODELS_FILENAME", "Origin", "list_models", "remove_user_model", "user_models_path", "write_user_model"]
