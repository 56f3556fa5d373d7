"""Wrapper schemas for whole YAML catalog files (used for ``procure schema`` and strict loading).

The loader itself reads catalog files entry by entry, because a user or ``--catalog`` file may
hold *partial* entries that override a bundled one (only the fields it changes).
"""

from __future__ import annotations

from pydantic import Field

from solver.specs.common import StrictModel
from solver.specs.hardware import FabricItem, GpuSpec, NodeSpec
from solver.specs.model import ModelSpec


class GpuCatalogFile(StrictModel):
    """gpus.yaml: accelerators."""

    gpus: tuple[GpuSpec, ...] = Field(default=(), description="Accelerators (GPUs, unified-memory SoCs, CPU sockets).")


class NodeCatalogFile(StrictModel):
    """nodes.yaml: servers and the GPUs they take."""

    nodes: tuple[NodeSpec, ...] = Field(default=(), description="Servers, baseboards and rack-scale systems.")


class FabricCatalogFile(StrictModel):
    """fabric.yaml: NICs, switches, cables, storage, racks and PDUs."""

    fabric: tuple[FabricItem, ...] = Field(default=(), description="Fabric and facility items.")


class ModelCatalogFile(StrictModel):
    """models.yaml: model architectures (config.json fields)."""

    models: tuple[ModelSpec, ...] = Field(default=(), description="Language-model architectures.")


class CatalogFile(StrictModel):
    """Any catalog file (user catalog, ``--catalog`` file): any of the four lists.

    An entry whose id already exists overrides only the fields it gives; this schema describes
    complete entries.
    """

    gpus: tuple[GpuSpec, ...] = ()
    nodes: tuple[NodeSpec, ...] = ()
    fabric: tuple[FabricItem, ...] = ()
    models: tuple[ModelSpec, ...] = ()


CATALOG_FILE_MODELS: dict[str, type[StrictModel]] = {
    "gpus": GpuCatalogFile,
    "nodes": NodeCatalogFile,
    "fabric": FabricCatalogFile,
    "models": ModelCatalogFile,
}
"""Catalog list key → schema of the file that holds it (gpus.yaml, nodes.yaml, …)."""


JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def document_models() -> dict[str, type[StrictModel]]:
    """Every YAML document type procure reads, by name: the four catalog files, any catalog
    file (``catalog``), the cloud price list and training runs, and the problem file (``problem``)."""
    from solver.specs.cloud import CloudCatalogFile
    from solver.specs.training_runs import TrainingRunsFile

    models: dict[str, type[StrictModel]] = dict(CATALOG_FILE_MODELS)
    models["catalog"] = CatalogFile
    models["cloud"] = CloudCatalogFile
    models["training_runs"] = TrainingRunsFile
    try:
        from solver.specs.problem import Problem
    except ModuleNotFoundError as err:
        if err.name != "solver.specs.problem":
            raise
    else:
        models["problem"] = Problem
    return models


def document_schemas() -> dict[str, dict]:
    """JSON Schema (draft 2020-12) of every document type, by name."""
    schemas: dict[str, dict] = {}
    for name, model in document_models().items():
        schema = model.model_json_schema()
        schemas[name] = {"$schema": JSON_SCHEMA_DIALECT, **schema}
    return schemas
