"""Text that is safe to print on a terminal.

Input files end up in output: names in tables, values and keys in error messages. A control
character (ESC, CR, backspace), a line or paragraph separator or a bidirectional override in
such text could clear the screen, move the cursor or forge an output line; these functions
find such characters and show them escaped instead.
"""

from __future__ import annotations

import unicodedata

# Characters that move the cursor or reorder text without being control characters (Cc):
# line and paragraph separators and the bidirectional embeddings, overrides and isolates.
LAYOUT_CHARACTERS = frozenset("\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def is_unprintable(char: str) -> bool:
    """Control characters, lone surrogates and layout characters (see the module docstring)."""
    return unicodedata.category(char) in ("Cc", "Cs") or char in LAYOUT_CHARACTERS


def unprintable_character(text: str, *, allow: str = "") -> str | None:
    """The first character of ``text`` that could rewrite a terminal (other than ``allow``), else None."""
    for char in text:
        if char not in allow and is_unprintable(char):
            return char
    return None


def escape_unprintable(text: str, *, allow: str = "\n") -> str:
    """``text`` with every unprintable character except ``allow`` written as ``\\xNN``/``\\uNNNN``."""
    if unprintable_character(text, allow=allow) is None:
        return text
    return "".join(char if char in allow or not is_unprintable(char) else _escaped(char) for char in text)


def _escaped(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


__all__ = ["LAYOUT_CHARACTERS", "escape_unprintable", "is_unprintable", "unprintable_character"]
