"""User text printed to a terminal: controls escaped, no markup."""

from __future__ import annotations

from solver.report.tables import print_renderable
from solver.report.terminal_text import escape_controls, escape_lines, user_text


def test_escapes_terminal_controls_line_breaks_and_bidi_overrides():
    assert escape_controls("lab\x1b[2J20") == "lab\\x1b[2J20"
    assert escape_controls("a\nerror: forged") == "a\\nerror: forged"
    assert escape_controls("x\r\t\x07\x7f\x9b") == "x\\r\\t\\x07\\x7f\\x9b"
    assert escape_controls("abc\u202edef\u2028") == "abc\\u202edef\\u2028"


def test_ordinary_text_is_unchanged():
    for text in ("lab20", "Qwen2.5 72B (AWQ) — 4-bit", "naïve 東京 [draft]", "a b\u00a0c"):
        assert escape_controls(text) == text


def test_escape_lines_keeps_real_line_breaks():
    assert escape_lines("error: bad\x1b]0;x\x07\n  To fix: y") == "error: bad\\x1b]0;x\\x07\n  To fix: y"


def test_user_text_is_not_markup(capsys):
    print_renderable(user_text("[/][bold]name\x1b[31m"))
    assert capsys.readouterr().out == "[/][bold]name\\x1b[31m\n"
