"""The team's routines: each rep's queue at every opening, and the managers' daily digest.

Both are team timers (rows with no lead) that re-arm the next one when they fire, and
`ensure_routines` arms whichever is missing when the process starts. A timer that
comes due while the process is down fires once on start and is followed by the next
one after that moment, so a long downtime gives one queue and one digest, not a backlog.

Openings are those of the team's calendar and of every rep's own shift. At each, leads
still waiting for an owner are offered again (`offer_unassigned`), and then the reps
whose working time begins get their queue (`core.queue`): the leads that came in while
they were closed first, oldest first, then due retries and reminders, then the rest.
"""

import logging
import statistics
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta, tzinfo

from core.calendar import BusinessCalendar
from core.distributing import Distributing
from core.errors import MemberNotFound
from core.events import EventKind
from core.leads import Lead
from core.notices import Notice, Template
from core.ports import UnitOfWork
from core.shifts import calendar_of, check_shift, opening_after, opens_at
from core.team import Member, Role
from core.timers import Timer, TimerKind
from core.usecase import manager_chats

logger = logging.getLogger(__name__)


def came_in_closed(leads: Sequence[Lead], calendar: BusinessCalendar) -> list[int]:
    """List the untouched leads that arrived while a calendar was closed, oldest first."""
    waiting = (lead for lead in leads if lead.is_open and lead.first_attempt_at is None)
    closed = [lead for lead in waiting if not calendar.is_open(lead.created_at)]
    return [lead.id for lead in sorted(closed, key=lambda x: (x.created_at, x.id)) if lead.id]


def next_digest(after: datetime, at: time, tz: tzinfo) -> datetime:
    """Give the first moment after `after` when the local clock shows `at`."""
    day = after.astimezone(tz).date()
    while True:
        moment = datetime.combine(day, at, tzinfo=tz)
        if moment > after:
            return moment
        day += timedelta(days=1)


def _local_midnight(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz)


class Routines(Distributing):
    """Use cases the calendar drives: queues at openings and the daily digest."""

    async def ensure_routines(self) -> None:
        """Arm the team's timers that are missing: the next opening's queues and the digest."""
        async with self.uow() as uow:
            now = self.clock.now()
            pending = {timer.kind for timer in await uow.timers.pending_for_team()}
            if TimerKind.OPENING not in pending:
                await self._arm_opening(uow, await uow.members.all(), now)
            if TimerKind.DIGEST not in pending:
                await self._arm_digest(uow, now)
            await uow.commit()

    async def set_shift(self, telegram_id: int, shift: str | None) -> Member:
        """Give a rep their own working hours (schedule text), or None for the team's.

        Raises:
            MemberNotFound: nobody on the team has that Telegram account.
            ScheduleError: the text is not a schedule.
        """
        text = check_shift(shift) if shift else None
        async with self.uow() as uow:
            member = await uow.members.by_telegram_id(telegram_id)
            if member is None:
                raise MemberNotFound(f"Nobody on the team has Telegram id {telegram_id}.")
            member.shift = text
            await uow.members.save(member)
            await uow.timers.cancel_for_team([TimerKind.OPENING])
            await self._arm_opening(uow, await uow.members.all(), self.clock.now())
            await uow.commit()
        logger.info("Member %s works %s", member.id, text or "the team's hours")
        return member

    # queues at each opening --------------------------------------------------------------

    def _calendars(self, members: Sequence[Member]) -> list[BusinessCalendar]:
        shifts = [calendar_of(m, self.rules.calendar) for m in members if m.shift]
        return [self.rules.calendar, *shifts]

    async def _arm_opening(
        self, uow: UnitOfWork, members: Sequence[Member], after: datetime
    ) -> None:
        openings = [opening_after(cal, after) for cal in self._calendars(members)]
        due = min((moment for moment in openings if moment is not None), default=None)
        if due is not None:
            await uow.timers.arm(Timer(TimerKind.OPENING, due))

    async def _on_opening(self, uow: UnitOfWork, timer: Timer, now: datetime) -> None:
        opened = timer.due_at
        await self._offer_unassigned(uow, now, "a shift started")
        members = await uow.members.all()
        today = now.astimezone(self.rules.calendar.tz).date()
        for rep in members:
            if rep.role is not Role.REP or not rep.is_available(today):
                continue
            calendar = calendar_of(rep, self.rules.calendar)
            if opens_at(calendar, opened):
                await self._send_queue(uow, rep, calendar, opened)
        await self._arm_opening(uow, members, max(now, opened))

    async def _send_queue(
        self, uow: UnitOfWork, rep: Member, calendar: BusinessCalendar, opened: datetime
    ) -> None:
        leads = await uow.leads.open_of_owner(rep.id)
        first = came_in_closed(leads, calendar)
        data = {"member_id": rep.id, "opened_at": opened.isoformat(), "first": first}
        await uow.outbox.put(Notice(rep.chat_id, Template.MORNING_QUEUE, None, data))
        logger.info("Queue of %d leads sent to member %s at opening", len(leads), rep.id)

    # the daily digest --------------------------------------------------------------------

    async def _arm_digest(self, uow: UnitOfWork, after: datetime) -> None:
        if self.rules.digest_at is None:
            return
        due = next_digest(after, self.rules.digest_at, self.rules.calendar.tz)
        await uow.timers.arm(Timer(TimerKind.DIGEST, due))

    async def _on_digest(self, uow: UnitOfWork, timer: Timer, now: datetime) -> None:
        if self.rules.digest_at is None:
            return  # armed before the digest was switched off
        tz = self.rules.calendar.tz
        day = timer.due_at.astimezone(tz).date() - timedelta(days=1)
        members = await uow.members.all()
        data = await self._digest(uow, day, members)
        for chat_id in manager_chats(members, self.rules.managers_chat_id):
            await uow.outbox.put(Notice(chat_id, Template.DIGEST, None, data))
        await self._arm_digest(uow, max(now, timer.due_at))
        logger.info("Daily digest for %s sent", day.isoformat())

    async def _digest(
        self, uow: UnitOfWork, day: date, members: Sequence[Member]
    ) -> dict[str, object]:
        tz = self.rules.calendar.tz
        start, end = _local_midnight(day, tz), _local_midnight(day + timedelta(days=1), tz)
        leads = await uow.leads.created_between(start, end)
        kinds = (EventKind.FIRST_RESPONSE_BREACHED, EventKind.STALLED)
        events = await uow.events.between(start, end, kinds)
        breaches = [e for e in events if e.kind is EventKind.FIRST_RESPONSE_BREACHED]
        return {
            "day": day.isoformat(),
            "leads": len(leads),
            "after_hours": sum(lead.after_hours for lead in leads),
            "answered": sum(lead.first_attempt_at is not None for lead in leads),
            "reps": self._rep_lines(leads, breaches, members),
            "breaches": len(breaches),
            "stalls": sum(e.kind is EventKind.STALLED for e in events),
            "unassigned": await uow.leads.count_open_unassigned(),
        }

    def _rep_lines(
        self, leads: Sequence[Lead], breaches: Sequence, members: Sequence[Member]
    ) -> list[dict[str, object]]:
        lines = []
        for member in members:
            own = [lead for lead in leads if lead.owner_id == member.id]
            broke = sum(e.data.get("owner_id") == member.id for e in breaches)
            if not own and not broke:
                continue
            minutes = [self._response_minutes(lead) for lead in own if lead.first_attempt_at]
            lines.append(
                {
                    "name": member.name,
                    "leads": len(own),
                    "answered": len(minutes),
                    "median_minutes": round(statistics.median(minutes), 1) if minutes else None,
                    "breaches": broke,
                }
            )
        return lines

    def _response_minutes(self, lead: Lead) -> float:
        assert lead.first_attempt_at is not None
        waited = self.rules.calendar.business_time_between(lead.created_at, lead.first_attempt_at)
        return waited.total_seconds() / 60
