"""Vendor quote CSVs: prices read like every amount, bounded like the catalog, errors at file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from solver.errors import InputError
from solver.prices import Quote, apply_quotes, read_quotes
from tests.fixtures.problems import mini_catalog


def quotes_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "quotes.csv"
    path.write_text(text, encoding="utf-8")
    return path


def refused(tmp_path: Path, text: str, *fragments: str) -> str:
    with pytest.raises(InputError) as caught:
        read_quotes(quotes_file(tmp_path, text))
    message = caught.value.message
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    return message


def test_prices_accept_money_text_comments_and_extra_columns(tmp_path):
    text = "# quote 2025-01\nsku, unit_price_usd, note\nrtx-4090, \"$1,234\", desk\n\nl40s,8.5k  # list price\nH100-SXM,30000\n"
    quotes = read_quotes(quotes_file(tmp_path, text))
    assert quotes == {"rtx-4090": Quote(1234, 3), "l40s": Quote(8500, 5), "H100-SXM": Quote(30000, 6)}


@pytest.mark.parametrize("price", ["1e308", "inf", "nan", "-1", "-5k", "2e9", "abc", "", "\"1,00\""])
def test_absurd_or_unreadable_prices_name_file_and_line(tmp_path, price):
    refused(tmp_path, f"sku,unit_price_usd\nrtx-4090,1599\nl40s,{price}\n", "quotes.csv:3: unit_price_usd:")


def test_prices_1e308_inf_nan_negative_are_refused(tmp_path):
    for price, reason in (("1e308", "out of range"), ("inf", "cannot read"), ("nan", "cannot read"), ("-1", "out of range")):
        refused(tmp_path, f"sku,unit_price_usd\nl40s,{price}\n", "quotes.csv:2:", reason)


def test_header_and_sku_problems(tmp_path):
    refused(tmp_path, "name,price\nl40s,1\n", "quotes.csv:1: missing column(s) sku, unit_price_usd")
    refused(tmp_path, "sku,unit_price_usd\n,100\n", "quotes.csv:2: sku is empty")
    refused(tmp_path, "", "quotes.csv: the file is empty")
    refused(tmp_path, '# only\nsku,unit_price_usd\n"l40s,1\n', "quotes.csv:3: cannot read as CSV")


def test_unreadable_file(tmp_path):
    path = tmp_path / "quotes.csv"
    path.write_bytes(b"sku,unit_price_usd\n\xff\xfe,1\n")
    with pytest.raises(InputError, match="not UTF-8"):
        read_quotes(path)
    with pytest.raises(InputError, match="no such price file"):
        read_quotes(tmp_path / "missing.csv")


def test_unknown_sku_names_the_line_and_suggests(tmp_path):
    path = quotes_file(tmp_path, "sku,unit_price_usd\nl40s,8000\nrtx-4091,1\n")
    with pytest.raises(InputError) as caught:
        apply_quotes(mini_catalog(), read_quotes(path), path)
    assert "quotes.csv:3: sku: unknown SKU 'rtx-4091' — did you mean" in caught.value.message


def test_quotes_replace_catalog_prices(tmp_path):
    path = quotes_file(tmp_path, "sku,unit_price_usd\nrtx-4090,1.2k\n")
    catalog = apply_quotes(mini_catalog(), read_quotes(path), path)
    gpu = catalog.gpu("rtx-4090")
    assert gpu.price_usd == 1200 and gpu.price_source == "vendor quote quotes.csv line 2"
    assert (gpu.price_low_usd, gpu.price_high_usd, gpu.price_as_of) == (None, None, "quoted")


QUOTE_WITH_TERMS = "sku,unit_price_usd,vendor,quote_id,quote_date,valid_until\nh100-pcie,22000,Acme Systems,Q-1042,2026-11-01,2026-12-31\n"


def test_quote_terms_flow_into_the_bom(tmp_path):
    from solver.verify.checker import verify_plan
    from tests.fixtures.problems import chat_fleet, plan_of, solve_mini
    from tests.fixtures.procurement import procurement_catalog

    path = quotes_file(tmp_path, QUOTE_WITH_TERMS)
    catalog = apply_quotes(procurement_catalog(), read_quotes(path), path)
    problem = chat_fleet(8, allowed_gpus=["h100-pcie"])
    data, solution = solve_mini(problem, catalog)
    plan = plan_of(data, solution)
    (gpu_line,) = [line for line in plan.bom if line.category == "gpu"]
    assert (gpu_line.unit_price_usd, gpu_line.quote_vendor, gpu_line.quote_id, gpu_line.quote_date, gpu_line.quote_valid_until) == (
        22000, "Acme Systems", "Q-1042", "2026-11-01", "2026-12-31"
    )
    assert gpu_line.price_source == "vendor quote quotes.csv line 2, from Acme Systems, ref Q-1042, dated 2026-11-01, valid until 2026-12-31"
    assert verify_plan(plan, problem, catalog) == []


def test_an_expired_quote_is_warned_about(tmp_path):
    import datetime

    from solver.prices import expired_quotes

    path = quotes_file(tmp_path, QUOTE_WITH_TERMS)
    catalog = apply_quotes(mini_catalog(), read_quotes(path), path)
    assert expired_quotes(catalog, datetime.date(2026, 12, 31)) == []
    (warning,) = expired_quotes(catalog, datetime.date(2027, 1, 1))
    assert warning == "quotes.csv:2: quote Q-1042 for h100-pcie expired on 2026-12-31; ask the vendor to re-quote"


@pytest.mark.parametrize("column, value", [("quote_date", "31/12/2026"), ("valid_until", "next week")])
def test_quote_dates_must_be_iso(tmp_path, column, value):
    header = "sku,unit_price_usd," + column
    refused(tmp_path, f"{header}\nl40s,8000,{value}\n", f"quotes.csv:2: {column}: {value!r} is not a date")
