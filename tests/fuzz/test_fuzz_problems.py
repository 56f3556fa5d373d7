"""Mutated problem files: the mini-catalog seeds go through `procure solve` (validation, then a
solve of at most a few seconds when the mutant is still valid); the bundled problems
(problems/*.yaml, on the full catalog) through the loader only, as `solve` stops there for
invalid files."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from solver.catalog import load_catalog
from solver.problem_io import load_problem
from tests.fixtures.problems import REPO
from tests.fuzz.harness import SOLVER_SECONDS, TALLY, case_count, fuzz_seed, run_cli, run_library, violations
from tests.fuzz.mutate import mutate_document

SOLVE_SEEDS = sorted((REPO / "tests" / "fuzz" / "seeds").glob("*.yaml")) + [REPO / "tests" / "whatif" / "tiny.yaml"]
LOAD_SEEDS = sorted((REPO / "problems").glob("*.yaml"))
FULL_CATALOG = REPO / "catalogs"


@pytest.mark.parametrize("index", range(case_count("problem")))
def test_fuzz_problem(index: int, mini_procure: Path) -> None:
    rng = random.Random(f"{fuzz_seed()}:problem:{index}")
    solve = rng.random() < 0.5
    seed = rng.choice(SOLVE_SEEDS if solve else LOAD_SEEDS)
    mutant = mutate_document(seed.read_text(encoding="utf-8"), "yaml", rng)
    path = mini_procure / f"{seed.stem}-{index}.yaml"
    path.write_bytes(mutant.data)
    if solve:
        answer = run_cli(["--no-user-catalog", "solve", str(path), "--time-limit", SOLVER_SECONDS])
    else:
        answer = run_library(lambda: load_problem(path, load_catalog(include_user=False, bundled_dir=FULL_CATALOG)))
    case = f"problem[{index}] {mutant.kind} of {seed.name}"
    TALLY.record("problem", mutant.kind, answer, case)
    broken = violations(answer, [path])
    assert not broken, f"{case} ({path}): {broken}\n{answer.output[-3000:]}"
