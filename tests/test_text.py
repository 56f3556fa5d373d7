"""Terminal-safe text: which characters count as unprintable, and how they are shown."""

from __future__ import annotations

import pytest

from solver.text import escape_unprintable, unprintable_character


@pytest.mark.parametrize("char", ["\x1b", "\r", "\x00", "\x07", "\x7f", "\x9b", "\u2028", "\u2029", "\u202e", "\u2066", "\ud800"])
def test_control_layout_and_surrogate_characters_are_unprintable(char):
    assert unprintable_character(f"a{char}b") == char


@pytest.mark.parametrize("text", ["plain", "Ünïcödé ✓ 日本語", "emoji 👍🏽", "tab-free"])
def test_ordinary_text_is_printable(text):
    assert unprintable_character(text) is None


def test_allowed_characters_are_kept():
    assert unprintable_character("a\nb\tc", allow="\n\t") is None
    assert unprintable_character("a\nb", allow="\t") == "\n"


def test_escape_unprintable_shows_codes():
    assert escape_unprintable("\x1b[2Jx\u202ey") == "\\x1b[2Jx\\u202ey"
    assert escape_unprintable("keep\nthis") == "keep\nthis"
    assert escape_unprintable("same") == "same"
