"""The engine support matrix (catalogs/engines.yaml): which weight and KV formats each inference
engine runs on which hardware architecture, and whether it splits models there, with the
documents that say so.

Reading rule (conservative, for purchases): a format runs where the engine's documentation says
so, or where a merged change shows it. Formats the documentation table explicitly rules out
(`docs_table_says_no`) do not count even when code suggests they work; `unverified` and
`not_supported` formats never count. A parallelism flag counts only when it is `true`.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, model_validator

from solver.specs.common import StrictModel
from solver.specs.hardware import Architecture
from solver.specs.measurement import Engine

Flag = bool | Literal["unverified", "partial"]


class EngineRunsOn(StrictModel):
    runs: bool
    tp: Flag = False
    ep: Flag = False
    via: str = Field(default="", description="Plugin or build the engine needs there.")
    requires: str = Field(default="", description="Hardware feature the engine needs there.")
    notes: str = ""


class EngineSupport(StrictModel):
    architectures: tuple[Architecture, ...] = Field(min_length=1)
    weight_formats: tuple[str, ...] = Field(description="Weight formats (solver.estimator.formats) the engine runs on these architectures.")
    kv_formats: tuple[str, ...] = Field(description="KV-cache precisions it runs there.")
    docs_table_says_no: tuple[str, ...] = Field(default=(), description="Listed in weight_formats from code or pull requests, but the documentation table says no: not counted.")
    caveats: dict[str, str] = Field(default_factory=dict)
    unverified: dict[str, str] = Field(default_factory=dict, description="Not counted: no document or merged change shows support.")
    not_supported: dict[str, str] = Field(default_factory=dict)
    requires: str = ""
    source: str = Field(min_length=5, description="The table or page that shows this support, with its version.")
    notes: str = ""

    def counted_weight_formats(self) -> tuple[str, ...]:
        return tuple(f for f in self.weight_formats if f not in self.docs_table_says_no)


class EngineSpec(StrictModel):
    id: Engine
    name: str
    version: str = Field(description="Engine version whose documentation the rows describe.")
    source: str = Field(min_length=5)
    as_of: dt.date
    runs_on: dict[Architecture, EngineRunsOn]
    support: tuple[EngineSupport, ...] = Field(min_length=1)
    notes: str = ""

    def runs(self, architecture: str, weight_format: str, kv_format: str | None) -> bool:
        where = self.runs_on.get(architecture)  # type: ignore[call-overload]
        if where is None or not where.runs:
            return False
        return any(
            architecture in row.architectures and weight_format in row.counted_weight_formats() and (kv_format is None or kv_format in row.kv_formats)
            for row in self.support
        )

    def splits(self, architecture: str, how: Literal["tp", "ep"]) -> bool:
        """Whether the engine runs tensor (tp) or expert (ep) parallelism on this architecture."""
        where = self.runs_on.get(architecture)  # type: ignore[call-overload]
        return where is not None and getattr(where, how) is True


class EngineMatrix(StrictModel):
    as_of: dt.date
    policy: str = Field(description="How support was read from the sources.")
    architectures: dict[Architecture, dict[str, object]] = Field(default_factory=dict, description="Which catalog GPUs each architecture covers (informative).")
    default_engines: dict[Literal["gpu", "unified-memory", "cpu"], tuple[Engine, ...]] = Field(
        description="Engines tried, in order, when a problem names none, by device kind.",
    )
    engines: tuple[EngineSpec, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _known_defaults(self) -> "EngineMatrix":
        ids = [engine.id for engine in self.engines]
        if len(set(ids)) != len(ids):
            raise ValueError("engine ids must be unique")
        for kind, order in self.default_engines.items():
            missing = [engine for engine in order if engine not in ids]
            if missing:
                raise ValueError(f"default_engines.{kind} names engines without a matrix entry: {', '.join(missing)}")
        return self

    def engine(self, engine_id: str) -> EngineSpec:
        return next(engine for engine in self.engines if engine.id == engine_id)
