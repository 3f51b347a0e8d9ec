"""Read a moment ("tomorrow 10:00", "через 2 часа", "15.01 14:30") from plain text.

Reps set reminders by typing a date in English or Russian. :func:`read_moment` turns that
text into an aware :class:`~datetime.datetime` in the team's timezone, which it takes from
``now`` (a ``zoneinfo.ZoneInfo``). Only the standard library is used.

What it reads (case-insensitive; extra spaces, commas between words, surrounding quotes and
trailing ``.``/``!``/``?`` are ignored; ``ё`` reads as ``е``; Russian ``в``/``во``/``на``
are optional):

* relative: ``in 15 min``, ``in 2 hours``, ``in 1 h``, ``in a week``, ``in two days``,
  ``in half an hour``, ``in 1 hour 30 minutes``, ``in a month``, ``через 15 минут``,
  ``через час``, ``через полчаса``, ``через 2 дня и 3 часа``, ``+2h``, ``+30m``, ``+3d``;
* days: ``today 17:00``, ``tonight`` (19:00), ``tomorrow``, ``tomorrow at 10``,
  ``tomorrow morning``/``afternoon``/``evening``, ``day after tomorrow``, ``сегодня в 17:00``,
  ``завтра утром``/``днем``/``вечером``, ``послезавтра в 9:30``;
* weekdays: ``monday``, ``mon 10:00``, ``next friday 15:00``, ``on friday at 3pm``,
  ``в пн 10:00``, ``во вторник``, ``в среду утром``, ``в следующую пятницу``;
* dates: ``15.01``, ``15/01 14:30``, ``15.01.2027 9:00``, ``15.01.27``, ``2027-01-15``,
  ``2027-01-15 14:30``, ``jan 15``, ``15 jan 10:00``, ``January 15 at 10am``, ``15 января``,
  ``1 марта 2027``;
* times alone: ``10:00``, ``10.30``, ``9am``, ``3:30pm``, ``noon``, ``полдень``, ``в 10``,
  ``в 10:30``, ``в 3 дня``, ``в 11 вечера``, ``eod``/``end of day``/``к концу дня``;
* ``next week`` / ``на следующей неделе``.

A time may also come first: ``10:00 tomorrow``, ``в 10 в пятницу``.

Rules:

* A day without a time uses ``morning`` (09:00 unless the caller says otherwise).
  ``afternoon``/``днем`` is 14:00, ``evening``/``вечером`` is 18:00, ``tonight`` is today
  19:00 and ``tomorrow night`` is tomorrow 19:00, ``noon``/``полдень`` is 12:00, and
  ``eod``/``end of day``/``к концу дня`` is 18:00.
* Hours are 24-hour unless marked: ``at 3`` is 03:00, ``3pm``/``в 3 дня`` is 15:00;
  ``12am`` is 00:00 and ``12pm`` is noon. After ``tonight`` a bare 1..11 is evening
  (``tonight at 9`` is 21:00). Russian ``утра``/``дня``/``вечера``/``ночи`` work like am/pm.
* A bare number is an hour only with ``at``/``в``/``@``/``by``/``к``, or after a day
  (``tomorrow 10``, ``завтра 10``); ``10`` alone is not understood.
* Dates are always day first: ``15/01`` is 15 January; ``01/15`` is not understood.
* ``H.MM`` is ambiguous: it is a date when it is a valid day.month (``10.12`` is 10 December,
  ``1.05`` is 1 May), otherwise a time (``10.30``, ``9.45``, ``12.00``). After ``at``/``в``
  or after a day (``в 10.12``, ``tomorrow 10.15``) it is always a time. Before a day it is
  a time only if it is not a valid date (``10.30 tomorrow`` works, ``15.01 friday`` is
  refused). Use ``10:12`` to be unambiguous.
* Rolling forward: a time alone is today if still ahead, else tomorrow (``eod`` too); a
  weekday is the next such day, today's if the (given or morning) time is still ahead;
  ``next <weekday>`` is the nearest such day strictly after today (on a Wednesday,
  ``next friday`` is the coming Friday, two days away); a date without a year is the next
  occurrence of that day (``15.01`` in December is next January, ``29.02`` the next leap
  year); ``next week`` is next Monday.
* No rolling: moments that name a fixed day (``today``, ``tonight``, ``tomorrow``, a date
  that is today, a date with a year) raise :class:`DateInPast` if they are not after
  ``now``; ``today`` alone after the morning is therefore past.
* Relative days, weeks and months are calendar arithmetic that keeps the local wall-clock
  time (``in 2 days`` across a DST change is still 14:20); months clamp to the month's end
  (31 January + 1 month = 28/29 February). Minutes and hours are real elapsed time,
  computed in UTC. In a mixed phrase calendar units are applied first.
* DST: a wall-clock time inside a spring-forward gap is read with the offset in force
  before the gap and normalised through UTC, so it moves forward by the gap's length
  (Berlin, 29 March 2026: 02:30 becomes 03:30+02:00). A time that occurs twice when the
  clocks go back means its first occurrence. Every result is a valid aware datetime in
  ``now``'s timezone.

Limits: no midnight, "yesterday", "next month", "this morning", fractional amounts
("in 1.5 hours", "через полтора часа"), numbers above 99999 or written-out numbers other
than the common small ones, seconds, month-first numeric dates, or times with a timezone
of their own. Anything else raises :class:`DateNotUnderstood`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

__all__ = ["DateInPast", "DateNotUnderstood", "read_moment"]

# --------------------------------------------------------------------------- errors

_QUOTE_LIMIT = 60
_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)


def _quote(text: str) -> str:
    shown = " ".join(text.split())
    if len(shown) > _QUOTE_LIMIT:
        shown = shown[: _QUOTE_LIMIT - 1] + "…"
    return f'"{shown}"'


class DateNotUnderstood(ValueError):
    """The text does not name a moment that :func:`read_moment` can read."""

    def __init__(self, text: str, message: str | None = None) -> None:
        self.text = text
        if message is None:
            if _CYRILLIC.search(text):
                examples = '"завтра в 10:00", "через 2 часа" or "15.01 14:30"'
            else:
                examples = '"tomorrow 10:00", "in 2 hours" or "15.01 14:30"'
            message = f"Could not read a date from {_quote(text)}. Try {examples}."
        super().__init__(message)

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.text, str(self)))


class DateInPast(DateNotUnderstood):
    """The text names a moment that has already passed and cannot be rolled forward."""

    def __init__(self, text: str, moment: datetime) -> None:
        self.moment = moment
        message = (
            f"The moment {_quote(text)} ({moment:%d.%m.%Y %H:%M}) has already passed. "
            'Try a later one, such as "in 2 hours" or "tomorrow 10:00".'
        )
        super().__init__(text, message)

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.text, self.moment))


# --------------------------------------------------------------------------- vocabulary

_MONTHS: dict[str, int] = {
    # English, full and short
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3,
    "april": 4, "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7,
    "august": 8, "aug": 8, "september": 9, "sep": 9, "sept": 9, "october": 10,
    "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
    # Russian nominative
    "январь": 1, "февраль": 2, "март": 3, "апрель": 4, "май": 5, "июнь": 6,
    "июль": 7, "август": 8, "сентябрь": 9, "октябрь": 10, "ноябрь": 11, "декабрь": 12,
    # Russian genitive ("15 января")
    "января": 1, "февраля": 2, "марта": 3, "апреля": 4, "мая": 5, "июня": 6,
    "июля": 7, "августа": 8, "сентября": 9, "октября": 10, "ноября": 11, "декабря": 12,
    # Russian short
    "янв": 1, "фев": 2, "февр": 2, "мар": 3, "апр": 4, "июн": 6, "июл": 7,
    "авг": 8, "сен": 9, "сент": 9, "окт": 10, "ноя": 11, "нояб": 11, "дек": 12,
}  # fmt: skip

_WEEKDAYS: dict[str, int] = {
    # English, full and short
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2,
    "thursday": 3, "thu": 3, "thur": 3, "thurs": 3, "friday": 4, "fri": 4,
    "saturday": 5, "sat": 5, "sunday": 6, "sun": 6,
    # Russian nominative, accusative ("в среду") and short
    "понедельник": 0, "вторник": 1, "среда": 2, "среду": 2, "четверг": 3,
    "пятница": 4, "пятницу": 4, "суббота": 5, "субботу": 5, "воскресенье": 6,
    "пн": 0, "вт": 1, "ср": 2, "чт": 3, "пт": 4, "сб": 5, "вс": 6,
}  # fmt: skip

# Day words: offset from today in days.
_DAY_WORDS: dict[str, int] = {
    "today": 0, "tonight": 0, "сегодня": 0,
    "tomorrow": 1, "tmrw": 1, "tmr": 1, "завтра": 1,
    "day after tomorrow": 2, "the day after tomorrow": 2, "послезавтра": 2,
}  # fmt: skip
_TONIGHT = time(19, 0)

# Parts of the day: None stands for the caller's ``morning``.
_PARTS: dict[str, time | None] = {
    "morning": None, "in the morning": None, "утром": None, "с утра": None,
    "afternoon": time(14), "in the afternoon": time(14), "днем": time(14),
    "evening": time(18), "in the evening": time(18), "вечером": time(18),
    "night": _TONIGHT,
    "noon": time(12), "midday": time(12), "полдень": time(12),
    "eod": time(18), "end of day": time(18), "end of the day": time(18),
    "the end of the day": time(18), "cob": time(18), "close of business": time(18),
    "конец дня": time(18), "конце дня": time(18), "концу дня": time(18),
}  # fmt: skip

# Relative units: word -> (unit, multiplier).
_UNITS: dict[str, tuple[str, int]] = {
    **dict.fromkeys(["m", "min", "mins", "minute", "minutes"], ("minutes", 1)),
    **dict.fromkeys(["мин", "минута", "минуту", "минуты", "минут"], ("minutes", 1)),
    **dict.fromkeys(["half an hour", "half hour", "полчаса"], ("minutes", 30)),
    **dict.fromkeys(["h", "hr", "hrs", "hour", "hours"], ("hours", 1)),
    **dict.fromkeys(["ч", "час", "часа", "часов"], ("hours", 1)),
    **dict.fromkeys(["d", "day", "days", "сутки", "суток"], ("days", 1)),
    **dict.fromkeys(["дн", "день", "дня", "дней"], ("days", 1)),
    **dict.fromkeys(["w", "wk", "wks", "week", "weeks"], ("weeks", 1)),
    **dict.fromkeys(["нед", "неделя", "неделю", "недели", "недель"], ("weeks", 1)),
    **dict.fromkeys(["mo", "month", "months"], ("months", 1)),
    **dict.fromkeys(["мес", "месяц", "месяца", "месяцев"], ("months", 1)),
}
# Units that may stand without a number ("через час", "in half an hour").
_BARE_UNITS = frozenset(
    ["half an hour", "half hour", "полчаса", "минуту", "час", "день", "сутки", "неделю", "месяц"]
)

_NUMBER_WORDS: dict[str, int] = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "forty-five": 45,
    "a couple of": 2, "couple of": 2, "a couple": 2,
    "один": 1, "одна": 1, "одну": 1, "два": 2, "две": 2, "пару": 2, "три": 3,
    "четыре": 4, "пять": 5, "шесть": 6, "семь": 7, "восемь": 8, "девять": 9,
    "десять": 10, "пятнадцать": 15, "двадцать": 20, "тридцать": 30, "сорок": 40,
}  # fmt: skip

# --------------------------------------------------------------------------- regex fragments


def _alt(words: Iterable[str]) -> str:
    """A regex alternation of *words*, longest first."""
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_N = "[0-9]"  # not \d: that would also accept non-ASCII digits


def _quantity(*, named: bool) -> str:
    """One amount of a relative phrase ("2 hours", "a week", "час"), optionally with groups."""
    n, w, u = ("?P<n>", "?P<w>", "?P<u>") if named else ("?:", "?:", "?:")
    return (
        rf"(?:({n}{_N}{{1,5}})\s*|({w}{_alt(_NUMBER_WORDS)})\s+)?"
        rf"({u}{_alt(_UNITS)})\b"
    )


_QTY_STEP = re.compile(rf"\s*(?:(?:and|и)\s+)?{_quantity(named=True)}")

_TIME = (
    r"(?:(?P<tpre>at|@|by|around|в|во|к|около)\s*)?"
    rf"(?:(?P<hh>{_N}{{1,2}})(?:(?P<sep>[:.])(?P<mm>{_N}{{2}}))?"
    r"(?:\s*(?P<hsuf>ч|час|часа|часов)\b)?"
    r"(?:\s*(?P<ap>am|pm|утра|дня|вечера|ночи)\b)?"
    rf"|(?P<part>{_alt(_PARTS)}))"
)

_ON = r"(?:(?:on|на|for)\s+)?"
_YEAR_WORD = r"(?:\s*(?:года|год|г))?"
_ORDINAL = r"(?:st|nd|rd|th|-?е|-?го)?"

_RELATIVE = (
    r"(?:in\s+|через\s+|спустя\s+|\+\s*)"
    rf"(?P<body>{_quantity(named=False)}(?:\s*(?:(?:and|и)\s+)?{_quantity(named=False)})*)"
    r"(?:\s+(?:from now|later|позже))?"
)
_DAY_ANCHOR = rf"{_ON}(?P<day>{_alt(_DAY_WORDS)})"
_WEEKDAY_ANCHOR = (
    r"(?:(?:on|в|во|на)\s+)?"
    r"(?:(?P<next>next|следующий|следующую|следующее|след)\s+"
    r"|(?:this|coming|эту|этот|это|ближайший|ближайшую|ближайшее)\s+)?"
    rf"(?P<wd>{_alt(_WEEKDAYS)})"
)
_NEXT_WEEK_ANCHOR = (
    r"(?:next week|следующая неделя|(?:на\s+)?(?:следующей неделе|след неделе|следующую неделю))"
)
_ISO_ANCHOR = rf"{_ON}(?P<y>{_N}{{4}})-(?P<mo>{_N}{{1,2}})-(?P<d>{_N}{{1,2}})"
_NUMERIC_ANCHOR = (
    rf"{_ON}(?P<d>{_N}{{1,2}})[./](?P<mo>{_N}{{1,2}})(?:[./](?P<y>{_N}{{4}}|{_N}{{2}}))?"
)
_DAY_MONTH_ANCHOR = (
    rf"(?:(?:on|на|the)\s+)?(?P<d>{_N}{{1,2}}){_ORDINAL}\s*(?:of\s+)?"
    rf"(?P<mon>{_alt(_MONTHS)})\.?(?:\s+(?P<y>{_N}{{4}}){_YEAR_WORD})?"
)
_MONTH_DAY_ANCHOR = (
    rf"(?:on\s+)?(?P<mon>{_alt(_MONTHS)})\.?\s*(?P<d>{_N}{{1,2}}){_ORDINAL}"
    rf"(?:\s+(?P<y>{_N}{{4}}))?"
)

# --------------------------------------------------------------------------- resolution


@dataclass(frozen=True, slots=True)
class _Context:
    text: str
    now: datetime
    tz: tzinfo
    morning: time

    @property
    def today(self) -> date:
        return self.now.date()

    def is_ahead(self, moment: datetime) -> bool:
        """Whether *moment* is after now, compared in UTC.

        Same-zone comparison of aware datetimes ignores ``fold``, so 01:30 after the clocks
        go back would otherwise equal 01:30 before.
        """
        return moment.astimezone(UTC) > self.now.astimezone(UTC)


def _at(day: date, clock: time, tz: tzinfo) -> datetime:
    """The wall-clock *clock* on *day* in *tz*, normalised via UTC (gap times move forward)."""
    return datetime.combine(day, clock, tzinfo=tz).astimezone(UTC).astimezone(tz)


def _future(moment: datetime, ctx: _Context) -> datetime:
    """*moment* if it is after now, else :class:`DateInPast`."""
    if not ctx.is_ahead(moment):
        raise DateInPast(ctx.text, moment)
    return moment


def _twelve_hour(hour: int, marker: str) -> int | None:
    """Convert an hour marked am/pm (or утра/дня/вечера/ночи) to 0..23, None if invalid."""
    if not 1 <= hour <= 12:
        return None
    if marker in ("am", "утра"):
        return hour % 12
    if marker in ("pm", "дня"):
        return hour % 12 + 12
    if marker == "вечера":
        return hour + 12 if 4 <= hour <= 11 else None
    # ночи: 12 and 1..5 are after midnight, 9..11 are late evening.
    if hour == 12 or hour <= 5:
        return hour % 12
    return hour + 12 if hour >= 9 else None


def _clock(
    m: re.Match[str], ctx: _Context, default: time, *, evening: bool = False
) -> time | None:
    """The time named by the TIME groups of *m*, *default* if none, None if invalid."""
    if part := m["part"]:
        named = _PARTS[part]
        return ctx.morning if named is None else named
    if m["hh"] is None:
        return default
    hour, minute = int(m["hh"]), int(m["mm"] or 0)
    if m["ap"]:
        converted = _twelve_hour(hour, m["ap"])
        if converted is None:
            return None
        hour = converted
    elif evening and 1 <= hour <= 11:
        hour += 12
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _add_months(day: date, months: int) -> date:
    """*day* moved by calendar *months*, clamped to the end of the target month."""
    year, month_index = divmod(day.year * 12 + day.month - 1 + months, 12)
    first_of_next = date(year + (month_index + 1) // 12, (month_index + 1) % 12 + 1, 1)
    month_length = (first_of_next - timedelta(days=1)).day
    return date(year, month_index + 1, min(day.day, month_length))


def _next_date(today: date, month: int, day: int) -> date | None:
    """The first *day*.*month* on or after *today*, None if no such date exists."""
    for year in range(today.year, today.year + 9):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    return None


# --------------------------------------------------------------------------- handlers


def _relative(m: re.Match[str], ctx: _Context) -> datetime | None:
    """``in 2 hours``, ``через 3 дня``, ``+30m``: calendar units first, then elapsed time."""
    amounts = dict.fromkeys(("minutes", "hours", "days", "weeks", "months"), 0)
    body, pos = m["body"], 0
    while pos < len(body):
        q = _QTY_STEP.match(body, pos)
        if q is None or q.end() == pos:
            return None
        if q["n"] is None and q["w"] is None and q["u"] not in _BARE_UNITS:
            return None
        count = int(q["n"]) if q["n"] is not None else _NUMBER_WORDS.get(q["w"] or "", 1)
        unit, factor = _UNITS[q["u"]]
        amounts[unit] += count * factor
        pos = q.end()
    moment = ctx.now
    if amounts["months"] or amounts["weeks"] or amounts["days"]:
        day = _add_months(ctx.today, amounts["months"])
        day += timedelta(weeks=amounts["weeks"], days=amounts["days"])
        moment = _at(day, ctx.now.time(), ctx.tz)
    elapsed = timedelta(hours=amounts["hours"], minutes=amounts["minutes"])
    moment = (moment.astimezone(UTC) + elapsed).astimezone(ctx.tz)
    return moment if ctx.is_ahead(moment) else None


def _on_day_word(m: re.Match[str], ctx: _Context) -> datetime | None:
    """``today 17:00``, ``tonight``, ``tomorrow morning``, ``послезавтра в 9:30``."""
    word = m["day"]
    if word == "tonight":
        if m["part"]:
            return None
        clock = _clock(m, ctx, _TONIGHT, evening=True)
    else:
        clock = _clock(m, ctx, ctx.morning)
    if clock is None:
        return None
    day = ctx.today + timedelta(days=_DAY_WORDS[word])
    return _future(_at(day, clock, ctx.tz), ctx)


def _on_weekday(m: re.Match[str], ctx: _Context) -> datetime | None:
    """``friday 15:00``, ``в среду утром``: the next such day, today's if still ahead."""
    clock = _clock(m, ctx, ctx.morning)
    if clock is None:
        return None
    ahead = (_WEEKDAYS[m["wd"]] - ctx.today.weekday()) % 7
    if m["next"] and ahead == 0:
        ahead = 7
    moment = _at(ctx.today + timedelta(days=ahead), clock, ctx.tz)
    if not ctx.is_ahead(moment):
        moment = _at(ctx.today + timedelta(days=ahead + 7), clock, ctx.tz)
    return moment


def _on_next_week(m: re.Match[str], ctx: _Context) -> datetime | None:
    """``next week``: Monday of the next calendar week, at morning unless a time is given."""
    clock = _clock(m, ctx, ctx.morning)
    if clock is None:
        return None
    monday = ctx.today + timedelta(days=7 - ctx.today.weekday())
    return _future(_at(monday, clock, ctx.tz), ctx)


def _on_date(m: re.Match[str], ctx: _Context) -> datetime | None:
    """``15.01 14:30``, ``2027-01-15``, ``15 января``: a year-less date is the next one."""
    groups = m.groupdict()
    month = int(groups["mo"]) if groups.get("mo") else _MONTHS[groups["mon"]]
    day_of_month = int(groups["d"])
    if year_text := groups["y"]:
        year = int(year_text) + (2000 if len(year_text) == 2 else 0)
        try:
            day: date | None = date(year, month, day_of_month)
        except ValueError:
            return None
    else:
        day = _next_date(ctx.today, month, day_of_month)
    clock = _clock(m, ctx, ctx.morning)
    if day is None or clock is None:
        return None
    return _future(_at(day, clock, ctx.tz), ctx)


def _time_alone(m: re.Match[str], ctx: _Context) -> datetime | None:
    """``10:00``, ``9am``, ``в 10``, ``eod``: today if still ahead, else tomorrow."""
    if m["hh"] and not (m["tpre"] or m["mm"] or m["ap"] or m["hsuf"]):
        return None  # a bare number ("10") is too ambiguous on its own
    clock = _clock(m, ctx, ctx.morning)
    if clock is None:
        return None
    moment = _at(ctx.today, clock, ctx.tz)
    if not ctx.is_ahead(moment):
        moment = _at(ctx.today + timedelta(days=1), clock, ctx.tz)
    return moment


# --------------------------------------------------------------------------- pattern table

_Handler = Callable[[re.Match[str], _Context], datetime | None]


def _time_first(handler: _Handler) -> _Handler:
    """Wrap an anchor's *handler* for "TIME ANCHOR" order: refuse "15.01 friday"."""

    def wrapped(m: re.Match[str], ctx: _Context) -> datetime | None:
        if m["sep"] == "." and _next_date(ctx.today, int(m["mm"]), int(m["hh"])) is not None:
            return None  # reads as a date as much as a time
        return handler(m, ctx)

    return wrapped


_ANCHORS: tuple[tuple[str, _Handler], ...] = (
    (_DAY_ANCHOR, _on_day_word),
    (_WEEKDAY_ANCHOR, _on_weekday),
    (_NEXT_WEEK_ANCHOR, _on_next_week),
    (_ISO_ANCHOR, _on_date),
    (_NUMERIC_ANCHOR, _on_date),
    (_DAY_MONTH_ANCHOR, _on_date),
    (_MONTH_DAY_ANCHOR, _on_date),
)

# Tried in order; the first whose handler returns a moment wins.
_PATTERNS: tuple[tuple[re.Pattern[str], _Handler], ...] = (
    (re.compile(_RELATIVE), _relative),
    *((re.compile(rf"{anchor}(?:\s+{_TIME})?"), handler) for anchor, handler in _ANCHORS),
    *((re.compile(rf"{_TIME}\s+{anchor}"), _time_first(h)) for anchor, h in _ANCHORS),
    (re.compile(_TIME), _time_alone),
)

_AM_PM = re.compile(r"\b([ap])\.\s?m\b\.?")
_ISO_T = re.compile(r"([0-9]{4}-[0-9]{1,2}-[0-9]{1,2})t(?=[0-9])")
_COMMA = re.compile(r",(?=\s|$)")
_EDGE_PUNCTUATION = " .,!?;:…\"'«»“”„"


def _normalise(text: str) -> str:
    """Lower-case, ё→е, a.m.→am, drop commas between words and punctuation at the ends."""
    text = text.lower().replace("ё", "е")
    text = _AM_PM.sub(r"\1m", text)
    text = _ISO_T.sub(r"\1 ", text)
    text = _COMMA.sub(" ", text)
    return " ".join(text.split()).strip(_EDGE_PUNCTUATION)


def read_moment(text: str, now: datetime, *, morning: time = time(9, 0)) -> datetime:
    """Read the moment *text* names, in the timezone of the aware *now*; raise if unreadable."""
    tz = now.tzinfo
    if tz is None or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")
    ctx = _Context(text=text, now=now, tz=tz, morning=morning.replace(tzinfo=None))
    normalised = _normalise(text)
    for pattern, handler in _PATTERNS:
        match = pattern.fullmatch(normalised)
        if match is None:
            continue
        try:
            moment = handler(match, ctx)
        except DateNotUnderstood:
            raise
        except (ValueError, OverflowError):  # out-of-range arithmetic: try the next pattern
            moment = None
        if moment is not None:
            return moment
    raise DateNotUnderstood(text)
