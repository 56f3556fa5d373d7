"""Shared field types: lowercase choices, printable text and USD amounts (with their JSON Schema)."""

from __future__ import annotations

from typing import Annotated, Literal

import pytest
from pydantic import BaseModel, ValidationError

from solver.specs.fields import Line, Lowercase, Paragraph, usd


class Example(BaseModel):
    choice: Annotated[Literal["cost", "power"], Lowercase] = "cost"
    name: Line = "x"
    text: Paragraph = ""
    budget: usd(gt=0, le=1e12) | None = None


def test_lowercase_strips_and_lowercases():
    assert Example(choice=" POWER ").choice == "power"


@pytest.mark.parametrize("name", ["a\x1bb", "a\nb", "a\u2028b", "a\tb"])
def test_line_refuses_control_characters(name):
    with pytest.raises(ValidationError, match="control character"):
        Example(name=name)


def test_paragraph_keeps_newlines_and_tabs():
    assert Example(text="a\n\tb").text == "a\n\tb"
    with pytest.raises(ValidationError, match="newlines and tabs are fine"):
        Example(text="a\x1b[2J")


def test_usd_reads_text_and_refuses_booleans():
    assert Example(budget="300k").budget == 300_000
    with pytest.raises(ValidationError, match="boolean"):
        Example(budget=True)


def test_usd_json_schema_accepts_a_number_or_text():
    schema = Example.model_json_schema()["properties"]["budget"]
    assert {"type": "number", "exclusiveMinimum": 0, "maximum": 1e12} in schema["anyOf"]
    assert any(option.get("type") == "string" for option in schema["anyOf"])
