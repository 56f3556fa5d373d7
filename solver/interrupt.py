"""Interrupts: Ctrl-C (SIGINT) and SIGTERM end a run cleanly, and only at safe points.

Python turns SIGINT into KeyboardInterrupt wherever the program is; ``terminated_as_interrupt``
does the same for SIGTERM while a command runs, so ``finally`` blocks (temporary folders,
locks) run for both. A CP-SAT search is the exception: ``solver.model.search`` stops it and
reports the interrupt instead, so the caller decides what happens to the best plan so far.
``interrupts_deferred`` holds both signals back across steps that must not be cut in half
(putting an output folder in place).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

INTERRUPT_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(KeyboardInterrupt):
    """The run was interrupted (SIGINT or SIGTERM); the CLI exits 130 and writes nothing."""


def _raise_interrupted(signum: int, frame: FrameType | None) -> None:
    raise Interrupted(signal.Signals(signum).name)


@contextmanager
def terminated_as_interrupt() -> Iterator[None]:
    """While inside, SIGTERM raises ``Interrupted`` like Ctrl-C raises KeyboardInterrupt (the
    default would end the process on the spot, leaving temporary folders behind). A SIGTERM
    handler someone else installed, or an ignored SIGTERM, is left alone."""
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        yield
        return
    signal.signal(signal.SIGTERM, _raise_interrupted)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


@contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Block SIGINT and SIGTERM inside; one that arrived meanwhile is delivered on leaving."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, INTERRUPT_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


__all__ = ["INTERRUPT_SIGNALS", "Interrupted", "interrupts_deferred", "terminated_as_interrupt"]
