"""Catalog loading and name resolution.

``load_catalog()`` merges the bundled catalogs, the user's catalog directory and ``--catalog``
files into a ``Catalog`` whose lookups accept ids or aliases case-insensitively. YAML problems
are reported as ``InputError`` with ``file:line``.
"""

from solver.catalog.files import (
    CATALOG_FILE_MODELS,
    CatalogFile,
    FabricCatalogFile,
    GpuCatalogFile,
    ModelCatalogFile,
    NodeCatalogFile,
)
from solver.catalog.hf_import import import_model, model_from_hf_config
from solver.catalog.loader import (
    CATALOG_FILENAMES,
    KINDS,
    Catalog,
    CatalogKind,
    QuoteTerms,
    bundled_catalog_dir,
    deep_merge,
    load_catalog,
    user_catalog_dir,
)
from solver.catalog.yaml_source import YamlDocument, format_location, load_document, load_yaml, validate

__all__ = [
    "QuoteTerms",
    "CATALOG_FILENAMES",
    "CATALOG_FILE_MODELS",
    "KINDS",
    "Catalog",
    "CatalogFile",
    "CatalogKind",
    "FabricCatalogFile",
    "GpuCatalogFile",
    "ModelCatalogFile",
    "NodeCatalogFile",
    "YamlDocument",
    "bundled_catalog_dir",
    "deep_merge",
    "format_location",
    "import_model",
    "load_catalog",
    "load_document",
    "load_yaml",
    "model_from_hf_config",
    "user_catalog_dir",
    "validate",
]
