"""Precomputed model data (solver/model/data.py): config lookup and the plan-size bound."""

from __future__ import annotations

import pytest

from solver.errors import InputError
from solver.model.data import MAX_PLAN_REPLICAS, build_data, reuse_estimates
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


def test_option_indices_group_every_option_once():
    # Model building reads options per workload and per configuration through these indices
    # (a scan per workload or configuration made it grow as options × workloads).
    problem = make_problem(interactive("chat", "llama-3.1-8b", 40), interactive("big", "llama-3.1-70b", 6))
    data = build_data(problem, mini_catalog())
    options = data.options
    assert data.options is options  # built once
    for index_of, key in ((data.options_by_config, lambda o: o.config_key), (data.options_by_workload, lambda o: o.workload)):
        assert sorted(i for indices in index_of.values() for i in indices) == list(range(len(options)))
        assert all(key(options[i]) == group for group, indices in index_of.items() for i in indices)
        assert all(indices == sorted(indices) for indices in index_of.values())
    assert all(options[i].mig_profile == profile and options[i].config_key == key for (key, profile), indices in data.options_by_mig.items() for i in indices)
    assert sum(map(len, data.options_by_mig.values())) == sum(1 for o in options if o.mig_profile)
    assert all(data.workload_entry(entry.workload.name) is entry for entry in data.workloads)


def test_estimates_are_reused_across_prices_and_demand_but_not_other_assumptions():
    catalog = mini_catalog()
    problem = make_problem(interactive("chat", "llama-3.1-8b", 12, min_decode_tokens_per_s=15), interactive("big", "llama-3.1-70b", 3))
    estimates = reuse_estimates(None, problem, catalog)
    first = build_data(problem, catalog, estimates=estimates)
    # Demand growth and another price point leave every estimate as it was: the cache is kept,
    # and options built from it equal those built from scratch.
    grown = make_problem(interactive("chat", "llama-3.1-8b", 30, min_decode_tokens_per_s=15), interactive("big", "llama-3.1-70b", 7), procurement={"price_point": "high"})
    assert reuse_estimates(estimates, grown, catalog) is estimates
    assert build_data(grown, catalog, estimates=estimates).options == build_data(grown, catalog).options
    # Other assumptions change the estimates: the cache must not be used for them (a memory
    # overhead raises every replica's memory and lowers the sessions it holds).
    heavier = make_problem(interactive("chat", "llama-3.1-8b", 12, min_decode_tokens_per_s=15), interactive("big", "llama-3.1-70b", 3), assumptions={"allocator_overhead_fraction": 0.3})
    assert reuse_estimates(estimates, heavier, catalog) is not estimates
    reused = build_data(heavier, catalog, estimates=estimates)
    assert reused.options == build_data(heavier, catalog).options != first.options
