"""Fields every catalog entry carries: a lowercase id, aliases, and where its facts come from."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, field_validator

from solver.specs.fields import Line, Paragraph

ID_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"
MAX_ID_CHARS = 100


class StrictModel(BaseModel):
    """Unknown keys are errors, so a misspelt field is reported instead of silently ignored.
    Floats must be finite: inf and nan would poison every sum and bound downstream."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class CatalogEntry(StrictModel):
    id: str = Field(pattern=ID_PATTERN, max_length=MAX_ID_CHARS, description="Lowercase id, e.g. 'h100-sxm' or 'llama-3.1-70b'.")
    name: Line = Field(description="Human-readable name.")
    aliases: tuple[Line, ...] = Field(default=(), description="Other names that resolve to this id (case-insensitive).")
    source: Paragraph = Field(min_length=3, description="Where the facts come from (datasheet, config.json, paper); several separated by ';'.")
    as_of: dt.date = Field(description="Date the source was read or published.")
    notes: Paragraph = Field(default="", description="Caveats, conflicts between sources, derivations.")

    @field_validator("aliases")
    @classmethod
    def _lowercase_aliases(cls, aliases: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(alias.lower() for alias in aliases)
