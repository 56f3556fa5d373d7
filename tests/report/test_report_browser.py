"""`procure report` pages as a reader sees them, in headless Chromium: no console errors, no
network requests, the capex figure, every BOM line, $ per million tokens and the break-even
month, the charts drawn; printed to PDF too.

Screenshots and PDFs are kept in tests/artifacts/ (git-ignored): report-lab20.png,
report-lab20.pdf, report-hybrid.png, report-whatif.png.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import procure
from tests.fixtures.browser import chromium

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
LAB20 = ROOT / "problems" / "lab20.yaml"


@pytest.fixture(scope="module")
def browser():
    with chromium() as session:
        yield session


def procure_report(folder: Path) -> None:
    import cli

    result = CliRunner().invoke(cli.main, ["--no-user-catalog", "report", str(folder)])
    assert result.exit_code == 0 and "Traceback" not in result.output, result.output


def one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.mark.big_catalog
def test_the_lab20_report_shows_capex_every_bom_line_cost_per_token_and_its_charts(browser, tmp_path):
    folder = tmp_path / "lab20"
    result = procure.solve(LAB20, procure.load_catalog(include_user=False), out=folder)
    procure_report(folder)
    visit = browser.visit(folder / "report.html", screenshot=ARTIFACTS / "report-lab20.png", pdf=ARTIFACTS / "report-lab20.pdf")
    print(f"screenshot: {ARTIFACTS / 'report-lab20.png'}")
    assert visit.console_errors == []
    assert visit.requests == []
    text = one_line(visit.text)
    plan = result.plan
    assert f"${plan.summary.capex_usd:,}" in text
    with open(folder / "bom.csv", encoding="utf-8", newline="") as handle:
        lines = list(csv.DictReader(handle))
    assert any(line["category"] == "configuration" for line in lines)
    for line in lines:
        included = line["parent"] and int(line["unit_price_usd"]) == 0
        price = "incl." if included else f"${int(line['extended_price_usd']):,}"
        row = one_line(f"{line['sku']} {line['description']}")
        assert re.search(re.escape(row) + r".*?" + re.escape(f"{line['vendor']} {int(line['quantity']):,}") + r".*?" + re.escape(price), text), row
    total = plan.economics["total"]
    assert f"costs ${total['usd_per_million_output_tokens']:,.2f} at 25% utilisation" in text
    assert f"buying pays off after {plan.rent['break_even_month']:.1f} months" in text
    assert {"chart bars capex-by-category", "chart bars usd-per-million-tokens", "chart buy-vs-rent"} <= set(visit.charts)
    assert visit.charts.count("rack-elevation") == plan.summary.racks
    pdf = (ARTIFACTS / "report-lab20.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page\b", pdf)) >= 3


def test_a_hybrid_report_shows_the_purchase_and_the_reservations(browser, tmp_path, hybrid_folder):
    folder = tmp_path / "hybrid"
    shutil.copytree(hybrid_folder, folder)
    procure_report(folder)
    visit = browser.visit(folder / "report.html", screenshot=ARTIFACTS / "report-hybrid.png")
    assert visit.console_errors == [] and visit.requests == []
    text = one_line(visit.text)
    plan = json.loads((folder / "plan.json").read_text())
    assert f"${plan['summary']['capex_usd']:,}" in text and f"total per month ${plan['rent']['monthly_usd']:,}" in text
    assert "Rented capacity" in text and "chart bars usd-per-million-tokens" in visit.charts


def test_the_whatif_report_shows_the_budget_sweep_and_the_frontier(browser, tmp_path, tiny_whatif_folder):
    folder = tmp_path / "whatif"
    shutil.copytree(tiny_whatif_folder, folder)
    procure_report(folder)
    visit = browser.visit(folder / "report.html", screenshot=ARTIFACTS / "report-whatif.png")
    assert visit.console_errors == []
    assert visit.requests == []
    assert {"chart budget-sweep", "chart pareto-frontier"} <= set(visit.charts)
    assert "Question." in visit.text and "Answer." in visit.text and "What is cut first" in visit.text


def test_a_page_that_loads_from_the_network_is_caught(browser, tmp_path):
    """The checks above would see a stray external load: the page's policy refuses it, and
    the refusal is a console error."""
    page = tmp_path / "bad.html"
    template = (ROOT / "solver" / "report" / "templates" / "report.html.j2").read_text()
    policy = re.search(r'<meta http-equiv="Content-Security-Policy"[^>]*>', template).group(0)
    page.write_text(f'<!DOCTYPE html><html><head>{policy}</head><body><img src="http://127.0.0.1:9/x.png">text</body></html>')
    visit = browser.visit(page)
    assert visit.console_errors and "Content Security Policy" in visit.console_errors[0]
