"""Fuzz fixtures: the mini catalog as the bundled one, a private user catalog, and a summary of
what the run saw (cases, mutation kinds, exit codes, time) at the end of the session."""

from __future__ import annotations

import json
import os

import pytest

from tests.fixtures.problems import MINI_DIR
from tests.fuzz.harness import TALLY


@pytest.fixture
def mini_procure(tmp_path, monkeypatch):
    """`procure` on the mini catalog, with a user catalog of its own."""
    monkeypatch.setenv("PROCURE_HOME", str(tmp_path / "home"))
    monkeypatch.setattr("solver.catalog.loader.bundled_catalog_dir", lambda: MINI_DIR)
    return tmp_path


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # noqa: ARG001 - pytest's signature
    if not TALLY.cases:
        return
    write = terminalreporter.write_line
    terminalreporter.section("fuzz summary")
    write(f"cases: {sum(TALLY.cases.values())} ({', '.join(f'{k} {v}' for k, v in sorted(TALLY.cases.items()))}); "
          f"{TALLY.seconds:.1f} s in cases; slowest {TALLY.slowest[0]:.2f} s ({TALLY.slowest[1]})")
    for input_type in sorted(TALLY.cases):
        kinds = ", ".join(f"{kind} {n}" for (t, kind), n in sorted(TALLY.kinds.items()) if t == input_type)
        exits = ", ".join(f"exit {code}: {n}" for (t, code), n in sorted(TALLY.exits.items()) if t == input_type)
        write(f"{input_type}: {exits} | {kinds}")
    report = os.environ.get("PROCURE_FUZZ_REPORT")
    if report:
        with open(report, "w", encoding="utf-8") as handle:
            json.dump({
                "cases": dict(TALLY.cases),
                "kinds": {f"{t}/{k}": n for (t, k), n in TALLY.kinds.items()},
                "exits": {f"{t}/{c}": n for (t, c), n in TALLY.exits.items()},
                "seconds": round(TALLY.seconds, 1),
                "slowest": list(TALLY.slowest),
            }, handle, indent=2)
