"""The rendered page: self-contained, every BOM line, charts, sections present or said absent."""

from __future__ import annotations

import json
import re
import shutil

from solver.report.html import render_report
from solver.report.report_folder import read_folder
from tests.fixtures.problems import mini_catalog
from tests.report.test_solve_sections import ECONOMICS, RENT


def _page(folder) -> str:
    return render_report(read_folder(folder), mini_catalog())


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
        assert f"<td>{line['sku']}</td>" in page and line["description"] in page
    for section in ("answer", "workloads", "racks", "servers", "bom", "economics", "rent", "assumptions", "provenance"):
        assert f'<section id="{section}"' in page
    assert "Not in this plan: it carries no cost per million tokens." in page
    assert 'class="chart bars capex-by-category"' in page
    assert folder.record.problem_sha256 in page


def test_economics_and_rent_render_when_the_plan_has_them(tmp_path, tiny_solve_folder):
    out = tmp_path / "out"
    shutil.copytree(tiny_solve_folder, out)
    plan = json.loads((out / "plan.json").read_text())
    plan.update(economics=ECONOMICS, rent=RENT)
    (out / "plan.json").write_text(json.dumps(plan))
    page = _page(out)
    assert 'class="chart bars usd-per-million-tokens"' in page and "Not in this plan" not in page
    assert "breaks even in month 11" in page


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
