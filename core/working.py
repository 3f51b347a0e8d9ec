"""Working a lead: the taps on its card, each authorised on the server."""

import logging
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from core.distributing import HAND_BACK_LABELS, HandBackReason
from core.errors import (
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
    Lead,
    LossReason,
    Temperature,
)
from core.notices import Notice, Template
from core.ports import UnitOfWork
from core.responding import Responding
from core.stalls import clear_stall
from core.team import Member

logger = logging.getLogger(__name__)


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
    REASSIGN = "reassign"
    HAND_BACK = "hand_back"
    HAND_BACK_REASON = "hand_back_reason"
    TAKE = "take"
    TAKE_OVER = "take_over"
    REMIND_OWNER = "remind_owner"


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


_OUTCOMES = {
    Action.REACHED: ContactOutcome.REACHED,
    Action.NO_ANSWER: ContactOutcome.NO_ANSWER,
}
_TEMPERATURES = {Action.HOT: Temperature.HOT, Action.WARM: Temperature.WARM}


_MANAGERS_ONLY = {
    Action.ASSIGN: "Only a manager can assign leads.",
    Action.REASSIGN: "Only a manager can reassign leads.",
    Action.TAKE_OVER: "Only a manager can take a lead over.",
    Action.REMIND_OWNER: "Only a manager can remind a lead's owner.",
}
_OWNERS_ONLY = {Action.HAND_BACK, Action.HAND_BACK_REASON}
_VIEWS = {
    Action.LOSE: "loss_reasons",
    Action.COLD: "loss_reasons",
    Action.REASSIGN: "reassign",
    Action.HAND_BACK: "hand_back",
}


class Working(Responding):
    """Use cases behind the buttons on a lead card."""

    async def tap(self, tap: Tap) -> Done:
        """Carry out a button press on a lead card, after checking who pressed it.

        Raises:
            NotOnTeam, NotLeadOwner, NotAManager: the presser may not do this.
            LeadNotFound: the card names a lead that does not exist.
            StaleAction: the card was drawn for an older state; it is redrawn.
        """
        async with self.uow() as uow:
            lead, member = await self._lead_for_actor(uow, tap.lead_id, tap.telegram_id)
            if tap.action in _MANAGERS_ONLY and not member.is_manager:
                raise NotAManager(_MANAGERS_ONLY[tap.action])
            if tap.action in _OWNERS_ONLY and lead.owner_id != member.id:
                raise NotLeadOwner(f"Only the owner of lead #{lead.id} can hand it back.")
            if tap.version != lead.version:
                await self._redraw(uow, lead, tap)
                await uow.commit()
                raise StaleAction(await self._what_changed(uow, lead))

            summary = await self._apply(uow, lead, member, tap)
            await self._note_acted(uow, member)
            if lead.version != tap.version:
                await clear_stall(uow, lead, self.clock.now())
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
            await self._settle_first_response(uow, lead, now, "attempt")
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
            await self._settle_first_response(uow, lead, now, "closed")
            await uow.leads.save(lead)  # before offering, which counts open leads afresh
            await self._room_freed(uow, lead.owner_id, now)
            return f"Lost: {LOSS_REASON_LABELS[reason].lower()}."
        return await self._apply_team_action(uow, lead, member, tap, now)

    async def _apply_team_action(
        self, uow: UnitOfWork, lead: Lead, member: Member, tap: Tap, now: datetime
    ) -> str:
        match tap.action:
            case Action.ASSIGN:
                return await self._reassign(uow, lead, member, tap.argument, now)
            case Action.TAKE:
                return await self._take(uow, lead, member, now)
            case Action.TAKE_OVER:
                return await self._take_over(uow, lead, member, now)
            case Action.REMIND_OWNER:
                return await self._remind_owner(uow, lead, member, now)
            case Action.HAND_BACK_REASON:
                reason = HAND_BACK_LABELS[_hand_back_reason(tap.argument)]
                return await self._hand_back(uow, lead, member, reason.lower(), now)
            case Action.REASSIGN:
                return "Pick the rep who takes it."
            case Action.HAND_BACK:
                return "Pick why you hand it back."
            case Action.LOSE:
                return "Pick a loss reason."
        return "Back to the lead."

    async def hand_back(self, telegram_id: int, lead_id: int, reason: str) -> Done:
        """Let a rep give up a lead in their own words; routing finds it a new owner.

        Raises:
            NotOnTeam, NotLeadOwner: only the lead's owner may hand it back.
            LeadNotFound: there is no such lead.
            StaleAction: the lead is closed, or no reason was given.
        """
        reason = " ".join(reason.split())[:200]
        if not reason:
            raise StaleAction("Say why you hand the lead back, e.g. /handback 12 on holiday.")
        async with self.uow() as uow:
            lead, member = await self._lead_for_actor(uow, lead_id, telegram_id)
            if not lead.is_open:
                raise StaleAction(f"Lead #{lead.id} is already closed as {lead.stage}.")
            summary = await self._hand_back(uow, lead, member, reason, self.clock.now())
            await self._redraw_cards(uow, lead)
            await uow.commit()
        return Done(lead, summary)

    async def _redraw(self, uow: UnitOfWork, lead: Lead, tap: Tap) -> None:
        view = _VIEWS.get(tap.action, "")
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


def _hand_back_reason(argument: str) -> HandBackReason:
    try:
        return HandBackReason(argument)
    except ValueError:
        raise StaleAction("That reason is not on the list; pick one from the card.") from None


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
        case EventKind.HANDED_BACK:
            return "handed back"
        case _:
            return event.kind.value.replace("_", " ")
