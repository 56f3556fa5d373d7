"""Running one fuzz case: the CLI (or the library entry point) under a time bound, and the rules
every answer must keep.

Rules: the exit code is 0 (a plan, an answer), 1 (infeasible, or `fits` says no) or 2 (bad
input); nothing but SystemExit escapes (any other exception is a crash, whatever its type); no
traceback is printed; the answer comes within CASE_SECONDS (enforced with a timer signal);
and an exit-2 message names where the problem is — the input file with a line, or a field path.
"""

from __future__ import annotations

import os
import re
import signal
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

import cli
from solver.errors import ProcureError

CASE_SECONDS = 20
SOLVER_SECONDS = "5"
DEFAULT_CASES = 300
"""Cases per run across the three input types (PROCURE_FUZZ_CASES overrides; nightly: 1,200)."""
SHARES = {"problem": 0.5, "quotes": 0.25, "config": 0.25}

# A field path of the problem schema or of a config.json, as messages print them.
_FIELD_PATH = re.compile(r"(^|[\s:])(name|description|workloads|limits|objective|assumptions|scenarios)([.\[:]|$)|field '[^']+'")
# The one exit-2 answer that is about the solver, not the input: no plan within the time limit.
_SOLVER_TIMEOUT = "no plan found within"


def case_count(kind: str) -> int:
    total = int(os.environ.get("PROCURE_FUZZ_CASES", DEFAULT_CASES))
    return max(1, round(total * SHARES[kind]))


def fuzz_seed() -> str:
    return os.environ.get("PROCURE_FUZZ_SEED", "0")


class CaseTimeout(BaseException):
    """Raised by the timer inside a case that runs too long (BaseException: nothing catches it)."""


@contextmanager
def time_bound(seconds: float) -> Iterator[None]:
    def expire(signum: int, frame: Any) -> None:
        raise CaseTimeout(f"no answer within {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@dataclass
class Answer:
    exit_code: int
    output: str
    """stdout and stderr together."""
    error: str
    """The error message (stderr) for exit codes other than 0."""
    seconds: float
    crash: str | None = None
    """A traceback of an exception other than SystemExit, or the timeout."""


def run_cli(args: Sequence[str]) -> Answer:
    started = time.perf_counter()
    try:
        with time_bound(CASE_SECONDS):
            result: Result = CliRunner().invoke(cli.main, list(args))
    except CaseTimeout as timeout:
        return Answer(-1, "", "", time.perf_counter() - started, crash=str(timeout))
    crash = None
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        crash = "".join(traceback.format_exception(*result.exc_info)) if result.exc_info else repr(result.exception)
    return Answer(result.exit_code, result.output, result.stderr, time.perf_counter() - started, crash)


def run_library(call: Callable[[], Any]) -> Answer:
    """The library entry point as the CLI would report it: ProcureError → its exit code and message."""
    started = time.perf_counter()
    try:
        with time_bound(CASE_SECONDS):
            call()
    except CaseTimeout as timeout:
        return Answer(-1, "", "", time.perf_counter() - started, crash=str(timeout))
    except ProcureError as error:
        text = error.render()
        return Answer(error.exit_code, text, text, time.perf_counter() - started)
    except Exception:  # noqa: BLE001 - any other exception is exactly what the fuzzer looks for
        return Answer(-1, "", "", time.perf_counter() - started, crash=traceback.format_exc())
    return Answer(0, "", "", time.perf_counter() - started)


def violations(answer: Answer, files: Sequence[Path]) -> list[str]:
    """The rules ``answer`` breaks (empty: it keeps them all)."""
    if answer.crash is not None:
        return [f"crashed: {answer.crash}"]
    broken = []
    if answer.exit_code not in (0, 1, 2):
        broken.append(f"exit code {answer.exit_code}")
    if "Traceback" in answer.output:
        broken.append("printed a traceback")
    if answer.seconds > CASE_SECONDS:
        broken.append(f"took {answer.seconds:.1f} s")
    if answer.exit_code == 2 and not names_a_place(answer.error, files):
        broken.append("exit 2 without naming the file and a line, or a field path")
    return broken


def names_a_place(message: str, files: Sequence[Path]) -> bool:
    first = next((line for line in message.splitlines() if line.startswith("error:")), "")
    if not first:
        return False
    if _SOLVER_TIMEOUT in first:
        return True
    named_file = any(f"{path.name}:" in message for path in files)
    return named_file or bool(_FIELD_PATH.search(first))


# --------------------------------------------------------------------------------------------
# What the run saw (printed by tests/fuzz/conftest.py at the end of the session)


@dataclass
class Tally:
    cases: Counter = field(default_factory=Counter)
    kinds: Counter = field(default_factory=Counter)
    exits: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    slowest: tuple[float, str] = (0.0, "")

    def record(self, input_type: str, kind: str, answer: Answer, case_id: str) -> None:
        self.cases[input_type] += 1
        self.kinds[(input_type, kind)] += 1
        self.exits[(input_type, answer.exit_code)] += 1
        self.seconds += answer.seconds
        if answer.seconds > self.slowest[0]:
            self.slowest = (answer.seconds, case_id)


TALLY = Tally()
