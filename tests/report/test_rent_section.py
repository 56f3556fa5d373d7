"""Buy or rent in the report, from real plans: a bought plan's comparison with its break-even
month, one no rental can match, a rented plan and a hybrid one."""

from __future__ import annotations

import pytest

import procure
from solver.report.rent_section import buy_vs_rent, cumulative_cost_chart, horizon_months
from solver.report.report_folder import read_folder
from tests.fixtures.cloud import mini_cloud_catalog
from tests.report.conftest import TINY


def test_a_bought_plan_is_compared_with_renting_it(bought_folder):
    plan = read_folder(bought_folder).plan
    rent = plan["rent"]
    section = buy_vs_rent(plan)
    assert section.mode == "comparison"
    assert f"costs ${rent['monthly_usd']:,} a month (${rent['yearly_usd']:,} a year)" in section.headline
    assert f"Buying pays off after {rent['break_even_month']:.1f} months" in section.headline
    assert 'class="chart buy-vs-rent"' in str(section.chart)
    assert [row[0] for row in section.instances.rows] == [record["provider"] for record in rent["instances"]]
    assert section.sources[0][1].startswith("test fixture (hand-set price)")


def test_a_comparison_no_rental_can_match_says_why():
    plan = procure.solve(TINY, mini_cloud_catalog()).plan.model_dump(mode="json")
    section = buy_vs_rent(plan)
    assert section.headline == f"No rented plan serves the same demand: {plan['rent']['reason']}."
    assert section.chart is None and section.instances is None


def test_a_rented_plan_lists_its_instances(rented_folder):
    plan = read_folder(rented_folder).plan
    section = buy_vs_rent(plan)
    count = len(plan["nodes"])
    assert section.headline == f"This plan rents instead of buying: {count} cloud instances for ${plan['rent']['monthly_usd']:,} a month (${plan['rent']['yearly_usd']:,} a year) at on-demand prices."
    assert section.chart is None and len(section.instances.rows) == len(plan["rent"]["instances"])
    assert any("not priced" in note for note in section.notes)


def test_a_hybrid_plan_says_what_is_owned_and_what_rented(hybrid_folder):
    plan = read_folder(hybrid_folder).plan
    section = buy_vs_rent(plan)
    assert section.headline.startswith("Owned servers carry 50% of each workload's peak; cloud instances serve the rest")
    assert f"The owned servers serve {plan['rent']['owned_capacity']['chat']} of chat." in section.headline


def test_plans_without_rent_have_no_section(tiny_solve_folder):
    assert buy_vs_rent(read_folder(tiny_solve_folder).plan) is None


@pytest.mark.parametrize(("years", "break_even", "months"), [(4, 20.3, 48), (4, None, 48), (2, 30.0, 38)])
def test_the_cost_chart_spans_the_horizon_or_past_the_break_even(years, break_even, months):
    assert horizon_months(years, break_even) == months


def test_the_cost_lines_cross_at_the_break_even_month():
    chart = str(cumulative_cost_chart(capex=12_000, running_monthly=500, rent_monthly=1_500, months=24))
    # Buying: $12k, then $500 a month; renting: $1,500 a month; they meet at month 12 ($18k).
    assert 'data-name="buy: capex + running costs"' in chart and 'data-name="rent the same capacity"' in chart
    assert ">$12k<" in chart and ">$24k<" in chart
