"""The timer loop: fires due timers from the database, each once, and catches up.

The truth is in the `timers` table; this loop only decides when to look. It sleeps
until the earliest pending timer is due (at most `max_sleep`), and is woken early when
a transaction arms a sooner one. After downtime the first look finds every overdue
timer and fires each once, oldest first, in batches.
"""

import asyncio
import logging
from datetime import datetime

from core.clock import Clock
from core.services import Services

logger = logging.getLogger(__name__)


class TimerLoop:
    """Looks for due timers when the next one is due, or when woken."""

    def __init__(self, services: Services, clock: Clock, max_sleep: float = 30.0) -> None:
        self.services = services
        self.clock = clock
        self.max_sleep = max_sleep
        self._wake = asyncio.Event()

    def timer_armed(self, due_at: datetime) -> None:
        """Look again now that a timer was armed (cheap: one indexed query)."""
        self._wake.set()

    def wake(self) -> None:
        """Look for due timers at once, e.g. after the clock was moved."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Fire timers until `stop` is set."""
        while not stop.is_set():
            self._wake.clear()  # before the round, so a wake during it is not lost
            try:
                await self._fire_all()
                wait = await self._until_next()
            except Exception:
                logger.exception("Timer round failed; trying again shortly")
                wait = 1.0
            await self._sleep(wait, stop)

    async def _fire_all(self) -> None:
        while (fired := await self.services.fire_due_timers(limit=200)) > 0:
            logger.debug("Fired %d timers", fired)

    async def _until_next(self) -> float:
        due = await self.services.next_timer_due()
        if due is None:
            return self.max_sleep
        seconds = (due - self.clock.now()).total_seconds()
        return min(max(seconds, 0.0), self.max_sleep)

    async def _sleep(self, seconds: float, stop: asyncio.Event) -> None:
        waiters = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        for waiter in waiters:
            waiter.cancel()
