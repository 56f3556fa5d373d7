"""SIGTERM as an interrupt, and interrupts held back across critical steps."""

from __future__ import annotations

import os
import signal

import pytest

from solver.interrupt import Interrupted, interrupts_deferred, terminated_as_interrupt


def test_sigterm_raises_interrupted_inside_and_is_restored_after():
    with pytest.raises(Interrupted):
        with terminated_as_interrupt():
            os.kill(os.getpid(), signal.SIGTERM)
            signal.sigtimedwait([], 0.5)  # give the handler a bytecode boundary
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_an_installed_sigterm_handler_is_left_alone():
    def mine(signum, frame):
        pass

    previous = signal.signal(signal.SIGTERM, mine)
    try:
        with terminated_as_interrupt():
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
