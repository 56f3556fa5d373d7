"""Fields every catalog entry carries: a lowercase id, aliases, and where its facts come from."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, field_validator

ID_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"


class StrictModel(BaseModel):
    """Unknown keys are errors, so a misspelt field is reported instead of silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class CatalogEntry(StrictModel):
    id: str = Field(pattern=ID_PATTERN, description="Lowercase id, e.g. 'h100-sxm' or 'llama-3.1-70b'.")
    name: str = Field(description="Human-readable name.")
    aliases: tuple[str, ...] = Field(default=(), description="Other names that resolve to this id (case-insensitive).")
    source: str = Field(min_length=3, description="Where the facts come from (datasheet, config.json, paper); several separated by ';'.")
    as_of: dt.date = Field(description="Date the source was read or published.")
    notes: str = Field(default="", description="Caveats, conflicts between sources, derivations.")

    @field_validator("aliases")
    @classmethod
    def _lowercase_aliases(cls, aliases: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(alias.lower() for alias in aliases)
