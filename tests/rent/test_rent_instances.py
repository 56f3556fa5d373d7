"""Cloud instances as node configurations."""

from __future__ import annotations

from solver.rent.instances import instance_node, rentable_instances, rented_configs
from tests.fixtures.cloud import EIGHT_H100, ONE_4090, mini_cloud_catalog
from tests.fixtures.problems import chat_fleet


def test_an_instance_is_a_node_with_nothing_to_buy_power_or_rack():
    catalog = mini_cloud_catalog()
    h100 = next(i for i in catalog.cloud.instances if i.id == "t-8x-h100")
    node = instance_node(h100, catalog.gpu("h100-sxm"))
    assert (node.gpu_count, node.nvlink_domain, node.kind) == (8, 8, "hgx-baseboard")
    assert (node.base_price_usd, node.base_power_w, node.rack_mounted, node.fabric_nics) == (0, 0, False, 0)


def test_rented_configs_are_priced_per_month_and_draw_no_power():
    configs = {c.key: c for c in rented_configs(mini_cloud_catalog(), chat_fleet(4))}
    assert configs["t-8x-h100/h100-sxm"].price_usd == EIGHT_H100
    assert configs["t-1x-4090/rtx-4090"].price_usd == ONE_4090
    assert all(c.power_w == 0 and c.owned == 0 for c in configs.values())


def test_providers_and_gpu_limits_choose_the_instances():
    catalog = mini_cloud_catalog()
    problem = chat_fleet(4, allowed_gpus=["rtx-4090"])
    assert {i.id for i in rentable_instances(catalog, problem)} == {"t-1x-4090", "t-2x-4090", "other-1x-4090"}
    only_test = problem.model_copy(update={"rent": problem.rent.model_copy(update={"excluded_providers": ["other"]})})
    assert {i.id for i in rentable_instances(catalog, only_test)} == {"t-1x-4090", "t-2x-4090"}
    only_other = problem.model_copy(update={"rent": problem.rent.model_copy(update={"providers": ["other"]})})
    assert {i.id for i in rentable_instances(catalog, only_other)} == {"other-1x-4090"}
