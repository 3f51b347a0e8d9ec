"""A clock that end-to-end tests can move: the machine's clock plus seconds read from a file.

For testing only. With `LEADLINE_CLOCK_FILE` set, `leadline serve` reads the time as the
machine's clock plus the number of seconds written in that file (0 when the file is
missing or empty). The file is read again on every reading of the clock (a few bytes;
this is for tests) and watched in the background, so when a test writes a new offset
the timer loop and the dispatcher are woken at once, and a timer that the jump made due
fires without waiting.
"""

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from core.clock import ShiftedClock

logger = logging.getLogger(__name__)

WATCH_INTERVAL = 0.05


class FileClock(ShiftedClock):
    """The machine's clock moved by the seconds written in a file."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self.reload()

    def now(self) -> datetime:
        """Return the machine's moment plus the offset the file holds now."""
        self.reload()
        return super().now()

    def reload(self) -> bool:
        """Read the file again; tell whether the offset moved."""
        try:
            text = self.path.read_text().strip()
        except FileNotFoundError:
            text = ""
        try:
            offset = timedelta(seconds=float(text or 0))
        except ValueError:
            logger.warning("Clock file %s holds %r, not seconds; clock kept", self.path, text)
            return False
        if offset == self.offset:
            return False
        self.offset = offset
        logger.info("Clock moved: now %s ahead of the machine", offset)
        return True

    async def watch(self, moved: Callable[[], None], stop: asyncio.Event) -> None:
        """Call `moved` whenever the offset changes, until `stop` is set."""
        announced = self.offset
        while not stop.is_set():
            self.reload()
            if self.offset != announced:
                announced = self.offset
                moved()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), WATCH_INTERVAL)
