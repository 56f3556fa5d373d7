"""Node configurations from the limits (configs.py): GPU family names stand for every variant."""

from __future__ import annotations

from solver.catalog import load_catalog
from solver.options.configs import family_expansions, gpu_names, node_configs
from tests.fixtures.problems import interactive, make_problem

CATALOG = load_catalog(include_user=False)


def test_a_family_name_allows_every_variant() -> None:
    assert gpu_names(CATALOG, ["a100"]) == {"a100-40gb-sxm", "a100-80gb-sxm", "a100-40gb-pcie", "a100-80gb-pcie"}
    assert gpu_names(CATALOG, ["h100-sxm", "h200"]) == {"h100-sxm", "h200-sxm", "h200-nvl"}
    # A100s are bought on the used market only: the problem opts in to see every variant.
    limits = make_problem(interactive("w", "llama-3.1-8b", 1), allowed_gpus=["a100"], excluded_gpus=["h100"], allow_end_of_life=True).limits
    assert {c.gpu.id for c in node_configs(CATALOG, limits)} == {"a100-40gb-sxm", "a100-80gb-sxm", "a100-40gb-pcie", "a100-80gb-pcie"}
    assert family_expansions(CATALOG, limits) == [
        "limits.allowed_gpus: a100 → a100-40gb-pcie, a100-40gb-sxm, a100-80gb-pcie, a100-80gb-sxm",
        "limits.excluded_gpus: h100 → h100-nvl, h100-pcie, h100-sxm",
    ]


def test_ids_and_aliases_still_name_one_gpu() -> None:
    assert gpu_names(CATALOG, ["h100-sxm5", "rtx4090"]) == {"h100-sxm", "rtx-4090"}
