"""Tests for core.calendar: schedule parsing and business-time arithmetic."""

from __future__ import annotations

import itertools
import time as perf
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from core.calendar import (
    BusinessCalendar,
    CalendarError,
    ScheduleError,
    WeeklySchedule,
)

MOSCOW = ZoneInfo("Europe/Moscow")
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
OFFICE = "mon-fri 09:00-18:00"
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def moscow(*args: int) -> datetime:
    return datetime(*args, tzinfo=MOSCOW)


# --- parsing: good texts ------------------------------------------------------------------


def test_weekday_range_and_saturday_parse_into_seven_days() -> None:
    schedule = WeeklySchedule.parse("mon-fri 09:00-18:00; sat 10:00-14:00")
    assert schedule.days == ((((540, 1080),),) * 5) + (((600, 840),), ())


def test_day_names_are_case_insensitive_and_lists_are_allowed() -> None:
    schedule = WeeklySchedule.parse("MON, Wed,fri 10:00-12:00")
    assert [bool(day) for day in schedule.days] == [True, False, True, False, True, False, False]


def test_several_intervals_per_day_are_kept_apart() -> None:
    schedule = WeeklySchedule.parse("mon 09:00-13:00,14:00-18:00")
    assert schedule.days[0] == ((540, 780), (840, 1080))


def test_overlapping_and_touching_intervals_are_merged() -> None:
    schedule = WeeklySchedule.parse("mon 09:00-12:00, 11:00-13:00; mon 13:00-14:00")
    assert schedule.days[0] == ((540, 840),)


def test_midnight_end_is_written_as_24_00() -> None:
    schedule = WeeklySchedule.parse("sun 18:00-24:00")
    assert schedule.days[6] == ((1080, 1440),)
    assert str(schedule) == "sun 18:00-24:00"


def test_day_range_may_wrap_around_the_week() -> None:
    schedule = WeeklySchedule.parse("fri-mon 9:00-17:00")
    assert [bool(day) for day in schedule.days] == [True, False, False, False, True, True, True]


@pytest.mark.parametrize("text", ["always", "24/7", " Always "])
def test_always_words_mean_open_around_the_clock(text: str) -> None:
    assert WeeklySchedule.parse(text) == WeeklySchedule.always()
    assert str(WeeklySchedule.always()) == "always"


def test_closed_means_never_open() -> None:
    schedule = WeeklySchedule.parse("closed")
    assert schedule.is_never_open
    assert str(schedule) == "closed"


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("mon-fri 09:00-18:00; sat 10:00-14:00", "mon-fri 09:00-18:00; sat 10:00-14:00"),
        ("sat,sun 10:00-14:00", "sat,sun 10:00-14:00"),
        ("fri 9:00-18:00; mon-thu 9:00-18:00", "mon-fri 09:00-18:00"),
        ("mon,wed,thu,sun 08:00-09:30", "mon,wed,thu,sun 08:00-09:30"),
        ("mon-sun 00:00-24:00", "always"),
    ],
)
def test_str_gives_canonical_text_that_parses_back(text: str, canonical: str) -> None:
    schedule = WeeklySchedule.parse(text)
    assert str(schedule) == canonical
    assert WeeklySchedule.parse(canonical) == schedule


# --- parsing: bad texts --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "mnd 09:00-18:00",
            'Unknown day "mnd" in "mnd 09:00-18:00"; use mon, tue, wed, thu, fri, sat, sun.',
        ),
        (
            "fri 22:00-02:00",
            'Interval "22:00-02:00" in "fri 22:00-02:00" ends past midnight; split it at '
            '24:00, e.g. "fri 22:00-24:00; sat 00:00-02:00".',
        ),
        (
            "mon 09:00-25:00",
            'Bad time "25:00" in "mon 09:00-25:00"; use 00:00 to 23:59, '
            "or 24:00 as the end of a day.",
        ),
        (
            "mon 9-18",
            'Bad interval "9-18" in "mon 9-18"; write intervals as HH:MM-HH:MM, '
            'e.g. "09:00-18:00".',
        ),
        (
            "mon",
            'No opening hours after "mon" in "mon"; add them as HH:MM-HH:MM, '
            'e.g. "mon 09:00-18:00".',
        ),
        (
            "09:00-18:00",
            'No days before "09:00-18:00" in "09:00-18:00"; start each part with days, '
            'e.g. "mon-fri 09:00-18:00".',
        ),
        (
            "mon 09:00-18:00 tue 10:00-12:00",
            'Expected opening hours but found "tue" in "mon 09:00-18:00 tue 10:00-12:00"; '
            'separate day groups with ";", e.g. "mon 09:00-18:00; tue 10:00-14:00".',
        ),
        (
            "mon- 09:00-18:00",
            'Bad day range "mon-" in "mon- 09:00-18:00"; write a range as two days, '
            'e.g. "mon-fri".',
        ),
        (
            "mon 10:00-10:00",
            'Interval "10:00-10:00" in "mon 10:00-10:00" is empty; '
            "the end must be after the start.",
        ),
        (
            "  ",
            'The schedule is empty; write e.g. "mon-fri 09:00-18:00", "always" or "closed".',
        ),
    ],
)
def test_bad_text_raises_a_sentence_naming_the_bad_part(text: str, message: str) -> None:
    with pytest.raises(ScheduleError) as caught:
        WeeklySchedule.parse(text)
    assert str(caught.value) == message


def test_24_00_is_not_a_start() -> None:
    with pytest.raises(ScheduleError, match=r'Bad time "24:00"'):
        WeeklySchedule.parse("mon 24:00-24:00")


def test_schedule_error_is_a_value_error_and_a_calendar_error() -> None:
    with pytest.raises(ValueError, match="Unknown day"):
        WeeklySchedule.parse("xyz 09:00-10:00")
    assert issubclass(ScheduleError, CalendarError)


# --- Moscow: weekdays, evenings, holidays ----------------------------------------------------


def test_friday_evening_lead_counts_from_monday_morning() -> None:
    calendar = BusinessCalendar(MOSCOW, OFFICE)
    friday_evening = moscow(2026, 3, 6, 19, 0)
    assert not calendar.is_open(friday_evening)
    assert calendar.next_opening(friday_evening) == moscow(2026, 3, 9, 9, 0)
    assert calendar.add_business_time(friday_evening, 15 * MINUTE) == moscow(2026, 3, 9, 9, 15)


def test_lead_during_office_hours_counts_from_its_arrival() -> None:
    calendar = BusinessCalendar(MOSCOW, OFFICE)
    arrival = moscow(2026, 3, 4, 12, 7)
    assert calendar.is_open(arrival)
    assert calendar.next_opening(arrival) == arrival
    assert calendar.add_business_time(arrival, 15 * MINUTE) == moscow(2026, 3, 4, 12, 22)


def test_norm_that_runs_past_closing_continues_next_morning() -> None:
    calendar = BusinessCalendar(MOSCOW, OFFICE)
    deadline = calendar.add_business_time(moscow(2026, 3, 4, 17, 50), 15 * MINUTE)
    assert deadline == moscow(2026, 3, 5, 9, 5)


def test_opening_hours_are_half_open() -> None:
    calendar = BusinessCalendar(MOSCOW, OFFICE)
    assert calendar.is_open(moscow(2026, 3, 4, 9, 0))
    assert not calendar.is_open(moscow(2026, 3, 4, 18, 0))
    assert calendar.next_closing(moscow(2026, 3, 4, 17, 0)) == moscow(2026, 3, 4, 18, 0)
    assert calendar.next_closing(moscow(2026, 3, 4, 18, 0)) is None


def test_public_holiday_is_closed_all_day() -> None:
    # 8 March 2026 is a Sunday, so Russia moves the day off to Monday 9 March.
    calendar = BusinessCalendar(MOSCOW, OFFICE, holidays={date(2026, 3, 9)})
    friday_evening = moscow(2026, 3, 6, 19, 0)
    assert not calendar.is_open(moscow(2026, 3, 9, 12, 0))
    assert calendar.add_business_time(friday_evening, 15 * MINUTE) == moscow(2026, 3, 10, 9, 15)
    week = calendar.business_time_between(moscow(2026, 3, 9), moscow(2026, 3, 16))
    assert week == 4 * 9 * HOUR


def test_answer_comes_in_the_zone_of_the_question() -> None:
    calendar = BusinessCalendar(MOSCOW, OFFICE)
    opening = calendar.next_opening(datetime(2026, 3, 6, 16, 0, tzinfo=UTC))
    assert opening == moscow(2026, 3, 9, 9, 0)
    assert opening.tzinfo is UTC
    assert calendar.opening_of_day(date(2026, 3, 9)).tzinfo is MOSCOW


def test_business_time_between_counts_only_open_time() -> None:
    calendar = BusinessCalendar(MOSCOW, OFFICE)
    start, end = moscow(2026, 3, 6, 17, 0), moscow(2026, 3, 9, 10, 30)
    assert calendar.business_time_between(start, end) == 2 * HOUR + 30 * MINUTE
    assert calendar.business_time_between(end, start) == timedelta(0)


def test_naive_datetime_is_rejected() -> None:
    calendar = BusinessCalendar(MOSCOW, OFFICE)
    with pytest.raises(ValueError, match="timezone-aware"):
        calendar.is_open(datetime(2026, 3, 4, 12, 0))


def test_negative_delta_is_rejected() -> None:
    calendar = BusinessCalendar(MOSCOW, OFFICE)
    with pytest.raises(ValueError, match="negative"):
        calendar.add_business_time(moscow(2026, 3, 4, 12, 0), -MINUTE)


def test_zero_delta_gives_next_opening() -> None:
    calendar = BusinessCalendar(MOSCOW, OFFICE)
    saturday = moscow(2026, 3, 7, 12, 0)
    assert calendar.add_business_time(saturday, timedelta(0)) == moscow(2026, 3, 9, 9, 0)


# --- Berlin: extra open and closed dates ------------------------------------------------------


def test_extra_open_saturday_uses_its_own_hours() -> None:
    calendar = BusinessCalendar(BERLIN, OFFICE, extra_open={date(2026, 3, 7): "10:00-14:00"})
    friday_late = berlin(2026, 3, 6, 17, 55)
    assert calendar.add_business_time(friday_late, 15 * MINUTE) == berlin(2026, 3, 7, 10, 10)
    assert calendar.is_open(berlin(2026, 3, 7, 13, 59))
    assert not calendar.is_open(berlin(2026, 3, 7, 14, 0))


def test_extra_open_beats_a_holiday_and_accepts_time_pairs() -> None:
    holiday = date(2026, 5, 1)
    calendar = BusinessCalendar(
        BERLIN, OFFICE, holidays={holiday}, extra_open={holiday: [(time(10), time(12))]}
    )
    assert calendar.business_time_between(berlin(2026, 5, 1), berlin(2026, 5, 2)) == 2 * HOUR


def test_extra_closed_date_is_closed_all_day() -> None:
    calendar = BusinessCalendar(BERLIN, OFFICE, extra_closed=[date(2026, 3, 4)])
    assert calendar.next_opening(berlin(2026, 3, 4, 8, 0)) == berlin(2026, 3, 5, 9, 0)


def test_date_both_extra_open_and_extra_closed_is_rejected() -> None:
    day = date(2026, 3, 7)
    with pytest.raises(ScheduleError, match="both extra open and extra closed: 2026-03-07"):
        BusinessCalendar(BERLIN, OFFICE, extra_closed=[day], extra_open={day: "10:00-14:00"})


def test_extra_open_text_is_checked() -> None:
    with pytest.raises(ScheduleError, match="ends past midnight"):
        BusinessCalendar(BERLIN, OFFICE, extra_open={date(2026, 3, 7): "22:00-02:00"})


# --- Berlin: daylight saving -------------------------------------------------------------------


def test_whole_sunday_lasts_23_hours_when_clocks_spring_forward() -> None:
    calendar = BusinessCalendar(BERLIN, "sun 00:00-24:00")
    counted = calendar.business_time_between(berlin(2026, 3, 28, 12), berlin(2026, 3, 30, 12))
    assert counted == 23 * HOUR


def test_whole_sunday_lasts_25_hours_when_clocks_fall_back() -> None:
    calendar = BusinessCalendar(BERLIN, "sun 00:00-24:00")
    counted = calendar.business_time_between(berlin(2026, 10, 24, 12), berlin(2026, 10, 26, 12))
    assert counted == 25 * HOUR


def test_office_day_is_still_nine_hours_on_dst_sundays() -> None:
    calendar = BusinessCalendar(BERLIN, "mon-sun 09:00-18:00")
    for sunday in (date(2026, 3, 29), date(2026, 10, 25)):
        opening = calendar.opening_of_day(sunday)
        assert opening == berlin(sunday.year, sunday.month, sunday.day, 9)
        assert calendar.next_closing(opening) == berlin(sunday.year, sunday.month, sunday.day, 18)
        counted = calendar.business_time_between(opening, opening + timedelta(days=1))
        assert counted == 9 * HOUR


def test_interval_around_the_skipped_hour_loses_it() -> None:
    calendar = BusinessCalendar(BERLIN, "sun 01:00-04:00")
    counted = calendar.business_time_between(berlin(2026, 3, 29), berlin(2026, 3, 30))
    assert counted == 2 * HOUR


def test_interval_starting_in_the_skipped_hour_starts_after_the_gap() -> None:
    # 02:00 does not exist that night; fold=0 reads it as 03:00 CEST.
    calendar = BusinessCalendar(BERLIN, "sun 02:00-04:00")
    opening = calendar.next_opening(berlin(2026, 3, 29, 0, 0))
    assert opening.astimezone(UTC) == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert calendar.business_time_between(berlin(2026, 3, 29), berlin(2026, 3, 30)) == HOUR


def test_interval_around_the_repeated_hour_gains_it() -> None:
    calendar = BusinessCalendar(BERLIN, "sun 01:00-04:00")
    counted = calendar.business_time_between(berlin(2026, 10, 25), berlin(2026, 10, 26))
    assert counted == 4 * HOUR


def test_ambiguous_start_means_its_first_occurrence() -> None:
    calendar = BusinessCalendar(BERLIN, "sun 02:30-04:00")
    opening = calendar.next_opening(berlin(2026, 10, 25, 0, 0))
    assert opening.astimezone(UTC) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert calendar.business_time_between(berlin(2026, 10, 25), berlin(2026, 10, 26)) == (
        2 * HOUR + 30 * MINUTE
    )


def test_norm_deadline_across_spring_forward_keeps_wall_clock_hours() -> None:
    calendar = BusinessCalendar(BERLIN, OFFICE)
    friday_late = berlin(2026, 3, 27, 17, 50)
    assert calendar.add_business_time(friday_late, 15 * MINUTE) == berlin(2026, 3, 30, 9, 5)


# --- stretches, mornings and never-open calendars ----------------------------------------------


def test_open_intervals_join_across_midnight() -> None:
    calendar = BusinessCalendar(BERLIN, "mon 20:00-24:00; tue 00:00-02:00,09:00-10:00")
    stretches = list(calendar.open_intervals(berlin(2026, 3, 2), berlin(2026, 3, 4)))
    assert stretches == [
        (berlin(2026, 3, 2, 20), berlin(2026, 3, 3, 2)),
        (berlin(2026, 3, 3, 9), berlin(2026, 3, 3, 10)),
    ]
    assert calendar.next_closing(berlin(2026, 3, 2, 23)) == berlin(2026, 3, 3, 2)


def test_open_intervals_are_clipped_to_the_range() -> None:
    calendar = BusinessCalendar(BERLIN, OFFICE)
    stretches = list(calendar.open_intervals(berlin(2026, 3, 2, 12), berlin(2026, 3, 3, 10)))
    assert stretches == [
        (berlin(2026, 3, 2, 12), berlin(2026, 3, 2, 18)),
        (berlin(2026, 3, 3, 9), berlin(2026, 3, 3, 10)),
    ]


def test_always_open_gives_one_interval_and_no_closing() -> None:
    calendar = BusinessCalendar(BERLIN, WeeklySchedule.always())
    start, end = berlin(2026, 1, 1), berlin(2027, 1, 1)
    assert list(calendar.open_intervals(start, end)) == [(start, end)]
    assert calendar.business_time_between(start, end) == real(end, start)
    assert calendar.next_closing(start) is None


def test_next_business_morning_skips_the_rest_of_today_and_the_weekend() -> None:
    calendar = BusinessCalendar(BERLIN, OFFICE)
    assert calendar.next_business_morning(berlin(2026, 3, 5, 7, 0)) == berlin(2026, 3, 6, 9)
    assert calendar.next_business_morning(berlin(2026, 3, 6, 10, 0)) == berlin(2026, 3, 9, 9)
    assert calendar.opening_of_day(date(2026, 3, 7)) is None


def test_never_open_calendar_raises_calendar_error() -> None:
    calendar = BusinessCalendar(BERLIN, "closed")
    moment = berlin(2026, 3, 4, 12, 0)
    assert not calendar.is_open(moment)
    assert calendar.next_closing(moment) is None
    assert calendar.business_time_between(moment, moment + timedelta(days=30)) == timedelta(0)
    for search in (calendar.next_opening, calendar.next_business_morning):
        with pytest.raises(CalendarError, match="closed for 400 days in a row"):
            search(moment)
    with pytest.raises(CalendarError):
        calendar.add_business_time(moment, MINUTE)


def test_single_extra_open_date_in_a_closed_calendar_can_be_found_and_closes() -> None:
    day = date(2026, 6, 1)
    calendar = BusinessCalendar(BERLIN, "closed", extra_open={day: "10:00-11:00"})
    assert calendar.next_opening(berlin(2026, 1, 1)) == berlin(2026, 6, 1, 10)
    assert calendar.next_closing(berlin(2026, 6, 1, 10, 30)) == berlin(2026, 6, 1, 11)


def test_a_year_of_business_time_is_quick() -> None:
    holidays = {date(2026, 1, 1), date(2026, 12, 25), date(2026, 12, 26)}
    calendar = BusinessCalendar(BERLIN, OFFICE, holidays=holidays)
    began = perf.perf_counter()
    counted = calendar.business_time_between(berlin(2026, 1, 1), berlin(2027, 1, 1))
    elapsed = perf.perf_counter() - began
    assert counted == (261 - 2) * 9 * HOUR  # 261 weekdays, two holidays on weekdays
    assert elapsed < 0.05  # about 3 ms cold on a laptop; generous for slow CI


# --- properties -----------------------------------------------------------------------------

ZONES = [BERLIN, NEW_YORK]
YEAR_START = datetime(2026, 1, 1, tzinfo=UTC)
YEAR_SECONDS = 365 * 24 * 3600
DST_CHANGES = [
    datetime(2026, 3, 29, 1, 0, tzinfo=UTC),  # Berlin
    datetime(2026, 10, 25, 1, 0, tzinfo=UTC),
    datetime(2026, 3, 8, 7, 0, tzinfo=UTC),  # New York
    datetime(2026, 11, 1, 6, 0, tzinfo=UTC),
]
DST_DATES = [date(2026, 3, 29), date(2026, 10, 25), date(2026, 3, 8), date(2026, 11, 1)]
PROPERTY_SETTINGS = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

wall_minutes = st.one_of(
    st.integers(0, 1440), st.sampled_from([0, 60, 90, 120, 150, 180, 210, 1440])
)
intervals = (
    st.tuples(wall_minutes, wall_minutes)
    .filter(lambda pair: pair[0] != pair[1])
    .map(lambda pair: (min(pair), max(pair)))
)
day_intervals = st.lists(intervals, max_size=3).map(tuple)
schedules = st.tuples(*[day_intervals] * 7).map(WeeklySchedule)
open_schedules = schedules.filter(lambda schedule: not schedule.is_never_open)
special_dates = st.one_of(
    st.dates(date(2025, 12, 20), date(2027, 1, 10)), st.sampled_from(DST_DATES)
)
instants = st.one_of(
    st.integers(0, YEAR_SECONDS).map(lambda s: YEAR_START + timedelta(seconds=s)),
    st.integers(0, YEAR_SECONDS // 60).map(lambda m: YEAR_START + timedelta(minutes=m)),
    st.tuples(st.sampled_from(DST_CHANGES), st.integers(-3 * 86400, 3 * 86400)).map(
        lambda pair: pair[0] + timedelta(seconds=pair[1])
    ),
)


@st.composite
def calendars(draw: st.DrawFn) -> BusinessCalendar:
    tz = draw(st.sampled_from(ZONES))
    holidays = draw(st.frozensets(special_dates, max_size=12))
    extra_closed = draw(st.frozensets(special_dates, max_size=3))
    extra_open = draw(st.dictionaries(special_dates, day_intervals, max_size=3))
    for day in extra_closed:
        extra_open.pop(day, None)
    return BusinessCalendar(tz, draw(open_schedules), holidays, extra_closed, extra_open)


@st.composite
def moments(draw: st.DrawFn, calendar: BusinessCalendar) -> datetime:
    zone = draw(st.sampled_from([UTC, calendar.tz]))
    return draw(instants).astimezone(zone)


@st.composite
def calendar_and_moments(draw: st.DrawFn, count: int) -> tuple[BusinessCalendar, list[datetime]]:
    calendar = draw(calendars())
    return calendar, sorted((draw(moments(calendar)) for _ in range(count)), key=utc)


def utc(moment: datetime) -> datetime:
    """Return the moment in UTC, where comparison and arithmetic ignore wall clocks."""
    return moment.astimezone(UTC)


def real(end: datetime, start: datetime) -> timedelta:
    """Return the real time from start to end (subtracting in UTC, not by wall clock)."""
    return utc(end) - utc(start)


@PROPERTY_SETTINGS
@given(calendar_and_moments(3))
def test_business_time_is_additive(case: tuple[BusinessCalendar, list[datetime]]) -> None:
    calendar, (a, b, c) = case
    between = calendar.business_time_between
    assert between(a, c) == between(a, b) + between(b, c)


@PROPERTY_SETTINGS
@given(calendars(), instants, instants)
def test_business_time_is_between_zero_and_wall_time(
    calendar: BusinessCalendar, a: datetime, b: datetime
) -> None:
    counted = calendar.business_time_between(a, b)
    assert timedelta(0) <= counted <= max(real(b, a), timedelta(0))
    if b <= a:
        assert counted == timedelta(0)


@PROPERTY_SETTINGS
@given(calendars(), instants)
def test_closed_stretches_count_zero(calendar: BusinessCalendar, a: datetime) -> None:
    opening = calendar.next_opening(a)
    assert calendar.is_open(opening)
    assert calendar.is_open(a) == (opening is a)
    assert utc(opening) >= utc(a)
    assert calendar.business_time_between(a, opening) == timedelta(0)
    closing = calendar.next_closing(opening)
    if closing is not None:
        assert not calendar.is_open(closing)
        assert calendar.business_time_between(opening, closing) == real(closing, opening)
        reopening = calendar.next_opening(closing)
        assert calendar.business_time_between(closing, reopening) == timedelta(0)


@st.composite
def calendar_moment_and_delta(draw: st.DrawFn) -> tuple[BusinessCalendar, datetime, timedelta]:
    calendar = draw(calendars())
    weekly_minutes = sum(end - start for day in calendar.schedule.days for start, end in day)
    seconds = draw(st.integers(0, 3 * weekly_minutes * 60))
    micros = draw(st.sampled_from([0, 0, 1, 999_999]))
    return calendar, draw(moments(calendar)), timedelta(seconds=seconds, microseconds=micros)


@PROPERTY_SETTINGS
@given(calendar_moment_and_delta())
def test_add_business_time_inverts_business_time_between(
    case: tuple[BusinessCalendar, datetime, timedelta],
) -> None:
    calendar, start, delta = case
    deadline = calendar.add_business_time(start, delta)
    assert utc(deadline) >= utc(start)
    assert deadline.tzinfo is start.tzinfo
    assert calendar.business_time_between(start, deadline) == delta
    if delta:
        earlier = utc(deadline) - timedelta(microseconds=1)
        assert calendar.business_time_between(start, earlier) < delta
    else:
        assert utc(deadline) == utc(calendar.next_opening(start))


@PROPERTY_SETTINGS
@given(calendar_and_moments(2))
def test_open_intervals_are_disjoint_and_sum_to_business_time(
    case: tuple[BusinessCalendar, list[datetime]],
) -> None:
    calendar, (a, b) = case
    stretches = list(calendar.open_intervals(a, b))
    total = sum((real(end, start) for start, end in stretches), timedelta(0))
    assert total == calendar.business_time_between(a, b)
    for start, end in stretches:
        assert utc(a) <= utc(start) < utc(end) <= utc(b)
        assert calendar.is_open(start)
    for (_, first_end), (second_start, _) in itertools.pairwise(stretches):
        assert utc(first_end) < utc(second_start)
        assert not calendar.is_open(first_end)


def _no_dst_change_near(moment: datetime) -> bool:
    tz = moment.tzinfo
    window = timedelta(hours=26)
    return (moment - window).astimezone(tz).utcoffset() == (moment + window).astimezone(
        tz
    ).utcoffset()


@PROPERTY_SETTINGS
@given(calendars(), instants)
def test_is_open_follows_the_wall_clock_away_from_dst_changes(
    calendar: BusinessCalendar, instant: datetime
) -> None:
    local = instant.astimezone(calendar.tz)
    assume(_no_dst_change_near(local))
    wall_seconds = local.hour * 3600 + local.minute * 60 + local.second
    expected = any(
        start * 60 <= wall_seconds < end * 60 for start, end in calendar.intervals_on(local.date())
    )
    assert calendar.is_open(instant) == expected


@PROPERTY_SETTINGS
@given(calendars(), instants)
def test_next_business_morning_is_the_first_opening_on_a_later_date(
    calendar: BusinessCalendar, instant: datetime
) -> None:
    morning = calendar.next_business_morning(instant)
    today = instant.astimezone(calendar.tz).date()
    morning_date = morning.astimezone(calendar.tz).date()
    assert morning_date > today
    assert calendar.is_open(morning)
    assert utc(calendar.opening_of_day(morning_date)) == utc(morning)
    day = today + timedelta(days=1)
    while day < morning_date:
        assert calendar.opening_of_day(day) is None
        day += timedelta(days=1)


@settings(max_examples=200, deadline=None)
@given(schedules)
def test_schedule_text_round_trips(schedule: WeeklySchedule) -> None:
    assert WeeklySchedule.parse(str(schedule)) == schedule
