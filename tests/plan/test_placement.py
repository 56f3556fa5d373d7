"""Placement on concrete GPUs (solver/plan/placement.py) and the bill of materials (solver/plan/bom.py)."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from solver.model.data import build_data
from solver.plan.bom import CATEGORY_ORDER, Purchases, bom_lines
from solver.plan.placement import PlacementError, ServerSlots, place_config
from tests.fixtures.problems import L40S, PCIE_4, PCIE_8, interactive, make_problem, mini_catalog


@pytest.fixture(scope="module")
def pcie8():
    """Options and configuration of an 8×H100 PCIe server (NVLink bridges join pairs)."""
    problem = make_problem(interactive("w", "llama-3.1-8b", 1), allowed_gpus=["h100-pcie"], allowed_node_types=["pcie-8gpu"])
    data = build_data(problem, mini_catalog())
    (config,) = data.configs
    option = next(o for o in data.options if not o.mig_profile)
    return config, option


def servers(config, count: int, fabric: int = 0) -> list[ServerSlots]:
    return [ServerSlots(id=f"s{i}", config=config, owned=False, fabric=i < fabric, rack=0) for i in range(count)]


def width_option(option, width: int, tp: int, name: str = "w"):
    return replace(option, workload=name, tp=tp, pp=width // tp, gpus=width, nodes=0, mig_profile=None)


def test_buddy_allocation_fills_every_gpu(pcie8):
    config, option = pcie8
    items = [(width_option(option, 4, 2, "a"), 1), (width_option(option, 2, 2, "b"), 3), (width_option(option, 1, 1, "c"), 6)]
    placed = place_config(servers(config, 2), items, {})
    used = [(p.placement[0][0], g) for p in placed for g in p.placement[0][1]]
    assert len(used) == len(set(used)) == 16
    for replica in placed:
        _, gpus, _ = replica.placement[0]
        assert gpus[0] % len(gpus) == 0 and gpus == list(range(gpus[0], gpus[0] + len(gpus)))
        for start in range(0, len(gpus), replica.option.tp):
            assert len({g // config.nvlink_domain for g in gpus[start : start + replica.option.tp]}) == 1


@pytest.mark.parametrize("seed", range(20))
def test_any_mix_of_widths_that_fits_is_placed(pcie8, seed):
    # The packing constraint's claim: Σ replicas·width ≤ servers·8 suffices for any mix of widths.
    config, option = pcie8
    rng = random.Random(seed)
    count = rng.randint(1, 3)
    capacity = 8 * count
    items, total = [], 0
    for width, tp in ((8, 2), (4, 2), (2, 2), (1, 1)):
        n = rng.randint(0, (capacity - total) // width)
        total += n * width
        if n:
            items.append((width_option(option, width, tp, f"w{width}"), n))
    mig = rng.randint(0, capacity - total)
    placed = place_config(servers(config, count), items, {"1g.10gb": mig} if mig else {})
    assert len(placed) == sum(n for _, n in items)
    used = [(p.placement[0][0], g) for p in placed for g in p.placement[0][1]]
    assert len(used) == len(set(used)) == total


def test_ten_thousand_replicas_are_placed_in_linear_time(pcie8):
    """Placement searched every server from the first for every replica: 10^6 sessions (4,000
    replicas on as many servers) spent most of a minute here."""
    import time

    config, option = pcie8
    started = time.perf_counter()
    placed = place_config(servers(config, 2_000), [(width_option(option, 2, 2, "a"), 4_000), (width_option(option, 1, 1, "b"), 8_000)], {})
    assert len(placed) == 12_000 and time.perf_counter() - started < 5
    assert placed[-1].placement[0][0] == "s1999"  # first fit still fills servers in order


def test_overfull_placement_is_an_error(pcie8):
    config, option = pcie8
    with pytest.raises(PlacementError):
        place_config(servers(config, 1), [(width_option(option, 4, 2), 3)], {})


def test_placement_without_servers_is_a_placement_error(pcie8):
    config, option = pcie8
    with pytest.raises(PlacementError):
        place_config([], [(width_option(option, 1, 1), 1)], {})


def test_multinode_replicas_take_whole_fabric_servers(pcie8):
    config, option = pcie8
    spanning = replace(option, nodes=2, gpus=16, tp=2, pp=8)
    pool = servers(config, 3, fabric=2)
    placed = place_config(pool, [(spanning, 1), (width_option(option, 8, 2), 1)], {})
    assert [(node, gpus) for node, gpus, _ in placed[0].placement] == [("s0", list(range(8))), ("s1", list(range(8)))]
    assert placed[1].placement[0][0] == "s2"
    with pytest.raises(PlacementError, match="fabric"):
        place_config(servers(config, 3, fabric=1), [(spanning, 1)], {})


def test_bom_has_one_configured_system_line_per_configuration():
    problem = make_problem(interactive("w", "llama-3.1-8b", 1), allowed_gpus=["l40s"])
    data = build_data(problem, mini_catalog())
    keys = sorted(c.key for c in data.configs)
    assert keys == ["pcie-4gpu/l40s", "pcie-8gpu/l40s"]
    lines = bom_lines(data, Purchases(bought={"pcie-4gpu/l40s": 1, "pcie-8gpu/l40s": 2}, fabric={}, drives=3, racks=1, pdus=2))
    assert [(line.line, line.parent, line.category, line.sku, line.quantity) for line in lines] == [
        (1, None, "system", "pcie-4gpu/l40s", 1),
        (2, 1, "chassis", "pcie-4gpu", 1),
        (3, 1, "gpu", "l40s", 4),
        (4, None, "system", "pcie-8gpu/l40s", 2),
        (5, 4, "chassis", "pcie-8gpu", 2),
        (6, 4, "gpu", "l40s", 16),
        (7, None, "storage", "nvme-7.68tb", 3),
        (8, None, "rack", "rack-42u", 1),
        (9, None, "pdu", "pdu-17kw", 2),
    ]
    # A system line is priced as chassis plus cards; its sub-lines add up to it.
    assert lines[0].unit_price_usd == PCIE_4 + 4 * L40S and lines[3].extended_price_usd == 2 * (PCIE_8 + 8 * L40S)
    for system in (lines[0], lines[3]):
        assert sum(line.extended_price_usd for line in lines if line.parent == system.line) == system.extended_price_usd
    assert all(line.extended_price_usd == line.quantity * line.unit_price_usd for line in lines)
    order = [CATEGORY_ORDER.index(line.category) for line in lines if line.parent is None]
    assert order == sorted(order)
    assert bom_lines(data, Purchases(bought={}, fabric={}, drives=0, racks=0, pdus=0)) == []
