"""Dominated node configurations: which copies of a GPU the model leaves out, and which it keeps."""

from __future__ import annotations

from dataclasses import replace

from solver.catalog import load_catalog
from solver.model.data import build_data
from solver.model.solve import solve
from solver.options.configs import NodeConfig
from solver.options.dominance import Drive, dominated_configs
from solver.options.generate import DeploymentOption
from tests.fixtures.problems import interactive, make_problem, settings

CATALOG = load_catalog(include_user=False)
DRIVE = Drive(megabytes=15_360_000, price_usd=2_700, power_w=25, most_needed_mb=2_000_000)


def config(node: str, gpu: str, population: int = 0, owned: int = 0, **node_fields) -> NodeConfig:
    spec = CATALOG.nodes[node]
    if node_fields:
        spec = spec.model_copy(update=node_fields)
    return NodeConfig(spec, CATALOG.gpus[gpu], owned=owned, purchasable=True, population=population)


def option(key: str, tp: int = 1, pp: int = 1, sessions: int = 8) -> DeploymentOption:
    return DeploymentOption(
        workload="w", config_key=key, gpu="g", tp=tp, pp=pp, dp=1, zero_stage=0, ep=1, nodes=0, gpus=tp * pp,
        mig_profile=None, slices_per_gpu=0, sessions=sessions, serves=sessions, memory_per_gpu_bytes=1,
        usable_bytes_per_gpu=2, decode_tokens_per_s=10.0, ttft_s=None, training_hours=None,
    )


def same_options(*configs: NodeConfig) -> dict[str, list[DeploymentOption]]:
    return {c.key: [option(c.key), option(c.key, tp=2)] for c in configs}


def test_a_dearer_copy_of_the_same_server_is_left_out() -> None:
    hgx, dgx = config("hgx-h100-8", "h100-sxm"), config("dgx-h100", "h100-sxm")
    assert dgx.price_usd > hgx.price_usd and dgx.power_w == hgx.power_w
    assert dominated_configs([hgx, dgx], same_options(hgx, dgx), {}, DRIVE) == {dgx.key: hgx.key}


def test_storage_the_cheaper_server_lacks_counts_when_checkpoints_need_it() -> None:
    # The DGX holds 30.72 TB of NVMe, the HGX server 15.36 TB. When the checkpoints could need
    # more than the HGX holds, it needs a drive the DGX does not: 25 W more, so no dominance.
    hgx, dgx = config("hgx-h100-8", "h100-sxm"), config("dgx-h100", "h100-sxm")
    big = replace(DRIVE, most_needed_mb=20_000_000)
    assert dominated_configs([hgx, dgx], same_options(hgx, dgx), {}, big) == {}
    # With a drive that draws nothing, price decides: $315,000 + $2,700 ≤ $325,000.
    assert dominated_configs([hgx, dgx], same_options(hgx, dgx), {}, replace(big, power_w=0)) == {dgx.key: hgx.key}


def test_a_half_filled_big_chassis_gives_way_to_a_full_small_one() -> None:
    small, half = config("pcie-4gpu", "l40s"), config("pcie-8gpu", "l40s", population=4)
    assert small.gpu_count == half.gpu_count == 4
    assert dominated_configs([small, half], same_options(small, half), {}, DRIVE) == {half.key: small.key}


def test_an_option_only_one_configuration_has_keeps_it() -> None:
    hgx, dgx = config("hgx-h100-8", "h100-sxm"), config("dgx-h100", "h100-sxm")
    options = same_options(hgx, dgx)
    options[dgx.key].append(option(dgx.key, tp=4, sessions=40))
    assert dominated_configs([hgx, dgx], options, {}, DRIVE) == {}


def test_other_gpus_counts_and_owned_servers_are_never_compared() -> None:
    h100, h200 = config("hgx-h100-8", "h100-sxm"), config("dgx-h100", "h200-sxm")
    assert dominated_configs([h100, h200], same_options(h100, h200), {}, DRIVE) == {}
    four, eight = config("hgx-h100-4", "h100-sxm"), config("hgx-h100-8", "h100-sxm")
    assert dominated_configs([four, eight], same_options(four, eight), {}, DRIVE) == {}
    hgx, owned_dgx = config("hgx-h100-8", "h100-sxm"), config("dgx-h100", "h100-sxm", owned=2)
    assert dominated_configs([hgx, owned_dgx], same_options(hgx, owned_dgx), {}, DRIVE) == {}


def test_equal_configurations_keep_the_first_key_either_way_round() -> None:
    first = config("hgx-h100-8", "h100-sxm")
    second = config("hgx-h100-8", "h100-sxm", id="zz-copy")
    for order in ([first, second], [second, first]):
        assert dominated_configs(order, same_options(first, second), {}, DRIVE) == {second.key: first.key}


def test_a_chain_resolves_to_the_configuration_kept() -> None:
    best, middle, worst = (config("hgx-h100-8", "h100-sxm", base_price_usd=price, id=f"n{price}") for price in (70_000, 80_000, 90_000))
    dominated = dominated_configs([worst, middle, best], same_options(best, middle, worst), {}, DRIVE)
    assert dominated == {middle.key: best.key, worst.key: best.key}


def test_leaving_dominated_configurations_out_keeps_the_optimum() -> None:
    # DGX next to HGX, 4-card next to half-filled 8-card PCIe servers: the optimum over the full
    # configuration set (prune=False) equals the one over what dominance keeps.
    problem = make_problem(
        interactive("chat", "llama-3.1-70b", 12, precision="fp8"), interactive("code", "qwen2.5-32b", 5),
        allowed_gpus=["h100-sxm", "l40s"], allowed_node_types=["hgx-h100-8", "dgx-h100", "pcie-4gpu", "pcie-8gpu"],
    )
    kept, full = build_data(problem, CATALOG), build_data(problem, CATALOG, prune=False)
    assert {"dgx-h100/h100-sxm", "pcie-8gpu[4]/l40s"} <= set(kept.dominated)
    assert len(kept.configs) < len(full.configs)
    assert solve(kept, settings()).capex_usd == solve(full, settings()).capex_usd
