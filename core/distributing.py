"""Distributing leads: every way a lead gets, changes or loses its owner.

Routing a new lead (`core.capturing`), a manager's reassignment and a rep's hand-back
(`core.working`), handing out a departing rep's leads and offering waiting leads again
when somebody becomes eligible (`core.teamwork`, and the `offer_unassigned` timer) all
come through here, so each records the decision with its reason, alerts the new owner,
tells the old one and redraws the lead's cards in the same way.

Waiting (unassigned) leads are offered again, oldest first, whenever a rep may have
become eligible: a rep resumes or is reactivated or joins, a manager widens a profile
or ends a leave, a leave runs out (a timer at the start of the next day), a rep with a
capacity closes or gives up a lead, and whenever `offer_unassigned()` is called (at the
start of a shift). A rep who handed a lead back is never offered that lead again; a
manager can still give it to them. At most `OFFER_BATCH` leads are given out in one
transaction; an offer made inside another use case arms an `offer_unassigned` timer,
due at once, to carry on in the next, so a long queue never holds the database's write
lock for long.
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from core.errors import NotLeadOwner, StaleAction
from core.events import EventKind
from core.leads import Lead
from core.notices import Notice, Template
from core.ports import UnitOfWork
from core.routing import Router, facts_of, misfit
from core.shifts import shift_openings
from core.team import Member
from core.timers import Timer, TimerKind
from core.usecase import UseCases, managers

logger = logging.getLogger(__name__)

ROUTING_STATE_KEY = "routing"
OFFER_BATCH = 20  # waiting leads given out per transaction


class HandBackReason(StrEnum):
    """Why a rep gives a lead back, from a short list so the reasons can be counted."""

    NOT_MY_PROFILE = "profile"
    TOO_BUSY = "busy"
    KNOWS_THEM = "known"
    LANGUAGE = "language"
    OTHER = "other"


HAND_BACK_LABELS: dict[HandBackReason, str] = {
    HandBackReason.NOT_MY_PROFILE: "Not my product or region",
    HandBackReason.TOO_BUSY: "Too busy to take it now",
    HandBackReason.KNOWS_THEM: "I know this person",
    HandBackReason.LANGUAGE: "I don't speak their language",
    HandBackReason.OTHER: "Other",
}


@dataclass(frozen=True)
class Moved:
    """Where one lead went: its owner now (the same when nobody else could take it), and why."""

    lead_id: int
    owner_id: int | None
    owner_name: str | None
    reason: str
    changed: bool = True


class Distributing(UseCases):
    """Routing and moving leads between reps; the base of the groups that do so."""

    def _today(self, now: datetime) -> date:
        return now.astimezone(self.rules.calendar.tz).date()

    async def _router(
        self, uow: UnitOfWork, now: datetime, state: dict[str, Any] | None = None
    ) -> Router:
        """Load what routing needs, taking the routing state's lock before the loads.

        Every routing decision holds that lock until its transaction ends, so two can
        never both give the last free slot of a rep. Pass `state` if it was read already.
        """
        if state is None:
            state = await uow.state.get(ROUTING_STATE_KEY) or {}
        members = await uow.members.all()
        loads = await uow.leads.open_counts_by_owner()
        openings = shift_openings(members, self.rules.calendar, now)
        return Router(members, loads, self.rules.routing, state, self._today(now), openings)

    async def _keep_router(self, uow: UnitOfWork, router: Router) -> None:
        await uow.state.put(ROUTING_STATE_KEY, router.state)

    async def _route(
        self,
        uow: UnitOfWork,
        router: Router,
        lead: Lead,
        now: datetime,
        *,
        previous_owner: int | None = None,
        exclude: frozenset[int] = frozenset(),
        context: str = "",
        note: str = "",
        keep_when_nobody: bool = False,
        tell_previous: bool = False,
    ) -> Moved:
        """Route a lead and act on the decision; the caller saves the lead.

        With nobody eligible the lead is left unassigned and every manager is alerted,
        unless `keep_when_nobody`, when it stays as it is.
        """
        decision = router.decide(facts_of(lead, previous_owner, exclude))
        reason = f"{context}: {decision.reason}" if context else decision.reason
        old = lead.owner_id
        if decision.owner_id is None and keep_when_nobody:
            holder = router.member(old)
            return Moved(lead.id, old, holder.name if holder else None, reason, changed=False)

        router.take(decision)
        router.release(old)
        if decision.owner_id is None:
            await self._leave_unassigned(uow, router.members, lead, now, reason)
            return Moved(lead.id, None, None, reason)
        owner = router.member(decision.owner_id)
        await self._hand_over(uow, lead, owner, now, reason, None, note, tell_previous)
        return Moved(lead.id, owner.id, owner.name, reason)

    async def _hand_over(
        self,
        uow: UnitOfWork,
        lead: Lead,
        owner: Member,
        now: datetime,
        reason: str,
        actor: int | None,
        note: str = "",
        tell_previous: bool = False,
    ) -> None:
        """Give a lead to a rep: record it, alert them and, if asked, tell the one before."""
        previous = lead.owner_id
        await uow.events.append(lead.assign(owner.id, now, reason, actor))
        await uow.outbox.put(
            Notice(owner.chat_id, Template.LEAD_ALERT, lead.id, {"note": note} if note else {})
        )
        if tell_previous and previous is not None and previous != owner.id:
            old = await uow.members.get(previous)
            if old is not None and old.active:
                text = f"Lead #{lead.id} was reassigned to {owner.name}."
                await uow.outbox.put(Notice(old.chat_id, Template.TEXT, lead.id, {"text": text}))
        logger.info("Lead %s assigned to member %s: %s", lead.id, owner.id, reason)
        await self._owner_changed(uow, lead, now)

    async def _owner_changed(self, uow: UnitOfWork, lead: Lead, now: datetime) -> None:
        """Start what a new owner takes on with a lead (the first-response clocks do)."""

    async def _leave_unassigned(
        self, uow: UnitOfWork, members: list[Member], lead: Lead, now: datetime, reason: str
    ) -> None:
        await uow.events.append(lead.leave_unassigned(now, reason))
        for manager in managers(members):
            await uow.outbox.put(Notice(manager.chat_id, Template.UNASSIGNED_ALERT, lead.id))
        logger.info("Lead %s left unassigned: %s", lead.id, reason)

    async def _handed_back_by(self, uow: UnitOfWork, lead_id: int) -> frozenset[int]:
        events = await uow.events.for_lead(lead_id)
        return frozenset(
            e.actor_id for e in events if e.kind is EventKind.HANDED_BACK and e.actor_id
        )

    # offering waiting leads again ------------------------------------------------------

    async def offer_unassigned(self, trigger: str = "a shift started") -> list[Moved]:
        """Offer every waiting lead again, oldest first, to whoever may take it now.

        Call it whenever reps may have become eligible, for instance when a shift starts.
        Leads are given out in transactions of at most `OFFER_BATCH`, so captures are
        not held up behind a long queue.

        Returns:
            The leads that found an owner; the others keep waiting.
        """
        moved: list[Moved] = []
        more = True
        while more:
            async with self.uow() as uow:
                batch, more = await self._offer_batch(uow, self.clock.now(), trigger)
                await uow.commit()
            moved += batch
        return moved

    async def _offer_unassigned(self, uow: UnitOfWork, now: datetime, trigger: str) -> list[Moved]:
        """Offer one batch of waiting leads in this unit of work; a timer carries on after it."""
        moved, more = await self._offer_batch(uow, now, trigger)
        if more:
            await uow.timers.arm(Timer(TimerKind.OFFER_UNASSIGNED, now, data={"trigger": trigger}))
        return moved

    async def _offer_batch(
        self, uow: UnitOfWork, now: datetime, trigger: str
    ) -> tuple[list[Moved], bool]:
        """Give out up to `OFFER_BATCH` waiting leads; tell whether more may find an owner.

        The routing lock is taken before the waiting leads are locked, in that order as
        everywhere, so two offers, or an offer and a hand-back, cannot deadlock.
        """
        state = await uow.state.get(ROUTING_STATE_KEY) or {}
        waiting = await uow.leads.unassigned_open()
        if not waiting:
            return [], False
        router = await self._router(uow, now, state)
        moved: list[Moved] = []
        more = False
        for index, lead in enumerate(waiting):
            found = await self._offer(uow, router, lead, now, trigger)
            if found is not None:
                moved.append(found)
            if len(moved) >= OFFER_BATCH:
                more = index + 1 < len(waiting)
                break
        await self._keep_router(uow, router)
        if moved:
            logger.info("%d waiting leads found an owner (%s)", len(moved), trigger)
        return moved, more

    async def _offer(
        self, uow: UnitOfWork, router: Router, lead: Lead, now: datetime, trigger: str
    ) -> Moved | None:
        if router.decide(facts_of(lead)).owner_id is None:
            return None  # cheap first look: nobody at all, so no need to read its history
        refused = await self._handed_back_by(uow, lead.id)
        previous = None
        if self.rules.routing.prefer_previous_owner:
            previous = await uow.leads.last_owner_of_contact(
                lead.phone, lead.email, lead.telegram_chat_id
            )
        moved = await self._route(
            uow,
            router,
            lead,
            now,
            previous_owner=previous,
            exclude=refused,
            context=f"offered again, {trigger}",
            keep_when_nobody=True,
        )
        if not moved.changed:
            return None
        await uow.leads.save(lead)
        await self._redraw_cards(uow, lead)
        return moved

    async def _room_freed(self, uow: UnitOfWork, owner_id: int | None, now: datetime) -> None:
        """Offer waiting leads when a rep with a capacity holds one lead fewer."""
        owner = await uow.members.get(owner_id) if owner_id is not None else None
        if owner is not None and owner.capacity is not None:
            await self._offer_unassigned(uow, now, f"{owner.name} has room")

    async def _on_offer_unassigned(self, uow: UnitOfWork, timer: Timer, now: datetime) -> None:
        await self._offer_unassigned(uow, now, str(timer.data.get("trigger", "on schedule")))

    # moving leads on purpose -----------------------------------------------------------

    async def _hand_out(
        self, uow: UnitOfWork, member: Member, now: datetime, context: str, keep: bool
    ) -> list[Moved]:
        """Route each open lead of a member to somebody else, oldest first."""
        leads = await uow.leads.open_of_owner(member.id)
        router = await self._router(uow, now)
        moved = []
        for lead in leads:
            found = await self._route(
                uow,
                router,
                lead,
                now,
                exclude=frozenset({member.id}),
                context=context,
                note=f"Was {member.name}'s",
                keep_when_nobody=keep,
                tell_previous=member.active,
            )
            if found.changed:
                await uow.leads.save(lead)
                await self._redraw_cards(uow, lead)
            moved.append(found)
        await self._keep_router(uow, router)
        return moved

    async def _reassign(
        self, uow: UnitOfWork, lead: Lead, manager: Member, argument: str, now: datetime
    ) -> str:
        """Give a lead to the rep a manager picked, if that rep is at work.

        A manager may overrule products, regions, capacity and tier; the history says
        which ("assigned by a manager (at capacity)").
        """
        target = await uow.members.get(int(argument)) if argument.isdigit() else None
        if target is None or not target.is_rep:
            raise StaleAction("That rep can no longer take leads; pick another.")
        if target.id == lead.owner_id:
            raise StaleAction(f"Lead #{lead.id} is already {target.name}'s.")
        today = self._today(now)
        if not target.is_available(today):
            raise StaleAction(
                f"{target.name} cannot take leads now ({target.status(today)}); pick another."
            )

        previous = lead.owner_id
        loads = await uow.leads.open_counts_by_owner()
        overruled = misfit(target, lead, loads, self.rules.routing, today)
        reason = "assigned by a manager" + (f" ({overruled})" if overruled else "")
        note = f"Assigned to you by {manager.name}"
        await self._hand_over(uow, lead, target, now, reason, manager.id, note, tell_previous=True)
        await uow.leads.save(lead)  # before offering, which reads leads and loads afresh
        await self._room_freed(uow, previous, now)
        return f"Assigned to {target.name}."

    async def _hand_back(
        self, uow: UnitOfWork, lead: Lead, rep: Member, reason: str, now: datetime
    ) -> str:
        """Take a lead off the rep who gives it up and route it to somebody else."""
        if lead.owner_id != rep.id:
            raise NotLeadOwner(
                f"Only the owner of lead #{lead.id} can hand it back; a manager reassigns it."
            )
        await uow.events.append(lead.hand_back(now, rep.id, reason))
        refused = await self._handed_back_by(uow, lead.id) | {rep.id}
        router = await self._router(uow, now)
        moved = await self._route(
            uow,
            router,
            lead,
            now,
            exclude=refused,
            context=f"handed back by {rep.name} ({reason})",
            note=f"Handed back by {rep.name}: {reason}",
        )
        await self._keep_router(uow, router)
        await uow.leads.save(lead)
        await self._room_freed(uow, rep.id, now)
        logger.info("Lead %s handed back by member %s", lead.id, rep.id)
        if moved.owner_id is None:
            return "Handed back; the managers will find it an owner."
        return f"Handed back; it went to {moved.owner_name}."
