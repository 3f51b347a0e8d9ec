"""Normalising contacts: phones to E.164, e-mails checked and lower-cased.

Both the HTTP API and the bot (a prospect who shares a phone) use these, so one
contact always looks the same and a repeat inquiry finds its open lead.
"""

import phonenumbers
from email_validator import EmailNotValidError, validate_email


class ContactError(ValueError):
    """A phone or e-mail that cannot be a real one; the message says why."""


def normalise_phone(raw: str, region: str | None) -> str:
    """Return the phone in E.164 (+15551234567), or raise ContactError."""
    text = raw.strip()
    if not text:
        raise ContactError("The phone is empty.")
    if region is None and not text.startswith(("+", "00")):
        raise ContactError(
            "The phone has no country code; write it as +<country><number> "
            "or set LEADLINE_PHONE_REGION."
        )
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise ContactError(f"The phone {raw!r} cannot be read as a phone number.") from exc
    if not phonenumbers.is_possible_number(number):
        raise ContactError(f"The phone {raw!r} has the wrong number of digits.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_email(raw: str) -> str:
    """Return the e-mail checked and lower-cased, or raise ContactError."""
    try:
        checked = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise ContactError(f"The e-mail {raw!r} is not valid: {exc}") from exc
    return checked.normalized.lower()
