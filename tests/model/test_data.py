"""Precomputed model data (solver/model/data.py): config lookup and the plan-size bound."""

from __future__ import annotations

import pytest

from solver.errors import InputError
from solver.model.data import MAX_PLAN_REPLICAS, build_data
from tests.fixtures.problems import interactive, make_problem, mini_catalog


def test_demand_of_a_million_dedicated_sessions_is_refused_before_solving():
    """One replica per session: a million replicas would take minutes to place, check and print."""
    problem = make_problem(interactive("sandbox", "llama-3.1-8b", 1_000_000, sharing="dedicated"), allowed_gpus=["l40s"])
    with pytest.raises(InputError) as caught:
        build_data(problem, mini_catalog())
    assert caught.value.message.startswith("workloads.sandbox.demand: 1,000,000 sessions need at least 1,000,000 replicas")
    assert f"at most {MAX_PLAN_REPLICAS:,}" in caught.value.message


def test_shared_replicas_serving_a_million_sessions_are_within_the_bound():
    problem = make_problem(interactive("chat", "llama-3.1-8b", 1_000_000), allowed_gpus=["l40s"])
    data = build_data(problem, mini_catalog())
    assert data.workloads[0].required == 1_000_000


def test_config_lookup_by_key():
    data = build_data(make_problem(interactive("chat", "llama-3.1-8b", 4)), mini_catalog())
    assert all(data.config(config.key) is config for config in data.configs)
