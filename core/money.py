"""Money typed by a rep: "150000", "150 000", "1,500.50", "1500,50", "€ 2 400"."""

import re
from decimal import Decimal, InvalidOperation

from core.errors import InvalidAnswer

MAX_AMOUNT = Decimal("999999999999.99")
_SPACES = re.compile(r"[\s\u00a0\u202f'’_]")
_CURRENCY = r"(?:[$€£₽¥₸]|[a-z]{3}\.?|руб\.?|р\.?)"
_WITH_CURRENCY = re.compile(rf"{_CURRENCY}?(?P<number>[\d.,]+){_CURRENCY}?", re.IGNORECASE)
_PLAIN = re.compile(r"\d+(?:[.,]\d{1,2})?")
_THOUSANDS_COMMA = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?")
_THOUSANDS_DOT = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d{1,2})?")

REFUSAL = "Send the amount as a number, such as 150000 or 1 500.50."


def read_amount(text: str) -> Decimal:
    """Read a positive amount of money, with up to two decimals and any thousands separator.

    Raises:
        InvalidAnswer: the text is not an amount above zero.
    """
    match = _WITH_CURRENCY.fullmatch(_SPACES.sub("", text))
    if match is None:
        raise InvalidAnswer(REFUSAL)
    compact = match["number"]
    if _PLAIN.fullmatch(compact):
        number = compact.replace(",", ".")
    elif _THOUSANDS_COMMA.fullmatch(compact):
        number = compact.replace(",", "")
    elif _THOUSANDS_DOT.fullmatch(compact):
        number = compact.replace(".", "").replace(",", ".")
    else:
        raise InvalidAnswer(REFUSAL)
    try:
        amount = Decimal(number)
    except InvalidOperation:
        raise InvalidAnswer(REFUSAL) from None
    if not Decimal(0) < amount <= MAX_AMOUNT:
        raise InvalidAnswer("The amount must be above zero and below a trillion.")
    return amount
