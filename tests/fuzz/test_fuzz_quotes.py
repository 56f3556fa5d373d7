"""Mutated vendor quote CSVs, applied to the tiny what-if problem through `procure solve --prices`."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tests.fixtures.problems import REPO
from tests.fuzz.harness import SOLVER_SECONDS, TALLY, case_count, fuzz_seed, run_cli, violations
from tests.fuzz.mutate import mutate_csv

SEEDS = sorted((REPO / "tests" / "fuzz" / "seeds").glob("quotes-*.csv"))
PROBLEM = REPO / "tests" / "whatif" / "tiny.yaml"


@pytest.mark.parametrize("index", range(case_count("quotes")))
def test_fuzz_quotes(index: int, mini_procure: Path) -> None:
    rng = random.Random(f"{fuzz_seed()}:quotes:{index}")
    seed = rng.choice(SEEDS)
    mutant = mutate_csv(seed.read_text(encoding="utf-8"), rng)
    path = mini_procure / f"{seed.stem}-{index}.csv"
    path.write_bytes(mutant.data)
    answer = run_cli(["--no-user-catalog", "solve", str(PROBLEM), "--prices", str(path), "--time-limit", SOLVER_SECONDS])
    case = f"quotes[{index}] {mutant.kind} of {seed.name}"
    TALLY.record("quotes", mutant.kind, answer, case)
    broken = violations(answer, [path])
    assert not broken, f"{case} ({path}): {broken}\n{answer.output[-3000:]}"
