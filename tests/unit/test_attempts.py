"""Tests for core.attempts: the cadence of retries after an unanswered call."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.attempts import Cadence, CadenceError, next_morning
from core.calendar import BusinessCalendar, WeeklySchedule

BERLIN = ZoneInfo("Europe/Berlin")
ALWAYS = BusinessCalendar(BERLIN, WeeklySchedule.always())
OFFICE = BusinessCalendar(BERLIN, WeeklySchedule.parse("mon-fri 09:30-18:00"))
WEDNESDAY = datetime(2026, 12, 2, 16, 0, tzinfo=BERLIN)


def test_default_cadence_is_fifteen_minutes_two_hours_next_morning() -> None:
    cadence = Cadence()

    assert str(cadence) == "15m,2h,morning"
    assert cadence.attempts_per_round == 4
    assert [cadence.next_retry(n, WEDNESDAY, ALWAYS) for n in (1, 2, 3, 4)] == [
        WEDNESDAY + timedelta(minutes=15),
        WEDNESDAY + timedelta(hours=2),
        datetime(2026, 12, 3, 9, 0, tzinfo=BERLIN),
        None,
    ]


def test_parse_reads_minutes_hours_days_and_morning() -> None:
    cadence = Cadence.parse(" 10m, 1H ,1d, morning ")

    assert str(cadence) == "10m,1h,1d,morning"


@pytest.mark.parametrize("text", ["", "soon", "0m", "15s", "2 weeks"])
def test_unreadable_cadence_is_refused(text: str) -> None:
    with pytest.raises(CadenceError):
        Cadence.parse(text)


def test_next_morning_is_the_next_opening_in_business_hours() -> None:
    friday_evening = datetime(2026, 12, 4, 17, 0, tzinfo=BERLIN)

    assert next_morning(friday_evening, OFFICE) == datetime(2026, 12, 7, 9, 30, tzinfo=BERLIN)


def test_next_morning_keeps_nine_oclock_across_a_daylight_saving_change() -> None:
    saturday = datetime(2026, 3, 28, 20, 0, tzinfo=BERLIN)

    morning = next_morning(saturday, ALWAYS)

    assert morning == datetime(2026, 3, 29, 9, 0, tzinfo=BERLIN)
    assert morning.utcoffset() == timedelta(hours=2)
    assert morning.astimezone(UTC).hour == 7
