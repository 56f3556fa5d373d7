"""Mutated Hugging Face config.json files through `procure models import`; after an import that
succeeds, later commands must still read the user catalog it wrote."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from tests.fixtures.problems import REPO
from tests.fuzz.harness import TALLY, case_count, fuzz_seed, run_cli, violations
from tests.fuzz.mutate import mutate_document

SEEDS = sorted((REPO / "tests" / "catalog" / "fixtures" / "hf").glob("*/config.json"))
MODEL_ID = "fuzz-model"


@pytest.mark.parametrize("index", range(case_count("config")))
def test_fuzz_config(index: int, mini_procure: Path) -> None:
    rng = random.Random(f"{fuzz_seed()}:config:{index}")
    seed = rng.choice(SEEDS)
    mutant = mutate_document(seed.read_text(encoding="utf-8"), "json", rng)
    folder = mini_procure / MODEL_ID
    folder.mkdir()
    path = folder / "config.json"
    path.write_bytes(mutant.data)
    case = f"config[{index}] {mutant.kind} of {seed.parent.name}"
    answer = run_cli(["models", "import", str(folder)])
    TALLY.record("config", mutant.kind, answer, case)
    broken = violations(answer, [path])
    assert not broken, f"{case} ({path}): {broken}\n{answer.output[-3000:]}"
    if answer.exit_code != 0:
        return
    # The import wrote the user catalog: every later command must read it.
    listed = run_cli(["models", "list", "--json"])
    assert listed.exit_code == 0 and not listed.crash, f"{case}: models list after import: {listed.output[-2000:]}"
    assert MODEL_ID in {row["id"] for row in json.loads(listed.output)}
    estimated = run_cli(["estimate", MODEL_ID, "--context", "512", "--json"])
    assert not violations(estimated, [path]) and estimated.exit_code in (0, 2), f"{case}: estimate after import: {estimated.output[-2000:]}"
