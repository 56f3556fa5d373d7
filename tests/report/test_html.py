"""The rendered page: self-contained, every BOM line, charts, sections present or said absent."""

from __future__ import annotations

import json
import re
import shutil

from markupsafe import escape

from solver.report.html import render_report, solve_headline
from solver.report.report_folder import read_folder
from tests.fixtures.problems import mini_catalog
from tests.report.conftest import fleet_catalog


def _page(folder, catalog=None) -> str:
    return render_report(read_folder(folder), catalog or mini_catalog())


def test_the_solve_page_loads_nothing_from_outside_and_runs_no_script(tiny_solve_folder):
    page = _page(tiny_solve_folder)
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert "<script" not in page and "<link" not in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert "@media print" in page


def test_the_solve_page_shows_capex_every_bom_line_and_its_sections(tiny_solve_folder):
    folder = read_folder(tiny_solve_folder)
    page = _page(tiny_solve_folder)
    assert f"${folder.plan['summary']['capex_usd']:,}" in page
    for line in folder.bom:
        assert f'<span class="sku">{line.sku}</span><br>{escape(line.description)}' in page
    for section in ("answer", "workloads", "racks", "servers", "bom", "economics", "rent", "assumptions", "provenance"):
        assert f'<section id="{section}"' in page
    assert 'class="chart bars usd-per-million-tokens"' in page and 'class="chart bars capex-by-category"' in page
    assert "Not in this plan: it carries no cloud-rental comparison" in page  # the mini catalog has no cloud prices
    assert folder.record.problem_sha256 in page


def test_a_bought_plan_shows_cost_per_token_and_buy_versus_rent(bought_folder):
    plan = read_folder(bought_folder).plan
    page = _page(bought_folder, fleet_catalog())
    assert "Not in this plan" not in page
    assert 'class="chart buy-vs-rent"' in page and "<h2>Buy or rent</h2>" in page
    assert f"{plan['rent']['break_even_month']:g} months" in page
    assert '<tr class="sub">' in page and "n+1 across servers" in page


def test_rented_and_hybrid_pages_show_their_reservations(rented_folder, hybrid_folder):
    for folder in (rented_folder, hybrid_folder):
        plan = read_folder(folder).plan
        page = _page(folder, fleet_catalog())
        assert "<h2>Rented capacity</h2>" in page and "Reservations (rented, billed per month)" in page
        assert f"${plan['rent']['monthly_usd']:,}" in page


def test_the_headline_tiles_follow_the_plan(bought_folder, rented_folder):
    bought = dict(solve_headline(read_folder(bought_folder).plan, 4))
    assert {"capex", "TCO, 4 years", "$ per M output tokens", "buying breaks even"} <= set(bought) and "rent a month" not in bought
    rented = dict(solve_headline(read_folder(rented_folder).plan, None))
    assert "rent a month" in rented and "capex" not in rented and "buying breaks even" not in rented


def test_warnings_are_shown_under_the_answer(tmp_path, tiny_solve_folder):
    out = tmp_path / "out"
    shutil.copytree(tiny_solve_folder, out)
    plan = json.loads((out / "plan.json").read_text())
    plan["summary"]["warnings"] = ["quote Q-1 for l40s expired on 2026-01-01"]
    (out / "plan.json").write_text(json.dumps(plan))
    assert '<li class="warning">quote Q-1 for l40s expired on 2026-01-01</li>' in _page(out)


def test_a_plan_without_economics_says_so(tmp_path, tiny_solve_folder):
    out = tmp_path / "out"
    shutil.copytree(tiny_solve_folder, out)
    plan = json.loads((out / "plan.json").read_text())
    del plan["economics"]
    (out / "plan.json").write_text(json.dumps(plan))
    assert "Not in this plan: it carries no cost per million tokens." in _page(out)


def test_input_text_is_escaped(tmp_path, tiny_solve_folder):
    out = tmp_path / "out"
    shutil.copytree(tiny_solve_folder, out)
    plan = json.loads((out / "plan.json").read_text())
    plan["summary"]["problem"] = "<script>alert(1)</script>"
    (out / "plan.json").write_text(json.dumps(plan))
    page = _page(out)
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_whatif_page_has_the_sweep_and_the_frontier(tiny_whatif_folder):
    page = _page(tiny_whatif_folder)
    assert 'class="chart budget-sweep"' in page and 'class="chart pareto-frontier"' in page
    assert '<section id="scenarios"' in page and "What is cut first" in page
