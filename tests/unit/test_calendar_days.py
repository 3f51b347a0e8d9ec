"""Properties of whole days in the business calendar: holidays count nothing, and a day's
business time is its wall-clock opening hours, give or take the hour a clock change moves.

These add to the properties in test_calendar.py (additive, never negative, zero across a
closed stretch), with the same generated calendars: two zones with daylight saving,
random weekly hours, holidays, extra closed and extra open dates.
"""

from datetime import date, datetime, time, timedelta

from hypothesis import given

from core.calendar import BusinessCalendar
from tests.unit.test_calendar import PROPERTY_SETTINGS, calendars, special_dates

ZERO = timedelta(0)


def _day_bounds(calendar: BusinessCalendar, day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=calendar.tz)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=calendar.tz)
    return start, end


def _wall_hours(calendar: BusinessCalendar, day: date) -> timedelta:
    return sum((timedelta(minutes=end - start) for start, end in calendar.intervals_on(day)), ZERO)


def _clock_change(calendar: BusinessCalendar, day: date) -> timedelta:
    start, end = _day_bounds(calendar, day)
    return abs(end.utcoffset() - start.utcoffset())


@PROPERTY_SETTINGS
@given(calendars(), special_dates)
def test_a_holiday_counts_no_business_time(calendar: BusinessCalendar, day: date) -> None:
    start, end = _day_bounds(calendar, day)
    holiday = day in calendar.holidays or day in calendar.extra_closed
    closed = not calendar.intervals_on(day)

    counted = calendar.business_time_between(start, end)

    if holiday and day not in calendar.extra_open:
        assert closed
    if closed:
        assert counted == ZERO
        assert not calendar.is_open(start + (end - start) / 2)


@PROPERTY_SETTINGS
@given(calendars(), special_dates)
def test_a_days_business_time_is_its_opening_hours_give_or_take_a_clock_change(
    calendar: BusinessCalendar, day: date
) -> None:
    start, end = _day_bounds(calendar, day)

    counted = calendar.business_time_between(start, end)

    difference = abs(counted - _wall_hours(calendar, day))
    assert difference == ZERO or difference <= _clock_change(calendar, day)
