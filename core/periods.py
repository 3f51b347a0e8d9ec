"""Periods a manager asks about: today, the last 7 or 30 days, this month, or two dates.

Names are resolved at the moment of asking, in the team's time zone: "today" runs from
local midnight to now, "7d" is the last seven days up to now, "month" from the first of
this month, and two dates cover both whole local days. The short form of a period
(`Period.label` here, and the `token` of `named_period`) fits in callback data.
"""

import re
from datetime import date, datetime, time, timedelta, tzinfo

from core.metrics import Period

NAMES = ("today", "7d", "30d", "month")
_DAYS = re.compile(r"^(\d{1,4})d$")
_TOKEN = re.compile(r"^\d{8}-\d{8}$")
_DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%Y%m%d")
_SEPARATORS = re.compile(r"\s*(?:\.\.|–|—|\s-\s|\s)\s*")


class PeriodError(ValueError):
    """A period that cannot be read; the message says how to write one."""


def _midnight(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz)


def named_period(token: str, now: datetime, tz: tzinfo) -> Period:
    """Resolve a period's short form (today, 7d, 30d, month, or YYYYMMDD-YYYYMMDD)."""
    token = token.strip().lower()
    today = now.astimezone(tz).date()
    if token == "today":
        return Period(_midnight(today, tz), now, "today")
    if token == "month":
        return Period(_midnight(today.replace(day=1), tz), now, "month")
    days = _DAYS.match(token)
    if days and int(days[1]) > 0:
        return Period(now - timedelta(days=int(days[1])), now, token)
    if _TOKEN.match(token):
        first, last = (_read_date(part) for part in token.split("-"))
        return dates_period(first, last, tz)
    raise PeriodError(
        f"Unknown period {token!r}; use today, 7d, 30d, month, or two dates like "
        "2026-11-01..2026-11-30."
    )


def dates_period(first: date, last: date, tz: tzinfo) -> Period:
    """Cover the local dates first to last, both whole days."""
    if last < first:
        raise PeriodError("The period ends before it starts; put the earlier date first.")
    token = f"{first:%Y%m%d}-{last:%Y%m%d}"
    return Period(_midnight(first, tz), _midnight(last + timedelta(days=1), tz), token)


def parse_period(text: str, now: datetime, tz: tzinfo) -> Period:
    """Read a period as a name (today, 7d, 30d, month) or as two dates."""
    text = text.strip()
    if not text:
        raise PeriodError("Name a period: today, 7d, 30d, month, or two dates.")
    if text.lower() in NAMES or _DAYS.match(text.lower()) or _TOKEN.match(text):
        return named_period(text, now, tz)
    return dates_period(*parse_dates(text), tz)


def parse_dates(text: str) -> tuple[date, date]:
    """Read two dates, such as 2026-11-01..2026-11-30 or 01.11.2026 30.11.2026."""
    parts = [part for part in _SEPARATORS.split(text.strip()) if part]
    if len(parts) != 2:
        raise PeriodError(
            f"Cannot read {text!r} as a period; write two dates such as "
            "2026-11-01..2026-11-30 or 01.11.2026 30.11.2026."
        )
    first, last = _read_date(parts[0]), _read_date(parts[1])
    if last < first:
        raise PeriodError("The period ends before it starts; put the earlier date first.")
    return first, last


def month_of(day: date) -> tuple[date, date]:
    """Return the first and last dates of a day's month."""
    first = day.replace(day=1)
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return first, last


def _read_date(text: str) -> date:
    for layout in _DATE_FORMATS:
        try:
            return datetime.strptime(text, layout).date()  # noqa: DTZ007 - a plain date
        except ValueError:
            continue
    raise PeriodError(f"Cannot read {text!r} as a date; write 2026-11-01 or 01.11.2026.")


def describe(period: Period, tz: tzinfo) -> str:
    """Name a period for people: 'today', 'last 7 days', or '1 Nov 2026 – 30 Nov 2026'."""
    words = {"today": "today", "month": "this month"}
    if period.label in words:
        return words[period.label]
    days = _DAYS.match(period.label)
    if days:
        return f"last {days[1]} days"
    first, last = period.local_dates(tz)
    return f"{first:%d %b %Y} – {last:%d %b %Y}"
