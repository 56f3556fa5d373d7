"""Speeds as a buyer should read them: the model's central estimate, the band published
measurements of similar deployments fell in, and the value a plan counts on at a stated
confidence (solver.estimator.bands)."""

from __future__ import annotations

from dataclasses import dataclass

from solver.estimator.bands import Setting, decode_band, prefill_band
from solver.estimator.classes import speed_keys
from solver.estimator.deployment import Deployment
from solver.estimator.speed import Device, decode_speed, prefill_seconds
from solver.estimator.work import StepWork
from solver.specs.engines import EngineMatrix
from solver.specs.model import ModelSpec
from solver.specs.performance import SpeedModelFile


@dataclass(frozen=True)
class Performance:
    """What speed estimates need beyond the model and the device: the fitted speed model, the
    engine support matrix, and the engines the user runs (None: the matrix's defaults)."""

    speed_model: SpeedModelFile
    engines: EngineMatrix
    preferred_engines: tuple[str, ...] | None = None


@dataclass(frozen=True)
class DecodeEstimate:
    engine: str
    central: float
    """Tokens/s per sequence, central estimate."""
    low: float
    high: float
    """The band: 10th and 90th percentile of held-out measured/predicted ratios applied to the estimate."""
    planning: float
    """What a plan counts on: slower than this in only 1 − confidence of comparable measurements."""
    confidence: float
    band_group: str
    bound: str
    """What dominates the step: memory, compute, latency or communication."""
    step_seconds: float


@dataclass(frozen=True)
class TtftEstimate:
    central: float
    """Seconds to the first token, central estimate."""
    low: float
    high: float
    planning: float
    """A time to first token exceeded in only 1 − confidence of comparable measurements."""
    band_group: str


def calibration_gap(speed_model: SpeedModelFile, engine: str, device: Device, precision: str) -> str | None:
    """Why no published measurement vouches for speeds of `engine` on this device class and
    format (None when the fit saw this hardware class, engine backend and format family)."""
    keys = speed_keys(engine, device.gpu, precision, device.link)
    c = speed_model.coefficients
    hardware_class, platform = keys.hardware[1], keys.platform[0]
    if hardware_class not in c.memory_efficiency:
        return f"no published measurement covers {hardware_class} hardware ({device.gpu.id})"
    if platform not in c.layer_latency_us:
        return f"no published measurement covers {engine} on {platform.split('/')[1]} ({device.gpu.id})"
    if keys.format is not None and keys.format[1] not in c.weight_read_factor:
        return f"no published measurement covers {precision} weights"
    return None


def _setting(model: ModelSpec, deployment: Deployment, device: Device) -> Setting:
    return Setting(model, deployment.precision, device.gpu, deployment.batch, device.link)


def estimate_decode(model: ModelSpec, deployment: Deployment, device: Device, engine: str, speed_model: SpeedModelFile, confidence: float, *, inter_node_stages: bool = False, work: StepWork | None = None) -> DecodeEstimate:
    """`work`: the deployment's decode work when the caller already has it (see decode_speed)."""
    speed = decode_speed(model, deployment, device, engine, speed_model.coefficients, inter_node_stages=inter_node_stages, work=work)
    central = speed.tokens_per_s_per_sequence
    band = decode_band(speed_model, _setting(model, deployment, device), confidence)
    return DecodeEstimate(
        engine=engine,
        central=central,
        low=central * band.low_ratio,
        high=central * band.high_ratio,
        planning=central * band.planning_ratio,
        confidence=confidence,
        band_group=band.group,
        bound=speed.bound,
        step_seconds=speed.step_seconds,
    )


def estimate_ttft(model: ModelSpec, deployment: Deployment, device: Device, prompt_tokens: int, engine: str, speed_model: SpeedModelFile, confidence: float, *, inter_node_stages: bool = False) -> TtftEstimate:
    """The band is of prefill speed, so a slow ratio lengthens the time: time = central / ratio."""
    central = prefill_seconds(model, deployment, device, prompt_tokens, engine, speed_model.coefficients, inter_node_stages=inter_node_stages)
    band = prefill_band(speed_model, _setting(model, deployment, device), confidence)
    return TtftEstimate(central=central, low=central / band.high_ratio, high=central / band.low_ratio, planning=central / band.planning_ratio, band_group=band.group)
