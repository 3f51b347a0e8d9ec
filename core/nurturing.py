"""Nurturing: every lead's next step has a date, and a reminder that fires at it once.

A reminder is the lead's `remind_at` and `next_step` plus one pending timer of kind
`reminder` due at that moment. Setting a new one replaces the old one; closing the lead
cancels it. When it fires, the owner gets the card with Done and Snooze; until one of
them is pressed the lead stands as due at the top of the rep's queue.
"""

import logging
from datetime import datetime

from core.distributing import Distributing
from core.leads import Lead
from core.notices import Notice, Template
from core.ports import UnitOfWork
from core.reminders import Moment
from core.timers import Timer, TimerKind

logger = logging.getLogger(__name__)

FOLLOW_UP = "Follow up"
NEXT_STEP = "Next step"
LOOK_AGAIN = "Look again"


class Nurturing(Distributing):
    """Reminders and next steps, and the timer that brings them back.

    It extends `Distributing`, the base of every group that may move a lead between reps,
    so that `Working` on top of it can reassign, hand back and offer waiting leads.
    """

    async def _plan(
        self,
        uow: UnitOfWork,
        lead: Lead,
        moment: Moment,
        actor: int,
        now: datetime,
        snoozed: bool = False,
    ) -> None:
        """Set the lead's next step and arm its one reminder."""
        await uow.events.append(lead.plan(moment.at, moment.step, now, actor, snoozed))
        await uow.timers.cancel(lead.id, [TimerKind.REMINDER])
        await uow.timers.arm(
            Timer(TimerKind.REMINDER, moment.at, lead.id, {"at": moment.at.isoformat()})
        )

    async def _complete_step(self, uow: UnitOfWork, lead: Lead, actor: int, now: datetime) -> None:
        """Mark the planned step done and cancel its reminder."""
        await uow.events.append(lead.complete_step(now, actor))
        await uow.timers.cancel(lead.id, [TimerKind.REMINDER])

    def _local(self, moment: datetime) -> str:
        """Say a moment as the team reads it: `Thu 03.12 09:00`."""
        return moment.astimezone(self.rules.calendar.tz).strftime("%a %d.%m %H:%M")

    async def _on_reminder(self, uow: UnitOfWork, timer: Timer, now: datetime) -> None:
        lead = await uow.leads.get(timer.lead_id) if timer.lead_id is not None else None
        if lead is None or not lead.is_open or lead.remind_at != timer.due_at:
            return
        await uow.events.append(lead.reminder_came_due(now))
        for chat_id in await self._owner_or_manager_chats(uow, lead):
            await uow.outbox.put(Notice(chat_id, Template.REMINDER, lead.id))
        logger.info("Lead %s: reminder came due", lead.id)
