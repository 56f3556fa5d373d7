"""Plain tables for the HTML report: headings, formatted cells, which columns are numbers, a
closing row and per-row classes."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Table:
    columns: list[str]
    rows: list[list[str]]
    numeric: list[bool] = field(default_factory=list)
    """Per column: right-aligned (numbers); empty means none."""
    footer: list[str] | None = None
    """A closing row (totals), styled apart."""
    row_classes: list[str] = field(default_factory=list)
    """Per row: a CSS class (``sub`` for a line that is part of the one above); empty means none."""

    def is_numeric(self, column: int) -> bool:
        return column < len(self.numeric) and self.numeric[column]

    def row_class(self, row: int) -> str:
        return self.row_classes[row] if row < len(self.row_classes) else ""


__all__ = ["Table"]
