"""Fixtures for the what-if tests: a tiny problem on the mini catalog, and a CLI runner using it."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from solver.problem_io import load_problem
from tests.fixtures.problems import MINI_DIR, mini_catalog

HERE = Path(__file__).parent
TINY = HERE / "tiny.yaml"


@pytest.fixture(scope="session")
def catalog():
    return mini_catalog()


@pytest.fixture(scope="session")
def tiny(catalog):
    return load_problem(TINY, catalog)


@pytest.fixture
def procure(tmp_path, monkeypatch):
    """Run `procure ARGS…` on the mini catalog; returns click's Result (no Traceback allowed)."""
    import cli

    monkeypatch.setenv("PROCURE_HOME", str(tmp_path / "home"))
    monkeypatch.setattr("solver.catalog.loader.bundled_catalog_dir", lambda: MINI_DIR)

    def run(*args: str, expect: int = 0):
        result = CliRunner().invoke(cli.main, ["--no-user-catalog", *map(str, args)])
        assert "Traceback" not in result.output, result.output
        assert result.exit_code == expect, (result.exit_code, result.output, result.exception)
        if expect == 0:
            assert result.exception is None, result.exception
        else:
            assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        return result

    return run
