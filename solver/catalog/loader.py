"""The merged catalog: bundled YAML files, then the user's catalog directory, then ``--catalog`` files.

Each file may hold any of the lists ``gpus``, ``nodes``, ``fabric`` and ``models``. An entry whose
id already exists overrides it: its fields are deep-merged over the existing entry's raw data
and the result is validated again, so ``gpus: [{id: h100-sxm, price_usd: 27000}]`` changes only
the price. An entry with a new id must be complete. After merging, ids and aliases must be
unique per kind and every node must name existing GPU ids.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.resources
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from solver.catalog.cloud import CLOUD_FILENAME, TRAINING_RUNS_FILENAME, load_cloud, load_training_runs
from solver.catalog.performance import ENGINES_FILENAME, SPEED_MODEL_FILENAME, load_engines, load_speed_model
from solver.catalog.yaml_source import Location, YamlDocument, format_location, load_yaml, validate
from solver.errors import InputError, UnknownNameError, did_you_mean
from solver.specs.cloud import CloudCatalogFile
from solver.specs.common import CatalogEntry
from solver.specs.engines import EngineMatrix
from solver.specs.hardware import FabricItem, GpuSpec, NodeSpec
from solver.specs.model import ModelSpec
from solver.specs.performance import SpeedModelFile
from solver.specs.training_runs import TrainingRunsFile


@dataclass(frozen=True)
class CatalogKind:
    key: str
    """Top-level YAML key and Catalog attribute: 'gpus'."""
    model_cls: type[CatalogEntry]
    label: str
    """How messages name one entry: 'GPU'."""
    filename: str


KINDS: dict[str, CatalogKind] = {
    kind.key: kind
    for kind in (
        CatalogKind("gpus", GpuSpec, "GPU", "gpus.yaml"),
        CatalogKind("nodes", NodeSpec, "node", "nodes.yaml"),
        CatalogKind("fabric", FabricItem, "fabric item", "fabric.yaml"),
        CatalogKind("models", ModelSpec, "model", "models.yaml"),
    )
}
CATALOG_FILENAMES: tuple[str, ...] = tuple(kind.filename for kind in KINDS.values())


# --------------------------------------------------------------------------------------------
# The catalog


@dataclass(frozen=True)
class QuoteTerms:
    """Where a quoted price comes from: the BOM carries these next to the price."""

    file: str
    line: int
    vendor: str = ""
    quote_id: str = ""
    quote_date: str = ""
    valid_until: str = ""


@dataclass(frozen=True, eq=False)
class Catalog:
    """Validated catalog entries by id. Lookups accept an id or alias, case-insensitively."""

    gpus: Mapping[str, GpuSpec]
    nodes: Mapping[str, NodeSpec]
    fabric: Mapping[str, FabricItem]
    models: Mapping[str, ModelSpec]
    files: tuple[Path, ...] = ()
    """The catalog files that were read, in merge order."""
    speed_model: SpeedModelFile | None = None
    """Fitted speed coefficients and calibration bands (speed_model.yaml)."""
    engines: EngineMatrix | None = None
    """Engine support matrix (engines.yaml)."""
    quotes: Mapping[str, "QuoteTerms"] = field(default_factory=dict)
    """Vendor quote terms by entry id, from a --prices file (vendor, reference, dates)."""
    cloud: CloudCatalogFile | None = None
    """Rentable GPU instances and their prices (cloud.yaml)."""
    training_runs: TrainingRunsFile | None = None
    """Published training runs the training-budget MFU is calibrated on (training_runs.yaml)."""
    _names: Mapping[str, Mapping[str, str]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        names: dict[str, dict[str, str]] = {}
        for key in KINDS:
            index: dict[str, str] = {}
            entries: Mapping[str, CatalogEntry] = getattr(self, key)
            for entry_id, entry in entries.items():
                index.setdefault(entry_id.lower(), entry_id)
                for alias in entry.aliases:
                    index.setdefault(alias.lower(), entry_id)
            names[key] = index
        object.__setattr__(self, "_names", MappingProxyType(names))

    def gpu(self, name: str) -> GpuSpec:
        return self.gpus[self.resolve_id("gpus", name)]

    def node(self, name: str) -> NodeSpec:
        return self.nodes[self.resolve_id("nodes", name)]

    def model(self, name: str) -> ModelSpec:
        return self.models[self.resolve_id("models", name)]

    def fabric_item(self, name: str) -> FabricItem:
        return self.fabric[self.resolve_id("fabric", name)]

    def nodes_for_gpu(self, gpu_id: str) -> list[NodeSpec]:
        """Nodes that take this GPU (id or alias), sorted by id."""
        gpu = self.gpu(gpu_id)
        return sorted((node for node in self.nodes.values() if gpu.id in node.gpus), key=lambda node: node.id)

    def family(self, key: str, name: str) -> tuple[str, ...]:
        """Every id ``name`` stands for: its own entry when it is an id or alias, else (GPUs only)
        every id it begins up to a word boundary (a family: 'a100' → the four A100 variants, 'mi300' →
        mi300x; 'h10' is no family). Empty when it names nothing."""
        needle = str(name).strip().lower()
        entry_id = self._names[key].get(needle)
        if entry_id is not None:
            return (entry_id,)
        if key != "gpus" or len(needle) < 2:
            return ()  # model and node names must be exact: 'llama-3.1-8' is not 'llama-3.1-8b'
        return tuple(sorted(
            entry for entry in getattr(self, key)
            if entry.lower().startswith(needle) and len(entry) > len(needle) and (entry[len(needle)] == "-" or entry[len(needle)].isalpha())
        ))

    def resolve_id(self, key: str, name: str) -> str:
        """The id that ``name`` (an id or alias of kind ``key``: 'gpus', 'nodes', …) refers to; a
        family name that covers several entries is an error listing them."""
        kind = KINDS[key]
        members = self.family(key, name)
        if len(members) == 1:
            return members[0]
        if len(members) > 1:
            raise InputError(
                f"{kind.label} {str(name)!r} is ambiguous: it covers {', '.join(members)}",
                hint="name one of them" + (" (in allowed/excluded lists a family name stands for all of them)" if key == "gpus" else ""),
            )
        index = self._names[key]
        ids = list(getattr(self, key))
        suggestions = list(dict.fromkeys(index[match] for match in did_you_mean(str(name), list(index), n=6)))[:3]
        raise UnknownNameError(kind.label, str(name), ids, suggestions=suggestions)


# --------------------------------------------------------------------------------------------
# Where catalogs live


def bundled_catalog_dir() -> Path:
    """The catalogs shipped with procure.

    Installed wheel: the package ``solver.catalogs`` (pyproject maps catalogs/ there). Source
    checkout: ``catalogs/`` next to the ``solver/`` package directory.
    """
    try:
        inside = importlib.resources.files("solver") / "catalogs"
        if inside.is_dir():
            return Path(str(inside))
    except (ModuleNotFoundError, TypeError, OSError):  # pragma: no cover - exotic importers
        pass
    try:
        mapped = importlib.resources.files("solver.catalogs")
        if mapped.is_dir():
            return Path(str(mapped))
    except (ModuleNotFoundError, TypeError, OSError):
        pass
    return Path(__file__).resolve().parents[2] / "catalogs"


def user_catalog_dir() -> Path:
    """``$PROCURE_HOME`` if set, else ``~/.config/procure``."""
    home = os.environ.get("PROCURE_HOME")
    if home:
        return Path(home).expanduser()
    return Path.home() / ".config" / "procure"


# --------------------------------------------------------------------------------------------
# Loading and merging


@dataclass(frozen=True)
class _Entry:
    raw: dict[str, Any]
    spec: CatalogEntry
    sources: tuple[tuple[YamlDocument, Location], ...]
    """Where the entry's fields came from, newest first."""

    def where(self, *field_path: str | int) -> str:
        """``file:line`` of a field, from the newest source that sets it."""
        for document, location in self.sources:
            if document.has(location + field_path):
                return document.where(location + field_path)
        document, location = self.sources[0]
        return document.where(location)

    def path_of(self, *field_path: str | int) -> str:
        for document, location in self.sources:
            if document.has(location + field_path):
                return format_location(location + field_path)
        return format_location(self.sources[0][1] + field_path)


class _Builder:
    """Accumulates catalog files in merge order."""

    def __init__(self) -> None:
        self.entries: dict[str, dict[str, _Entry]] = {key: {} for key in KINDS}
        self.files: list[Path] = []

    def copy(self) -> "_Builder":
        other = _Builder()
        other.entries = {key: dict(entries) for key, entries in self.entries.items()}
        other.files = list(self.files)
        return other

    def add_file(self, path: Path) -> None:
        self.add_document(load_yaml(path))

    def add_document(self, document: YamlDocument) -> None:
        self.files.append(document.path)
        for key, value in document.data.items():
            if key not in KINDS:
                suggestions = did_you_mean(str(key), list(KINDS), n=1)
                message = f"{document.where((key,))}: unknown top-level key {str(key)!r}"
                if suggestions:
                    message += f" — did you mean {suggestions[0]!r}?"
                raise InputError(message, hint="a catalog file holds the lists " + ", ".join(KINDS))
            if value is None:
                continue
            if not isinstance(value, list):
                raise InputError(
                    f"{document.where((key,))}: '{key}' must be a list of entries (each starting '- id: ...')",
                )
            self._add_entries(document, KINDS[key], value)

    def _add_entries(self, document: YamlDocument, kind: CatalogKind, items: list[Any]) -> None:
        entries = self.entries[kind.key]
        seen: dict[str, int] = {}
        for index, item in enumerate(items):
            location: Location = (kind.key, index)
            place = document.where(location)
            path = format_location(location)
            if not isinstance(item, dict):
                raise InputError(f"{place}: {path}: each {kind.label} entry must be a mapping of fields starting with 'id'")
            entry_id = item.get("id")
            if not isinstance(entry_id, str) or not entry_id.strip():
                raise InputError(f"{place}: {path}: missing required field 'id'" if entry_id is None else f"{place}: {path}.id: must be text, got {entry_id!r}")
            if entry_id in seen:
                raise InputError(
                    f"{place}: duplicate {kind.label} id {entry_id!r} (already defined at line {seen[entry_id]} of the same file)",
                    hint="remove or rename one of them",
                )
            seen[entry_id] = document.line_of(location)
            existing = entries.get(entry_id)
            if existing is None:
                raw = item
                sources: tuple[tuple[YamlDocument, Location], ...] = ((document, location),)
            else:
                raw = deep_merge(existing.raw, item)
                sources = ((document, location), *existing.sources)
            spec = validate(kind.model_cls, raw, document=document, location=location, also=sources[1:])
            entries[entry_id] = _Entry(raw=raw, spec=spec, sources=sources)

    def build(self) -> Catalog:
        self._check_names()
        self._check_node_gpus()
        mappings = {
            key: MappingProxyType({entry_id: entries[entry_id].spec for entry_id in sorted(entries)})
            for key, entries in self.entries.items()
        }
        return Catalog(files=tuple(self.files), **mappings)  # type: ignore[arg-type]

    def _check_names(self) -> None:
        for key, entries in self.entries.items():
            label = KINDS[key].label
            owners: dict[str, tuple[str, str]] = {}
            # ids first, so an alias that shadows another entry's id is reported as such
            for entry_id, entry in sorted(entries.items()):
                owners[entry_id.lower()] = (entry_id, entry.where("id"))
            for entry_id, entry in sorted(entries.items()):
                for position, alias in enumerate(entry.spec.aliases):
                    owner = owners.get(alias)
                    if owner is None:
                        owners[alias] = (entry_id, entry.where("aliases", position))
                    elif owner[0] != entry_id:
                        other_id, other_where = owner
                        raise InputError(
                            f"{entry.where('aliases', position)}: {label} alias {alias!r} of {entry_id!r} is already "
                            f"the id or an alias of {other_id!r} ({other_where})",
                            hint=f"{label} ids and aliases must be unique; remove or rename the alias",
                        )

    def _check_node_gpus(self) -> None:
        gpus = self.entries["gpus"]
        alias_of = {alias: gpu_id for gpu_id, entry in gpus.items() for alias in entry.spec.aliases}
        for node_id, entry in sorted(self.entries["nodes"].items()):
            node = entry.spec
            assert isinstance(node, NodeSpec)
            for position, gpu_id in enumerate(node.gpus):
                if gpu_id in gpus:
                    continue
                where = entry.where("gpus", position)
                target = alias_of.get(gpu_id.lower())
                if target is not None:
                    raise InputError(
                        f"{where}: {entry.path_of('gpus', position)}: node {node_id!r} names GPU {gpu_id!r} by an alias",
                        hint=f"use the GPU id {target!r}",
                    )
                suggestions = did_you_mean(gpu_id, list(gpus) + list(alias_of), n=6)
                suggestions = list(dict.fromkeys(alias_of.get(s, s) for s in suggestions))[:3]
                message = f"{where}: {entry.path_of('gpus', position)}: node {node_id!r} takes unknown GPU {gpu_id!r}"
                if suggestions:
                    message += " — did you mean " + ", ".join(repr(s) for s in suggestions) + "?"
                raise InputError(message, hint="a node's 'gpus' lists GPU ids (`procure catalog gpus` shows them)")


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """``override`` over ``base``: mappings merge recursively; lists and scalars (null too) replace."""
    merged = dict(base)
    for key, value in override.items():
        current = merged.get(key)
        if isinstance(value, Mapping) and isinstance(current, Mapping):
            merged[key] = deep_merge(current, value)
        else:
            merged[key] = value
    return merged


def _catalog_files(directory: Path) -> list[Path]:
    return [directory / name for name in CATALOG_FILENAMES if (directory / name).is_file()]


def _stamp(paths: Iterable[Path]) -> tuple[tuple[str, int, int], ...]:
    stamps = []
    for path in paths:
        stat = path.stat()
        stamps.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(stamps)


@functools.lru_cache(maxsize=4)
def _bundled(stamp: tuple[tuple[str, int, int], ...]) -> tuple[_Builder, Catalog]:
    builder = _Builder()
    for path, _mtime, _size in stamp:
        builder.add_file(Path(path))
    return builder, builder.build()


def load_catalog(
    extra: Sequence[Path] = (),
    *,
    include_user: bool = True,
    bundled_dir: Path | None = None,
) -> Catalog:
    """Bundled catalogs, then the user's (unless ``include_user`` is false), then each ``extra`` file.

    ``bundled_dir`` replaces the bundled catalog directory (tests). The bundled stage is cached
    by file path, modification time and size.
    """
    directory = bundled_dir if bundled_dir is not None else bundled_catalog_dir()
    bundled_files = _catalog_files(directory) if directory.is_dir() else []
    more: list[Path] = []
    if include_user:
        user_dir = user_catalog_dir()
        if user_dir.is_dir():
            more.extend(_catalog_files(user_dir))
    more.extend(Path(path) for path in extra)
    base, base_catalog = _bundled(_stamp(bundled_files))
    if more:
        builder = base.copy()
        for path in more:
            builder.add_file(path)
        base_catalog = builder.build()
    # A catalog directory without them (a test catalog of hardware only) gives no speeds.
    speed_model = load_speed_model(directory) if (directory / SPEED_MODEL_FILENAME).is_file() else None
    engines = load_engines(directory) if (directory / ENGINES_FILENAME).is_file() else None
    cloud = load_cloud(directory, base_catalog.gpus) if (directory / CLOUD_FILENAME).is_file() else None
    runs = load_training_runs(directory, base_catalog.gpus) if (directory / TRAINING_RUNS_FILENAME).is_file() else None
    return dataclasses.replace(base_catalog, speed_model=speed_model, engines=engines, cloud=cloud, training_runs=runs)


__all__ = [
    "CATALOG_FILENAMES",
    "KINDS",
    "Catalog",
    "CatalogKind",
    "bundled_catalog_dir",
    "deep_merge",
    "load_catalog",
    "user_catalog_dir",
]
