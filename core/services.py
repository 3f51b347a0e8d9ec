"""The use cases: capture an inquiry, act on a lead, grow the team, fire timers.

Each use case is one unit of work: it changes the lead, appends its events, arms or
cancels its timers and queues its outgoing notices, then commits all of it at once.
Nothing here talks to Telegram, HTTP or a database driver; the ports do.
"""

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from core.clock import Clock
from core.errors import (
    InvalidInquiry,
    InviteNotFound,
    LeadNotFound,
    NotAManager,
    NotLeadOwner,
    NotOnTeam,
    StaleAction,
)
from core.events import Event, EventKind
from core.leads import (
    LOSS_REASON_LABELS,
    ContactOutcome,
    Inquiry,
    Lead,
    LossReason,
    Temperature,
)
from core.notices import Notice, Template
from core.ports import UnitOfWork
from core.routing import LeadFacts, route
from core.rules import Rules
from core.sources import Source, hash_token, new_token
from core.team import Invite, Member, Role
from core.timers import FIRST_RESPONSE_TIMERS, Timer, TimerKind

logger = logging.getLogger(__name__)

ROUTING_STATE_KEY = "routing"


class Outcome(StrEnum):
    """What became of an inquiry."""

    CREATED = "created"
    DUPLICATE = "duplicate"
    MERGED = "merged"


@dataclass(frozen=True)
class Captured:
    """The answer to an inquiry: which lead holds it now, and how it got there."""

    lead_id: int
    outcome: Outcome
    owner_id: int | None = None
    after_hours: bool = False


class Action(StrEnum):
    """What a button on a lead card asks for."""

    REACHED = "reached"
    NO_ANSWER = "no_answer"
    HOT = "hot"
    WARM = "warm"
    COLD = "cold"
    LOSE = "lose"
    LOSS_REASON = "loss_reason"
    BACK = "back"
    ASSIGN = "assign"


@dataclass(frozen=True)
class Tap:
    """One button press: who pressed what, on which card, drawn for which version."""

    telegram_id: int
    lead_id: int
    action: Action
    version: int
    chat_id: int
    message_id: int
    argument: str = ""


@dataclass(frozen=True)
class Done:
    """The result of a tap: the lead after it and a short confirmation."""

    lead: Lead
    summary: str


UnitOfWorkFactory = Callable[[], UnitOfWork]

_OUTCOMES = {
    Action.REACHED: ContactOutcome.REACHED,
    Action.NO_ANSWER: ContactOutcome.NO_ANSWER,
}
_TEMPERATURES = {Action.HOT: Temperature.HOT, Action.WARM: Temperature.WARM}


class Services:
    """The use cases of Leadline, bound to storage, a clock and the team's rules."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, rules: Rules) -> None:
        self.uow = uow
        self.clock = clock
        self.rules = rules

    # -- capture -------------------------------------------------------------------------

    async def capture(self, inquiry: Inquiry, idempotency_key: str | None = None) -> Captured:
        """Turn an inquiry into a lead, or into an event on the lead it repeats.

        Args:
            inquiry: the inquiry, contacts already normalised.
            idempotency_key: the client's key for this request, if it sent one.

        Returns:
            The lead that now holds the inquiry and whether it is new, a retry of an
            earlier request (same key or external id) or merged into an open lead.

        Raises:
            InvalidInquiry: there is no way to reach the person.
        """
        if not inquiry.has_contact:
            raise InvalidInquiry("phone", "A lead needs a phone, an e-mail or a chat to reply to.")

        async with self.uow() as uow:
            earlier = await self._earlier_request(uow, inquiry, idempotency_key)
            if earlier is not None:
                return Captured(earlier.id, Outcome.DUPLICATE, earlier.owner_id)

            now = self.clock.now()
            open_lead = await uow.leads.find_open_by_contact(inquiry.phone, inquiry.email)
            if open_lead is not None:
                result = await self._merge(uow, open_lead, inquiry, now)
            else:
                result = await self._open_lead(uow, inquiry, now)
            if idempotency_key and inquiry.source_id is not None:
                await uow.idempotency.remember(
                    inquiry.source_id, idempotency_key, result.lead_id, now
                )
            await uow.commit()

        logger.info("Lead %s accepted (%s)", result.lead_id, result.outcome.value)
        return result

    async def _earlier_request(
        self, uow: UnitOfWork, inquiry: Inquiry, key: str | None
    ) -> Lead | None:
        if inquiry.source_id is None:
            return None
        if key:
            lead_id = await uow.idempotency.lead_for(inquiry.source_id, key)
            if lead_id is not None:
                return await uow.leads.get(lead_id)
        if inquiry.external_id:
            return await uow.leads.find_by_external_id(inquiry.source_id, inquiry.external_id)
        return None

    async def _merge(
        self, uow: UnitOfWork, lead: Lead, inquiry: Inquiry, now: datetime
    ) -> Captured:
        await uow.events.append(lead.merge_inquiry(inquiry, now))
        await uow.leads.save(lead)
        for chat_id in await self._owner_or_manager_chats(uow, lead):
            await uow.outbox.put(
                Notice(chat_id, Template.INQUIRY_REPEATED, lead.id, {"message": inquiry.message})
            )
        return Captured(lead.id, Outcome.MERGED, lead.owner_id, lead.after_hours)

    async def _open_lead(self, uow: UnitOfWork, inquiry: Inquiry, now: datetime) -> Captured:
        lead = Lead.from_inquiry(inquiry, now)
        lead.after_hours = not self.rules.calendar.is_open(now)
        lead = await uow.leads.add(lead)
        await uow.events.append(
            Event(
                lead.id,
                EventKind.CAPTURED,
                now,
                data={
                    "channel": lead.channel.value,
                    "source_id": lead.source_id,
                    "after_hours": lead.after_hours,
                },
            )
        )
        previous_owner = await uow.leads.last_owner_of_contact(lead.phone, lead.email)
        await self._distribute(uow, lead, now, previous_owner)
        await self._arm_first_response(uow, lead, now)
        await uow.leads.save(lead)
        return Captured(lead.id, Outcome.CREATED, lead.owner_id, lead.after_hours)

    async def _distribute(
        self,
        uow: UnitOfWork,
        lead: Lead,
        now: datetime,
        previous_owner: int | None = None,
        actor: int | None = None,
    ) -> None:
        members = await uow.members.all()
        facts = LeadFacts(lead.product, lead.region, lead.value, previous_owner)
        state = await uow.state.get(ROUTING_STATE_KEY) or {}
        loads = await uow.leads.open_counts_by_owner()
        today = now.astimezone(self.rules.calendar.tz).date()
        decision = route(members, facts, loads, self.rules.routing, state, today)
        await uow.state.put(ROUTING_STATE_KEY, decision.state)

        if decision.owner_id is None:
            await uow.events.append(lead.leave_unassigned(now, decision.reason))
            for manager in _managers(members):
                await uow.outbox.put(Notice(manager.chat_id, Template.UNASSIGNED_ALERT, lead.id))
            logger.info("Lead %s left unassigned: %s", lead.id, decision.reason)
            return

        owner = next(m for m in members if m.id == decision.owner_id)
        await uow.events.append(lead.assign(owner.id, now, decision.reason, actor))
        await uow.outbox.put(Notice(owner.chat_id, Template.LEAD_ALERT, lead.id))
        logger.info("Lead %s assigned to member %s: %s", lead.id, owner.id, decision.reason)

    async def _arm_first_response(self, uow: UnitOfWork, lead: Lead, now: datetime) -> None:
        calendar = self.rules.calendar
        norm = self.rules.first_response
        due = calendar.add_business_time(now, norm)
        nudge = calendar.add_business_time(now, norm * self.rules.nudge_share)
        await uow.timers.arm(Timer(TimerKind.FIRST_RESPONSE_NUDGE, nudge, lead.id))
        await uow.timers.arm(Timer(TimerKind.FIRST_RESPONSE_BREACH, due, lead.id))

    async def _owner_or_manager_chats(self, uow: UnitOfWork, lead: Lead) -> list[int]:
        if lead.owner_id is not None:
            owner = await uow.members.get(lead.owner_id)
            if owner is not None and owner.active:
                return [owner.chat_id]
        return [m.chat_id for m in _managers(await uow.members.all())]

    # -- taps on a lead card -------------------------------------------------------------

    async def tap(self, tap: Tap) -> Done:
        """Carry out a button press on a lead card, after checking who pressed it.

        Raises:
            NotOnTeam, NotLeadOwner, NotAManager: the presser may not do this.
            LeadNotFound: the card names a lead that does not exist.
            StaleAction: the card was drawn for an older state; it is redrawn.
        """
        async with self.uow() as uow:
            lead, member = await self._lead_for_actor(uow, tap.lead_id, tap.telegram_id)
            if tap.action is Action.ASSIGN and not member.is_manager:
                raise NotAManager("Only a manager can assign leads.")
            if tap.version != lead.version:
                await self._redraw(uow, lead, tap)
                await uow.commit()
                raise StaleAction(await self._what_changed(uow, lead))

            summary = await self._apply(uow, lead, member, tap)
            await uow.leads.save(lead)
            await self._redraw(uow, lead, tap)
            await uow.commit()

        logger.info("Lead %s: %s by member %s", lead.id, tap.action.value, member.id)
        return Done(lead, summary)

    async def _lead_for_actor(
        self, uow: UnitOfWork, lead_id: int, telegram_id: int
    ) -> tuple[Lead, Member]:
        member = await uow.members.by_telegram_id(telegram_id)
        if member is None or not member.active:
            raise NotOnTeam("You are not on the team, so you cannot act on leads.")
        lead = await uow.leads.get(lead_id)
        if lead is None:
            raise LeadNotFound(lead_id)
        if not member.is_manager and lead.owner_id != member.id:
            raise NotLeadOwner(f"Lead #{lead_id} belongs to another rep; only they can act on it.")
        return lead, member

    async def _apply(self, uow: UnitOfWork, lead: Lead, member: Member, tap: Tap) -> str:
        now = self.clock.now()
        action = tap.action
        if not lead.is_open and action is not Action.BACK:
            raise StaleAction(f"Lead #{lead.id} is already closed as {lead.stage}.")
        if action in _OUTCOMES:
            await uow.events.append(lead.record_attempt(_OUTCOMES[action], now, member.id))
            await uow.timers.cancel(lead.id, FIRST_RESPONSE_TIMERS)
            return "Reached: now rate the lead." if action is Action.REACHED else "Attempt logged."
        if action in _TEMPERATURES:
            await uow.events.append(lead.qualify(_TEMPERATURES[action], now, member.id))
            return f"Marked {action.value}."
        if action is Action.COLD:
            await uow.events.append(lead.qualify(Temperature.COLD, now, member.id))
            return "Marked cold: pick a loss reason, or go back."
        if action is Action.LOSS_REASON:
            reason = _loss_reason(tap.argument)
            await uow.events.append(lead.lose(reason, now, member.id))
            await uow.timers.cancel(lead.id, FIRST_RESPONSE_TIMERS)
            return f"Lost: {LOSS_REASON_LABELS[reason].lower()}."
        if action is Action.ASSIGN:
            return await self._reassign(uow, lead, member, tap.argument, now)
        return "Pick a loss reason." if action is Action.LOSE else "Back to the lead."

    async def _reassign(
        self, uow: UnitOfWork, lead: Lead, manager: Member, argument: str, now: datetime
    ) -> str:
        target = await uow.members.get(int(argument)) if argument.isdigit() else None
        if target is None or not target.active or target.role is not Role.REP:
            raise StaleAction("That rep can no longer take leads; pick another.")
        previous = lead.owner_id
        await uow.events.append(lead.assign(target.id, now, "assigned by a manager", manager.id))
        await uow.outbox.put(Notice(target.chat_id, Template.LEAD_ALERT, lead.id))
        if previous is not None and previous != target.id:
            old = await uow.members.get(previous)
            if old is not None:
                text = f"Lead #{lead.id} was reassigned to {target.name}."
                await uow.outbox.put(Notice(old.chat_id, Template.TEXT, lead.id, {"text": text}))
        return f"Assigned to {target.name}."

    async def _redraw(self, uow: UnitOfWork, lead: Lead, tap: Tap) -> None:
        view = {Action.LOSE: "loss_reasons", Action.COLD: "loss_reasons"}.get(tap.action, "")
        await uow.outbox.put(
            Notice(tap.chat_id, Template.CARD, lead.id, {"view": view}, tap.message_id)
        )
        for chat_id, message_id in await uow.cards.for_lead(lead.id):
            if (chat_id, message_id) != (tap.chat_id, tap.message_id):
                await uow.outbox.put(Notice(chat_id, Template.CARD, lead.id, {}, message_id))

    async def _what_changed(self, uow: UnitOfWork, lead: Lead) -> str:
        history = await uow.events.for_lead(lead.id)
        last = history[-1] if history else None
        if last is None:
            return "This card is out of date; it has been redrawn."
        who = await uow.members.get(last.actor_id) if last.actor_id else None
        when = last.at.astimezone(self.rules.calendar.tz).strftime("%H:%M")
        by = f" by {who.name}" if who else ""
        return f"Already done{by} at {when}: {_describe(last)}. The card is redrawn."

    # -- team ----------------------------------------------------------------------------

    async def ensure_managers(self, telegram_ids: Sequence[int]) -> None:
        """Make sure the configured admins exist as managers."""
        async with self.uow() as uow:
            for telegram_id in telegram_ids:
                member = await uow.members.by_telegram_id(telegram_id)
                if member is None:
                    await uow.members.add(
                        Member(
                            telegram_id,
                            f"Manager {telegram_id}",
                            Role.MANAGER,
                            joined_at=self.clock.now(),
                        )
                    )
                elif member.role is not Role.MANAGER or not member.active:
                    member.role, member.active = Role.MANAGER, True
                    await uow.members.save(member)
            await uow.commit()

    async def member(self, telegram_id: int) -> Member | None:
        """Find a team member by Telegram account."""
        async with self.uow() as uow:
            return await uow.members.by_telegram_id(telegram_id)

    async def greet(self, telegram_id: int, name: str, username: str | None) -> Member | None:
        """Refresh a member's display name from Telegram; return the member, if any."""
        async with self.uow() as uow:
            member = await uow.members.by_telegram_id(telegram_id)
            if member is None:
                return None
            if member.name != name or member.username != username:
                member.name, member.username = name, username
                await uow.members.save(member)
                await uow.commit()
            return member

    async def invite(self, telegram_id: int) -> Invite:
        """Issue a one-time invite code; managers only."""
        async with self.uow() as uow:
            manager = await uow.members.by_telegram_id(telegram_id)
            if manager is None or not manager.is_manager:
                raise NotAManager("Only a manager can invite people to the team.")
            invite = Invite.issue(manager.id, self.clock.now(), self.rules.invite_ttl)
            await uow.invites.add(invite)
            await uow.commit()
        logger.info("Member %s issued an invite", manager.id)
        return invite

    async def join(self, code: str, telegram_id: int, name: str, username: str | None) -> Member:
        """Redeem an invite: the user joins the team as a rep."""
        now = self.clock.now()
        async with self.uow() as uow:
            invite = await uow.invites.get(code)
            if invite is None or not invite.is_usable(now):
                raise InviteNotFound("This invite link is unknown, already used or expired.")
            member = await uow.members.by_telegram_id(telegram_id)
            if member is None:
                member = await uow.members.add(
                    Member(telegram_id, name, invite.role, username=username, joined_at=now)
                )
            elif not member.active:
                member.active, member.name = True, name
                await uow.members.save(member)
            invite.used_by = member.id
            await uow.invites.save(invite)
            await uow.commit()
        logger.info("Member %s joined the team as %s", member.id, member.role.value)
        return member

    # -- sources -------------------------------------------------------------------------

    async def add_source(self, name: str, channel: str = "api") -> tuple[Source, str]:
        """Create a source and return it with its token, which is shown only this once."""
        name = name.strip()
        if not name:
            raise InvalidInquiry("name", "A source needs a name.")
        token = new_token()
        async with self.uow() as uow:
            if await uow.sources.by_name(name) is not None:
                raise InvalidInquiry("name", f"A source named {name!r} already exists.")
            source = await uow.sources.add(
                Source(name, hash_token(token), self.clock.now(), channel=channel)
            )
            await uow.commit()
        logger.info("Source %s (%s) created", source.id, name)
        return source, token

    async def source_for_token(self, token: str) -> Source | None:
        """Find the active source a token belongs to."""
        async with self.uow() as uow:
            source = await uow.sources.by_token_hash(hash_token(token))
        return source if source is not None and source.active else None

    async def ping(self) -> None:
        """Check that the database answers."""
        async with self.uow() as uow:
            await uow.ping()

    # -- timers --------------------------------------------------------------------------

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
        lead = await uow.leads.get(timer.lead_id) if timer.lead_id is not None else None
        if lead is None or not lead.is_open or lead.first_attempt_at is not None:
            return
        if timer.kind is TimerKind.FIRST_RESPONSE_NUDGE and lead.owner_id is not None:
            owner = await uow.members.get(lead.owner_id)
            await uow.events.append(Event(lead.id, EventKind.FIRST_RESPONSE_NUDGED, now))
            if owner is not None:
                await uow.outbox.put(Notice(owner.chat_id, Template.FIRST_RESPONSE_NUDGE, lead.id))
        elif timer.kind is TimerKind.FIRST_RESPONSE_BREACH:
            await self._breach(uow, lead, timer, now)

    async def _breach(self, uow: UnitOfWork, lead: Lead, timer: Timer, now: datetime) -> None:
        await uow.events.append(
            Event(
                lead.id,
                EventKind.FIRST_RESPONSE_BREACHED,
                now,
                data={"due_at": timer.due_at.isoformat()},
            )
        )
        members = await uow.members.all()
        chats = {m.chat_id for m in _managers(members)}
        chats |= {m.chat_id for m in members if m.id == lead.owner_id}
        for chat_id in sorted(chats):
            await uow.outbox.put(Notice(chat_id, Template.FIRST_RESPONSE_BREACH, lead.id))
        logger.info("Lead %s broke the first-response norm", lead.id)


def _managers(members: Sequence[Member]) -> list[Member]:
    return [m for m in members if m.is_manager]


def _loss_reason(argument: str) -> LossReason:
    try:
        return LossReason(argument)
    except ValueError:
        raise StaleAction("That loss reason is not on the list; pick one from the card.") from None


def _describe(event: Event) -> str:
    data = event.data
    match event.kind:
        case EventKind.ATTEMPTED:
            return str(data.get("outcome", "")).replace("_", " ")
        case EventKind.QUALIFIED:
            return f"marked {data.get('temperature')}"
        case EventKind.LOST:
            reason = LossReason(data["reason"]) if data.get("reason") else LossReason.OTHER
            return f"lost ({LOSS_REASON_LABELS[reason].lower()})"
        case EventKind.ASSIGNED:
            return "reassigned"
        case _:
            return event.kind.value.replace("_", " ")
