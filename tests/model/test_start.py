"""The greedy starting plan (solver/model/start.py): a plan that serves every workload."""

from __future__ import annotations

import math

from solver.model.data import build_data
from solver.model.start import option_cost, starting_plan
from solver.model.variables import bought_name, mig_name, replica_name
from tests.fixtures.problems import interactive, make_problem, mini_catalog


def _data():
    problem = make_problem(
        interactive("chat", "llama-3.1-8b", 40),
        interactive("big", "llama-3.1-70b", 6, precision="fp8"),
        interactive("spare", "llama-3.1-8b", 4, redundancy="n+1"),
    )
    return build_data(problem, mini_catalog())


def test_every_workload_is_served_on_servers_bought_for_it():
    data = _data()
    plan = starting_plan(data)
    options = data.options
    for entry in data.workloads:
        served = sum(plan[replica_name(options[i])] * options[i].serves for i in data.options_by_workload[entry.workload.name])
        assert served >= entry.required
        assert plan[f"served[{entry.workload.name}]"] == entry.required
    for config in data.configs:
        gpus = sum(plan[replica_name(options[i])] * options[i].gpus for i in data.options_by_config.get(config.key, []) if options[i].gpus)
        migs = sum(plan.get(mig_name(config.key, profile), 0) for (key, profile) in data.options_by_mig if key == config.key)
        assert gpus + migs <= (plan[bought_name(config.key)] + config.owned) * config.gpu_count


def test_each_workload_takes_its_cheapest_option():
    data = _data()
    plan = starting_plan(data)
    options = data.options
    entry = data.workload_entry("chat")
    used = [i for i in data.options_by_workload["chat"] if plan[replica_name(options[i])]]
    assert len(used) == 1
    assert option_cost(data, options[used[0]], entry.required) == min(option_cost(data, options[i], entry.required) for i in data.options_by_workload["chat"])
    assert plan[replica_name(options[used[0]])] == math.ceil(entry.required / options[used[0]].serves)
