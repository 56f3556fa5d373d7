"""Interrupts: Ctrl-C (SIGINT) and SIGTERM end a run cleanly, and only at safe points.

Python turns SIGINT into KeyboardInterrupt wherever the program is; ``interrupts_raised``
does the same for SIGTERM while a command runs, so ``finally`` blocks (temporary folders,
locks) run for both, and remembers the signal for errors it causes indirectly. A CP-SAT search is the exception: ``solver.model.search`` stops it and
reports the interrupt instead, so the caller decides what happens to the best plan so far.
``interrupts_deferred`` holds both signals back across steps that must not be cut in half
(putting an output folder in place, deleting a staging folder).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import TypeVar

T = TypeVar("T")

INTERRUPT_SIGNALS = (signal.SIGINT, signal.SIGTERM)
POLL_SECONDS = 0.05
"""How often ``run_stoppably`` looks for a recorded signal while the work runs."""


class Interrupted(KeyboardInterrupt):
    """The run was interrupted (SIGINT or SIGTERM); the CLI exits 130 and writes nothing."""


class RaisingHandler:
    """SIGINT/SIGTERM handler that raises ``Interrupted`` and remembers that it did.

    The memory matters because an interrupt can surface as another exception: Ctrl-C during
    the import of a compiled module becomes ``ImportError: initialization failed``.
    """

    def __init__(self) -> None:
        self.received: list[int] = []

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.received.append(signum)
        raise Interrupted(signal.Signals(signum).name)


@contextmanager
def interrupts_raised() -> Iterator[RaisingHandler]:
    """While inside, SIGINT and SIGTERM raise ``Interrupted`` (a KeyboardInterrupt), so
    ``finally`` blocks run for both: SIGTERM's default would end the process on the spot,
    leaving temporary folders behind. A signal that is ignored, or whose handler someone else
    installed, is left alone."""
    handler = RaisingHandler()
    if threading.current_thread() is not threading.main_thread():
        yield handler
        return
    defaults = {signal.SIGINT: signal.default_int_handler, signal.SIGTERM: signal.SIG_DFL}
    previous = {}
    try:
        for signum, default in defaults.items():
            if signal.getsignal(signum) is default:
                previous[signum] = signal.signal(signum, handler)
        yield handler
    finally:
        for signum, before in previous.items():
            signal.signal(signum, before)


class SignalRecorder:
    """A signal handler that only notes which signals arrived."""

    def __init__(self) -> None:
        self.received: list[int] = []

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.received.append(signum)


@contextmanager
def interrupts_recorded() -> Iterator[SignalRecorder]:
    """Inside, SIGINT and SIGTERM only get recorded, when their handler would raise.

    Only signals with a Python handler (Python's SIGINT default, ``interrupts_raised``'s)
    are taken over: an ignored signal stays ignored and a default-action SIGTERM
    still ends the process. Handlers are swapped rather than the signals blocked because a
    process-directed signal goes to any thread that does not block it (CP-SAT's, rich's), and
    Python runs every handler in the main thread anyway. Outside the main thread: a no-op.
    """
    recorder = SignalRecorder()
    if threading.current_thread() is not threading.main_thread():
        yield recorder
        return
    previous = {}
    try:
        for signum in INTERRUPT_SIGNALS:
            if callable(signal.getsignal(signum)):
                previous[signum] = signal.signal(signum, recorder)
        yield recorder
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back inside; one that arrived meanwhile is acted on when leaving."""
    with interrupts_recorded() as recorder:
        yield
    for signum in dict.fromkeys(recorder.received):
        signal.raise_signal(signum)


def run_stoppably(work: Callable[[], T], stop: Callable[[], None], name: str) -> tuple[T, bool]:
    """``work()`` (a solver's search, in native code), and whether SIGINT or SIGTERM arrived
    meanwhile. From the main thread the work runs in a helper thread named `name` while the
    signals are only recorded (a handler that raised could unwind while the search still runs);
    each poll after one arrived calls ``stop()`` — repeatedly, since a stop that lands before the
    search has started is lost. Elsewhere the work runs in place and cannot be interrupted here."""
    if threading.current_thread() is not threading.main_thread():
        return work(), False
    finished = threading.Event()
    outcome: list[T] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            outcome.append(work())
        except BaseException as error:  # handed to the calling thread below
            failure.append(error)
        finally:
            finished.set()

    with interrupts_recorded() as recorder:
        threading.Thread(target=run, name=name, daemon=True).start()
        while not finished.wait(POLL_SECONDS):
            if recorder.received:
                stop()
    if failure:
        raise failure[0]
    return outcome[0], bool(recorder.received)


def ignore_interrupts() -> None:
    """SIGINT and SIGTERM are ignored from now on (a process whose work is done)."""
    for signum in INTERRUPT_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)


__all__ = ["INTERRUPT_SIGNALS", "POLL_SECONDS", "Interrupted", "RaisingHandler", "SignalRecorder", "ignore_interrupts", "interrupts_deferred", "interrupts_raised", "interrupts_recorded", "run_stoppably"]
