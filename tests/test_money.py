"""USD amounts: one parser for problem files, --budget options and quote CSVs."""

from __future__ import annotations

import pytest

from solver.errors import InputError
from solver.money import MAX_BUDGET_USD, parse_usd, usd_option


@pytest.mark.parametrize(
    "text, value",
    [
        ("250000", 250_000), ("250k", 250_000), ("250K", 250_000), ("1m", 1_000_000), ("1.5M", 1_500_000),
        ("$2,000,000", 2_000_000), ("2,500,000", 2_500_000), ("$300k", 300_000), ("2e6", 2_000_000),
        ("250_000", 250_000), (" 40k ", 40_000), ("99.5", 99.5), ("1b", 1e9), ("$ 1.5 m", 1_500_000),
        ("300 USD", 300), ("-5", -5), (250_000, 250_000), (0.125, 0.125), ("$0.08", 0.08),
    ],
)
def test_parse_usd_reads_the_usual_spellings(text, value):
    assert parse_usd(text) == value


@pytest.mark.parametrize("text", ["abc", "", "k", "inf", "nan", "-inf", "1x", "1mm", "2,5", "1,00", "1e309", float("inf"), float("nan"), 10**400, True, None, [1]])
def test_parse_usd_rejects_what_is_not_an_amount(text):
    with pytest.raises(ValueError) as caught:
        parse_usd(text)
    assert "250k" in str(caught.value)


def test_parse_usd_shortens_huge_inputs_in_its_message():
    with pytest.raises(ValueError) as caught:
        parse_usd("9" * 5000)
    assert len(str(caught.value)) < 200


@pytest.mark.parametrize("text", ["0", "-5", "-1k", "0k", "abc", "inf", "nan", "1x", "1mm", "2e12"])
def test_usd_option_rejects_bad_budgets_naming_the_option(text):
    with pytest.raises(InputError) as caught:
        usd_option(text, what="--budget")
    assert caught.value.message.startswith("--budget: ")


def test_usd_option_bounds_amounts():
    assert usd_option("1000b", what="--budget") == MAX_BUDGET_USD
    with pytest.raises(InputError, match="exceeds"):
        usd_option("1001b", what="--budget")
    assert usd_option("0", what="x", positive=False) == 0
