"""Published speed measurements the performance model is fitted to and judged against.

One row is one published figure set: an engine at a version, on some hardware, serving one
model at one precision, split and concurrency, with the lengths it was measured at. The rows
are data (catalogs/measurements.yaml); nothing in code depends on any particular row.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, model_validator

from solver.specs.common import ID_PATTERN, StrictModel

Engine = Literal["vllm", "sglang", "tensorrt-llm", "llama.cpp", "mlx"]
ENGINES: tuple[str, ...] = ("vllm", "sglang", "tensorrt-llm", "llama.cpp", "mlx")
Link = Literal["scaleup", "pcie", "none"]


class Measurement(StrictModel):
    id: str = Field(pattern=ID_PATTERN, description="Unique row id, e.g. 'vllm-h100-llama8b-bf16-b1'.")
    source: str = Field(min_length=5, description="Title of the page, paper, issue or thread the figures come from.")
    url: str | None = Field(default=None, description="Where the source can be read.")
    published: dt.date = Field(description="Date the source was published (or the post/comment holding the figure).")
    engine: Engine
    engine_version: str = Field(min_length=1, description="Engine version or build as the source states it ('0.6.3', 'b4525'); 'unstated' when it does not.")
    hardware: str = Field(description="GPU catalog id of the device measured (catalogs/gpus.yaml).")
    link: Link = Field(default="none", description="What carries tensor/expert-parallel traffic: 'scaleup' (NVLink, Infinity Fabric), 'pcie', or 'none' for one device.")
    model: str = Field(description="Model catalog id (catalogs/models.yaml).")
    precision: str = Field(description="Weight format (solver.estimator.formats).")
    kv_precision: str = Field(default="bf16", description="KV-cache precision.")
    tp: int = Field(default=1, ge=1)
    pp: int = Field(default=1, ge=1)
    ep: int = Field(default=1, ge=1)
    batch: int = Field(ge=1, description="Sequences decoding at once (static batch, or the concurrency of a serving benchmark).")
    input_tokens: int = Field(ge=1, description="Prompt tokens per sequence.")
    output_tokens: int = Field(ge=1, description="Generated tokens per sequence.")
    static_batch: bool = Field(default=False, description="True when all sequences start together and decode with no new prompts arriving (llama-bench, a fixed-batch latency benchmark); false for serving benchmarks, where new prompts keep arriving.")
    includes_prefill: bool = Field(default=False, description="True when output_tokens_per_s is output over the whole request or batch, prompt processing included (and no per-token latency is given).")
    decode_tokens_per_s_per_sequence: float | None = Field(default=None, gt=0, description="Decode speed one sequence sees: 1/TPOT, 1/ITL, or llama-bench tg at batch 1.")
    output_tokens_per_s: float | None = Field(default=None, gt=0, description="Output tokens per second over all sequences (aggregate decode throughput).")
    ttft_s: float | None = Field(default=None, gt=0, description="Time to first token for one prompt of input_tokens, seconds (median where given).")
    prefill_tokens_per_s: float | None = Field(default=None, gt=0, description="Prompt tokens processed per second (llama-bench pp).")
    notes: str = Field(default="", description="How the figures were read or derived from the source.")
    excluded: str | None = Field(default=None, description="Why the row is kept for reference but left out of the fit and the error statistics (one of the rules in the file header).")

    @model_validator(mode="after")
    def _some_figure(self) -> "Measurement":
        figures = (self.decode_tokens_per_s_per_sequence, self.output_tokens_per_s, self.ttft_s, self.prefill_tokens_per_s)
        if all(figure is None for figure in figures):
            raise ValueError("give at least one measured figure: decode_tokens_per_s_per_sequence, output_tokens_per_s, ttft_s or prefill_tokens_per_s")
        if self.ep > 1 and self.ep % self.tp:
            raise ValueError("ep must be a multiple of tp")
        if (self.tp > 1 or self.ep > 1 or self.pp > 1) and self.link == "none":
            raise ValueError("a multi-device measurement needs link: scaleup or pcie")
        return self

    @property
    def devices(self) -> int:
        return (self.ep if self.ep > 1 else self.tp) * self.pp

    @property
    def decode_speed(self) -> float | None:
        """Per-sequence decode speed: as given, else the aggregate output rate over the batch."""
        if self.decode_tokens_per_s_per_sequence is not None:
            return self.decode_tokens_per_s_per_sequence
        if self.output_tokens_per_s is not None:
            return self.output_tokens_per_s / self.batch
        return None


class MeasurementFile(StrictModel):
    """catalogs/measurements.yaml: published speed measurements."""

    measurements: tuple[Measurement, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> "MeasurementFile":
        ids = [m.id for m in self.measurements]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"measurement ids must be unique; repeated: {', '.join(repeated)}")
        return self
