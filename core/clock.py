"""The clock port: every use case reads time through it, so tests can move it."""

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Tells the current moment, always timezone-aware."""

    def now(self) -> datetime:
        """Return the current moment."""
        ...


class SystemClock:
    """The machine's clock in UTC."""

    def now(self) -> datetime:
        """Return the current moment."""
        return datetime.now(UTC)


class ShiftedClock:
    """The machine's clock moved by an offset that can change while the process runs."""

    def __init__(self, offset: timedelta = timedelta()) -> None:
        self.offset = offset

    def now(self) -> datetime:
        """Return the machine's moment plus the offset."""
        return datetime.now(UTC) + self.offset


class FixedClock:
    """A clock that only moves when told to; for tests."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("A FixedClock needs a timezone-aware start.")
        self._now = start

    def now(self) -> datetime:
        """Return the current fake moment."""
        return self._now

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward."""
        self._now += delta

    def set(self, moment: datetime) -> None:
        """Jump to a moment."""
        self._now = moment
