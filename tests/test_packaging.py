"""The wheel must carry every subpackage, the bundled catalogs and the report templates, and
install the command line inside the procure package (no generic top-level `cli` module)."""

from __future__ import annotations

import fnmatch
import os
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_every_package_is_listed_in_pyproject() -> None:
    config = CONFIG["tool"]["setuptools"]
    listed = set(config["packages"])
    on_disk = {
        ".".join(path.parent.relative_to(ROOT).parts)
        for top in ("solver", "procure")
        for path in (ROOT / top).rglob("__init__.py")
        if "__pycache__" not in path.parts
    }
    assert on_disk - listed == set(), "add these packages to [tool.setuptools] packages"
    assert config["package-dir"]["solver.catalogs"] == "catalogs"
    assert "solver.catalogs" in listed


def test_bundled_catalog_files_exist() -> None:
    for name in ("gpus", "nodes", "fabric", "models"):
        assert (ROOT / "catalogs" / f"{name}.yaml").is_file()


def test_every_report_template_is_package_data() -> None:
    patterns = CONFIG["tool"]["setuptools"]["package-data"]["solver.report"]
    templates = ROOT / "solver" / "report" / "templates"
    for path in templates.rglob("*"):
        if path.is_file():
            relative = path.relative_to(ROOT / "solver" / "report").as_posix()
            assert any(fnmatch.fnmatch(relative, pattern) and relative.count("/") == pattern.count("/") for pattern in patterns), relative


def test_the_command_line_is_installed_from_the_procure_package() -> None:
    assert CONFIG["project"]["scripts"] == {"procure": "procure.cli:main"}
    assert "py-modules" not in CONFIG["tool"]["setuptools"]
    link = ROOT / "procure" / "cli.py"
    assert link.is_symlink() and os.readlink(link) == "../cli.py", "procure/cli.py must stay a link to the one cli.py"


def test_the_installed_package_has_procure_and_no_top_level_cli(tmp_path) -> None:
    """Outside the checkout, as a user's interpreter sees the installed package."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    code = "import importlib.util as u, procure; print(u.find_spec('cli') is None, u.find_spec('procure.cli') is not None, sorted(procure.__all__)[:3])"
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True True ['Catalog', 'EstimateReport', 'FitReport']"
