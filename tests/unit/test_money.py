"""Tests for core.money.read_amount: the amount of a won deal as reps type it."""

from decimal import Decimal

import pytest

from core.errors import InvalidAnswer
from core.money import read_amount


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("150000", "150000"),
        ("150 000", "150000"),
        ("150\u00a0000", "150000"),
        ("1,500.50", "1500.50"),
        ("1.500,50", "1500.50"),
        ("1500,5", "1500.5"),
        ("1 500.25", "1500.25"),
        ("€ 2 400", "2400"),
        ("2400 EUR", "2400"),
        ("100 руб.", "100"),
        ("$99.99", "99.99"),
    ],
)
def test_reads_an_amount(typed: str, amount: str) -> None:
    assert read_amount(typed) == Decimal(amount)


@pytest.mark.parametrize("typed", ["", "a lot", "150k", "-5", "1.2.3,4,5", "12,34,56"])
def test_refuses_what_is_not_an_amount(typed: str) -> None:
    with pytest.raises(InvalidAnswer, match="as a number"):
        read_amount(typed)


@pytest.mark.parametrize("typed", ["0", "0,00", "1000000000000"])
def test_refuses_zero_and_absurd_amounts(typed: str) -> None:
    with pytest.raises(InvalidAnswer, match="above zero"):
        read_amount(typed)
