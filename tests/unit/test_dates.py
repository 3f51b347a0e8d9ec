"""Tests for core.dates.read_moment: every expected moment is written out literally."""

from __future__ import annotations

import pickle
import time as wall_time
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.dates import DateInPast, DateNotUnderstood, read_moment

MSK = ZoneInfo("Europe/Moscow")
NYC = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")

# Wednesday 2 December 2026, 14:20 in Moscow (UTC+3 all year).
NOW = datetime(2026, 12, 2, 14, 20, tzinfo=MSK)


def msk(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=MSK)


def assert_same_moment(result: datetime, expected: datetime) -> None:
    """Same instant, same wall-clock reading, same offset, same zone object."""
    assert result == expected
    assert result.replace(tzinfo=None) == expected.replace(tzinfo=None)
    assert result.utcoffset() == expected.utcoffset()
    assert result.tzinfo is expected.tzinfo


# --------------------------------------------------------------------------- the big table

PHRASINGS = [
    # relative: minutes and hours are elapsed time
    pytest.param("in 15 min", msk(2026, 12, 2, 14, 35), id="in-15-min"),
    pytest.param("in 2 hours", msk(2026, 12, 2, 16, 20), id="in-2-hours"),
    pytest.param("in 1 h", msk(2026, 12, 2, 15, 20), id="in-1-h"),
    pytest.param("in 2 days", msk(2026, 12, 4, 14, 20), id="in-2-days"),
    pytest.param("in a week", msk(2026, 12, 9, 14, 20), id="in-a-week"),
    pytest.param("in 3 weeks", msk(2026, 12, 23, 14, 20), id="in-3-weeks"),
    pytest.param("через 15 минут", msk(2026, 12, 2, 14, 35), id="ru-in-15-minutes"),
    pytest.param("через 2 часа", msk(2026, 12, 2, 16, 20), id="ru-in-2-hours"),
    pytest.param("через час", msk(2026, 12, 2, 15, 20), id="ru-in-an-hour"),
    pytest.param("через 3 дня", msk(2026, 12, 5, 14, 20), id="ru-in-3-days"),
    pytest.param("через неделю", msk(2026, 12, 9, 14, 20), id="ru-in-a-week"),
    pytest.param("через 2 недели", msk(2026, 12, 16, 14, 20), id="ru-in-2-weeks"),
    pytest.param("+2h", msk(2026, 12, 2, 16, 20), id="plus-2h"),
    pytest.param("+30m", msk(2026, 12, 2, 14, 50), id="plus-30m"),
    pytest.param("+3d", msk(2026, 12, 5, 14, 20), id="plus-3d"),
    pytest.param("in half an hour", msk(2026, 12, 2, 14, 50), id="in-half-an-hour"),
    pytest.param("через полчаса", msk(2026, 12, 2, 14, 50), id="ru-in-half-an-hour"),
    pytest.param("in 1 hour 30 minutes", msk(2026, 12, 2, 15, 50), id="in-1h-30min"),
    pytest.param("через 2 дня и 3 часа", msk(2026, 12, 4, 17, 20), id="ru-in-2d-and-3h"),
    pytest.param("in two hours", msk(2026, 12, 2, 16, 20), id="in-two-hours-word"),
    pytest.param("через пять минут", msk(2026, 12, 2, 14, 25), id="ru-in-five-minutes-word"),
    pytest.param("in a month", msk(2027, 1, 2, 14, 20), id="in-a-month"),
    pytest.param("через 3 месяца", msk(2027, 3, 2, 14, 20), id="ru-in-3-months"),
    # days
    pytest.param("today 17:00", msk(2026, 12, 2, 17), id="today-17"),
    pytest.param("tonight", msk(2026, 12, 2, 19), id="tonight"),
    pytest.param("tonight at 9", msk(2026, 12, 2, 21), id="tonight-at-9-is-evening"),
    pytest.param("tomorrow", msk(2026, 12, 3, 9), id="tomorrow"),
    pytest.param("tomorrow 10:00", msk(2026, 12, 3, 10), id="tomorrow-10"),
    pytest.param("tomorrow at 10", msk(2026, 12, 3, 10), id="tomorrow-at-10"),
    pytest.param("tomorrow morning", msk(2026, 12, 3, 9), id="tomorrow-morning"),
    pytest.param("tomorrow afternoon", msk(2026, 12, 3, 14), id="tomorrow-afternoon"),
    pytest.param("tomorrow evening", msk(2026, 12, 3, 18), id="tomorrow-evening"),
    pytest.param("day after tomorrow", msk(2026, 12, 4, 9), id="day-after-tomorrow"),
    pytest.param("10:00 tomorrow", msk(2026, 12, 3, 10), id="time-first-tomorrow"),
    pytest.param("10.30 tomorrow", msk(2026, 12, 3, 10, 30), id="time-first-dotted"),
    pytest.param("сегодня в 17:00", msk(2026, 12, 2, 17), id="ru-today-17"),
    pytest.param("завтра", msk(2026, 12, 3, 9), id="ru-tomorrow"),
    pytest.param("завтра в 10", msk(2026, 12, 3, 10), id="ru-tomorrow-at-10"),
    pytest.param("завтра 10", msk(2026, 12, 3, 10), id="ru-tomorrow-10-no-v"),
    pytest.param("завтра утром", msk(2026, 12, 3, 9), id="ru-tomorrow-morning"),
    pytest.param("завтра днем", msk(2026, 12, 3, 14), id="ru-tomorrow-afternoon"),
    pytest.param("завтра днём", msk(2026, 12, 3, 14), id="ru-tomorrow-afternoon-yo"),
    pytest.param("завтра вечером", msk(2026, 12, 3, 18), id="ru-tomorrow-evening"),
    pytest.param("послезавтра в 9:30", msk(2026, 12, 4, 9, 30), id="ru-day-after-tomorrow"),
    pytest.param("завтра в 3 дня", msk(2026, 12, 3, 15), id="ru-tomorrow-3-pm"),
    pytest.param("завтра в 8 вечера", msk(2026, 12, 3, 20), id="ru-tomorrow-8-evening"),
    # weekdays (today is Wednesday)
    pytest.param("monday", msk(2026, 12, 7, 9), id="monday"),
    pytest.param("mon 10:00", msk(2026, 12, 7, 10), id="mon-10"),
    pytest.param("next friday 15:00", msk(2026, 12, 4, 15), id="next-friday-is-nearest"),
    pytest.param("on friday at 3pm", msk(2026, 12, 4, 15), id="on-friday-at-3pm"),
    pytest.param("Sunday evening", msk(2026, 12, 6, 18), id="sunday-evening"),
    pytest.param("wednesday 15:00", msk(2026, 12, 2, 15), id="today-weekday-time-ahead"),
    pytest.param("wednesday 10:00", msk(2026, 12, 9, 10), id="today-weekday-time-past"),
    pytest.param("wednesday", msk(2026, 12, 9, 9), id="today-weekday-morning-past"),
    pytest.param("next wednesday", msk(2026, 12, 9, 9), id="next-wednesday"),
    pytest.param("в понедельник", msk(2026, 12, 7, 9), id="ru-on-monday"),
    pytest.param("в пн 10:00", msk(2026, 12, 7, 10), id="ru-mon-short-10"),
    pytest.param("в пятницу в 15:00", msk(2026, 12, 4, 15), id="ru-on-friday-15"),
    pytest.param("во вторник", msk(2026, 12, 8, 9), id="ru-on-tuesday"),
    pytest.param("в среду утром", msk(2026, 12, 9, 9), id="ru-wednesday-morning-past"),
    pytest.param("в следующую пятницу", msk(2026, 12, 4, 9), id="ru-next-friday"),
    pytest.param("в субботу", msk(2026, 12, 5, 9), id="ru-on-saturday"),
    pytest.param("в 10 в пятницу", msk(2026, 12, 4, 10), id="ru-time-first-friday"),
    # dates
    pytest.param("15.01", msk(2027, 1, 15, 9), id="dd-mm-next-year"),
    pytest.param("15.01 14:30", msk(2027, 1, 15, 14, 30), id="dd-mm-time"),
    pytest.param("15.01.2027 9:00", msk(2027, 1, 15, 9), id="dd-mm-yyyy-time"),
    pytest.param("15.01.27", msk(2027, 1, 15, 9), id="dd-mm-yy"),
    pytest.param("15/01 14:30", msk(2027, 1, 15, 14, 30), id="dd-slash-mm-time"),
    pytest.param("2027-01-15", msk(2027, 1, 15, 9), id="iso-date"),
    pytest.param("2027-01-15 14:30", msk(2027, 1, 15, 14, 30), id="iso-date-time"),
    pytest.param("2027-01-15T14:30", msk(2027, 1, 15, 14, 30), id="iso-t-separator"),
    pytest.param("jan 15", msk(2027, 1, 15, 9), id="jan-15"),
    pytest.param("15 jan 10:00", msk(2027, 1, 15, 10), id="15-jan-10"),
    pytest.param("January 15 at 10am", msk(2027, 1, 15, 10), id="january-15-at-10am"),
    pytest.param("December 31st 23:59", msk(2026, 12, 31, 23, 59), id="december-31st"),
    pytest.param("1st of march", msk(2027, 3, 1, 9), id="1st-of-march"),
    pytest.param("15 января", msk(2027, 1, 15, 9), id="ru-15-january"),
    pytest.param("15 января в 14:30", msk(2027, 1, 15, 14, 30), id="ru-15-january-14-30"),
    pytest.param("1 марта 2027", msk(2027, 3, 1, 9), id="ru-1-march-2027"),
    pytest.param("24 декабря в 10:00", msk(2026, 12, 24, 10), id="ru-24-december-this-year"),
    pytest.param("24.12", msk(2026, 12, 24, 9), id="dd-mm-later-this-year"),
    pytest.param("на 20.12", msk(2026, 12, 20, 9), id="ru-for-20-12"),
    pytest.param("02.12 18:00", msk(2026, 12, 2, 18), id="dd-mm-today-time-ahead"),
    pytest.param("29.02", msk(2028, 2, 29, 9), id="feb-29-next-leap-year"),
    # times alone: today if still ahead, else tomorrow
    pytest.param("10:00", msk(2026, 12, 3, 10), id="10-00-past-so-tomorrow"),
    pytest.param("18:00", msk(2026, 12, 2, 18), id="18-00-ahead-so-today"),
    pytest.param("10.30", msk(2026, 12, 3, 10, 30), id="10-dot-30-is-time"),
    pytest.param("15.13", msk(2026, 12, 2, 15, 13), id="15-dot-13-is-time"),
    pytest.param("10.12", msk(2026, 12, 10, 9), id="10-dot-12-is-date"),
    pytest.param("в 10.12", msk(2026, 12, 3, 10, 12), id="ru-at-10-dot-12-is-time"),
    pytest.param("tomorrow 10.15", msk(2026, 12, 3, 10, 15), id="tomorrow-10-dot-15"),
    pytest.param("9am", msk(2026, 12, 3, 9), id="9am"),
    pytest.param("9 am", msk(2026, 12, 3, 9), id="9-space-am"),
    pytest.param("3:30pm", msk(2026, 12, 2, 15, 30), id="3-30pm"),
    pytest.param("3 p.m.", msk(2026, 12, 2, 15), id="3-p-dot-m"),
    pytest.param("12am", msk(2026, 12, 3, 0), id="12am-midnight"),
    pytest.param("12pm", msk(2026, 12, 3, 12), id="12pm-noon"),
    pytest.param("noon", msk(2026, 12, 3, 12), id="noon"),
    pytest.param("полдень", msk(2026, 12, 3, 12), id="ru-noon"),
    pytest.param("в полдень", msk(2026, 12, 3, 12), id="ru-at-noon"),
    pytest.param("в 10", msk(2026, 12, 3, 10), id="ru-at-10"),
    pytest.param("в 10:30", msk(2026, 12, 3, 10, 30), id="ru-at-10-30"),
    pytest.param("в 16", msk(2026, 12, 2, 16), id="ru-at-16-today"),
    pytest.param("в 11 вечера", msk(2026, 12, 2, 23), id="ru-at-11-evening"),
    pytest.param("в 2 ночи", msk(2026, 12, 3, 2), id="ru-at-2-night"),
    pytest.param("at 17:45", msk(2026, 12, 2, 17, 45), id="at-17-45"),
    # next week, end of day
    pytest.param("next week", msk(2026, 12, 7, 9), id="next-week"),
    pytest.param("на следующей неделе", msk(2026, 12, 7, 9), id="ru-next-week"),
    pytest.param("следующей неделе в 10", msk(2026, 12, 7, 10), id="ru-next-week-no-na-at-10"),
    pytest.param("end of day", msk(2026, 12, 2, 18), id="end-of-day"),
    pytest.param("eod", msk(2026, 12, 2, 18), id="eod"),
    pytest.param("tomorrow eod", msk(2026, 12, 3, 18), id="tomorrow-eod"),
    pytest.param("к концу дня", msk(2026, 12, 2, 18), id="ru-by-end-of-day"),
    # noise: case, spaces, punctuation
    pytest.param("  Tomorrow   10:00 !", msk(2026, 12, 3, 10), id="noise-spaces-bang"),
    pytest.param("ЗАВТРА В 10.", msk(2026, 12, 3, 10), id="noise-ru-upper-dot"),
    pytest.param("Через 2 часа...", msk(2026, 12, 2, 16, 20), id="noise-ru-ellipsis"),
    pytest.param("tomorrow, 10:00", msk(2026, 12, 3, 10), id="noise-comma"),
    pytest.param("«завтра»", msk(2026, 12, 3, 9), id="noise-guillemets"),
]


@pytest.mark.parametrize(("text", "expected"), PHRASINGS)
def test_reads_phrasing(text: str, expected: datetime) -> None:
    assert_same_moment(read_moment(text, NOW), expected)


def test_table_is_big_enough() -> None:
    assert len(PHRASINGS) >= 60


# --------------------------------------------------------------------------- other zones

NY_NOW = datetime(2026, 12, 2, 14, 20, tzinfo=NYC)  # Wednesday, EST (UTC-5)


@pytest.mark.parametrize(
    ("text", "expected_iso"),
    [
        pytest.param("tomorrow 10:00", "2026-12-03T10:00:00-05:00", id="tomorrow-10"),
        pytest.param("in 2 hours", "2026-12-02T16:20:00-05:00", id="in-2-hours"),
        pytest.param("9am", "2026-12-03T09:00:00-05:00", id="9am-tomorrow"),
        pytest.param("friday 3pm", "2026-12-04T15:00:00-05:00", id="friday-3pm"),
        pytest.param("eod", "2026-12-02T18:00:00-05:00", id="eod"),
        pytest.param("jan 15", "2027-01-15T09:00:00-05:00", id="jan-15"),
    ],
)
def test_reads_in_new_york(text: str, expected_iso: str) -> None:
    result = read_moment(text, NY_NOW)
    assert result.isoformat() == expected_iso
    assert result.tzinfo is NYC


def test_same_text_names_a_different_instant_in_each_zone() -> None:
    moscow = read_moment("tomorrow 10:00", NOW)
    new_york = read_moment("tomorrow 10:00", NY_NOW)
    assert new_york - moscow == timedelta(hours=8)


# --------------------------------------------------------------------------- daylight saving


@pytest.mark.parametrize(
    ("now", "text", "expected_iso"),
    [
        pytest.param(
            datetime(2026, 3, 28, 12, 0, tzinfo=BERLIN),
            "tomorrow 10:00",
            "2026-03-29T10:00:00+02:00",
            id="berlin-tomorrow-after-spring-forward",
        ),
        pytest.param(
            datetime(2026, 3, 29, 1, 30, tzinfo=BERLIN),
            "in 2 hours",
            "2026-03-29T04:30:00+02:00",
            id="berlin-hours-are-elapsed-time",
        ),
        pytest.param(
            datetime(2026, 3, 28, 14, 20, tzinfo=BERLIN),
            "через 2 дня",
            "2026-03-30T14:20:00+02:00",
            id="berlin-days-keep-wall-clock",
        ),
        pytest.param(
            datetime(2026, 3, 28, 14, 20, tzinfo=BERLIN),
            "in 48 hours",
            "2026-03-30T15:20:00+02:00",
            id="berlin-48-hours-is-not-2-days",
        ),
        pytest.param(
            datetime(2026, 3, 28, 12, 0, tzinfo=BERLIN),
            "tomorrow 02:30",
            "2026-03-29T03:30:00+02:00",
            id="berlin-gap-moves-forward-by-gap-length",
        ),
        pytest.param(
            datetime(2026, 3, 28, 2, 30, tzinfo=BERLIN),
            "in 1 day",
            "2026-03-29T03:30:00+02:00",
            id="berlin-relative-day-into-gap",
        ),
        pytest.param(
            datetime(2026, 10, 24, 14, 20, tzinfo=BERLIN),
            "in 1 day",
            "2026-10-25T14:20:00+01:00",
            id="berlin-day-across-fall-back",
        ),
        pytest.param(
            datetime(2026, 10, 24, 12, 0, tzinfo=BERLIN),
            "tomorrow 02:30",
            "2026-10-25T02:30:00+02:00",
            id="berlin-repeated-hour-means-first",
        ),
        pytest.param(
            datetime(2026, 3, 7, 12, 0, tzinfo=NYC),
            "tomorrow 2:30am",
            "2026-03-08T03:30:00-04:00",
            id="new-york-gap",
        ),
        pytest.param(
            datetime(2026, 11, 1, 0, 30, tzinfo=NYC),
            "in 2 hours",
            "2026-11-01T01:30:00-05:00",
            id="new-york-hours-across-fall-back",
        ),
        pytest.param(
            datetime(2026, 11, 1, 1, 30, tzinfo=NYC),  # first 01:30, EDT
            "+30m",
            "2026-11-01T01:00:00-05:00",
            id="new-york-30-min-later-reads-earlier-on-the-wall",
        ),
        pytest.param(
            datetime(2026, 11, 1, 1, 30, tzinfo=NYC),
            "in 1 hour",
            "2026-11-01T01:30:00-05:00",
            id="new-york-same-wall-time-one-hour-later",
        ),
    ],
)
def test_daylight_saving(now: datetime, text: str, expected_iso: str) -> None:
    result = read_moment(text, now)
    assert result.isoformat() == expected_iso
    assert result.tzinfo is now.tzinfo
    assert result.astimezone(UTC).astimezone(now.tzinfo).isoformat() == expected_iso


# --------------------------------------------------------------------------- past and rolling


@pytest.mark.parametrize(
    ("now", "text", "expected_moment"),
    [
        pytest.param(msk(2026, 12, 2, 9), "today 08:00", msk(2026, 12, 2, 8), id="today-08-at-09"),
        pytest.param(NOW, "сегодня в 10", msk(2026, 12, 2, 10), id="ru-today-at-10"),
        pytest.param(NOW, "today", msk(2026, 12, 2, 9), id="today-after-morning"),
        pytest.param(NOW, "today 14:20", msk(2026, 12, 2, 14, 20), id="today-exactly-now"),
        pytest.param(msk(2026, 12, 2, 20), "tonight", msk(2026, 12, 2, 19), id="tonight-at-20"),
        pytest.param(NOW, "15.01.2026", msk(2026, 1, 15, 9), id="date-with-past-year"),
        pytest.param(NOW, "2026-11-30 10:00", msk(2026, 11, 30, 10), id="iso-past"),
        pytest.param(NOW, "02.12 10:00", msk(2026, 12, 2, 10), id="yearless-today-time-past"),
        pytest.param(NOW, "1 марта 2026", msk(2026, 3, 1, 9), id="ru-date-past-year"),
    ],
)
def test_moment_in_the_past(now: datetime, text: str, expected_moment: datetime) -> None:
    with pytest.raises(DateInPast) as caught:
        read_moment(text, now)
    assert isinstance(caught.value, DateNotUnderstood)
    assert_same_moment(caught.value.moment, expected_moment)
    assert f'"{text}"' in str(caught.value)
    assert "Try" in str(caught.value)


def test_past_message_is_a_sentence() -> None:
    with pytest.raises(DateInPast) as caught:
        read_moment("today 08:00", msk(2026, 12, 2, 9))
    assert str(caught.value) == (
        'The moment "today 08:00" (02.12.2026 08:00) has already passed. '
        'Try a later one, such as "in 2 hours" or "tomorrow 10:00".'
    )


@pytest.mark.parametrize(
    ("now", "text", "expected"),
    [
        pytest.param(msk(2026, 12, 2, 9), "10:00", msk(2026, 12, 2, 10), id="time-ahead-today"),
        pytest.param(msk(2026, 12, 2, 10), "10:00", msk(2026, 12, 3, 10), id="time-now-tomorrow"),
        pytest.param(msk(2026, 12, 2, 19), "eod", msk(2026, 12, 3, 18), id="eod-after-18"),
        pytest.param(msk(2026, 12, 2, 18), "tonight", msk(2026, 12, 2, 19), id="tonight-at-18"),
        pytest.param(msk(2026, 12, 2, 8), "wednesday", msk(2026, 12, 2, 9), id="weekday-today"),
        pytest.param(msk(2026, 12, 2, 8), "в среду", msk(2026, 12, 2, 9), id="ru-weekday-today"),
        pytest.param(msk(2026, 12, 2, 8), "next wednesday", msk(2026, 12, 9, 9), id="next-skips"),
        pytest.param(msk(2026, 12, 2, 8), "02.12", msk(2026, 12, 2, 9), id="yearless-today"),
        pytest.param(msk(2026, 12, 6, 12), "next week", msk(2026, 12, 7, 9), id="next-week-sun"),
        pytest.param(msk(2026, 12, 7, 8), "next week", msk(2026, 12, 14, 9), id="next-week-mon"),
    ],
)
def test_rolls_forward(now: datetime, text: str, expected: datetime) -> None:
    assert_same_moment(read_moment(text, now), expected)


# --------------------------------------------------------------------------- year rollover

NEW_YEARS_EVE = msk(2026, 12, 31, 23, 0)  # Thursday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("15.01", msk(2027, 1, 15, 9), id="dd-mm"),
        pytest.param("15 января", msk(2027, 1, 15, 9), id="ru-month-name"),
        pytest.param("01.01", msk(2027, 1, 1, 9), id="new-years-day"),
        pytest.param("31.12 23:30", msk(2026, 12, 31, 23, 30), id="today-later"),
        pytest.param("tomorrow", msk(2027, 1, 1, 9), id="tomorrow"),
        pytest.param("in 2 hours", msk(2027, 1, 1, 1, 0), id="in-2-hours"),
        pytest.param("monday", msk(2027, 1, 4, 9), id="monday"),
        pytest.param("next week", msk(2027, 1, 4, 9), id="next-week"),
        pytest.param("in 2 weeks", msk(2027, 1, 14, 23, 0), id="in-2-weeks"),
        pytest.param("10:00", msk(2027, 1, 1, 10), id="time-alone"),
    ],
)
def test_year_rollover(text: str, expected: datetime) -> None:
    assert_same_moment(read_moment(text, NEW_YEARS_EVE), expected)


def test_month_arithmetic_clamps_to_month_end() -> None:
    now = msk(2027, 1, 31, 10)
    assert_same_moment(read_moment("in a month", now), msk(2027, 2, 28, 10))
    assert_same_moment(read_moment("через 1 месяц", now), msk(2027, 2, 28, 10))


# --------------------------------------------------------------------------- not dates

NON_DATES = [
    pytest.param("blah", id="word"),
    pytest.param("", id="empty"),
    pytest.param("   ", id="spaces"),
    pytest.param("call me maybe", id="sentence"),
    pytest.param("tomorrow blah", id="day-plus-junk"),
    pytest.param("32.01", id="day-32"),
    pytest.param("31.04", id="april-31"),
    pytest.param("15.13.2027", id="month-13"),
    pytest.param("2027-02-30", id="iso-february-30"),
    pytest.param("01/15", id="month-first-date"),
    pytest.param("25:00", id="hour-25"),
    pytest.param("10:61", id="minute-61"),
    pytest.param("13pm", id="13pm"),
    pytest.param("10", id="bare-number"),
    pytest.param("in 0 minutes", id="zero-amount"),
    pytest.param("in hours", id="unit-without-number"),
    pytest.param("через", id="ru-through-alone"),
    pytest.param("+", id="plus-alone"),
    pytest.param("yesterday", id="yesterday"),
    pytest.param("вчера", id="ru-yesterday"),
    pytest.param("monday tuesday", id="two-weekdays"),
    pytest.param("tonight morning", id="tonight-morning"),
    pytest.param("15.01 пятница", id="dotted-date-or-time-before-weekday"),
    pytest.param("in 99999 months", id="beyond-year-9999"),
    pytest.param("١٠:٠٠", id="arabic-digits"),
]


@pytest.mark.parametrize("text", NON_DATES)
def test_not_a_date(text: str) -> None:
    with pytest.raises(DateNotUnderstood) as caught:
        read_moment(text, NOW)
    assert not isinstance(caught.value, DateInPast)
    message = str(caught.value)
    assert f'"{" ".join(text.split())}"' in message
    assert message.startswith("Could not read a date from ")
    assert message.endswith(".")
    assert caught.value.text == text


def test_not_understood_message_in_english() -> None:
    with pytest.raises(DateNotUnderstood) as caught:
        read_moment("blah", NOW)
    assert str(caught.value) == (
        'Could not read a date from "blah". Try "tomorrow 10:00", "in 2 hours" or "15.01 14:30".'
    )


def test_not_understood_message_gives_russian_examples_for_russian_text() -> None:
    with pytest.raises(DateNotUnderstood) as caught:
        read_moment("когда-нибудь", NOW)
    assert str(caught.value) == (
        'Could not read a date from "когда-нибудь". '
        'Try "завтра в 10:00", "через 2 часа" or "15.01 14:30".'
    )


def test_long_text_is_shortened_in_the_message() -> None:
    with pytest.raises(DateNotUnderstood) as caught:
        read_moment("x" * 500, NOW)
    assert len(str(caught.value)) < 200
    assert '"' + "x" * 59 + '…"' in str(caught.value)


def test_errors_are_value_errors_and_survive_pickling() -> None:
    with pytest.raises(ValueError, match="blah"):
        read_moment("blah", NOW)
    not_understood = DateNotUnderstood("blah")
    copy = pickle.loads(pickle.dumps(not_understood))
    assert (type(copy), str(copy), copy.text) == (DateNotUnderstood, str(not_understood), "blah")
    past = DateInPast("today", msk(2026, 12, 2, 9))
    copy_past = pickle.loads(pickle.dumps(past))
    assert (type(copy_past), str(copy_past), copy_past.moment) == (
        DateInPast,
        str(past),
        past.moment,
    )


# --------------------------------------------------------------------------- options and input


def test_morning_is_configurable() -> None:
    early = time(8, 30)
    assert_same_moment(read_moment("tomorrow", NOW, morning=early), msk(2026, 12, 3, 8, 30))
    assert_same_moment(read_moment("завтра утром", NOW, morning=early), msk(2026, 12, 3, 8, 30))
    assert_same_moment(read_moment("next week", NOW, morning=early), msk(2026, 12, 7, 8, 30))
    assert_same_moment(read_moment("15.01", NOW, morning=early), msk(2027, 1, 15, 8, 30))


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware") as caught:
        read_moment("tomorrow", datetime(2026, 12, 2, 14, 20))
    assert not isinstance(caught.value, DateNotUnderstood)


def test_now_in_another_zone_object_is_respected() -> None:
    now_utc = datetime(2026, 12, 2, 11, 20, tzinfo=UTC)  # same instant as NOW
    assert read_moment("tomorrow 10:00", now_utc).isoformat() == "2026-12-03T10:00:00+00:00"


def test_relative_keeps_seconds() -> None:
    now = datetime(2026, 12, 2, 14, 20, 37, tzinfo=MSK)
    assert read_moment("in 2 hours", now).isoformat() == "2026-12-02T16:20:37+03:00"
    assert read_moment("tomorrow 10:00", now).isoformat() == "2026-12-03T10:00:00+03:00"


def test_adversarial_input_is_fast() -> None:
    started = wall_time.perf_counter()
    for text in ("in " + "1 m " * 2000 + "x", "1" * 10_000, "в " * 5000, "15.01 " * 3000):
        with pytest.raises(DateNotUnderstood):
            read_moment(text, NOW)
    assert wall_time.perf_counter() - started < 2


# --------------------------------------------------------------------------- properties

ZONES = [MSK, NYC, BERLIN, ZoneInfo("Australia/Lord_Howe"), ZoneInfo("Asia/Kolkata"), UTC]
SAMPLE_TEXTS = [str(param.values[0]) for param in PHRASINGS]

instants = st.datetimes(
    min_value=datetime(2024, 1, 1),  # naive bounds; the zone is attached by `timezones`
    max_value=datetime(2030, 12, 31),
    timezones=st.sampled_from(ZONES),
    allow_imaginary=False,
)


def _is_valid_local(moment: datetime) -> bool:
    round_trip = moment.astimezone(UTC).astimezone(moment.tzinfo)
    return round_trip.replace(tzinfo=None) == moment.replace(tzinfo=None)


@settings(max_examples=300, deadline=None)
@given(now=instants, text=st.sampled_from(SAMPLE_TEXTS))
def test_known_phrasings_give_a_valid_future_moment_or_past(now: datetime, text: str) -> None:
    past: DateInPast | None = None
    try:
        result = read_moment(text, now)
    except DateInPast as error:
        past = error
    if past is not None:
        assert past.moment.astimezone(UTC) <= now.astimezone(UTC)
        return
    assert result.astimezone(UTC) > now.astimezone(UTC)
    assert result.tzinfo is now.tzinfo
    assert _is_valid_local(result)


@settings(max_examples=300, deadline=None)
@given(now=instants, text=st.text(max_size=40))
def test_any_text_either_reads_or_raises_date_not_understood(now: datetime, text: str) -> None:
    try:
        result = read_moment(text, now)
    except DateNotUnderstood:
        return
    assert result.astimezone(UTC) > now.astimezone(UTC)
    assert _is_valid_local(result)
