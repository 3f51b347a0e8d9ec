"""Shifts: a rep's own working hours, and the moments when somebody's working day begins.

A rep with no shift of their own works the team's hours. A shift is schedule text in the
team's time zone (``"mon-fri 12:00-20:00"``); the team's holidays and closed dates apply to
it too. Routing gives a new lead to the reps who are on shift now, or, when nobody is, to
those whose shift starts first, so a lead that arrives at night waits for the earliest rep.
"""

import functools
from collections.abc import Iterable
from datetime import datetime, timedelta

from core.calendar import BusinessCalendar, CalendarError, WeeklySchedule
from core.team import Member

_INSTANT = timedelta(microseconds=1)


@functools.lru_cache(maxsize=256)
def _shift_calendar(team: BusinessCalendar, shift: str) -> BusinessCalendar:
    return BusinessCalendar(
        team.tz, WeeklySchedule.parse(shift), team.holidays, team.extra_closed, team.extra_open
    )


def calendar_of(member: Member, team: BusinessCalendar) -> BusinessCalendar:
    """Give the calendar a member works by: their shift, or the team's hours."""
    if not member.shift:
        return team
    return _shift_calendar(team, member.shift)


def next_opening_or_none(calendar: BusinessCalendar, moment: datetime) -> datetime | None:
    """Give the calendar's next opening at or after a moment; None if it never opens."""
    try:
        return calendar.next_opening(moment)
    except CalendarError:
        return None


def opening_after(calendar: BusinessCalendar, moment: datetime) -> datetime | None:
    """Give the first opening strictly after a moment; None for a calendar that never closes."""
    if not calendar.is_open(moment):
        return next_opening_or_none(calendar, moment)
    closing = calendar.next_closing(moment)
    return None if closing is None else next_opening_or_none(calendar, closing)


def opens_at(calendar: BusinessCalendar, moment: datetime) -> bool:
    """Tell whether an open stretch of the calendar begins exactly at a moment."""
    return calendar.is_open(moment) and not calendar.is_open(moment - _INSTANT)


def shift_openings(
    members: Iterable[Member], team: BusinessCalendar, now: datetime
) -> dict[int, datetime]:
    """Map each member to the moment their shift is next open (now, if it is open now)."""
    openings: dict[int, datetime] = {}
    for member in members:
        opening = next_opening_or_none(calendar_of(member, team), now)
        if opening is not None and member.id is not None:
            openings[member.id] = opening
    return openings


def check_shift(text: str) -> str:
    """Check a shift's schedule text and give it back in canonical form."""
    return str(WeeklySchedule.parse(text))
