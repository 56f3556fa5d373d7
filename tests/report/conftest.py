"""Output folders to report on: the tiny what-if problem solved and swept on the mini catalog
(a second each), written through the Python API as `procure solve/whatif --out` writes them."""

from __future__ import annotations

from pathlib import Path

import pytest

import procure
from tests.fixtures.problems import mini_catalog

TINY = Path(__file__).parents[1] / "whatif" / "tiny.yaml"


@pytest.fixture(scope="session")
def tiny_solve_folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("solve") / "tiny"
    procure.solve(TINY, mini_catalog(), out=out)
    return out


@pytest.fixture(scope="session")
def tiny_whatif_folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("whatif") / "tiny"
    procure.whatif(TINY, mini_catalog(), budgets=[20_000, 60_000, 500_000], frontier=3, jobs=1, out=out)
    return out
