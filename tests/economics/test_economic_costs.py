"""Yearly cost formulas of owned hardware (solver.economics.costs)."""

from __future__ import annotations

import pytest

from solver.economics.costs import SupportContract, amortised_usd_per_year, contract_support_usd_per_year, energy_usd_per_year, owned_costs, owned_gpu_hour_usd, space_usd_per_year, support_usd_per_year
from solver.model.objective import HOURS_PER_YEAR
from solver.specs.economics import EconomicsSettings
from solver.specs.problem import TcoSettings


def test_straight_line_amortisation_less_residual_value():
    assert amortised_usd_per_year(400_000, 4, 0.0) == 100_000
    assert amortised_usd_per_year(400_000, 4, 0.25) == 75_000


def test_energy_matches_the_tco_objective_per_year():
    # The TCO objective charges years × 8,760 h × PUE × draw × $/kWh / 1000 per nameplate watt.
    tco = TcoSettings(years=4, electricity_usd_per_kwh=0.12, pue=1.4, utilization=0.6)
    per_watt_horizon = tco.years * HOURS_PER_YEAR * tco.pue * tco.utilization * tco.electricity_usd_per_kwh / 1000
    assert energy_usd_per_year(10_000, tco.utilization, tco.pue, tco.electricity_usd_per_kwh) == pytest.approx(10_000 * per_watt_horizon / tco.years)
    assert energy_usd_per_year(1_000, 0.6, 1.4, 0.12) == pytest.approx(883.008)  # 1 kW × 0.6 × 1.4 × 8,760 h × $0.12


def test_support_and_space():
    assert support_usd_per_year(100_000, 0.1) == pytest.approx(10_000)
    assert space_usd_per_year(3, None) == 0.0
    assert space_usd_per_year(3, 1_500) == 54_000


def test_running_costs_leave_out_the_amortisation():
    costs = owned_costs(120_000, 5_000, 1, TcoSettings(years=3), EconomicsSettings(space_usd_per_rack_per_month=1_000))
    assert costs.amortised == pytest.approx(40_000)
    assert costs.running == pytest.approx(costs.energy + costs.support + 12_000)
    assert costs.total == pytest.approx(costs.amortised + costs.running)


def test_gpu_hour_cost_of_an_owned_server():
    tco, economics = TcoSettings(years=4, electricity_usd_per_kwh=0.1, pue=1.3, utilization=0.7), EconomicsSettings(support_fraction_per_year=0.1)
    # An 8-GPU server bought for $300k drawing 10 kW.
    expected = (300_000 / 4 + 30_000 + 10_000 * 0.7 * 1.3 * 8760 * 0.1 / 1000) / (8 * 8760)
    assert owned_gpu_hour_usd(300_000, 10_000, 8, tco, economics) == pytest.approx(expected)


def test_a_support_contract_on_the_order_replaces_the_yearly_share():
    tco = TcoSettings(years=4)
    economics = EconomicsSettings(support_fraction_per_year=0.1)
    # $130k capex of which a 3-year contract is $30k: hardware $100k over 4 years, and the
    # contract plus a fourth year renewed at $10k a year, spread over the 4 years.
    costs = owned_costs(130_000, 0, 0, tco, economics, SupportContract(30_000, 3))
    assert costs.amortised == pytest.approx(25_000)
    assert costs.support == pytest.approx(10_000)
    # A horizon shorter than the contract still pays all of it.
    short = owned_costs(130_000, 0, 0, TcoSettings(years=2), economics, SupportContract(30_000, 3))
    assert short.support == pytest.approx(15_000) and short.amortised == pytest.approx(50_000)
    assert contract_support_usd_per_year(SupportContract(30_000, 3), 3) == pytest.approx(10_000)
