"""Field types shared by the schemas: case-insensitive words, printable text, USD amounts.

- ``Lowercase``: choices and format names compare case-insensitively ('FP8' is 'fp8'), as
  catalog names already do; the value is stored lowercased.
- ``Line`` / ``Paragraph``: text that is printed back (problem names, descriptions, scenario
  names) may not hold control characters, so nothing a file says can clear the terminal,
  move the cursor or forge an extra output line. A paragraph may hold newlines and tabs.
- ``usd``: a dollar amount written as a number or as text ('300k', '1.5m', '$2,500,000'),
  read by ``solver.money.parse_usd``.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, WithJsonSchema

from solver.money import parse_usd
from solver.text import unprintable_character

MAX_LINE_CHARS = 200
MAX_PARAGRAPH_CHARS = 10_000


def _lowercase(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


Lowercase = BeforeValidator(_lowercase)
"""Annotate a ``Literal`` or ``str`` field with it to accept any letter case."""


def _printable(allow: str) -> Any:
    def check(text: str) -> str:
        char = unprintable_character(text, allow=allow)
        if char is not None:
            name = unicodedata.name(char, "")
            shown = f"U+{ord(char):04X}" + (f" ({name.lower()})" if name else "")
            kept = " (newlines and tabs are fine)" if allow else ""
            raise ValueError(f"contains the control character {shown}; use printable text{kept}")
        return text

    return AfterValidator(check)


Line = Annotated[str, Field(max_length=MAX_LINE_CHARS), _printable("")]
"""One line of printable text (names)."""

Paragraph = Annotated[str, Field(max_length=MAX_PARAGRAPH_CHARS), _printable("\n\t")]
"""Free text that may span lines (descriptions, notes)."""


def _usd(value: Any) -> Any:
    # Numbers pass through to pydantic's own checks (bounds, finiteness); text is parsed here,
    # and so are booleans, which parse_usd refuses (pydantic would read `true` as 1.0).
    return parse_usd(value) if isinstance(value, (str, bool)) else value


def usd(*, gt: float | None = None, ge: float | None = None, le: float) -> Any:
    """A USD amount field type within the bounds; the JSON Schema accepts a number or text."""
    number: dict[str, Any] = {"type": "number", "maximum": le}
    if gt is not None:
        number["exclusiveMinimum"] = gt
    if ge is not None:
        number["minimum"] = ge
    text = {"type": "string", "description": "an amount such as '300k', '1.5m' or '$2,500,000'"}
    return Annotated[
        float,
        BeforeValidator(_usd),
        Field(gt=gt, ge=ge, le=le),
        WithJsonSchema({"anyOf": [number, text]}),
    ]


__all__ = ["Line", "Lowercase", "MAX_LINE_CHARS", "MAX_PARAGRAPH_CHARS", "Paragraph", "usd"]
