"""Published LLM training runs and throughput benchmarks (catalogs/training_runs.yaml), the data
the training-budget MFU is calibrated on (solver.estimator.training_mfu).

Three kinds of row:
- ``run``: a whole published training run, GPU-hours and tokens as published. Its MFU is the
  whole-run average, downtime, restarts and checkpointing included: what a budget pays for.
- ``steady-state``: a production run's throughput during a stable phase (no downtime).
- ``benchmark``: a vendor's short throughput benchmark on synthetic data: an upper bound.
Only ``run`` rows calibrate budgets; the others are shown beside them as bounds.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from solver.specs.common import CatalogEntry, StrictModel
from solver.specs.fields import Line, Lowercase, Paragraph

RunKind = Literal["run", "steady-state", "benchmark"]
TrainingPrecision = Literal["bf16", "fp8"]

MAX_PARAMS = 1e14
MAX_TOKENS = 1e15
MAX_GPU_HOURS = 1e10


class TrainingRun(CatalogEntry):
    kind: Annotated[RunKind, Lowercase] = Field(description="run (whole published run: GPU-hours), steady-state (a production run's stable throughput) or benchmark (a short vendor benchmark).")
    model: Line = Field(description="procure model id when the catalog has the model, else its Hugging Face id or a description.")
    params_active: float = Field(gt=0, le=MAX_PARAMS, description="Parameters used per token (all of a dense model; active of a mixture of experts), as published.")
    params_total: float | None = Field(default=None, gt=0, le=MAX_PARAMS)
    gpu: Line = Field(description="GPU id from gpus.yaml.")
    gpus: int | None = Field(default=None, ge=1, le=10_000_000, description="GPUs the run used (largest stage).")
    precision: Annotated[TrainingPrecision, Lowercase] = Field(description="Arithmetic of the matrix multiplications: bf16, or fp8 (FP8 mixed precision).")
    tokens: float | None = Field(default=None, gt=0, le=MAX_TOKENS, description="Training tokens (run rows).")
    gpu_hours: float | None = Field(default=None, gt=0, le=MAX_GPU_HOURS, description="GPU-hours of the run as published (run rows).")
    tokens_per_s_per_gpu: float | None = Field(default=None, gt=0, le=1e9, description="Throughput per GPU (steady-state and benchmark rows).")
    seq_len: int | None = Field(default=None, ge=1, le=10_000_000)
    wall_clock_days: float | None = Field(default=None, gt=0, le=10_000)
    published_mfu: Line = Field(default="", description="MFU as the publisher states it, with its definition (their basis may differ from procure's).")
    cost_usd: float | None = Field(default=None, gt=0, le=1e12, description="Cost as published.")
    cost_assumption: Paragraph = Field(default="", description="What the published cost counts.")
    confidence: Annotated[str, Field(pattern=r"^\[[A-Z0-9/ ]+\]$", max_length=20)] = Field(description="Confidence tag: [V], [R], [3P], [D], [U] or a combination.")

    @model_validator(mode="after")
    def _kind_fields(self) -> "TrainingRun":
        if self.kind == "run" and (self.tokens is None or self.gpu_hours is None):
            raise ValueError("a run row needs tokens and gpu_hours")
        if self.kind != "run" and self.tokens_per_s_per_gpu is None:
            raise ValueError(f"a {self.kind} row needs tokens_per_s_per_gpu")
        return self


class TrainingRunsFile(StrictModel):
    """training_runs.yaml: published training runs and benchmarks."""

    runs: tuple[TrainingRun, ...] = Field(default=(), description="Published training runs and throughput benchmarks.")
    not_found: tuple[Paragraph, ...] = Field(default=(), description="What was looked for and not found (informational).")

    @model_validator(mode="after")
    def _unique_ids(self) -> "TrainingRunsFile":
        seen: set[str] = set()
        for run in self.runs:
            if run.id in seen:
                raise ValueError(f"run ids must be unique; repeated: {run.id}")
            seen.add(run.id)
        return self
