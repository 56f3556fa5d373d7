"""Output folders to report on, each a real solve or sweep written through the Python API as
`procure solve/whatif --out` writes them (a second or two each):

- the tiny what-if problem on the mini catalog (no cloud prices): solved and swept;
- a chat fleet on the mini catalog with the bundled purchase-order items (front-end and
  management network, installation, support) and a hand-priced cloud list: bought with n+1
  redundancy (so it carries the buy-versus-rent comparison), rented, and hybrid.
"""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path

import pytest
import yaml

import procure
from solver.catalog import Catalog
from tests.fixtures.cloud import mini_cloud_catalog
from tests.fixtures.problems import FLEET_BATCH, mini_catalog
from tests.fixtures.procurement import procurement_catalog

TINY = Path(__file__).parents[1] / "whatif" / "tiny.yaml"
FLEET_SESSIONS = 20


@functools.lru_cache(maxsize=1)
def fleet_catalog() -> Catalog:
    """The mini catalog's servers, the purchase-order items and the cloud price list."""
    return dataclasses.replace(mini_cloud_catalog(), fabric=procurement_catalog().fabric)


def fleet_problem(redundancy: str = "none") -> dict:
    """Llama-3.1-8B chat at 4 sessions per replica (tests/fixtures/problems.py's chat fleet);
    the hybrid part rents from provider 'test' only, so its instances are the 2× RTX 4090 ones."""
    return {
        "name": "fleet",
        "description": "a chat fleet for the report tests",
        "workloads": [{"name": "chat", "model": "llama-3.1-8b", "context_tokens": 4096, "output_tokens": 256, "demand": {"sessions": FLEET_SESSIONS}, "redundancy": redundancy}],
        "limits": {"site": "both", "allow_geforce_in_rack_room": True},
        "assumptions": {"max_batch_per_replica": FLEET_BATCH},
        "rent": {"excluded_providers": ["other"], "base_fraction": 0.5},
    }


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


def _fleet_folder(tmp_path_factory, objective: str, redundancy: str = "none") -> Path:
    root = tmp_path_factory.mktemp(f"fleet-{objective}")
    problem = root / "fleet.yaml"
    problem.write_text(yaml.safe_dump(fleet_problem(redundancy), sort_keys=False))
    procure.solve(problem, fleet_catalog(), objective=objective, out=root / "out")
    return root / "out"


@pytest.fixture(scope="session")
def bought_folder(tmp_path_factory) -> Path:
    """Bought, n+1 across servers; plan.json carries economics and rent (a comparison)."""
    return _fleet_folder(tmp_path_factory, "cost", redundancy="n+1")


@pytest.fixture(scope="session")
def rented_folder(tmp_path_factory) -> Path:
    return _fleet_folder(tmp_path_factory, "rent")


@pytest.fixture(scope="session")
def hybrid_folder(tmp_path_factory) -> Path:
    return _fleet_folder(tmp_path_factory, "hybrid")
