"""pydantic schemas for catalogs and problem files: the one description of every input."""

from solver.specs.common import CatalogEntry
from solver.specs.hardware import FabricItem, GpuSpec, MigProfile, NodeSpec
from solver.specs.model import MlaSpec, ModelSpec, MoeSpec

__all__ = [
    "CatalogEntry",
    "FabricItem",
    "GpuSpec",
    "MigProfile",
    "MlaSpec",
    "ModelSpec",
    "MoeSpec",
    "NodeSpec",
]
