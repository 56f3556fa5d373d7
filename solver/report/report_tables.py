"""Plain tables for the HTML report: headings, formatted cells and which columns are numbers.

``keyed_table`` builds one from plan.json rows whose keys the report does not know in advance
(sections another part of procure adds), formatting each cell by its key.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from solver.report.report_format import by_key, humanize


@dataclass(frozen=True)
class Table:
    columns: list[str]
    rows: list[list[str]]
    numeric: list[bool] = field(default_factory=list)
    """Per column: right-aligned (numbers); empty means none."""
    footer: list[str] | None = None
    """A closing row (totals), styled apart."""

    def is_numeric(self, column: int) -> bool:
        return column < len(self.numeric) and self.numeric[column]


def keyed_table(rows: Sequence[Mapping[str, Any]], *, first: Iterable[str] = ()) -> Table:
    """Columns in the order keys first appear (``first`` leading), cells formatted by key."""
    keys: dict[str, None] = dict.fromkeys(first)
    for row in rows:
        keys.update(dict.fromkeys(row))
    columns = list(keys)
    numeric = [any(isinstance(row.get(key), (int, float)) and not isinstance(row.get(key), bool) for row in rows) for key in columns]
    return Table([humanize(key) for key in columns], [[by_key(key, row.get(key)) for key in columns] for row in rows], numeric)


__all__ = ["Table", "keyed_table"]
