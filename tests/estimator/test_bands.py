"""Speed bands: the group a deployment falls in, and the band of the most pessimistic group."""

from __future__ import annotations

from solver.catalog import load_catalog
from solver.estimator import bands
from solver.estimator.bands import Setting, band, groups_of

CATALOG = load_catalog(include_user=False)
SPEED_MODEL = CATALOG.speed_model


def _setting(model: str = "llama-3.1-8b", precision: str = "bf16", gpu: str = "h100-sxm", batch: int = 1, link: str = "scaleup") -> Setting:
    return Setting(CATALOG.model(model), precision, CATALOG.gpu(gpu), batch, link)


def test_groups() -> None:
    assert groups_of(_setting()) == ("core",)
    assert groups_of(_setting(model="mixtral-8x7b", precision="awq", gpu="mi300x", batch=8, link="pcie")) == ("moe", "4-bit", "amd", "batched", "pcie")


def test_band_is_the_most_pessimistic_group_and_remembered() -> None:
    assert SPEED_MODEL is not None
    setting = _setting(model="mixtral-8x7b", precision="awq", batch=16)
    bands._CHOSEN.clear()
    first = band(SPEED_MODEL.decode_bands, setting, 0.9)
    eligible = [g for g in groups_of(setting) if g in SPEED_MODEL.decode_bands and SPEED_MODEL.decode_bands[g].rows >= bands.MIN_BAND_ROWS] or ["all"]
    assert first.planning_ratio == min(SPEED_MODEL.decode_bands[g].ratio(1 - 0.9) for g in eligible)
    assert band(SPEED_MODEL.decode_bands, setting, 0.9) is first
    # Another table with the same groups is not answered from the first table's entry.
    other = {name: SPEED_MODEL.prefill_bands[name] for name in SPEED_MODEL.prefill_bands}
    assert band(other, setting, 0.9) == band(SPEED_MODEL.prefill_bands, setting, 0.9)


def test_planning_ratio_rises_only_where_batched_replaces_a_more_pessimistic_core() -> None:
    assert SPEED_MODEL is not None
    assert bands.planning_ratio_never_rises(SPEED_MODEL, _setting(), 0.9)
    optimistic = SPEED_MODEL.decode_bands["batched"].model_copy(update={"quantiles": {"0.0": 0.99, "1.0": 0.99}})
    refit = SPEED_MODEL.model_copy(update={"decode_bands": {**SPEED_MODEL.decode_bands, "batched": optimistic}})
    assert not bands.planning_ratio_never_rises(refit, _setting(), 0.9)
    # A MoE deployment keeps its 'moe' band at every batch: 'batched' can only join it.
    assert bands.planning_ratio_never_rises(refit, _setting(model="mixtral-8x7b"), 0.9)
