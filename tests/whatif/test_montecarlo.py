"""Monte Carlo what-if (solver/whatif/montecarlo.py): draws within the published ranges, seeded
per sample, and the same rows whatever the number of workers."""

from __future__ import annotations

from solver.whatif.montecarlo import grown_problem, montecarlo_csv, run_montecarlo, sample_rng, sampled_catalog


def test_prices_are_drawn_within_their_ranges_and_repeat_by_seed():
    from solver.catalog import load_catalog

    catalog = load_catalog(include_user=False)  # the bundled catalog states price ranges
    drawn = sampled_catalog(catalog, sample_rng(7, 3))
    again = sampled_catalog(catalog, sample_rng(7, 3))
    other = sampled_catalog(catalog, sample_rng(7, 4))
    ranged = [key for key, gpu in catalog.gpus.items() if gpu.price_low_usd is not None and gpu.price_high_usd is not None]
    assert ranged
    for key in ranged:
        gpu = catalog.gpus[key]
        assert gpu.price_low_usd <= drawn.gpus[key].price_usd <= gpu.price_high_usd
        assert drawn.gpus[key].price_usd == again.gpus[key].price_usd
    assert any(drawn.gpus[key].price_usd != other.gpus[key].price_usd for key in ranged)
    unranged = [key for key, gpu in catalog.gpus.items() if gpu.price_low_usd is None]
    assert all(drawn.gpus[key] is catalog.gpus[key] for key in unranged)


def test_demand_grows_rounded_up(tiny):
    grown = grown_problem(tiny, 1.5)
    for before, after in zip(tiny.workloads, grown.workloads):
        for field in ("sessions", "users", "jobs"):
            value = getattr(before.demand, field)
            assert getattr(after.demand, field) == (None if value is None else -(-value * 3 // 2))
        assert after.demand.active_fraction == before.demand.active_fraction


def test_samples_do_not_depend_on_the_workers(tiny, catalog):
    one = run_montecarlo(tiny, catalog, 3, growth=0.3, seed=1, jobs=1, time_limit_s=20)
    two = run_montecarlo(tiny, catalog, 3, growth=0.3, seed=1, jobs=2, time_limit_s=20)
    assert montecarlo_csv(one) == montecarlo_csv(two)
    assert [s.index for s in one.samples] == [0, 1, 2]
    assert all(s.capex_usd for s in one.samples)
    assert all(1.0 <= s.growth <= 1.3 for s in one.samples)
    quantiles = one.quantiles("capex_usd")
    assert quantiles[0.05] <= quantiles[0.5] <= quantiles[0.95]


def test_samples_share_estimates_within_a_run_never_across_runs(tiny, catalog):
    """A worker reuses its replica estimates from sample to sample (prices and demand do not
    change them), but a later run may bring a catalog where a model id means another model:
    its rows must be those of a process that never saw the first run."""
    import dataclasses

    from solver.whatif import montecarlo

    first = run_montecarlo(tiny, catalog, 2, growth=0.3, seed=1, jobs=1, time_limit_s=20)
    assert montecarlo._process_estimates is not None  # kept for the run's next sample
    model = catalog.models["llama-3.1-70b"]
    deeper = dataclasses.replace(catalog, models={**catalog.models, "llama-3.1-70b": model.model_copy(update={"num_layers": model.num_layers * 2})})
    after_first = run_montecarlo(tiny, deeper, 2, growth=0.3, seed=1, jobs=1, time_limit_s=20)
    montecarlo._process_estimates = None
    fresh = run_montecarlo(tiny, deeper, 2, growth=0.3, seed=1, jobs=1, time_limit_s=20)
    assert montecarlo_csv(after_first) == montecarlo_csv(fresh) != montecarlo_csv(first)
