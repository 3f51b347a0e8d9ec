"""The first response: two clocks, the nudge, the breach, and what managers do about it.

Two clocks run in business time. Time to take runs from assignment until the owner taps
"Taking it" on the alert (or makes a first attempt, which takes it too). Time to first
contact runs until the first contact attempt of any outcome, and the first-response
norm applies to it: the team's norm, or the lead's source's own. It starts when the lead
arrives or, off hours, at the next opening, because it is counted in business time.

At `nudge_share` of the norm the owner is nudged. At the norm the lead is breached: an
event, and an overdue alert to the owner and to the managers (their group chat when one
is configured) with buttons to reassign it, take it over, or remind the owner. An owner
who had not even taken the lead has left the alert untaken; after
`routing.untaken_limit` in a row routing skips them until they next act, and the
managers are told. With `auto_reassign` set, a lead still untouched that much business
time after the breach goes to another eligible rep by itself. When the first attempt
finally comes, or the lead is closed, the breach is cleared: another event.

Catch-up after downtime: every due timer fires once, and a nudge whose breach is
already due says nothing, so the owner hears of the lead once, as overdue.
"""

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from core.distributing import Distributing
from core.errors import NotLeadOwner, StaleAction
from core.events import Event, EventKind
from core.leads import Lead
from core.norms import first_response_norm
from core.notices import Notice, Template
from core.ports import UnitOfWork
from core.team import Member
from core.timers import FIRST_RESPONSE_TIMERS, Timer, TimerKind
from core.usecase import manager_chats

logger = logging.getLogger(__name__)

OWNER = "owner"
MANAGERS = "managers"
_BREACHED = EventKind.FIRST_RESPONSE_BREACHED
_STALL = TimerKind.STALL_CHECK


def _seconds(delta: timedelta) -> int:
    return int(delta.total_seconds())


class Responding(Distributing):
    """The first-response clocks, their timers, and the buttons on an overdue alert."""

    # arming and settling -----------------------------------------------------------------

    async def _first_response_norm(self, uow: UnitOfWork, lead: Lead) -> timedelta:
        source = await uow.sources.get(lead.source_id) if lead.source_id is not None else None
        return first_response_norm(self.rules.first_response, source)

    async def _arm_first_response(self, uow: UnitOfWork, lead: Lead, start: datetime) -> None:
        """Arm the nudge and the breach of a lead, counting business time from `start`."""
        calendar = self.rules.calendar
        norm = await self._first_response_norm(uow, lead)
        due = calendar.add_business_time(start, norm)
        nudge = calendar.add_business_time(start, norm * self.rules.nudge_share)
        data = {"owner_id": lead.owner_id, "breach_at": due.isoformat()}
        await uow.timers.arm(Timer(TimerKind.FIRST_RESPONSE_NUDGE, nudge, lead.id, dict(data)))
        await uow.timers.arm(Timer(TimerKind.FIRST_RESPONSE_BREACH, due, lead.id, dict(data)))

    async def _owner_changed(self, uow: UnitOfWork, lead: Lead, now: datetime) -> None:
        """Give a lead's new owner the whole norm, if it still waits for an attempt."""
        await self._restart_first_response(uow, lead, now)

    async def _restart_first_response(self, uow: UnitOfWork, lead: Lead, now: datetime) -> None:
        """Arm a lead's first-response clocks afresh, if it still waits for an attempt."""
        await uow.timers.cancel(lead.id, FIRST_RESPONSE_TIMERS)
        if lead.is_open and lead.first_attempt_at is None and lead.owner_id is not None:
            await self._arm_first_response(uow, lead, now)

    async def _settle_first_response(
        self, uow: UnitOfWork, lead: Lead, now: datetime, how: str, actor: int | None = None
    ) -> None:
        """Stop the clocks once a lead got its first attempt or closed; clear a breach."""
        moot = FIRST_RESPONSE_TIMERS if lead.is_open else (*FIRST_RESPONSE_TIMERS, _STALL)
        await uow.timers.cancel(lead.id, moot)
        breach = await uow.events.last_of_kind(lead.id, EventKind.FIRST_RESPONSE_BREACHED)
        if breach is None:
            return
        cleared = await uow.events.last_of_kind(lead.id, EventKind.FIRST_RESPONSE_CLEARED)
        if cleared is not None and (cleared.id or 0) > (breach.id or 0):
            return
        late = self.rules.calendar.business_time_between(breach.at, now)
        await uow.events.append(
            Event(
                lead.id,
                EventKind.FIRST_RESPONSE_CLEARED,
                now,
                actor,
                data={"by": how, "business_seconds_after_breach": _seconds(late)},
            )
        )

    async def _note_acted(self, uow: UnitOfWork, member: Member) -> None:
        """A member acted on a lead: routing may count on them again."""
        if member.untaken_alerts:
            member.untaken_alerts = 0
            await uow.members.save(member)
            logger.info("Member %s acted again; routing counts on them", member.id)

    def _owner_acted(self, lead: Lead, member: Member, now: datetime) -> None:
        """Count any step the owner takes on the lead as taking it."""
        if lead.owner_id == member.id and lead.taken_at is None:
            lead.taken_at = now

    # the buttons of an alert -------------------------------------------------------------

    async def _take_lead(self, uow: UnitOfWork, lead: Lead, member: Member, now: datetime) -> str:
        """The owner taps "Taking it": record how long the alert waited."""
        if lead.owner_id != member.id:
            raise NotLeadOwner(
                f"Only the owner can take lead #{lead.id}; a manager can use Take it myself."
            )
        if lead.taken_at is not None:
            raise StaleAction(f"Lead #{lead.id} is already taken.")
        await uow.events.append(self._taken(lead, member, now))
        return "It is yours: now call or write."

    def _taken(self, lead: Lead, member: Member, now: datetime) -> Event:
        since = lead.assigned_at or lead.created_at
        waited = self.rules.calendar.business_time_between(since, now)
        return lead.take(
            now,
            member.id,
            business_seconds=_seconds(waited),
            wall_seconds=_seconds(now - since),
        )

    async def _take_over(self, uow: UnitOfWork, lead: Lead, manager: Member, now: datetime) -> str:
        """A manager takes the lead for themselves from an overdue alert."""
        if lead.owner_id == manager.id:
            raise StaleAction(f"Lead #{lead.id} is already yours.")
        reason = "taken over by a manager"
        await self._hand_over(uow, lead, manager, now, reason, manager.id, tell_previous=True)
        await uow.events.append(self._taken(lead, manager, now))
        return "It is yours now."

    async def _remind_owner(
        self, uow: UnitOfWork, lead: Lead, manager: Member, now: datetime
    ) -> str:
        """A manager asks the owner, in the owner's chat, to answer the lead now."""
        owner = await uow.members.get(lead.owner_id) if lead.owner_id is not None else None
        if owner is None or not owner.active:
            raise StaleAction(f"Lead #{lead.id} has no owner to remind; assign it instead.")
        await uow.events.append(
            Event(lead.id, EventKind.OWNER_REMINDED, now, manager.id, {"owner_id": owner.id})
        )
        await uow.outbox.put(
            Notice(owner.chat_id, Template.OWNER_REMINDER, lead.id, {"by": manager.name})
        )
        return f"{owner.name} was reminded."

    # timers ------------------------------------------------------------------------------

    async def _awaiting_first_response(self, uow: UnitOfWork, timer: Timer) -> Lead | None:
        lead = await uow.leads.get(timer.lead_id) if timer.lead_id is not None else None
        if lead is None or not lead.is_open or lead.first_attempt_at is not None:
            return None
        if "owner_id" in timer.data and timer.data["owner_id"] != lead.owner_id:
            return None  # armed for an earlier owner
        return lead

    async def _on_first_response_nudge(self, uow: UnitOfWork, timer: Timer, now: datetime) -> None:
        lead = await self._awaiting_first_response(uow, timer)
        if lead is None or lead.owner_id is None:
            return
        breach_at = timer.data.get("breach_at")
        if breach_at is not None and datetime.fromisoformat(breach_at) <= now:
            return  # late after downtime: the breach alert says it all
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
        members = await uow.members.all()
        owner = next((m for m in members if m.id == lead.owner_id), None)
        waited = self.rules.calendar.business_time_between(lead.created_at, now)
        await uow.events.append(
            Event(
                lead.id,
                EventKind.FIRST_RESPONSE_BREACHED,
                now,
                data={
                    "due_at": timer.due_at.isoformat(),
                    "owner_id": lead.owner_id,
                    "taken": lead.taken_at is not None,
                    "business_seconds": _seconds(waited),
                    "wall_seconds": _seconds(now - lead.created_at),
                },
            )
        )
        await self._send_overdue_alerts(uow, lead, owner, members)
        if owner is not None and lead.taken_at is None:
            await self._count_untaken(uow, owner, members)
        if self.rules.auto_reassign is not None and owner is not None:
            start = timer.due_at
            due = self.rules.calendar.add_business_time(start, self.rules.auto_reassign)
            data = {"owner_id": owner.id}
            await uow.timers.arm(Timer(TimerKind.FIRST_RESPONSE_REASSIGN, due, lead.id, data))
        logger.info("Lead %s broke the first-response norm", lead.id)

    async def _send_overdue_alerts(
        self, uow: UnitOfWork, lead: Lead, owner: Member | None, members: Sequence[Member]
    ) -> None:
        chats = manager_chats(members, self.rules.managers_chat_id)
        if owner is not None and owner.active and owner.chat_id not in chats:
            notice = Notice(owner.chat_id, Template.FIRST_RESPONSE_BREACH, lead.id, {"for": OWNER})
            await uow.outbox.put(notice)
        for chat_id in chats:
            notice = Notice(chat_id, Template.FIRST_RESPONSE_BREACH, lead.id, {"for": MANAGERS})
            await uow.outbox.put(notice)

    async def _count_untaken(
        self, uow: UnitOfWork, owner: Member, members: Sequence[Member]
    ) -> None:
        owner.untaken_alerts += 1
        await uow.members.save(owner)
        limit = self.rules.routing.untaken_limit
        if limit is None or owner.untaken_alerts != limit:
            return
        text = (
            f"{owner.name} has left {limit} new-lead alerts in a row untaken. "
            "New leads skip them until they act on a lead again."
        )
        for chat_id in manager_chats(members, self.rules.managers_chat_id):
            await uow.outbox.put(Notice(chat_id, Template.TEXT, None, {"text": text}))
        logger.info("Member %s left %d alerts untaken; routing skips them", owner.id, limit)

    async def _on_first_response_reassign(
        self, uow: UnitOfWork, timer: Timer, now: datetime
    ) -> None:
        lead = await self._awaiting_first_response(uow, timer)
        if lead is None or lead.owner_id is None:
            return
        history = await uow.events.for_lead(lead.id)
        breached = {e.data.get("owner_id") for e in history if e.kind is _BREACHED}
        exclude = frozenset(i for i in {*breached, lead.owner_id} if i is not None)
        router = await self._router(uow, now)
        moved = await self._route(
            uow,
            router,
            lead,
            now,
            exclude=exclude | await self._handed_back_by(uow, lead.id),
            context="no first response within the norm",
            keep_when_nobody=True,
            tell_previous=True,
        )
        await self._keep_router(uow, router)
        if moved.changed:
            await uow.leads.save(lead)
            text = f"Lead #{lead.id} had no first response, so it went to {moved.owner_name}."
            logger.info("Lead %s reassigned to member %s by itself", lead.id, moved.owner_id)
        else:
            text = (
                f"Lead #{lead.id} still has no first response and nobody else can take it "
                f"({moved.reason}). Reassign it or take it yourself."
            )
        for chat_id in manager_chats(router.members, self.rules.managers_chat_id):
            await uow.outbox.put(Notice(chat_id, Template.TEXT, lead.id, {"text": text}))
