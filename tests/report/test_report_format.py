"""How numbers read in the report."""

from __future__ import annotations

from solver.report.report_format import DASH, by_key, gib, humanize, kw, number, pct, usd


def test_money_power_shares_and_memory():
    assert (usd(653491), usd(1.234), usd(None)) == ("$653,491", "$1.23", DASH)
    assert kw(34700) == "34.7 kW"
    assert (pct(0.8), pct(0.399306), pct(1.0), pct(0.0)) == ("80%", "39.9%", "100%", "0%")
    assert (gib(2**31), gib(128 * 2**20)) == ("2.0 GiB", "128 MiB")
    assert (number(1234567.0), number(0.12345), number(12.5)) == ("1,234,567", "0.123", "12.50")


def test_values_are_formatted_by_their_key():
    assert humanize("usd_per_million_output_tokens") == "$ per million output tokens"
    assert humanize("amortised_yearly_usd") == "Amortised yearly ($)"
    assert humanize("electricity_usd_per_kwh") == "Electricity $ per kwh"
    assert by_key("monthly_usd", 61000) == "$61,000"
    assert by_key("served_fraction", 0.5) == "50%"
    assert by_key("tokens_per_day", 1.2e8) == "120,000,000"
    assert by_key("spot", True) == "yes"
