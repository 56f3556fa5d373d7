"""The fitted speed model (catalogs/speed_model.yaml): coefficients, where they came from, and
the calibration residuals that turn a central estimate into a band.

Coefficient tables are keyed by class, most specific first, and every table carries a
`default`: the fitted value shared by classes without a measurement of their own (see
solver.estimator.classes for the keys). The file is written by `procure calibrate --refit
--write`; nothing here is set by hand.
"""

from __future__ import annotations

import datetime as dt

from pydantic import Field, model_validator

from solver.specs.common import StrictModel

Table = dict[str, float]


class SpeedCoefficients(StrictModel):
    memory_efficiency: Table = Field(description="Achieved share of peak memory bandwidth streaming 16-bit weights in decode, by hardware class.")
    decode_compute_efficiency: Table = Field(description="Achieved share of peak dense throughput in decode matmuls (batched GEMMs), by hardware class.")
    prefill_compute_efficiency: Table = Field(description="Achieved share of peak dense throughput in prefill, by hardware class.")
    weight_read_factor: Table = Field(description="Time to stream a byte of weights in this format relative to 16-bit kernels (dequantising kernels are slower), by format family.")
    weight_reuse_tokens: Table = Field(description="Tokens a quantised kernel multiplies per read of a weight tile; beyond that it re-reads weights (llama.cpp's quantised matmuls, W4A16 kernels), by format family.")
    dequant_compute_factor: Table = Field(description="Extra matmul cost of weight-only formats when compute-bound (dequantisation in the inner loop), by format family.")
    expert_read_factor: Table = Field(description="Time to stream a byte of routed-expert weights relative to dense weights (fused/grouped MoE kernels), by platform.")
    kv_read_factor: Table = Field(description="Time to read a byte of KV cache relative to streaming weights (paged attention kernels), by platform.")
    layer_latency_us: Table = Field(description="Fixed time per decoder layer per forward pass (kernel launches and small kernels), microseconds, by platform.")
    moe_layer_latency_us: Table = Field(description="Extra fixed time per MoE layer per forward pass (gating, top-k, dispatch), microseconds, by platform.")
    prefill_layer_latency_us: Table = Field(description="Fixed time per decoder layer of a prefill pass, microseconds, by platform: prefill runs without CUDA graphs in most engines, so every kernel pays its launch.")
    step_latency_us: Table = Field(description="Fixed time per step outside the layers (scheduling, sampling, graph launch), microseconds, by platform.")
    sequence_latency_us: Table = Field(description="Time per sequence per decode step (per-sequence scheduling, sampling, detokenising), microseconds, by platform.")
    collective_latency_us: Table = Field(description="Fixed time of one all-reduce or all-to-all step, microseconds, by link (scaleup, pcie).")
    link_efficiency: Table = Field(description="Achieved share of link bandwidth in collectives, by link.")

    @model_validator(mode="after")
    def _defaults_present(self) -> "SpeedCoefficients":
        for name in type(self).model_fields:
            table = getattr(self, name)
            if "default" not in table:
                raise ValueError(f"{name} needs a 'default' entry")
            bad = [key for key, value in table.items() if not value > 0 or value != value or value == float("inf")]
            if bad:
                raise ValueError(f"{name}: values must be positive and finite ({', '.join(bad)})")
        return self


class ResidualBand(StrictModel):
    """Spread of measured/predicted over calibration rows (held-out predictions)."""

    rows: int = Field(ge=1)
    quantiles: dict[str, float] = Field(description="Quantile (e.g. '0.1') → measured/predicted speed ratio at that quantile.")

    def ratio(self, quantile: float) -> float:
        """measured/predicted at `quantile`, interpolated linearly between stored quantiles."""
        points = sorted((float(key), value) for key, value in self.quantiles.items())
        if quantile <= points[0][0]:
            return points[0][1]
        for (q0, r0), (q1, r1) in zip(points, points[1:]):
            if quantile <= q1:
                return r0 + (r1 - r0) * (quantile - q0) / (q1 - q0)
        return points[-1][1]


class SpeedModelFile(StrictModel):
    fitted_on: dt.date
    measurement_rows: int = Field(ge=1)
    measurements_sha256: str = Field(min_length=64, max_length=64)
    method: str
    script: str = Field(description="Command that reproduces this file.")
    coefficients: SpeedCoefficients
    decode_bands: dict[str, ResidualBand] = Field(description="Residual bands of decode speed by calibration group ('all' for every row).")
    prefill_bands: dict[str, ResidualBand] = Field(description="Residual bands of prefill speed (time to first token) by group.")
    fit_error: dict[str, float] = Field(default_factory=dict, description="Headline errors of the fit (median and p90 absolute error, in-sample and leave-one-source-out).")

    @model_validator(mode="after")
    def _all_band(self) -> "SpeedModelFile":
        if "all" not in self.decode_bands or "all" not in self.prefill_bands:
            raise ValueError("decode_bands and prefill_bands need an 'all' entry")
        return self
