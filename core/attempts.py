"""Contact attempts: when to try again after a prospect did not pick up.

A cadence is a list of waits, one per retry: by default 15 minutes, 2 hours, then the next
business morning. After the first unanswered attempt the first wait applies, after the
second the second, and so on; once every wait is used up the round is over and the rep
chooses between one more round and closing the lead as "could not reach". Durations are
counted in business time; `morning` is the opening of the next business day (09:00 on a
day that is open from midnight).
"""

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from core.calendar import BusinessCalendar

MORNING = "morning"
_WAIT = re.compile(r"(?P<amount>\d{1,4})\s*(?P<unit>m|min|h|d)")
_UNITS = {"m": "minutes", "min": "minutes", "h": "hours", "d": "days"}


class CadenceError(ValueError):
    """The cadence setting cannot be read; the message says why."""


@dataclass(frozen=True)
class Wait:
    """One wait before a retry: a business-time duration, or until the next morning."""

    duration: timedelta | None = None

    def __str__(self) -> str:
        if self.duration is None:
            return MORNING
        minutes = int(self.duration.total_seconds() // 60)
        if minutes % (24 * 60) == 0:
            return f"{minutes // (24 * 60)}d"
        return f"{minutes // 60}h" if minutes % 60 == 0 else f"{minutes}m"


@dataclass(frozen=True)
class Cadence:
    """The waits between attempts in one round."""

    waits: tuple[Wait, ...] = (
        Wait(timedelta(minutes=15)),
        Wait(timedelta(hours=2)),
        Wait(),
    )

    @classmethod
    def parse(cls, text: str) -> "Cadence":
        """Read `15m,2h,morning` as a cadence."""
        items = [item.strip().lower() for item in text.split(",") if item.strip()]
        if not items:
            raise CadenceError("The cadence needs at least one wait, e.g. 15m,2h,morning.")
        return cls(tuple(_wait(item) for item in items))

    @property
    def attempts_per_round(self) -> int:
        """Count the attempts in one round: the first one and one per wait."""
        return len(self.waits) + 1

    def next_retry(
        self, unanswered: int, now: datetime, calendar: BusinessCalendar
    ) -> datetime | None:
        """Tell when to try again after `unanswered` attempts in a row; None ends the round."""
        if not 1 <= unanswered <= len(self.waits):
            return None
        wait = self.waits[unanswered - 1]
        if wait.duration is not None:
            return calendar.add_business_time(now, wait.duration)
        return next_morning(now, calendar)

    def __str__(self) -> str:
        return ",".join(str(wait) for wait in self.waits)


def next_morning(now: datetime, calendar: BusinessCalendar, morning: time = time(9)) -> datetime:
    """Give the opening of the next business day; 09:00 if that day is open from midnight."""
    opening = calendar.next_business_morning(now)
    local = opening.astimezone(calendar.tz)
    if local.time() == time(0):
        return local.replace(hour=morning.hour, minute=morning.minute)
    return local


def _wait(item: str) -> Wait:
    if item == MORNING:
        return Wait()
    match = _WAIT.fullmatch(item)
    if match is None or int(match["amount"]) == 0:
        raise CadenceError(
            f"Cannot read the wait {item!r}; use minutes, hours or days such as 15m, 2h, 1d, "
            "or the word morning."
        )
    return Wait(timedelta(**{_UNITS[match["unit"]]: int(match["amount"])}))
