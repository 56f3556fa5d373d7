"""Ctrl-C, SIGTERM and concurrent runs against real procure processes (tests/fixtures/interrupts.py).

A signal at a random (seeded) moment must end the run with exit code 130 (0 when it had
finished first) and leave the output folder absent, as it was, or holding one whole run's
outputs; two runs into one folder must not interleave. The stress version of the same checks:
``python -m tests.fixtures.interrupts --runs 120``.
"""

from __future__ import annotations

import random

import pytest

from tests.fixtures.interrupts import one_run


@pytest.mark.parametrize("kind,seed", [("solve", 11), ("keep-best", 13), ("whatif", 14), ("montecarlo", 15)])
def test_timed_interrupt(kind, seed, tmp_path):
    outcomes = one_run(kind, random.Random(seed), tmp_path, latest_signal_s=5.0).outcomes
    assert not [outcome for outcome in outcomes if "FAIL" in outcome], outcomes


def test_two_concurrent_solves_into_one_folder(tmp_path):
    outcomes = one_run("concurrent", random.Random(21), tmp_path, latest_signal_s=5.0).outcomes
    assert not [outcome for outcome in outcomes if "FAIL" in outcome], outcomes
    assert any("refused: another run is writing" in outcome or "(0)" in outcome for outcome in outcomes), outcomes
