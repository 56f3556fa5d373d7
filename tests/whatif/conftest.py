"""Fixtures for the what-if tests: a tiny problem on the mini catalog, and the CLI runner (tests.fixtures.cli)."""

from __future__ import annotations

from pathlib import Path

import pytest

from solver.problem_io import load_problem
from tests.fixtures.cli import procure  # noqa: F401 - the CLI runner fixture
from tests.fixtures.problems import mini_catalog

HERE = Path(__file__).parent
TINY = HERE / "tiny.yaml"


@pytest.fixture(scope="session")
def catalog():
    return mini_catalog()


@pytest.fixture(scope="session")
def tiny(catalog):
    return load_problem(TINY, catalog)


