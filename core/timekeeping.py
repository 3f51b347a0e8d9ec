"""Timers: firing due timers, each once, each by the handler its kind names.

The handlers live with the use cases that arm the timers: the first response in
`core.responding`, stalls in `core.stalls`, the opening queue and the digest in
`core.routines`.
"""

import logging
from datetime import datetime

from core.ports import UnitOfWork
from core.timers import Timer
from core.usecase import UseCases

logger = logging.getLogger(__name__)


class Timekeeping(UseCases):
    """Use cases driven by the clock rather than by a person."""

    async def fire_due_timers(self, limit: int = 100) -> int:
        """Fire every timer that is due, each once; return how many fired."""
        async with self.uow() as uow:
            now = self.clock.now()
            timers = await uow.timers.claim_due(now, limit)
            for timer in timers:
                await self._fire(uow, timer, now)
            await uow.commit()
        return len(timers)

    async def next_timer_due(self) -> datetime | None:
        """Tell when the next timer comes due."""
        async with self.uow() as uow:
            return await uow.timers.next_due()

    async def _fire(self, uow: UnitOfWork, timer: Timer, now: datetime) -> None:
        """Run the handler of a timer's kind: a method named `_on_<kind>` on this object.

        Each group of use cases defines the handlers of the timers it arms, so adding a kind
        of timer touches only that group's module.
        """
        handler = getattr(self, f"_on_{timer.kind.value}", None)
        if handler is None:
            logger.error("Timer %s has kind %s, which nothing handles", timer.id, timer.kind)
            return
        await handler(uow, timer, now)
