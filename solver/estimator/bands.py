"""Error bands: how far published measurements fell from the model's central estimate, by group,
and the speed a plan can count on at a stated confidence.

Groups are the slices of the measurement set whose errors `procure calibrate` reports and whose
held-out residuals (measured / predicted) give a deployment in that group its band. A deployment
in several groups takes the most pessimistic one; a group with fewer than MIN_BAND_ROWS residuals
lends its rows to 'all' instead of a band of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from solver.estimator.classes import format_family
from solver.specs.hardware import GpuSpec
from solver.specs.model import ModelSpec
from solver.specs.performance import ResidualBand, SpeedModelFile

MIN_BAND_ROWS = 8
GROUP_NAMES = ("core", "moe", "4-bit", "amd", "apple-cpu", "batched", "pcie")
BATCHED_FROM = 8
"""Sequences per step from which a measurement counts as batched."""


@dataclass(frozen=True)
class Setting:
    """What decides which groups a measurement or a deployment belongs to."""

    model: ModelSpec
    precision: str
    gpu: GpuSpec
    batch: int
    link: str


def groups_of(setting: Setting) -> tuple[str, ...]:
    """Every group `setting` belongs to; 'core' is dense NVIDIA 16/8-bit, unbatched, no PCIe TP."""
    found = []
    if setting.model.moe is not None:
        found.append("moe")
    if format_family(setting.precision) in ("w4a16", "gguf-q4"):
        found.append("4-bit")
    if setting.gpu.vendor == "amd" and setting.gpu.kind == "gpu":
        found.append("amd")
    if setting.gpu.kind in ("unified-memory", "cpu"):
        found.append("apple-cpu")
    if setting.batch >= BATCHED_FROM:
        found.append("batched")
    if setting.link == "pcie":
        found.append("pcie")
    return tuple(found) or ("core",)


@dataclass(frozen=True)
class Band:
    group: str
    low_ratio: float
    """measured/predicted at the low quantile (slower than the estimate when < 1)."""
    high_ratio: float
    planning_ratio: float
    """measured/predicted at 1 − confidence: the speed a plan counts on is estimate × this."""
    confidence: float


BAND_LOW, BAND_HIGH = 0.1, 0.9
"""The band printed next to a speed: the middle 80% of held-out measured/predicted ratios."""


_CHOSEN: dict[tuple[int, tuple[str, ...], float], tuple[dict[str, ResidualBand], Band]] = {}
"""band() by (bands table, groups, confidence): a band depends on nothing else, and option
generation asks for it once per speed estimate, tens of thousands of times per problem. The
table is keyed by identity and kept alive in the value, so its id cannot be reused while the
entry exists."""
CHOSEN_ENTRIES = 512


def band(bands: dict[str, ResidualBand], setting: Setting, confidence: float) -> Band:
    """The band of the most pessimistic group `setting` falls in (at the planning quantile)."""
    groups = groups_of(setting)
    key = (id(bands), groups, confidence)
    cached = _CHOSEN.get(key)
    if cached is not None and cached[0] is bands:
        return cached[1]
    candidates = [name for name in groups if name in bands and bands[name].rows >= MIN_BAND_ROWS] or ["all"]
    chosen = min(candidates, key=lambda name: (bands[name].ratio(1 - confidence), name))
    residuals = bands[chosen]
    found = Band(chosen, residuals.ratio(BAND_LOW), residuals.ratio(BAND_HIGH), residuals.ratio(1 - confidence), confidence)
    if len(_CHOSEN) >= CHOSEN_ENTRIES:
        _CHOSEN.clear()
    _CHOSEN[key] = (bands, found)
    return found


def planning_ratio_never_rises(speed_model: SpeedModelFile, setting: Setting, confidence: float) -> bool:
    """Whether a deployment's planning decode ratio is no higher at any batch than at a smaller
    one (`setting.batch` aside). The batch changes its groups only at BATCHED_FROM (groups_of),
    so the ratios just below and at it settle the question: with the bundled fit the ratio never
    rises, but 'batched' replaces 'core' there rather than joining it, so a refit could make it."""
    below = decode_band(speed_model, replace(setting, batch=BATCHED_FROM - 1), confidence).planning_ratio
    return decode_band(speed_model, replace(setting, batch=BATCHED_FROM), confidence).planning_ratio <= below


def decode_band(speed_model: SpeedModelFile, setting: Setting, confidence: float) -> Band:
    return band(speed_model.decode_bands, setting, confidence)


def prefill_band(speed_model: SpeedModelFile, setting: Setting, confidence: float) -> Band:
    return band(speed_model.prefill_bands, setting, confidence)
