"""Assumptions with their basis, and provenance with catalog dates."""

from __future__ import annotations

from solver.report.report_folder import ProblemFile, read_folder
from solver.report.shared_sections import assumptions, buying_policy, catalog_facts, provenance
from tests.report.conftest import fleet_catalog
from tests.fixtures.problems import mini_catalog


def test_assumptions_list_the_problems_limits_and_defaults_with_their_basis(tiny_solve_folder):
    folder = read_folder(tiny_solve_folder)
    found = {item.name: item for item in assumptions(folder.problem, folder.plan["summary"])}
    assert found["limits.budget_usd"].value == "$500,000" and found["limits.budget_usd"].from_problem
    assert found["assumptions.cuda_context"].value == "512 MiB" and not found["assumptions.cuda_context"].from_problem
    assert "Brysbaert 2019" in found["assumptions.interactive_min_decode_tokens_per_s"].basis
    assert found["speed_confidence"].value == "80%"


def test_without_the_problem_file_only_the_plans_assumptions_are_listed():
    found = assumptions(ProblemFile(None, "gone"), {"speed_confidence": 0.8, "speed_model": "fitted x"})
    assert [item.name for item in found] == ["speed_confidence", "speed model"]


def test_provenance_has_the_run_the_input_hash_and_catalog_dates(tiny_solve_folder):
    folder = read_folder(tiny_solve_folder)
    catalog = mini_catalog()
    facts = catalog_facts([folder.plan], catalog)
    kinds = {fact.kind for fact in facts}
    assert {"gpu", "node", "model"} <= kinds and all(fact.as_of[:2] == "20" for fact in facts)
    section = provenance(folder.record, folder.problem, folder.plan["summary"], facts, catalog)
    lines = dict(section.facts)
    assert lines["problem file SHA-256"] == folder.record.problem_sha256
    assert lines["outputs written by"].startswith("procure 0.")
    assert "catalog facts dated" in lines and section.catalog is not None


def test_provenance_without_a_catalog_says_why_there_are_no_dates(tiny_solve_folder):
    folder = read_folder(tiny_solve_folder)
    section = provenance(folder.record, folder.problem, folder.plan["summary"], None, None)
    assert section.catalog is None and "no catalog" in section.catalog_note


def test_catalog_facts_name_the_purchase_orders_items_and_rented_instances(bought_folder, rented_folder):
    plans = [read_folder(bought_folder).plan, read_folder(rented_folder).plan]
    facts = {(fact.kind, fact.id) for fact in catalog_facts(plans, fleet_catalog())}
    assert {("fabric", "tor-48x25g"), ("fabric", "mgmt-48x1g"), ("fabric", "support-nbd"), ("fabric", "install-rack-and-stack")} <= facts
    assert {("cloud instance", node["node_type"]) for node in plans[1]["nodes"]} <= facts


def test_procurement_and_rent_settings_are_assumptions_too(bought_folder):
    folder = read_folder(bought_folder)
    found = {item.name: item for item in assumptions(folder.problem, folder.plan["summary"])}
    assert found["procurement.support_years"].value == "3" and not found["procurement.support_years"].from_problem
    assert found["rent.excluded_providers"].value == "other" and found["rent.excluded_providers"].from_problem


def test_the_buying_policy_lists_opt_ins_and_exclusions(bought_folder):
    summary = read_folder(bought_folder).plan["summary"]
    policy = buying_policy(summary)
    assert any("GeForce" in line for line in policy.opt_ins)  # the fleet runs on RTX 4090 workstations
    assert policy.excluded == summary["excluded_by_policy"]
    assert buying_policy({"policy_opt_ins": [], "excluded_by_policy": ["rtx-4090: a GeForce card"]}).excluded == ["rtx-4090: a GeForce card"]
    assert buying_policy({}) is None
