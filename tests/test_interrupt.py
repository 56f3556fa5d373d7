"""SIGTERM as an interrupt, and interrupts held back across critical steps."""

from __future__ import annotations

import os
import signal

import pytest

from solver.interrupt import Interrupted, interrupts_deferred, interrupts_raised


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signals_raise_interrupted_inside_are_remembered_and_restored_after(signum):
    before = signal.getsignal(signum)
    with pytest.raises(Interrupted):
        with interrupts_raised() as handler:
            os.kill(os.getpid(), signum)
            signal.sigtimedwait([], 0.5)  # give the handler a bytecode boundary
    assert handler.received == [signum]
    assert signal.getsignal(signum) is before


def test_an_installed_sigterm_handler_is_left_alone():
    def mine(signum, frame):
        pass

    previous = signal.signal(signal.SIGTERM, mine)
    try:
        with interrupts_raised():
            assert signal.getsignal(signal.SIGTERM) is mine
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_deferred_interrupt_arrives_on_leaving():
    steps = []
    with pytest.raises(KeyboardInterrupt):
        with interrupts_deferred():
            os.kill(os.getpid(), signal.SIGINT)
            steps.append("finished the critical step")
    assert steps == ["finished the critical step"]
