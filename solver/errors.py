"""User-facing errors. The CLI prints ``err.render()`` and exits with ``err.exit_code``; no traceback.

- ``InputError`` (exit 2): a file is malformed, a name is unknown, a value is impossible.
- ``InfeasibleError`` (exit 1): the inputs are valid but no purchase satisfies them; carries the
  explanation lines the solver produced.
- ``InternalError`` (exit 3): procure broke one of its own invariants (a bug, not the input).

The other exit codes are the CLI's: 0 success, 3 also for any unexpected exception, 130 interrupted.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

from solver.text import escape_unprintable

# How many valid names an UnknownNameError hint lists before summarising the rest.
_HINT_LIMIT = 12


class ProcureError(Exception):
    """An error meant for the user: a message, optionally a hint saying how to fix it."""

    exit_code: int = 2

    def __init__(self, message: str, *, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message

    def render(self) -> str:
        """``error: <message>`` (continuation lines indented) and ``To fix: <hint>`` when there is one.

        Messages quote input (keys, names, values): control characters in them are shown
        escaped, so a hostile file cannot rewrite the terminal through an error message.
        """
        text = _first_and_indented("error: ", self.message)
        if self.hint:
            text += "\n" + _first_and_indented("  To fix: ", self.hint)
        return text


class InputError(ProcureError):
    """A malformed file, an unknown name or an impossible value."""


class UnknownNameError(InputError):
    """A name that matches no catalog id or alias; suggests the closest ones."""

    _LIST_COMMANDS = {
        "gpu": "procure catalog gpus",
        "node": "procure catalog nodes",
        "model": "procure catalog models",
        "fabric item": "procure catalog fabric",
    }

    def __init__(
        self,
        kind: str,
        name: str,
        valid: Iterable[str],
        *,
        suggestions: Sequence[str] | None = None,
        hint: str | None = None,
    ):
        self.kind = kind
        self.name = name
        self.valid = sorted(set(valid))
        self.suggestions = list(suggestions) if suggestions is not None else did_you_mean(name, self.valid)
        message = f"unknown {kind} {shown(name)}"
        if self.suggestions:
            message += " — did you mean " + ", ".join(repr(s) for s in self.suggestions) + "?"
        super().__init__(message, hint=hint or self._default_hint())

    def _default_hint(self) -> str:
        if not self.valid:
            return f"no {self.kind} is defined; add one to a catalog file"
        shown = ", ".join(self.valid[:_HINT_LIMIT])
        if len(self.valid) > _HINT_LIMIT:
            shown += f", … ({len(self.valid) - _HINT_LIMIT} more)"
        hint = f"use one of: {shown}"
        command = self._LIST_COMMANDS.get(self.kind.lower())
        if command:
            hint += f" (`{command}` lists them all)"
        return hint


class InfeasibleError(ProcureError):
    """Valid inputs that no purchase satisfies; ``explanation`` lists why (one reason per line)."""

    exit_code = 1

    def __init__(self, message: str, *, explanation: Iterable[str] = (), hint: str | None = None):
        super().__init__(message, hint=hint)
        self.explanation: tuple[str, ...] = tuple(explanation)

    def render(self) -> str:
        text = _first_and_indented("error: ", self.message)
        text += "".join("\n" + _first_and_indented("  - ", line) for line in self.explanation)
        if self.hint:
            text += "\n" + _first_and_indented("  To fix: ", self.hint)
        return text


def _first_and_indented(prefix: str, text: str) -> str:
    """``prefix`` + the first line of ``text``, further lines indented by two spaces, every line
    with its unprintable characters escaped (splitlines also splits at \r and \x1c-\x1e, so
    no line break survives except the ones added here)."""
    lines = [escape_unprintable(line, allow="") for line in text.splitlines()] or [""]
    return prefix + lines[0] + "".join(f"\n  {line}" for line in lines[1:])


def shown(value: object, limit: int = 80) -> str:
    """``repr(value)``, cut to ``limit`` characters: messages quote input, which may be huge."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
class InternalError(ProcureError):
    """A bug in procure detected by procure itself (e.g. the independent checker rejecting a plan)."""

    exit_code = 3


REPORT_BUG = "this is a bug in procure: please report it with the command line and its input files"


def did_you_mean(name: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    """Up to ``n`` candidates close to ``name`` (case-insensitive), best first.

    Candidates that start with the name (or that the name starts with) come first, then those
    containing it, then difflib's close matches: 'h100' suggests 'h100-sxm' and 'h100-pcie',
    'memroy' suggests 'memory'.
    """
    unique = list(dict.fromkeys(candidates))
    # Nothing far longer than every candidate is a typo of one (and difflib is quadratic).
    if n <= 0 or not unique or len(name) > 2 * max(len(c) for c in unique) + 10:
        return []
    needle = name.strip().lower()
    lowered = {candidate: candidate.lower() for candidate in unique}

    def ratio(candidate: str) -> float:
        return difflib.SequenceMatcher(None, needle, lowered[candidate]).ratio()

    exact = [c for c in unique if lowered[c] == needle]
    prefix: list[str] = []
    contains: list[str] = []
    if len(needle) >= 2:
        for candidate in unique:
            low = lowered[candidate]
            if low == needle:
                continue
            if low.startswith(needle) or (len(low) >= 2 and needle.startswith(low)):
                prefix.append(candidate)
            elif needle in low:
                contains.append(candidate)
    prefix.sort(key=lambda c: (-ratio(c), c))
    contains.sort(key=lambda c: (-ratio(c), c))
    close_lowered = difflib.get_close_matches(needle, list(lowered.values()), n=max(n, 5), cutoff=0.6)
    by_lowered: dict[str, str] = {}
    for candidate, low in lowered.items():
        by_lowered.setdefault(low, candidate)
    close = [by_lowered[low] for low in close_lowered]
    ordered = list(dict.fromkeys(exact + prefix + contains + close))
    return ordered[:n]
