"""Infeasibility explanations (explain.py): which obstacle, and what would change it."""

from __future__ import annotations

import pytest

from solver.catalog import load_catalog
from solver.errors import InfeasibleError
from solver.explain import raise_if_unservable
from solver.model.data import build_data
from tests.fixtures.problems import interactive, make_problem

CATALOG = load_catalog(include_user=False)


def test_an_unattainable_speed_floor_is_explained_with_the_fastest_speed() -> None:
    problem = make_problem(interactive("big", "llama-3.1-405b", 2, precision="fp8", min_decode_tokens_per_s=200), allowed_gpus=["h100-sxm"])
    with pytest.raises(InfeasibleError) as caught:
        raise_if_unservable(build_data(problem, CATALOG))
    text = caught.value.render()
    assert "the speed floor of 200 tok/s per session is the obstacle" in text
    assert "fastest at 80% confidence h100-sxm" in text
    assert "lower min_decode_tokens_per_s to" in text
    assert "GiB usable" not in text  # the model fits: memory is not the problem


def test_a_format_no_engine_runs_is_explained_with_what_runs() -> None:
    problem = make_problem(interactive("w", "llama-3.1-8b", 2, precision="awq"), allowed_gpus=["mi300x"])
    with pytest.raises(InfeasibleError) as caught:
        raise_if_unservable(build_data(problem, CATALOG))
    text = caught.value.render()
    assert "vllm, llama.cpp cannot run awq weights" in text and "mi300x (cdna3)" in text
    assert "choose a format the hardware's engines run" in text
