"""Solve-report sections: each from the plan.json keys it names, and absent data tolerated."""

from __future__ import annotations

from solver.plan.schema import BomLine
from solver.report.report_folder import ProblemFile, SolveFolder, read_folder
from solver.report.solve_sections import (
    SystemConfiguration,
    money_text,
    question_and_answer,
    racks,
    redundancy_text,
    server_configurations,
    system_configurations,
    workloads_served,
)
from tests.report.conftest import FLEET_SESSIONS


def test_the_answer_states_capex_power_and_what_is_served(tiny_solve_folder):
    folder = read_folder(tiny_solve_folder)
    summary = folder.plan["summary"]
    text = str(question_and_answer(folder))
    assert "what is the cheapest purchase that runs 3 workloads" in text and "a $500,000 budget" in text
    servers = len(folder.plan["nodes"])
    assert f"Buy {servers} server{'s' if servers > 1 else ''} with " in text and f" for <strong class=\"capex\">${summary['capex_usd']:,}</strong> capex" in text
    assert "every workload is fully served" in text and summary["status"] in text


def test_the_answer_gives_the_cost_of_a_token_and_the_break_even_month(bought_folder):
    folder = read_folder(bought_folder)
    total, rent = folder.plan["economics"]["total"], folder.plan["rent"]
    text = str(question_and_answer(folder))
    assert f"a million output tokens costs <strong class=\"usd-per-million\">${total['usd_per_million_output_tokens']:,.2f}</strong> at 25% utilisation" in text
    assert f"Renting the same capacity would cost ${rent['monthly_usd']:,} a month: {rent['verdict']}." in text


def test_a_rented_plan_answers_what_to_rent(rented_folder):
    folder = read_folder(rented_folder)
    text = str(question_and_answer(folder))
    nodes = folder.plan["nodes"]
    gpus = sum(node["gpu_count"] for node in nodes)
    assert "what is the cheapest cloud rental" in text
    assert f"Rent {len(nodes)} cloud instances with {gpus}× rtx-4090 for <strong class=\"rent-monthly\">${folder.plan['rent']['monthly_usd']:,}</strong> a month" in text
    assert "Buy" not in text and "capex" not in text


def test_a_hybrid_plan_answers_both(hybrid_folder):
    folder = read_folder(hybrid_folder)
    text = str(question_and_answer(folder))
    owned = [node for node in folder.plan["nodes"] if not node["rented"]]
    rented = [node for node in folder.plan["nodes"] if node["rented"]]
    assert owned and rented and "owned servers for the base load and rented instances for the rest" in text
    assert f"Buy {len(owned)} server" in text and "capex, drawing" in text and f" and rent {len(rented)} cloud instance" in text


def test_money_text_is_empty_without_economics_or_rent():
    assert money_text({"summary": {}}) == ""


def test_every_workload_is_listed_with_its_deployments_and_redundancy(bought_folder):
    plan = read_folder(bought_folder).plan
    rows = workloads_served(plan)
    assert [row.name for row in rows] == [w["name"] for w in plan["workloads"]]
    assert sum(d.replicas for row in rows for d in row.deployments) == len(plan["replicas"])
    left = plan["workloads"][0]["served_after_worst_failure"]
    assert rows[0].redundancy == f"n+1 across servers: {left} of {FLEET_SESSIONS} sessions served after the worst failure"


def test_redundancy_is_left_out_where_there_is_none(tiny_solve_folder):
    assert {row.redundancy for row in workloads_served(read_folder(tiny_solve_folder).plan)} == {""}
    assert redundancy_text({}) == ""


def test_server_configurations_count_every_server_and_describe_its_system(bought_folder):
    folder = read_folder(bought_folder)
    table = server_configurations(folder)
    assert sum(int(row[2].split()[0]) for row in table.rows) == len(folder.plan["nodes"])
    (system,) = [line for line in folder.bom if line.category == "system"]
    assert system.description in str(table.rows[0][0])


def test_a_systems_configuration_comes_from_its_sub_lines():
    bom = [
        BomLine(line=1, category="system", sku="hgx/h100", description="HGX with 8× H100", vendor="v", quantity=2, unit_price_usd=9, extended_price_usd=18, unit_power_w=1),
        BomLine(line=2, parent=1, category="chassis", sku="hgx", description="HGX chassis", vendor="v", quantity=2, unit_price_usd=1, extended_price_usd=2, unit_power_w=1),
        BomLine(line=3, parent=1, category="gpu", sku="h100", description="H100", vendor="v", quantity=16, unit_price_usd=1, extended_price_usd=16, unit_power_w=1),
        BomLine(line=4, parent=1, category="configuration", sku="hgx:cpus", description="CPUs: 2× Xeon", vendor="v", quantity=2, unit_price_usd=0, extended_price_usd=0, unit_power_w=0),
        BomLine(line=5, category="rack", sku="rack", description="rack", vendor="v", quantity=1, unit_price_usd=1, extended_price_usd=1, unit_power_w=0),
    ]
    assert system_configurations(bom) == {("hgx", "h100"): SystemConfiguration("HGX with 8× H100", ["CPUs: 2× Xeon"])}


def test_rented_instances_are_in_the_cloud_not_at_a_desk(rented_folder):
    folder = read_folder(rented_folder)
    table = server_configurations(folder)
    assert {row[6] for row in table.rows} == {f"cloud ({record['provider']} {record['instance_type']})" for record in folder.plan["rent"]["instances"]}
    section = racks(folder.plan, folder.problem.problem)
    assert section.drawings == [] and section.desk_side is None


def test_a_sparse_plan_still_renders_its_sections(tmp_path):
    folder = SolveFolder(tmp_path, {"summary": {"problem": "p"}}, [], None, ProblemFile(None, "none"))
    assert "Buy 0 servers" in str(question_and_answer(folder))
    assert workloads_served(folder.plan) == [] and server_configurations(folder).rows == []
