"""Stalls: a lead that sits in its stage past the stage's norm is flagged to managers, once.

Every open lead has one pending stall check (when stall norms are configured). It is
armed at capture for the moment the lead would stall if nobody touched it, and re-arms
itself whenever it fires: for later if there was activity meanwhile, or, once the lead
is flagged, for a norm later to see whether it moved. A stall is an event
(`STALLED`, with its stage and how long the lead was quiet) and an alert to managers
with reassign buttons; its end is another (`STALL_CLEARED`), recorded by the next tap
on the lead's card, or else by the next check after whatever activity ended it.

A stage without a norm is looked at again once a day, so a lead that moves on into a
stage with one is still watched.
"""

import logging
from datetime import datetime, timedelta

from core.events import Event, EventKind
from core.leads import Lead
from core.norms import last_activity, stall_due
from core.notices import Notice, Template
from core.ports import UnitOfWork
from core.rules import Rules
from core.timers import Timer, TimerKind
from core.usecase import UseCases, manager_chats

logger = logging.getLogger(__name__)

RECHECK = timedelta(days=1)


def first_stall_check(rules: Rules, lead: Lead) -> Timer | None:
    """Give the stall check a new lead starts with; None when stalls are not watched."""
    if not rules.stall_alerts or not rules.stall_norms:
        return None
    due = stall_due(rules.calendar, lead.stage, lead.created_at, rules.stall_norms)
    return Timer(TimerKind.STALL_CHECK, due or lead.created_at + RECHECK, lead.id)


async def open_stall(uow: UnitOfWork, lead_id: int) -> Event | None:
    """Find the `STALLED` event of a lead's current stall, if it is stalled now."""
    stalled = await uow.events.last_of_kind(lead_id, EventKind.STALLED)
    if stalled is None:
        return None
    cleared = await uow.events.last_of_kind(lead_id, EventKind.STALL_CLEARED)
    if cleared is not None and (cleared.id or 0) > (stalled.id or 0):
        return None
    return stalled


async def clear_stall(uow: UnitOfWork, lead: Lead, now: datetime, actor: int) -> None:
    """Record that somebody worked a stalled lead, so its stall is over."""
    stalled = await open_stall(uow, lead.id)
    if stalled is not None:
        await _append_cleared(uow, lead, now, now, actor)


async def _append_cleared(
    uow: UnitOfWork, lead: Lead, activity_at: datetime, now: datetime, actor: int | None = None
) -> None:
    data = {"stage": lead.stage, "activity_at": activity_at.isoformat()}
    await uow.events.append(Event(lead.id, EventKind.STALL_CLEARED, now, actor, data))
    logger.info("Lead %s is moving again after its stall", lead.id)


class Stalls(UseCases):
    """The stall check of each open lead."""

    async def _on_stall_check(self, uow: UnitOfWork, timer: Timer, now: datetime) -> None:
        lead = await uow.leads.get(timer.lead_id) if timer.lead_id is not None else None
        if lead is None or not lead.is_open:
            return
        quiet_since = last_activity(await uow.events.for_lead(lead.id)) or lead.created_at
        stalled = await open_stall(uow, lead.id)
        if stalled is not None and quiet_since > stalled.at:
            await _append_cleared(uow, lead, quiet_since, now)
            stalled = None

        norms = self.rules.stall_norms
        due = stall_due(self.rules.calendar, lead.stage, quiet_since, norms)
        if due is None or due > now:
            await self._check_again(uow, lead, due or now + RECHECK)
            return
        if stalled is None:
            await self._flag(uow, lead, quiet_since, now)
        await self._check_again(uow, lead, now + norms[lead.stage])

    async def _flag(
        self, uow: UnitOfWork, lead: Lead, quiet_since: datetime, now: datetime
    ) -> None:
        days = round((now - quiet_since).total_seconds() / 86400, 1)
        data = {"stage": lead.stage, "quiet_since": quiet_since.isoformat(), "days": days}
        await uow.events.append(Event(lead.id, EventKind.STALLED, now, data=data))
        members = await uow.members.all()
        for chat_id in manager_chats(members, self.rules.managers_chat_id):
            notice = Notice(chat_id, Template.STALL_ALERT, lead.id, {"for": "managers", **data})
            await uow.outbox.put(notice)
        logger.info("Lead %s stalled in stage %s", lead.id, lead.stage)

    async def _check_again(self, uow: UnitOfWork, lead: Lead, due: datetime) -> None:
        await uow.timers.arm(Timer(TimerKind.STALL_CHECK, due, lead.id))
