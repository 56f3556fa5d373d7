"""Attach plan.json `economics` to a plan the solver built: the prices come from the model data,
so the unit costs use the very integers the model optimised."""

from __future__ import annotations

from collections.abc import Mapping

from solver.economics.report import plan_economics
from solver.model.data import ModelData
from solver.plan.schema import Plan
from solver.specs.problem import Problem


def bought_node_prices(plan: Plan, data: ModelData) -> dict[str, float]:
    """Purchase price of each bought server of `plan`, as the model priced its configuration."""
    configs = {config.key: config for config in data.configs}
    prices = {}
    for node in plan.nodes:
        config = configs.get(f"{node.node_type}/{node.gpu}")
        if config is not None and not node.owned and not node.rented:
            prices[node.id] = float(config.price_usd)
    return prices


def attach_economics(plan: Plan, problem: Problem, node_prices: Mapping[str, float], rented_usd_per_month: Mapping[str, float] | None = None) -> Plan:
    plan.economics = plan_economics(plan, problem, node_prices, rented_usd_per_month)
    return plan
