"""Timers: firing due timers, each once, and what each kind of timer does."""

import logging
from datetime import datetime

from core.events import Event, EventKind
from core.leads import Lead
from core.notices import Notice, Template
from core.ports import UnitOfWork
from core.timers import Timer
from core.usecase import UseCases, managers

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

    async def _awaiting_first_response(self, uow: UnitOfWork, timer: Timer) -> Lead | None:
        lead = await uow.leads.get(timer.lead_id) if timer.lead_id is not None else None
        if lead is None or not lead.is_open or lead.first_attempt_at is not None:
            return None
        return lead

    async def _on_first_response_nudge(self, uow: UnitOfWork, timer: Timer, now: datetime) -> None:
        lead = await self._awaiting_first_response(uow, timer)
        if lead is None or lead.owner_id is None:
            return
        owner = await uow.members.get(lead.owner_id)
        await uow.events.append(Event(lead.id, EventKind.FIRST_RESPONSE_NUDGED, now))
        if owner is not None:
            await uow.outbox.put(Notice(owner.chat_id, Template.FIRST_RESPONSE_NUDGE, lead.id))

    async def _on_first_response_breach(
        self, uow: UnitOfWork, timer: Timer, now: datetime
    ) -> None:
        lead = await self._awaiting_first_response(uow, timer)
        if lead is None:
            return
        await uow.events.append(
            Event(
                lead.id,
                EventKind.FIRST_RESPONSE_BREACHED,
                now,
                data={"due_at": timer.due_at.isoformat()},
            )
        )
        members = await uow.members.all()
        chats = {m.chat_id for m in managers(members)}
        chats |= {m.chat_id for m in members if m.id == lead.owner_id}
        for chat_id in sorted(chats):
            await uow.outbox.put(Notice(chat_id, Template.FIRST_RESPONSE_BREACH, lead.id))
        logger.info("Lead %s broke the first-response norm", lead.id)
