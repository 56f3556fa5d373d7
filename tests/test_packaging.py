"""The wheel must carry every subpackage and the bundled catalogs."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_solver_package_is_listed_in_pyproject() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    on_disk = {
        ".".join(path.parent.relative_to(ROOT).parts)
        for path in (ROOT / "solver").rglob("__init__.py")
        if "__pycache__" not in path.parts
    }
    assert on_disk - listed == set(), "add these packages to [tool.setuptools] packages"
    assert config["package-dir"]["solver.catalogs"] == "catalogs"
    assert "solver.catalogs" in listed


def test_bundled_catalog_files_exist() -> None:
    for name in ("gpus", "nodes", "fabric", "models"):
        assert (ROOT / "catalogs" / f"{name}.yaml").is_file()
