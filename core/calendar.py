"""Business time: weekly opening hours, closed and open dates, and time arithmetic in them.

Sales teams measure response norms ("answer within 15 business minutes") in business time:
only the moments when the team works count. Two types model this:

* `WeeklySchedule` holds opening intervals per weekday in local wall-clock time and is parsed
  from text such as ``"mon-fri 09:00-18:00; sat 10:00-14:00"``, ``"always"`` or ``"closed"``.
* `BusinessCalendar` places a schedule in a time zone and adds public holidays, extra closed
  dates and extra open dates (a working Saturday). It answers `is_open`, `next_opening`,
  `next_closing`, `business_time_between`, `add_business_time`, `open_intervals`,
  `opening_of_day` and `next_business_morning`.

Time rules
----------
* Moments passed in must be timezone-aware (any zone); naive ones raise ValueError. Moments
  returned are aware and in the zone of the moment asked about (the ``start`` of
  `open_intervals`); where the answer is that very moment, the argument itself is returned.
  `opening_of_day` answers in the calendar's zone. Compare and subtract results in UTC: Python
  compares and subtracts two datetimes sharing a tzinfo by wall clock (ignoring DST and
  ``fold``); ``==`` across zones is always False for a wall time in a repeated or skipped hour.
* Open intervals are half-open: with 09:00-18:00 the calendar is open at 09:00, closed at 18:00.
* Durations are real elapsed time, computed in UTC.
* Daylight saving: interval bounds are wall-clock times in the calendar's zone and become real
  moments through `zoneinfo` with ``fold=0`` (PEP 495), normalised through UTC. A wall time that
  occurs twice (clocks fall back) means its first occurrence. A wall time that does not exist
  (clocks spring forward) is read with the offset in force before the change, so it lands as far
  after the gap as it was into it: 02:30 on the Berlin spring-forward day is 03:30 CEST. Thus
  ``sun 00:00-24:00`` is 23 h of real time on the spring-forward Sunday and 25 h on the
  fall-back Sunday, while a 09:00-18:00 day stays 9 h. The real intervals of one local date are
  merged and clipped to that date, so they never overlap, even when an interval touches the gap.
* Public holidays and extra closed dates close the whole local date. An extra open date uses its
  own intervals whatever its weekday and even if it is a holiday. A date may not be both extra
  open and extra closed.

Limits
------
* Interval bounds have one-minute resolution and an interval cannot pass midnight: split it at
  24:00. Open stretches that run across midnight are still joined by `open_intervals` and
  `next_closing`.
* Searches forward give up after `SEARCH_HORIZON_DAYS` (400) closed days in a row by raising
  `CalendarError`; `next_closing` returns None for a stretch lasting longer than that (24/7).
* Holidays may be any `Container[date]`; only ``day in holidays`` is asked, once per date seen
  (results are cached per calendar, so the container must not change afterwards).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Container, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from types import MappingProxyType
from typing import Final, TypeAlias

__all__ = [
    "DAY_NAMES",
    "MINUTES_PER_DAY",
    "SEARCH_HORIZON_DAYS",
    "BusinessCalendar",
    "CalendarError",
    "DayHours",
    "DayIntervals",
    "Interval",
    "ScheduleError",
    "WeeklySchedule",
]

MINUTES_PER_DAY: Final = 24 * 60
SEARCH_HORIZON_DAYS: Final = 400
DAY_NAMES: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

Interval: TypeAlias = tuple[int, int]
"""Minutes after local midnight: ``(start, end)`` with ``0 <= start < end <= 1440``."""
DayIntervals: TypeAlias = tuple[Interval, ...]
DayHours: TypeAlias = str | Iterable[tuple[time | int, time | int]]
"""Opening hours of one date: ``"10:00-14:00,15:00-17:00"``, ``"closed"`` or bound pairs."""

_Span: TypeAlias = tuple[datetime, datetime]
_ONE_DAY: Final = timedelta(days=1)
_ZERO: Final = timedelta(0)
_ALWAYS_WORDS: Final = frozenset({"always", "24/7"})
_CLOSED_WORD: Final = "closed"
_DASHES: Final = str.maketrans({"\u2013": "-", "\u2014": "-"})
_SPACED_DASH: Final = re.compile(r"\s*-\s*")
_LIST_SEPARATOR: Final = re.compile(r"[,\s]+")
_CLAUSE_SEPARATOR: Final = re.compile(r"[;\n]")
_CLAUSE: Final = re.compile(r"([^\d]*)(.*)", re.DOTALL)
_INTERVAL: Final = re.compile(r"(\d{1,2}:\d{2})-(\d{1,2}:\d{2})")
_DAY_LIST: Final = ", ".join(DAY_NAMES)


class CalendarError(Exception):
    """Business-calendar failure, e.g. a calendar that never opens."""


class ScheduleError(CalendarError, ValueError):
    """Schedule text or calendar settings that cannot be used."""


# --- parsing -------------------------------------------------------------------------------


def _parse_schedule(text: str) -> WeeklySchedule:
    """Parse schedule text into a `WeeklySchedule`."""
    cleaned = text.translate(_DASHES).strip()
    if cleaned.lower() in _ALWAYS_WORDS:
        return WeeklySchedule.always()
    if cleaned.lower() == _CLOSED_WORD:
        return WeeklySchedule()
    clauses = [part.strip() for part in _CLAUSE_SEPARATOR.split(cleaned) if part.strip()]
    if not clauses:
        raise ScheduleError(
            'The schedule is empty; write e.g. "mon-fri 09:00-18:00", "always" or "closed".'
        )
    days: list[list[Interval]] = [[] for _ in DAY_NAMES]
    for clause in clauses:
        weekdays, intervals = _parse_clause(clause)
        for weekday in weekdays:
            days[weekday].extend(intervals)
    return WeeklySchedule(tuple(tuple(day) for day in days))


def _parse_clause(clause: str) -> tuple[tuple[int, ...], tuple[Interval, ...]]:
    """Split one ``days hours`` clause into weekday numbers and intervals."""
    match = _CLAUSE.fullmatch(clause)
    assert match is not None  # the pattern matches any text
    day_part, hours_part = match[1].strip(), match[2].strip()
    if not day_part:
        raise ScheduleError(
            f'No days before "{hours_part}" in "{clause}"; '
            'start each part with days, e.g. "mon-fri 09:00-18:00".'
        )
    weekdays = _parse_days(day_part, clause)
    if not hours_part:
        raise ScheduleError(
            f'No opening hours after "{day_part}" in "{clause}"; '
            f'add them as HH:MM-HH:MM, e.g. "{day_part} 09:00-18:00".'
        )
    return weekdays, _parse_intervals(hours_part, clause, weekdays[0])


def _parse_days(text: str, clause: str) -> tuple[int, ...]:
    """Turn ``mon-fri,sun`` into weekday numbers (Monday is 0), keeping their order."""
    weekdays: list[int] = []
    for token in _LIST_SEPARATOR.split(_SPACED_DASH.sub("-", text)):
        if token:
            weekdays.extend(day for day in _parse_day_token(token, clause) if day not in weekdays)
    return tuple(weekdays)


def _parse_day_token(token: str, clause: str) -> list[int]:
    """Turn ``mon`` or a range such as ``fri-mon`` (it may wrap) into weekday numbers."""
    if "-" not in token:
        return [_day_number(token, clause)]
    first, _, last = token.partition("-")
    if not first or not last or "-" in last:
        raise ScheduleError(
            f'Bad day range "{token}" in "{clause}"; write a range as two days, e.g. "mon-fri".'
        )
    start, stop = _day_number(first, clause), _day_number(last, clause)
    return [(start + offset) % 7 for offset in range((stop - start) % 7 + 1)]


def _day_number(name: str, clause: str) -> int:
    """Return the weekday number of a three-letter English day name."""
    try:
        return DAY_NAMES.index(name.lower())
    except ValueError:
        raise ScheduleError(f'Unknown day "{name}" in "{clause}"; use {_DAY_LIST}.') from None


def _parse_intervals(text: str, context: str, weekday: int | None) -> tuple[Interval, ...]:
    """Parse ``09:00-13:00,14:00-18:00`` into minute intervals."""
    items = _LIST_SEPARATOR.split(_SPACED_DASH.sub("-", text))
    return tuple(_parse_interval(item, context, weekday) for item in items if item)


def _parse_interval(item: str, context: str, weekday: int | None) -> Interval:
    """Parse one ``HH:MM-HH:MM`` interval."""
    match = _INTERVAL.fullmatch(item)
    if match is None:
        raise ScheduleError(_bad_interval_message(item, context))
    start = _parse_clock(match[1], context, as_end=False)
    end = _parse_clock(match[2], context, as_end=True)
    if end < start:
        raise ScheduleError(_past_midnight_message(item, context, match[1], match[2], weekday))
    if end == start:
        raise ScheduleError(
            f'Interval "{item}" in "{context}" is empty; the end must be after the start.'
        )
    return start, end


def _parse_clock(text: str, context: str, *, as_end: bool) -> int:
    """Parse ``HH:MM`` into minutes after midnight; ``24:00`` is allowed only as an end."""
    hours, minutes = (int(part) for part in text.split(":"))
    if as_end and (hours, minutes) == (24, 0):
        return MINUTES_PER_DAY
    if hours < 24 and minutes < 60:
        return hours * 60 + minutes
    raise ScheduleError(
        f'Bad time "{text}" in "{context}"; use 00:00 to 23:59, or 24:00 as the end of a day.'
    )


def _bad_interval_message(item: str, context: str) -> str:
    """Explain why ``item`` is not an interval."""
    if item[0].isalpha():
        return (
            f'Expected opening hours but found "{item}" in "{context}"; separate day groups '
            'with ";", e.g. "mon 09:00-18:00; tue 10:00-14:00".'
        )
    return (
        f'Bad interval "{item}" in "{context}"; write intervals as HH:MM-HH:MM, '
        'e.g. "09:00-18:00".'
    )


def _past_midnight_message(
    item: str, context: str, start: str, end: str, weekday: int | None
) -> str:
    """Explain that an interval may not run past midnight and how to split it."""
    if weekday is None:
        advice = f'use "{start}-24:00" and open the next date from 00:00 until {end}'
    else:
        day, next_day = DAY_NAMES[weekday], DAY_NAMES[(weekday + 1) % 7]
        advice = f'e.g. "{day} {start}-24:00; {next_day} 00:00-{end}"'
    return f'Interval "{item}" in "{context}" ends past midnight; split it at 24:00, {advice}.'


# --- formatting and normalising ------------------------------------------------------------


def _format_clock(minutes: int) -> str:
    """Format minutes after midnight as ``HH:MM``."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _format_intervals(intervals: DayIntervals) -> str:
    """Format intervals as ``09:00-13:00,14:00-18:00``."""
    return ",".join(f"{_format_clock(start)}-{_format_clock(end)}" for start, end in intervals)


def _format_days(weekdays: Sequence[int]) -> str:
    """Format ascending weekday numbers as ``mon-wed,fri``."""
    runs: list[list[int]] = []
    for weekday in weekdays:
        if runs and runs[-1][-1] == weekday - 1:
            runs[-1].append(weekday)
        else:
            runs.append([weekday])
    return ",".join(_format_run(run) for run in runs)


def _format_run(run: Sequence[int]) -> str:
    """Format consecutive weekdays as ``mon``, ``mon,tue`` or ``mon-wed``."""
    if len(run) >= 3:
        return f"{DAY_NAMES[run[0]]}-{DAY_NAMES[run[-1]]}"
    return ",".join(DAY_NAMES[weekday] for weekday in run)


def _normalise_day(intervals: Iterable[Interval]) -> DayIntervals:
    """Validate intervals and merge the overlapping and touching ones."""
    merged: list[Interval] = []
    for start, end in sorted(_checked_interval(interval) for interval in intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple(merged)


def _checked_interval(interval: Interval) -> Interval:
    """Return ``interval`` as ints, or raise if it is not ``0 <= start < end <= 1440``."""
    start, end = interval
    if not all(isinstance(bound, int) for bound in interval) or not 0 <= start < end <= 1440:
        raise ScheduleError(
            f"Bad interval {interval!r}; use minutes after midnight with 0 <= start < end <= 1440."
        )
    return int(start), int(end)


def _bound_minutes(bound: time | int, *, as_end: bool) -> int:
    """Turn a `time` (midnight as an end means 24:00) or minute count into minutes."""
    if not isinstance(bound, time):
        return bound
    if bound.second or bound.microsecond:
        raise ScheduleError(f"Opening hours use whole minutes, got {bound.isoformat()}.")
    minutes = bound.hour * 60 + bound.minute
    return MINUTES_PER_DAY if as_end and minutes == 0 else minutes


def _day_hours(hours: DayHours) -> DayIntervals:
    """Normalise the opening hours given for one date."""
    if isinstance(hours, str):
        text = hours.translate(_DASHES).strip()
        if text.lower() in ("", _CLOSED_WORD):
            return ()
        return _normalise_day(_parse_intervals(text, text, None))
    return _normalise_day(
        (_bound_minutes(start, as_end=False), _bound_minutes(end, as_end=True))
        for start, end in hours
    )


# --- schedule ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WeeklySchedule:
    """Opening intervals for each weekday (Monday first), in local wall-clock minutes."""

    days: tuple[DayIntervals, ...] = ((),) * 7

    def __post_init__(self) -> None:
        """Validate the days and merge overlapping intervals."""
        if len(self.days) != 7:
            raise ScheduleError(f"A weekly schedule needs 7 days, got {len(self.days)}.")
        object.__setattr__(self, "days", tuple(_normalise_day(day) for day in self.days))

    @classmethod
    def parse(cls, text: str) -> WeeklySchedule:
        """Parse text such as ``"mon-fri 09:00-18:00; sat 10:00-14:00"``."""
        return _parse_schedule(text)

    @classmethod
    def always(cls) -> WeeklySchedule:
        """Return the schedule that is open around the clock, every day."""
        return cls((((0, MINUTES_PER_DAY),),) * 7)

    @property
    def is_never_open(self) -> bool:
        """Tell whether no weekday has any opening hours."""
        return not any(self.days)

    def __str__(self) -> str:
        """Return the canonical text, which parses back to an equal schedule."""
        if self.is_never_open:
            return _CLOSED_WORD
        if self == WeeklySchedule.always():
            return "always"
        groups: dict[DayIntervals, list[int]] = {}
        for weekday, intervals in enumerate(self.days):
            if intervals:
                groups.setdefault(intervals, []).append(weekday)
        return "; ".join(
            f"{_format_days(weekdays)} {_format_intervals(intervals)}"
            for intervals, weekdays in groups.items()
        )


# --- calendar ------------------------------------------------------------------------------


def _as_utc(moment: datetime, name: str) -> datetime:
    """Convert an aware datetime to UTC; reject naive ones."""
    if not isinstance(moment, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(moment).__name__}.")
    if moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {moment.isoformat()}.")
    return moment.astimezone(UTC)


def _in_zone_of(moment: datetime, original: datetime) -> datetime:
    """Express a moment in the zone of ``original``, returning ``original`` if they are equal."""
    return original if moment == original.astimezone(UTC) else moment.astimezone(original.tzinfo)


def _plain_date(day: date, name: str) -> date:
    """Return ``day`` if it is a date and not a datetime."""
    if isinstance(day, datetime) or not isinstance(day, date):
        raise TypeError(f"{name} must be a date, got {day!r}.")
    return day


def _clip_and_merge(spans: Iterable[_Span], lower: datetime, upper: datetime) -> tuple[_Span, ...]:
    """Clip start-sorted spans to [lower, upper] and merge the overlapping ones."""
    merged: list[_Span] = []
    for raw_start, raw_end in spans:
        start, end = max(raw_start, lower), min(raw_end, upper)
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple(merged)


def _join_touching(spans: Iterable[_Span]) -> Iterator[_Span]:
    """Join spans where one ends exactly where the next starts."""
    current: _Span | None = None
    for start, end in spans:
        if current is not None and start == current[1]:
            current = (current[0], end)
            continue
        if current is not None:
            yield current
        current = (start, end)
    if current is not None:
        yield current


class BusinessCalendar:
    """A weekly schedule placed in a time zone, with holidays and per-date overrides."""

    def __init__(
        self,
        tz: tzinfo,
        schedule: WeeklySchedule | str,
        holidays: Container[date] = frozenset(),
        extra_closed: Collection[date] = (),
        extra_open: Mapping[date, DayHours] = MappingProxyType({}),
    ) -> None:
        """Build a calendar; ``schedule`` may be a `WeeklySchedule` or its text."""
        if not isinstance(tz, tzinfo):
            raise TypeError(f"tz must be a tzinfo such as ZoneInfo, got {tz!r}.")
        self._tz = tz
        self._schedule = (
            schedule if isinstance(schedule, WeeklySchedule) else WeeklySchedule.parse(schedule)
        )
        self._holidays = holidays
        self._extra_closed = frozenset(_plain_date(d, "extra_closed date") for d in extra_closed)
        self._extra_open = MappingProxyType(
            {_plain_date(d, "extra_open date"): _day_hours(h) for d, h in extra_open.items()}
        )
        self._check_overrides()
        self._day_spans = functools.lru_cache(maxsize=2048)(self._compute_day_spans)

    def _check_overrides(self) -> None:
        """Reject dates that are both extra open and extra closed."""
        both = sorted(self._extra_closed.intersection(self._extra_open))
        if both:
            listed = ", ".join(day.isoformat() for day in both)
            raise ScheduleError(f"Dates cannot be both extra open and extra closed: {listed}.")

    @property
    def tz(self) -> tzinfo:
        """Return the zone whose wall clock the schedule follows."""
        return self._tz

    @property
    def schedule(self) -> WeeklySchedule:
        """Return the weekly schedule."""
        return self._schedule

    @property
    def holidays(self) -> Container[date]:
        """Return the holiday dates (closed all day unless extra open)."""
        return self._holidays

    @property
    def extra_closed(self) -> frozenset[date]:
        """Return the dates closed all day besides holidays."""
        return self._extra_closed

    @property
    def extra_open(self) -> Mapping[date, DayIntervals]:
        """Return the dates with their own opening hours, normalised to minute intervals."""
        return self._extra_open

    def __repr__(self) -> str:
        """Return a debugging representation."""
        return (
            f"BusinessCalendar(tz={self._tz!r}, schedule={str(self._schedule)!r}, "
            f"extra_closed={len(self._extra_closed)} dates, "
            f"extra_open={len(self._extra_open)} dates)"
        )

    # public queries ---------------------------------------------------------------------------

    def intervals_on(self, day: date) -> DayIntervals:
        """Return the wall-clock opening intervals that apply to a local date."""
        day = _plain_date(day, "day")
        if day in self._extra_open:
            return self._extra_open[day]
        if day in self._extra_closed or day in self._holidays:
            return ()
        return self._schedule.days[day.weekday()]

    def is_open(self, at: datetime) -> bool:
        """Tell whether the calendar is open at the moment ``at``."""
        moment = _as_utc(at, "at")
        first = self._local_date(moment) - _ONE_DAY
        spans = self._spans(first, first + _ONE_DAY)
        return any(start <= moment < end for start, end in spans)

    def next_opening(self, at: datetime) -> datetime:
        """Return ``at`` if open, else the start of the next open interval."""
        moment = _as_utc(at, "at")
        start, _ = next(self._spans_from(moment))
        return _in_zone_of(start, at)

    def next_closing(self, at: datetime) -> datetime | None:
        """Return the end of the open stretch containing ``at``; None if closed or endless."""
        moment = _as_utc(at, "at")
        if not self.is_open(at):
            return None
        first = self._local_date(moment) - _ONE_DAY
        last = first + timedelta(days=SEARCH_HORIZON_DAYS + 1)
        spans = (span for span in self._spans(first, last) if span[1] > moment)
        stretch = next(_join_touching(spans))
        if stretch[1] >= self._wall_to_utc(last, MINUTES_PER_DAY):
            return None
        return _in_zone_of(stretch[1], at)

    def business_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Return the open time between two moments, zero when ``end <= start``."""
        spans = self._spans_between(_as_utc(start, "start"), _as_utc(end, "end"))
        return sum((span_end - span_start for span_start, span_end in spans), _ZERO)

    def add_business_time(self, start: datetime, delta: timedelta) -> datetime:
        """Return the moment when ``delta`` of open time has passed since ``start``."""
        if delta < _ZERO:
            raise ValueError(f"delta must not be negative, got {delta}.")
        remaining = delta
        for span_start, span_end in self._spans_from(_as_utc(start, "start")):
            if remaining <= span_end - span_start:
                return _in_zone_of(span_start + remaining, start)
            remaining -= span_end - span_start
        raise AssertionError("unreachable: open spans are endless or the search raises")

    def open_intervals(
        self, start: datetime, end: datetime
    ) -> Iterator[tuple[datetime, datetime]]:
        """Yield the open stretches clipped to [start, end], joined across midnight."""
        spans = self._spans_between(_as_utc(start, "start"), _as_utc(end, "end"))
        return ((_in_zone_of(a, start), _in_zone_of(b, start)) for a, b in _join_touching(spans))

    def opening_of_day(self, day: date) -> datetime | None:
        """Return the first open moment of a local date, or None if it is closed all day."""
        spans = self._day_spans(_plain_date(day, "day"))
        return spans[0][0].astimezone(self._tz) if spans else None

    def next_business_morning(self, at: datetime) -> datetime:
        """Return the first opening on a later local date than ``at``."""
        day = self._local_date(_as_utc(at, "at"))
        for _ in range(SEARCH_HORIZON_DAYS):
            day += _ONE_DAY
            opening = self.opening_of_day(day)
            if opening is not None:
                return _in_zone_of(opening, at)
        raise CalendarError(self._never_open_message(day))

    # span machinery -----------------------------------------------------------------------------

    def _local_date(self, moment: datetime) -> date:
        """Return the local date of a moment."""
        return moment.astimezone(self._tz).date()

    def _wall_to_utc(self, day: date, minutes: int) -> datetime:
        """Turn a local wall-clock time (fold=0; 1440 is next midnight) into a UTC moment."""
        if minutes == MINUTES_PER_DAY:
            day, minutes = day + _ONE_DAY, 0
        hour, minute = divmod(minutes, 60)
        wall = datetime(day.year, day.month, day.day, hour, minute, tzinfo=self._tz)
        return wall.astimezone(UTC)

    def _compute_day_spans(self, day: date) -> tuple[_Span, ...]:
        """Return a local date's open spans in UTC, merged and clipped to that date."""
        intervals = self.intervals_on(day)
        if not intervals:
            return ()
        spans = sorted(
            (self._wall_to_utc(day, start), self._wall_to_utc(day, end))
            for start, end in intervals
        )
        midnight, next_midnight = self._wall_to_utc(day, 0), self._wall_to_utc(day + _ONE_DAY, 0)
        return _clip_and_merge(spans, midnight, next_midnight)

    def _spans(self, first: date, last: date) -> Iterator[_Span]:
        """Yield the open spans of local dates ``first`` to ``last`` inclusive."""
        day = first
        while day <= last:
            yield from self._day_spans(day)
            day += _ONE_DAY

    def _spans_between(self, start: datetime, end: datetime) -> Iterator[_Span]:
        """Yield open spans clipped to the UTC range [start, end]."""
        if end <= start:
            return
        first, last = self._local_date(start) - _ONE_DAY, self._local_date(end)
        for span_start, span_end in self._spans(first, last):
            if span_end > start and span_start < end:
                yield max(span_start, start), min(span_end, end)

    def _spans_from(self, start: datetime) -> Iterator[_Span]:
        """Yield open spans from ``start`` on; raise after a horizon of closed days."""
        day, closed_days = self._local_date(start) - _ONE_DAY, 0
        while closed_days <= SEARCH_HORIZON_DAYS:
            spans = [(max(a, start), b) for a, b in self._day_spans(day) if b > start]
            closed_days = 0 if spans else closed_days + 1
            yield from spans
            day += _ONE_DAY
        raise CalendarError(self._never_open_message(day))

    def _never_open_message(self, day: date) -> str:
        """Explain that the calendar stays closed for the whole search horizon."""
        return (
            f"The calendar is closed for {SEARCH_HORIZON_DAYS} days in a row up to "
            f"{day.isoformat()}; check its schedule ({self._schedule}) and closed dates."
        )
