"""Text that came from the user (names, descriptions, paths, catalog fields), made safe to print.

A problem name holding ``ESC [2J`` would clear the screen, one holding a newline could forge a
line of output, and right-to-left overrides can make text read differently from what it is.
Every such character is shown as a visible escape instead (``\\x1b``, ``\\n``, ``\\u202e``).
For rich renderables, user text also goes in as ``Text``, so square brackets are never read
as markup (``[/]`` would otherwise be a markup error).
"""

from __future__ import annotations

import unicodedata

from rich.text import Text

# Invisible characters that reorder the text around them (bidirectional overrides and isolates).
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escaped(char: str) -> str:
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _unsafe(char: str) -> bool:
    # Cc: C0 and C1 controls and DEL; Zl/Zp: line and paragraph separators.
    return unicodedata.category(char) in ("Cc", "Zl", "Zp") or char in _BIDI_CONTROLS


def escape_controls(text: object) -> str:
    """``str(text)`` with every control, line-separator and bidi-override character escaped."""
    value = str(text)
    if value.isprintable():
        return value  # fast path: isprintable() is False for every character escaped below
    return "".join(_escaped(char) if _unsafe(char) else char for char in value)


def escape_lines(text: str) -> str:
    """Multi-line text (an error message) with each line escaped and the line breaks kept."""
    return "\n".join(escape_controls(line) for line in text.split("\n"))


def user_text(text: object, style: str = "") -> Text:
    """User text as a rich ``Text``: controls escaped, brackets literal."""
    return Text(escape_controls(text), style=style)


__all__ = ["escape_controls", "escape_lines", "user_text"]
