"""Tests for core.reminders: preset moments and typed dates with the step to take."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from core.errors import InvalidAnswer
from core.reminders import Moment, preset_moment, read_step

MSK = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 12, 2, 14, 20, tzinfo=MSK)  # a Wednesday


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("1h", datetime(2026, 12, 2, 15, 20, tzinfo=MSK)),
        ("3h", datetime(2026, 12, 2, 17, 20, tzinfo=MSK)),
        ("tm", datetime(2026, 12, 3, 9, 0, tzinfo=MSK)),
        ("nw", datetime(2026, 12, 7, 9, 0, tzinfo=MSK)),
        ("2w", datetime(2026, 12, 16, 14, 20, tzinfo=MSK)),
        ("1mo", datetime(2027, 1, 2, 14, 20, tzinfo=MSK)),
        ("3mo", datetime(2027, 3, 2, 14, 20, tzinfo=MSK)),
    ],
)
def test_presets_name_moments_in_the_teams_time_zone(key: str, expected: datetime) -> None:
    assert preset_moment(key, NOW.astimezone(ZoneInfo("UTC")), MSK) == expected


def test_unknown_preset_is_refused() -> None:
    with pytest.raises(InvalidAnswer):
        preset_moment("someday", NOW, MSK)


@pytest.mark.parametrize(
    ("typed", "moment"),
    [
        ("tomorrow 10:00", Moment(datetime(2026, 12, 3, 10, 0, tzinfo=MSK), "Follow up")),
        (
            "tomorrow 10:00 send the offer",
            Moment(datetime(2026, 12, 3, 10, 0, tzinfo=MSK), "send the offer"),
        ),
        (
            "send the offer, tomorrow 10:00",
            Moment(datetime(2026, 12, 3, 10, 0, tzinfo=MSK), "send the offer"),
        ),
        ("завтра в 10 — позвонить", Moment(datetime(2026, 12, 3, 10, 0, tzinfo=MSK), "позвонить")),
        ("15.01 14:30", Moment(datetime(2027, 1, 15, 14, 30, tzinfo=MSK), "Follow up")),
        ("in 2 days demo", Moment(datetime(2026, 12, 4, 14, 20, tzinfo=MSK), "demo")),
    ],
)
def test_typed_text_gives_the_moment_and_the_step(typed: str, moment: Moment) -> None:
    assert read_step(typed, NOW, MSK, "Follow up") == moment


def test_a_moment_in_the_past_is_refused_not_rolled_forward() -> None:
    with pytest.raises(InvalidAnswer, match="already passed"):
        read_step("today 9:00 call", NOW, MSK, "Follow up")


@pytest.mark.parametrize("typed", ["", "call them", "soon-ish"])
def test_text_without_a_moment_is_refused(typed: str) -> None:
    with pytest.raises(InvalidAnswer):
        read_step(typed, NOW, MSK, "Follow up")
