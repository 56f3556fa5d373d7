"""Budgets, overlays, knobs and scenario planning (no solving)."""

from __future__ import annotations

import pytest

from solver.errors import InputError, UnknownNameError
from solver.whatif.scenarios import (
    KNOBS,
    apply_overlay,
    assign_slugs,
    collect_budgets,
    data_key,
    parse_budget_range,
    parse_vary,
    plan_scenarios,
    resolve_named,
    resolve_objectives,
    short_usd,
    slugify,
)


# --------------------------------------------------------------------------------------------
# Budgets


def test_budget_range_is_inclusive_and_evenly_spaced():
    budgets = parse_budget_range("200k:2m:10")
    assert len(budgets) == 10
    assert budgets[0] == 200_000 and budgets[-1] == 2_000_000
    steps = {round(b - a) for a, b in zip(budgets, budgets[1:])}
    assert steps == {200_000}


@pytest.mark.parametrize("text", ["200k:2m", "2m:200k:5", "200k:2m:1", "200k:2m:x", "200k:2m:100000", "0:1m:5", "a:b:3"])
def test_budget_range_rejects_bad_ranges(text):
    with pytest.raises(InputError):
        parse_budget_range(text)


def test_collect_budgets_dedupes_and_sorts():
    assert collect_budgets(["1m", "250k", "1000000"], ["100k:300k:3"]) == [100_000, 200_000, 250_000, 300_000, 1_000_000]


@pytest.mark.parametrize("value, text", [(250_000, "250k"), (1_000_000, "1m"), (1_250_000, "1.25m"), (25_714, "25.714k"), (1_234_567, "1234.567k"), (999, "999"), (99.5, "99.50")])
def test_short_usd_is_exact(value, text):
    assert short_usd(value) == text


# --------------------------------------------------------------------------------------------
# Overlays


def test_overlay_sets_dotted_paths_and_workloads_by_name(tiny, catalog):
    overlaid = apply_overlay(tiny, {"limits.budget_usd": 1234, "workloads.code8b.precision": "fp8", "workloads.big70": {"priority": 3}, "objective.tco.electricity_usd_per_kwh": 0.2}, catalog, source="test")
    workloads = {w.name: w for w in overlaid.workloads}
    assert overlaid.limits.budget_usd == 1234
    assert workloads["code8b"].precision == "fp8"
    assert workloads["big70"].priority == 3 and workloads["big70"].precision == "awq"
    assert overlaid.objective.tco.electricity_usd_per_kwh == 0.2
    # The original is untouched.
    assert tiny.limits.budget_usd == 500_000
    assert {w.name: w.precision for w in tiny.workloads}["code8b"] == "bf16"


def test_overlay_unknown_field_gets_did_you_mean(tiny, catalog):
    with pytest.raises(InputError) as caught:
        apply_overlay(tiny, {"limits.budgt_usd": 5}, catalog, source="scenario 'x'")
    assert "scenario 'x'" in caught.value.message
    assert 'did you mean "budget_usd"' in caught.value.message


def test_overlay_unknown_top_level_field(tiny, catalog):
    with pytest.raises(InputError) as caught:
        apply_overlay(tiny, {"limit.budget_usd": 5}, catalog, source="s")
    assert 'did you mean "limits"' in caught.value.message


def test_overlay_unknown_workload(tiny, catalog):
    with pytest.raises(InputError) as caught:
        apply_overlay(tiny, {"workloads.code9b.precision": "fp8"}, catalog, source="s")
    assert "unknown workload 'code9b'" in caught.value.message and "code8b" in caught.value.message


def test_overlay_invalid_value_names_the_workload(tiny, catalog):
    with pytest.raises(InputError) as caught:
        apply_overlay(tiny, {"workloads.code8b.context_tokens": 0}, catalog, source="s")
    assert "workloads.code8b.context_tokens" in caught.value.message


def test_overlay_unknown_catalog_name(tiny, catalog):
    with pytest.raises(InputError) as caught:
        apply_overlay(tiny, {"workloads.code8b.precision": "fp9"}, catalog, source="s")
    assert "fp9" in caught.value.message and "fp8" in caught.value.message
    with pytest.raises(InputError):
        apply_overlay(tiny, {"limits.allowed_gpus": ["h101"]}, catalog, source="s")


def test_overlay_cannot_descend_into_a_value(tiny, catalog):
    with pytest.raises(InputError) as caught:
        apply_overlay(tiny, {"limits.budget_usd.x": 1}, catalog, source="s")
    assert "single value" in caught.value.message
    with pytest.raises(InputError):
        apply_overlay(tiny, {"limits..x": 1}, catalog, source="s")


def test_data_key_ignores_budget_power_and_objective(tiny, catalog):
    same = apply_overlay(tiny, {"limits.budget_usd": 1, "limits.power_kw": 3, "objective.minimize": "power", "objective.tco.pue": 2}, catalog, source="s")
    assert data_key(same) == data_key(tiny)
    other = apply_overlay(tiny, {"limits.racks": 2}, catalog, source="s")
    assert data_key(other) != data_key(tiny)


# --------------------------------------------------------------------------------------------
# Knobs


def overlays(axis):
    return dict(axis.values)


def test_gpus_knob_joins_with_plus_and_resolves_aliases(tiny, catalog):
    axis = parse_vary("gpus=L40S+rtx-4090,h100-pcie,all", tiny, catalog)
    assert axis.label == "gpus"
    assert overlays(axis) == {
        "l40s+rtx-4090": {"limits.allowed_gpus": ["l40s", "rtx-4090"]},
        "h100-pcie": {"limits.allowed_gpus": ["h100-pcie"]},
        "none": {"limits.allowed_gpus": None},
    }


def test_per_workload_knobs(tiny, catalog):
    axis = parse_vary("precision:code8b=bf16,fp8", tiny, catalog)
    assert axis.label == "precision:code8b"
    assert overlays(axis)["fp8"] == {"workloads.code8b.precision": "fp8"}
    bare = parse_vary("context=4096,8k", tiny, catalog)
    assert overlays(bare)["8192"] == {f"workloads.{w}.context_tokens": 8192 for w in ("chat7b", "code8b", "big70")}
    users = parse_vary("active_fraction=0.5", tiny, catalog)
    assert overlays(users) == {"0.5": {"workloads.chat7b.demand.active_fraction": 0.5}}


def test_whole_problem_knobs(tiny, catalog):
    assert overlays(parse_vary("nvlink=true,false", tiny, catalog)) == {"true": {"limits.tp_requires_nvlink": True}, "false": {"limits.tp_requires_nvlink": False}}
    assert overlays(parse_vary("electricity=0.08,0.15", tiny, catalog))["0.15"] == {"objective.tco.electricity_usd_per_kwh": 0.15}
    assert overlays(parse_vary("power=none,5", tiny, catalog)) == {"none": {"limits.power_kw": None}, "5": {"limits.power_kw": 5.0}}
    assert overlays(parse_vary("racks=1,2", tiny, catalog))["2"] == {"limits.racks": 2}
    assert overlays(parse_vary("limits.max_nodes=1,4", tiny, catalog)) == {"1": {"limits.max_nodes": 1}, "4": {"limits.max_nodes": 4}}
    assert overlays(parse_vary("prices=low,HIGH", tiny, catalog)) == {"low": {"procurement.price_point": "low"}, "high": {"procurement.price_point": "high"}}


def test_price_points_change_the_model_data(tiny, catalog):
    # Prices are inputs of the precomputed data: each price point gets its own.
    scenarios = plan_scenarios(tiny, catalog, varies=["prices=low,mid,high"])
    assert len({s.data_key for s in scenarios}) == 3


def test_knob_values_are_deduplicated(tiny, catalog):
    assert list(overlays(parse_vary("precision:code8b=fp8,FP8,bf16", tiny, catalog))) == ["fp8", "bf16"]


@pytest.mark.parametrize(
    "spec, expected",
    [
        ("foo=1,2", "unknown what-if knob 'foo'"),
        ("precison=fp8", "did you mean 'precision'"),
        ("gpus", "expected KNOB=V1,V2"),
        ("gpus=", "no values"),
        ("gpus=h101", "unknown GPU 'h101'"),
        ("gpus=l40s+", "empty GPU name"),
        ("precision:code9b=fp8", "unknown workload 'code9b'"),
        ("precision:code8b=fp9", "unknown precision 'fp9'"),
        ("nvlink:code8b=true", "applies to the whole problem"),
        ("nvlink=maybe", "not true or false"),
        ("active_fraction=1.5", "out of range"),
        ("active_fraction:code8b=0.5", "users and active_fraction go together"),
        ("context=abc", "whole number"),
        ("context=50000000", "maximum context"),
        ("electricity=-1", "out of range"),
        ("limits.max_nodez=3", 'did you mean "max_nodes"'),
        ("limits.max_nodes=abc", "valid integer"),
        ("budget.x=1", "unknown what-if knob"),
        ("prices=cheap", "unknown price point 'cheap'"),
    ],
)
def test_bad_knobs_are_input_errors(tiny, catalog, spec, expected):
    with pytest.raises(InputError) as caught:
        parse_vary(spec, tiny, catalog)
    assert expected in caught.value.message, caught.value.message


def test_every_knob_is_documented():
    assert set(KNOBS) >= {"gpus", "precision", "active_fraction", "context", "nvlink", "electricity"}
    assert all(knob.help for knob in KNOBS.values())


# --------------------------------------------------------------------------------------------
# Planning


def test_budgets_alone_are_a_served_demand_series(tiny, catalog):
    scenarios = plan_scenarios(tiny, catalog, budgets=[50_000, 10_000])
    assert [s.name for s in scenarios] == ["budget=10k", "budget=50k"]
    assert all(not s.hard_demand and s.objective == "cost" for s in scenarios)
    assert [s.problem.limits.budget_usd for s in scenarios] == [10_000, 50_000]
    assert len({s.data_key for s in scenarios}) == 1 and len({s.series for s in scenarios}) == 1


def test_objectives_without_budgets_serve_all_demand(tiny, catalog):
    scenarios = plan_scenarios(tiny, catalog, objectives=["cost", "power", "tco"])
    assert [s.name for s in scenarios] == ["objective=cost", "objective=power", "objective=tco"]
    assert all(s.hard_demand for s in scenarios)
    assert [s.objective for s in scenarios] == ["cost", "power", "tco"]
    assert all(s.hard_demand is False for s in plan_scenarios(tiny, catalog, objectives=["cost"], budgets=[1e5]))
    assert all(s.hard_demand for s in plan_scenarios(tiny, catalog, budgets=[1e5], demand="full"))


def test_cartesian_product_order_and_names(tiny, catalog):
    scenarios = plan_scenarios(tiny, catalog, budgets=[20_000, 80_000], varies=["gpus=l40s,rtx-4090", "nvlink=true,false"], named=["fp8"])
    assert len(scenarios) == 2 * 2 * 2 * 2
    assert scenarios[0].name == "base gpus=l40s nvlink=true budget=20k"
    assert scenarios[-1].name == "fp8 gpus=rtx-4090 nvlink=false budget=80k"
    fp8 = scenarios[-1].problem
    assert {w.name: w.precision for w in fp8.workloads}["code8b"] == "fp8"
    assert fp8.limits.allowed_gpus == ["rtx-4090"] and fp8.limits.tp_requires_nvlink is False
    # Budgets are innermost: every series is two consecutive scenarios.
    for first, second in zip(scenarios[::2], scenarios[1::2]):
        assert first.series == second.series and first.data_key == second.data_key
        assert first.budget_usd < second.budget_usd
    assert scenarios[0].data_key != scenarios[2].data_key  # GPU set changes the model data


def test_named_scenarios(tiny, catalog):
    assert resolve_named(tiny, [], True) == ["lean", "fp8"]
    assert resolve_named(tiny, ["FP8"], False) == ["fp8"]
    with pytest.raises(UnknownNameError) as caught:
        resolve_named(tiny, ["fp9"], False)
    assert "did you mean 'fp8'" in caught.value.message
    scenarios = plan_scenarios(tiny, catalog, named=["lean"])
    assert [s.name for s in scenarios] == ["base", "lean"]
    assert scenarios[1].problem.limits.budget_usd == 20_000


def test_named_scenario_with_a_bad_field(tiny, catalog):
    broken = tiny.model_copy(update={"scenarios": {"oops": {"limits.budgt_usd": 1}}})
    with pytest.raises(InputError) as caught:
        plan_scenarios(broken, catalog, named=["oops"])
    assert "scenario 'oops'" in caught.value.message and "budget_usd" in caught.value.message


def test_scenarios_flag_without_scenarios(tiny):
    bare = tiny.model_copy(update={"scenarios": {}})
    with pytest.raises(InputError):
        resolve_named(bare, [], True)


def test_objectives_are_checked():
    assert resolve_objectives(["COST", "power", "cost"]) == ["cost", "power"]
    with pytest.raises(UnknownNameError):
        resolve_objectives(["costs"])


def test_knob_varied_twice(tiny, catalog):
    with pytest.raises(InputError):
        plan_scenarios(tiny, catalog, varies=["nvlink=true", "nvlink=false"])


def test_too_many_scenarios(tiny, catalog):
    with pytest.raises(InputError) as caught:
        plan_scenarios(tiny, catalog, budgets=list(range(1000, 1000 + 600)), varies=["nvlink=true,false"])
    assert "at most" in caught.value.message


def test_slugs_are_unique_numbered_and_safe(tiny, catalog):
    scenarios = plan_scenarios(tiny, catalog, budgets=[20_000, 80_000], varies=["gpus=l40s+rtx-4090,h100-pcie"])
    assign_slugs(scenarios)
    assert [s.slug for s in scenarios] == ["01-gpus-l40s+rtx-4090-budget-20k", "02-gpus-l40s+rtx-4090-budget-80k", "03-gpus-h100-pcie-budget-20k", "04-gpus-h100-pcie-budget-80k"]
    assert slugify("a/b\\c d:e") == "a-b-c-d-e"


def test_an_overlay_may_change_the_objective(tiny, catalog):
    changed = tiny.model_copy(update={"scenarios": {"green": {"objective.minimize": "power"}}})
    scenarios = plan_scenarios(changed, catalog, named=["green"])
    assert [(s.name, s.objective) for s in scenarios] == [("base", "cost"), ("green", "power")]
    assert plan_scenarios(changed, catalog, named=["green"], objectives=["tco"])[1].objective == "tco"
