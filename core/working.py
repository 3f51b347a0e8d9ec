"""Working a lead: the taps on its card, each authorised on the server.

A tap names an action and the version of the lead the card was drawn for. The presser
must be on the team and own the lead, or be a manager; a tap on a card drawn for an older
version changes nothing and says what changed since. Some taps only change what the card
shows (the list of loss reasons, the reminder presets); some ask the presser to type
something (an amount, a date, a reason) and leave a `Prompt` for the answer, which
`core.conversation` takes. Every other tap changes the lead, appends its events, arms or
cancels its timers and redraws every card of the lead, in one unit of work.

Managers reassign a lead from its card (overruling routing rules if they must) and reps
hand a lead back with a reason; both go through `core.distributing`, which this group
extends, as does every tap that closes a lead: a rep with a capacity who closes one has
room again, so waiting leads are offered.
"""

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from core.distributing import HAND_BACK_LABELS, HandBackReason
from core.errors import (
    InvalidAnswer,
    LeadNotFound,
    NotAManager,
    NotLeadOwner,
    NotOnTeam,
    StaleAction,
)
from core.events import QUIET_KINDS, Event, EventKind
from core.leads import (
    CRITERIA,
    LOSS_REASON_LABELS,
    ContactOutcome,
    Lead,
    LossReason,
    Temperature,
)
from core.notices import Notice, Template
from core.nurturing import FOLLOW_UP, LOOK_AGAIN, NEXT_STEP, Nurturing
from core.ports import UnitOfWork
from core.prompts import Awaiting, Prompt
from core.reminders import Moment, preset_moment
from core.responding import Responding
from core.stalls import clear_stall
from core.team import Member
from core.timers import WORK_TIMERS, Timer, TimerKind

logger = logging.getLogger(__name__)


class Action(StrEnum):
    """What a button on a lead card asks for."""

    REACHED = "reached"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    WRONG_NUMBER = "wrong_number"
    ONE_MORE_ROUND = "one_more_round"
    HOT = "hot"
    WARM = "warm"
    COLD = "cold"
    PARK = "park"
    RATE = "rate"
    CRITERION = "criterion"
    FORWARD = "forward"
    BACKWARD = "backward"
    WON = "won"
    LOSE = "lose"
    LOSS_REASON = "loss_reason"
    REMIND = "remind"
    REMIND_AT = "remind_at"
    SNOOZE = "snooze"
    DONE = "done"
    WRITE = "write"
    BACK = "back"
    ASSIGN = "assign"
    REASSIGN = "reassign"
    HAND_BACK = "hand_back"
    HAND_BACK_REASON = "hand_back_reason"
    TAKE = "take"
    TAKE_OVER = "take_over"
    REMIND_OWNER = "remind_owner"


class View(StrEnum):
    """What a card shows besides the lead: its default buttons, or a choice in progress."""

    DEFAULT = ""
    LOSS_REASONS = "loss_reasons"
    COLD = "cold"
    PARK = "park"
    RATE = "rate"
    WARM = "warm"
    REMIND = "remind"
    SNOOZE = "snooze"
    NEXT = "next"
    WON = "won"
    OTHER = "other"
    WRITE = "write"
    REASSIGN = "reassign"
    HAND_BACK = "hand_back"


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
    """The result of a tap or an answer: the lead after it and a short confirmation."""

    lead: Lead
    summary: str


@dataclass(frozen=True)
class Reply:
    """What a tap did: the words for the toast, the card's view, and any question asked."""

    summary: str
    view: View = View.DEFAULT
    awaiting: Awaiting | None = None
    data: dict[str, Any] = field(default_factory=dict)


_FAILED_WORDS = {
    ContactOutcome.NO_ANSWER: "No answer",
    ContactOutcome.BUSY: "Busy",
    ContactOutcome.WRONG_NUMBER: "Wrong number",
}
_ASKS_FOR_TEXT = {
    View.WARM: "Pick a date on the card or type one, e.g. “tomorrow 10:00 send the offer”.",
    View.NEXT: "Pick a date on the card or type one, e.g. “in 2 weeks call back”.",
    View.PARK: "Pick a date on the card or type one, e.g. “in 3 months”.",
    View.REMIND: "Pick a time on the card or type one, e.g. “tomorrow 10:00” or “завтра в 10”.",
    View.SNOOZE: "Pick a time on the card or type one, e.g. “in 2 hours”.",
    View.WON: "Send the amount of the deal in a message, e.g. 150000.",
    View.OTHER: "Send the reason in a message.",
    View.WRITE: "Send your message; it goes out signed with your first name.",
}

_MANAGERS_ONLY = {
    Action.ASSIGN: "Only a manager can assign leads.",
    Action.REASSIGN: "Only a manager can reassign leads.",
    Action.TAKE_OVER: "Only a manager can take a lead over.",
    Action.REMIND_OWNER: "Only a manager can remind a lead's owner.",
}
_OWNERS_ONLY = {Action.HAND_BACK, Action.HAND_BACK_REASON}

Handler = Callable[[UnitOfWork, Lead, Member, str, datetime], Awaitable[Reply]]


class Working(Nurturing, Responding):
    """Use cases behind the buttons on a lead card."""

    async def tap(self, tap: Tap) -> Done:
        """Carry out a button press on a lead card, after checking who pressed it.

        Raises:
            NotOnTeam, NotLeadOwner, NotAManager: the presser may not do this.
            LeadNotFound: the card names a lead that does not exist.
            StaleAction: the card was drawn for an older state; it is redrawn.
            InvalidAnswer: the button carries a choice that is not on the list.
        """
        async with self.uow() as uow:
            lead, member = await self._lead_for_actor(uow, tap.lead_id, tap.telegram_id)
            if tap.action in _MANAGERS_ONLY and not member.is_manager:
                raise NotAManager(_MANAGERS_ONLY[tap.action])
            if tap.action in _OWNERS_ONLY and lead.owner_id != member.id:
                raise NotLeadOwner(f"Only the owner of lead #{lead.id} can hand it back.")
            if tap.version != lead.version:
                await self._redraw(uow, lead, tap, View.DEFAULT, changed=False)
                await uow.commit()
                raise StaleAction(await self._what_changed(uow, lead))

            version = lead.version
            reply = await self._apply(uow, lead, member, tap)
            await self._ask_or_forget(uow, lead, member, tap, reply)
            await self._note_acted(uow, member)
            if lead.version != version:
                self._owner_acted(lead, member, self.clock.now())
                await clear_stall(uow, lead, self.clock.now(), member.id)
                await uow.leads.save(lead)
            await self._redraw(uow, lead, tap, reply.view, changed=lead.version != version)
            await uow.commit()

        logger.info("Lead %s: %s by member %s", lead.id, tap.action.value, member.id)
        return Done(lead, reply.summary)

    # -- who may act ---------------------------------------------------------------------

    async def _lead_for_actor(
        self, uow: UnitOfWork, lead_id: int, telegram_id: int
    ) -> tuple[Lead, Member]:
        member = await uow.members.by_telegram_id(telegram_id)
        if member is None or not member.active:
            raise NotOnTeam("You are not on the team, so you cannot act on leads.")
        return await self._lead_for_member(uow, lead_id, member), member

    async def _lead_for_member(self, uow: UnitOfWork, lead_id: int, member: Member) -> Lead:
        lead = await uow.leads.get(lead_id)
        if lead is None:
            raise LeadNotFound(lead_id)
        if not member.is_manager and lead.owner_id != member.id:
            raise NotLeadOwner(f"Lead #{lead_id} belongs to another rep; only they can act on it.")
        return lead

    # -- carrying out a tap --------------------------------------------------------------

    async def _apply(self, uow: UnitOfWork, lead: Lead, member: Member, tap: Tap) -> Reply:
        if not lead.is_open and tap.action is not Action.BACK:
            raise StaleAction(f"Lead #{lead.id} is already closed as {lead.stage}.")
        handler: Handler = getattr(self, f"_tap_{tap.action.value}")
        return await handler(uow, lead, member, tap.argument, self.clock.now())

    async def _ask_or_forget(
        self, uow: UnitOfWork, lead: Lead, member: Member, tap: Tap, reply: Reply
    ) -> None:
        """Leave the question a tap asked for the presser's next message, or drop an old one."""
        if reply.awaiting is None:
            await uow.prompts.clear(member.chat_id)
            return
        prompt = Prompt(
            member.chat_id,
            member.id,
            lead.id,
            reply.awaiting,
            self.clock.now(),
            tap.message_id if tap.chat_id == member.chat_id else None,
            reply.data,
        )
        await uow.prompts.put(prompt)

    def _ask(self, view: View, awaiting: Awaiting, **data: Any) -> Reply:
        return Reply(_ASKS_FOR_TEXT[view], view, awaiting, data)

    async def _tap_back(
        self, uow: UnitOfWork, lead: Lead, member: Member, arg: str, now: datetime
    ) -> Reply:
        return Reply("Back to the lead.")

    # -- contact attempts ----------------------------------------------------------------

    async def _tap_reached(
        self, uow: UnitOfWork, lead: Lead, member: Member, arg: str, now: datetime
    ) -> Reply:
        if lead.is_reached:
            raise StaleAction(f"Lead #{lead.id} is already reached.")
        event = lead.record_attempt(
            ContactOutcome.REACHED, now, member.id, pipeline=self.rules.pipeline
        )
        await uow.events.append(event)
        await self._settle_first_response(uow, lead, now, "attempt", member.id)
        await uow.timers.cancel(lead.id, [TimerKind.ATTEMPT_RETRY])
        return Reply("Reached: now rate the lead.")

    async def _tap_no_answer(
        self, uow: UnitOfWork, lead: Lead, member: Member, arg: str, now: datetime
    ) -> Reply:
        return await self._failed_attempt(uow, lead, member, ContactOutcome.NO_ANSWER, now)

    async def _tap_busy(
        self, uow: UnitOfWork, lead: Lead, member: Member, arg: str, now: datetime
    ) -> Reply:
        return await self._failed_attempt(uow, lead, member, ContactOutcome.BUSY, now)

    async def _tap_wrong_number(
        self, uow: UnitOfWork, lead: Lead, member: Member, arg: str, now: datetime
    ) -> Reply:
        return await self._failed_attempt(uow, lead, member, ContactOutcome.WRONG_NUMBER, now)

    async def _failed_attempt(
        self, uow: UnitOfWork, lead: Lead, member: Member, outcome: ContactOutcome, now: datetime
    ) -> Reply:
        if lead.is_reached:
            raise StaleAction(f"Lead #{lead.id} is already reached; plan a step instead.")
        retry_at = self.rules.cadence.next_retry(lead.unanswered + 1, now, self.rules.calendar)
        await uow.events.append(lead.record_attempt(outcome, now, member.id, retry_at))
        await self._settle_first_response(uow, lead, now, "attempt", member.id)
        await uow.timers.cancel(lead.id, [TimerKind.ATTEMPT_RETRY])
        words = _FAILED_WORDS[outcome]
        if lead.retry_at is None:
            return Reply(f"{words}: try one more round, or close it as could not reach.")
        await self._arm_retry(uow, lead)
        return Reply(f"{words}: next attempt {self._local(lead.retry_at)}.")

    async def _tap_one_more_round(
        self, uow: UnitOfWork, lead: Lead, member: Member, arg: str, now: datetime
    ) -> Reply:
        if not lead.round_is_over:
            raise StaleAction(f"The attempts on lead #{lead.id} are not used up yet.")
        retry_at = self.rules.cadence.next_retry(1, now, self.rules.calendar)
        if retry_at is None:  # a cadence always has a first wait; this guards a bad config
            raise StaleAction("The attempt cadence has no waits; check LEADLINE_ATTEMPT_CADENCE.")
        await uow.events.append(lead.restart_round(retry_at, now, member.id))
        await self._arm_retry(uow, lead)
        return Reply(f"One more round: next attempt {self._local(retry_at)}.")

    async def _arm_retry(self, uow: UnitOfWork, lead: Lead) -> None:
        assert lead.retry_at is not None
        await uow.timers.cancel(lead.id, [TimerKind.ATTEMPT_RETRY])
        await uow.timers.arm(
            Timer(TimerKind.ATTEMPT_RETRY, lead.retry_at, lead.id, {"attempt": lead.attempts + 1})
        )

    async def _on_attempt_retry(self, uow: UnitOfWork, timer: Timer, now: datetime) -> None:
        lead = await uow.leads.get(timer.lead_id) if timer.lead_id is not None else None
        if lead is None or not lead.is_open or lead.retry_at != timer.due_at:
            return
        await uow.events.append(lead.retry_came_due(now))
        attempt = {"attempt": lead.attempts + 1}
        for chat_id in await self._owner_or_manager_chats(uow, lead):
            await uow.outbox.put(Notice(chat_id, Template.ATTEMPT_DUE, lead.id, attempt))
        logger.info("Lead %s: attempt %s is due", lead.id, lead.attempts + 1)

    # -- qualification -------------------------------------------------------------------

    async def _tap_rate(
        self, uow: UnitOfWork, lead: Lead, member: Member, arg: str, now: datetime
    ) -> Reply:
        return Reply("Rate the lead.", View.RATE)

    async def _tap_hot(
        self, uow: UnitOfWork, lead: Lead, member: Member, arg: str, now: datetime
    ) -> Reply:
        await self._rate(uow, lead, member, Temperature.HOT, now)
        return Reply("Marked hot.")

    async def _tap_warm(
        self, uow: UnitOfWork, lead: Lead, member: Member, arg: str, now: datetime
    ) -> Reply:
        if not arg:
            return self._ask(View.WARM, Awaiting.NEXT_STEP, rate=Temperature.WARM.value)
        moment = Moment(self._preset(arg, now), NEXT_STEP)
        await self._make_warm(uow, lead, member, moment, now)
        return Reply(f"Marked warm; next step {self._local(moment.at)}.")

    async def _make_warm(
        self, uow: UnitOfWork, lead: Lead, member: Member, moment: Moment, now: datetime
    ) -> None:
        """Rate the lead warm and give it its dated next step, which warm leads must have."""
        await self._rate(uow, lead, member, Temperature.WARM, now)
        await self._plan(uow, lead, moment, member.id, now)

    async def _tap_cold(
        self, uow: UnitOfWork, lead: Lead, member: Member, arg: str, now: datetime
    ) -> Reply:
        if not arg:
            return Reply("Cold: close it with a reason, or park it with a date.", View.COLD)
        if arg == "park":
            return self._ask(View.PARK, Awaiting.PARK)
        reason = _loss_reason(arg)
        if reason is LossReason.OTHER:
            return self._ask(View.OTHER, Awaiting.LOSS_NOTE, cold=True)
        await self._rate(uow, lead, member, Temperature.COLD, now)
        return await self._lose(uow, lead, member, reason, "", now)

    async def _tap_park(
        self, uow: UnitOfWork, lead: Lead, member: Member, arg: str, now: datetime
    ) -> Reply:
        moment = Moment(self._preset(arg, now), LOOK_AGAIN)
        await self._park(uow, lead, member, moment, now)
        return Reply(f"Parked until {self._local(moment.at)}.")

    async def _park(
        self, uow: UnitOfWork, lead: Lead, member: Member, moment: Moment, now: datetime
    ) -> None:
        """Rate the lead cold and set a date to look at it again."""
        await self._rate(uow, lead, member, Temperature.COLD, now)
        await self._plan(uow, lead, moment, member.id, now)

    async def _rate(
        self, uow: UnitOfWork, lead: Lead, member: Member, temperature: Temperature, now: datetime
    ) -> None:
        if lead.temperature is not temperature:
            event = lead.qualify(temperature, now, member.id, self.rules.pipeline)
            await uow.events.append(event)

    async def _tap_criterion(
        self, uow: UnitOfWork, lead: Lead, member: Member, arg: str, now: datetime
    ) -> Reply:
        if arg not in CRITERIA:
            raise InvalidAnswer("That question is not on the list; pick one from the card.")
        event = lead.toggle_criterion(arg, now, member.id)
        await uow.events.append(event)
        state = "yes" if event.data["ticked"] else "cleared"
        return Reply(f"{CRITERIA[arg]}: {state}.")

    # -- the pipeline --------------------------------------------------------------------

    async def _tap_forward(
        self, uow: UnitOfWork, lead: Lead, member: Member, arg: str, now: datetime
    ) -> Reply:
        stage = self.rules.pipeline.next_after(lead.stage)
        if stage is None:
            raise StaleAction(f"Lead #{lead.id} is at the last stage; close it as won or lost.")
        return await self._move(uow, lead, member, stage, now)

    async def _tap_backward(
        self, uow: UnitOfWork, lead: Lead, member: Member, arg: str, now: datetime
    ) -> Reply:
        stage = self.rules.pipeline.previous_before(lead.stage)
        if stage is None:
            raise StaleAction(f"Lead #{lead.id} cannot go further back.")
        return await self._move(uow, lead, member, stage, now)

    async def _move(
        self, uow: UnitOfWork, lead: Lead, member: Member, stage: str, now: datetime
    ) -> Reply:
        await uow.events.append(lead.move_to_stage(stage, now, member.id, self.rules.pipeline))
        norm = self.rules.pipeline.norm(stage)
        within = f" (norm: {norm} d)" if norm else ""
        return Reply(f"Moved to {stage}{within}.")

    async def _tap_won(
        self, uow: UnitOfWork, lead: Lead, member: Member, arg: str, now: datetime
    ) -> Reply:
        return self._ask(View.WON, Awaiting.AMOUNT)

    async def _win(
        self, uow: UnitOfWork, lead: Lead, member: Member, amount: Decimal, now: datetime
    ) -> Reply:
        await uow.events.append(lead.win(amount, now, member.id))
        await self._closed(uow, lead, member, now)
        return Reply(f"Won: {amount:,}. Well done!".replace(",", " "))

    async def _tap_lose(
        self, uow: UnitOfWork, lead: Lead, member: Member, arg: str, now: datetime
    ) -> Reply:
        return Reply("Pick a loss reason.", View.LOSS_REASONS)

    async def _tap_loss_reason(
        self, uow: UnitOfWork, lead: Lead, member: Member, arg: str, now: datetime
    ) -> Reply:
        reason = _loss_reason(arg)
        if reason is LossReason.OTHER:
            return self._ask(View.OTHER, Awaiting.LOSS_NOTE)
        return await self._lose(uow, lead, member, reason, "", now)

    async def _lose(
        self,
        uow: UnitOfWork,
        lead: Lead,
        member: Member,
        reason: LossReason,
        note: str,
        now: datetime,
    ) -> Reply:
        await uow.events.append(lead.lose(reason, now, member.id, note))
        await self._closed(uow, lead, member, now)
        return Reply(f"Lost: {LOSS_REASON_LABELS[reason].lower()}.")

    async def _closed(self, uow: UnitOfWork, lead: Lead, member: Member, now: datetime) -> None:
        """Tidy up after a lead closed: its timers go, and its owner may have room again."""
        await self._settle_first_response(uow, lead, now, "closed", member.id)
        await uow.timers.cancel(lead.id, WORK_TIMERS)
        await uow.leads.save(lead)  # before offering, which counts open leads afresh
        await self._room_freed(uow, lead.owner_id, now)

    # -- reminders -----------------------------------------------------------------------

    async def _tap_remind(
        self, uow: UnitOfWork, lead: Lead, member: Member, arg: str, now: datetime
    ) -> Reply:
        return self._ask(View.REMIND, Awaiting.REMINDER)

    async def _tap_remind_at(
        self, uow: UnitOfWork, lead: Lead, member: Member, arg: str, now: datetime
    ) -> Reply:
        moment = Moment(self._preset(arg, now), lead.next_step or FOLLOW_UP)
        await self._plan(uow, lead, moment, member.id, now)
        return Reply(f"Reminder set for {self._local(moment.at)}.")

    async def _tap_snooze(
        self, uow: UnitOfWork, lead: Lead, member: Member, arg: str, now: datetime
    ) -> Reply:
        if lead.remind_at is None:
            raise StaleAction(f"Lead #{lead.id} has no reminder to snooze.")
        if not arg:
            return self._ask(View.SNOOZE, Awaiting.REMINDER, snooze=True)
        moment = Moment(self._preset(arg, now), lead.next_step or FOLLOW_UP)
        await self._plan(uow, lead, moment, member.id, now, snoozed=True)
        return Reply(f"Snoozed until {self._local(moment.at)}.")

    async def _tap_done(
        self, uow: UnitOfWork, lead: Lead, member: Member, arg: str, now: datetime
    ) -> Reply:
        if lead.remind_at is None:
            raise StaleAction(f"Lead #{lead.id} has no planned step to mark done.")
        if lead.temperature in (Temperature.WARM, Temperature.COLD):
            # Warm and parked leads always keep a dated step: done means "and next, when?".
            if not arg:
                return self._ask(View.NEXT, Awaiting.NEXT_STEP, done=True)
            await self._complete_step(uow, lead, member.id, now)
            moment = Moment(self._preset(arg, now), NEXT_STEP)
            await self._plan(uow, lead, moment, member.id, now)
            return Reply(f"Done; next step {self._local(moment.at)}.")
        await self._complete_step(uow, lead, member.id, now)
        return Reply("Done.")

    def _preset(self, key: str, now: datetime) -> datetime:
        return preset_moment(key, now, self.rules.calendar.tz)

    # -- talking to the prospect ---------------------------------------------------------

    async def _tap_write(
        self, uow: UnitOfWork, lead: Lead, member: Member, arg: str, now: datetime
    ) -> Reply:
        if lead.telegram_chat_id is None:
            raise StaleAction(
                f"Lead #{lead.id} did not write from Telegram, so the bot cannot reach them."
            )
        return self._ask(View.WRITE, Awaiting.MESSAGE)

    # -- moving the lead to another rep -------------------------------------------------

    async def _tap_assign(
        self, uow: UnitOfWork, lead: Lead, manager: Member, arg: str, now: datetime
    ) -> Reply:
        return Reply(await self._reassign(uow, lead, manager, arg, now))

    async def _tap_take(
        self, uow: UnitOfWork, lead: Lead, member: Member, arg: str, now: datetime
    ) -> Reply:
        return Reply(await self._take_lead(uow, lead, member, now))

    async def _tap_take_over(
        self, uow: UnitOfWork, lead: Lead, manager: Member, arg: str, now: datetime
    ) -> Reply:
        return Reply(await self._take_over(uow, lead, manager, now))

    async def _tap_remind_owner(
        self, uow: UnitOfWork, lead: Lead, manager: Member, arg: str, now: datetime
    ) -> Reply:
        return Reply(await self._remind_owner(uow, lead, manager, now))

    async def _tap_reassign(
        self, uow: UnitOfWork, lead: Lead, manager: Member, arg: str, now: datetime
    ) -> Reply:
        return Reply("Pick the rep who takes it.", View.REASSIGN)

    async def _tap_hand_back(
        self, uow: UnitOfWork, lead: Lead, member: Member, arg: str, now: datetime
    ) -> Reply:
        return Reply("Pick why you hand it back.", View.HAND_BACK)

    async def _tap_hand_back_reason(
        self, uow: UnitOfWork, lead: Lead, member: Member, arg: str, now: datetime
    ) -> Reply:
        reason = HAND_BACK_LABELS[_hand_back_reason(arg)]
        return Reply(await self._hand_back(uow, lead, member, reason.lower(), now))

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

    # -- cards ---------------------------------------------------------------------------

    async def _redraw(
        self, uow: UnitOfWork, lead: Lead, tap: Tap, view: View, changed: bool = True
    ) -> None:
        """Redraw the tapped card in its new view, and every other card if the lead changed."""
        await uow.outbox.put(
            Notice(tap.chat_id, Template.CARD, lead.id, {"view": view.value}, tap.message_id)
        )
        if changed:
            await self._redraw_cards(uow, lead, skip=(tap.chat_id, tap.message_id))

    async def _what_changed(self, uow: UnitOfWork, lead: Lead) -> str:
        history = [e for e in await uow.events.for_lead(lead.id) if e.kind not in QUIET_KINDS]
        last = history[-1] if history else None
        if last is None:
            return "This card is out of date; it has been redrawn."
        who = await uow.members.get(last.actor_id) if last.actor_id else None
        when = last.at.astimezone(self.rules.calendar.tz).strftime("%H:%M")
        by = f" by {who.name}" if who else ""
        return f"Already done{by} at {when}: {describe(last)}. The card is redrawn."


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


def describe(event: Event) -> str:
    """Say in a few words what an event recorded, for a rep who pressed a stale button."""
    data = event.data
    match event.kind:
        case EventKind.ATTEMPTED:
            return str(data.get("outcome", "")).replace("_", " ")
        case EventKind.QUALIFIED:
            return f"marked {data.get('temperature')}"
        case EventKind.LOST:
            reason = LossReason(data["reason"]) if data.get("reason") else LossReason.OTHER
            return f"lost ({LOSS_REASON_LABELS[reason].lower()})"
        case EventKind.WON:
            return f"won ({data.get('amount')})"
        case EventKind.ASSIGNED:
            return "reassigned"
        case EventKind.HANDED_BACK:
            return "handed back"
        case EventKind.STAGE_CHANGED:
            return f"moved to {data.get('stage')}"
        case EventKind.CRITERION_CHANGED:
            label = CRITERIA.get(str(data.get("criterion")), "a question").lower()
            return f"{label} {'ticked' if data.get('ticked') else 'cleared'}"
        case EventKind.REMINDER_SET | EventKind.REMINDER_SNOOZED:
            return "reminder set"
        case _:
            return event.kind.value.replace("_", " ")
