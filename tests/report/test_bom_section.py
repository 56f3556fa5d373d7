"""The bill of materials section, on real purchase orders: systems with their sub-lines, the
total from top-level lines only (the capex), reservations apart per month, price sources."""

from __future__ import annotations

from solver.report.bom_section import INCLUDED, bill_of_materials, capex_by_category, price_sources, purchase_total
from solver.report.report_folder import read_folder


def test_every_line_is_shown_and_sub_lines_are_indented_beneath_their_system(bought_folder):
    folder = read_folder(bought_folder)
    table = bill_of_materials(folder.bom, "mid").purchase
    assert [row[0] for row in table.rows] == [str(line.line) for line in folder.bom]
    assert table.row_classes == ["sub" if line.parent is not None else "" for line in folder.bom]
    categories = {line.category for line in folder.bom}
    assert {"system", "chassis", "gpu", "frontend-switch", "management-switch", "installation", "support"} <= categories
    for line, row in zip(folder.bom, table.rows):
        assert f'<span class="sku">{line.sku}</span><br>{line.description}' in str(row[2])
        if line.parent is not None and line.unit_price_usd == 0:
            assert row[5] == row[7] == INCLUDED


def test_the_total_counts_top_level_lines_only_and_is_the_capex(bought_folder):
    folder = read_folder(bought_folder)
    capex = folder.plan["summary"]["capex_usd"]
    assert purchase_total(folder.bom) == capex < sum(line.extended_price_usd for line in folder.bom)
    assert bill_of_materials(folder.bom, "mid").purchase.footer[7] == f"${capex:,}"


def test_price_ranges_and_sources_are_shown(bought_folder):
    folder = read_folder(bought_folder)
    table = bill_of_materials(folder.bom, "mid").purchase
    switch = next(n for n, line in enumerate(folder.bom) if line.category == "frontend-switch")
    assert table.rows[switch][6] == "$10,000–$25,000"
    sources = {source.sku: source for source in price_sources(folder.bom)}
    assert set(sources) == {line.sku for line in folder.bom if line.parent is None}
    assert sources["tor-48x25g"].source == "test fixture (bundled catalog figure)"


def test_reservations_are_totalled_apart_per_month(hybrid_folder):
    folder = read_folder(hybrid_folder)
    section = bill_of_materials(folder.bom, "mid")
    rent = folder.plan["rent"]
    assert section.reservations.footer[5] == f"${rent['monthly_usd']:,}"
    assert [row[0] for row in section.reservations.rows] == [str(line.line) for line in folder.bom if line.category == "reservation"]
    assert section.purchase.footer[7] == f"${folder.plan['summary']['capex_usd']:,}"
    assert "reservation" not in str(capex_by_category(folder.bom))


def test_a_rented_plan_has_no_purchase(rented_folder):
    section = bill_of_materials(read_folder(rented_folder).bom, "mid")
    assert section.purchase is None and section.capex_chart is None and section.reservations.rows


def test_the_price_point_is_named():
    assert bill_of_materials([], "low").price_basis == "the low end of each item's published price range"


def test_capex_by_category_sums_top_level_lines(bought_folder):
    folder = read_folder(bought_folder)
    chart = str(capex_by_category(folder.bom))
    assert 'class="chart bars capex-by-category"' in chart
    systems = sum(line.extended_price_usd for line in folder.bom if line.category == "system")
    assert f"${systems:,}" in chart and ">chassis<" not in chart
