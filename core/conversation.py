"""What members type: answers to the bot's questions, notes on cards, replies to prospects.

A member's text message means one of three things, decided here and nowhere else:

- a reply to a message in which a prospect wrote goes back to that prospect, signed with
  the member's first name (the prospect never sees the member's account);
- a reply to a lead's card adds a note to the lead, unless the card is waiting for an
  answer the bot asked for, in which case it is that answer;
- any other text answers the question the bot last asked in that chat, if it is still
  fresh (`Rules.prompt_ttl`); otherwise the member is told what text is for.

Also here: showing one lead with its timeline (`/lead N`) and a member's queue (`/my`).
"""

import logging
from datetime import datetime

from core.errors import InvalidAnswer, NotAllowed, NothingAwaited, NotOnTeam, StaleAction
from core.leads import Lead, LossReason, Temperature
from core.money import read_amount
from core.notices import Notice, Shown, Template
from core.nurturing import FOLLOW_UP, LOOK_AGAIN, NEXT_STEP
from core.ports import UnitOfWork
from core.prompts import Awaiting, Prompt
from core.reminders import read_step
from core.team import Member
from core.working import Done, Reply, Working

logger = logging.getLogger(__name__)

MAX_TEXT = 3000
NOTHING_AWAITED = (
    "To add a note, reply to the lead's card. To answer a prospect, reply to their message. "
    "/my shows your queue, /lead N one lead with its history."
)


class Conversation(Working):
    """Use cases behind what members type to the bot."""

    async def member_wrote(
        self, telegram_id: int, chat_id: int, text: str, reply_to: int | None = None
    ) -> Done:
        """Understand a member's text: a reply to a prospect, a note, or an answer.

        Args:
            telegram_id: who wrote.
            chat_id: the chat they wrote in.
            text: what they wrote.
            reply_to: the message they replied to, if any.

        Raises:
            NotOnTeam, NotLeadOwner: the member may not touch that lead.
            InvalidAnswer: the answer cannot be read; the question stays open.
            NothingAwaited: the bot asked nothing and the text replies to no lead.
            StaleAction: the lead was closed since the question was asked.
        """
        text = text.strip()[:MAX_TEXT]
        now = self.clock.now()
        async with self.uow() as uow:
            member = await uow.members.by_telegram_id(telegram_id)
            if member is None or not member.active:
                raise NotOnTeam("You are not on the team, so you cannot act on leads.")
            shown = await uow.cards.shown_at(chat_id, reply_to) if reply_to else None
            prompt = await self._fresh_prompt(uow, chat_id, now)
            answers_prompt = (
                shown is not None
                and shown[1] is not Shown.MESSAGE
                and prompt is not None
                and prompt.lead_id == shown[0]
            )
            if shown is not None and not answers_prompt:
                lead = await self._lead_for_member(uow, shown[0], member)
                done = await self._reply_or_note(uow, lead, member, shown[1], text, now)
            elif prompt is not None:
                done = await self._take_answer(uow, prompt, member, text, now)
            else:
                raise NothingAwaited(NOTHING_AWAITED)
            await uow.commit()
        return done

    async def _fresh_prompt(self, uow: UnitOfWork, chat_id: int, now: datetime) -> Prompt | None:
        prompt = await uow.prompts.get(chat_id)
        if prompt is None or not prompt.is_fresh(now, self.rules.prompt_ttl):
            return None
        return prompt

    async def _reply_or_note(
        self, uow: UnitOfWork, lead: Lead, member: Member, shown: Shown, text: str, now: datetime
    ) -> Done:
        if shown is Shown.MESSAGE and lead.telegram_chat_id is not None:
            return await self._tell_prospect(uow, lead, member, text, now)
        await uow.events.append(lead.add_note(text, now, member.id))
        logger.info("Lead %s: note by member %s", lead.id, member.id)
        return Done(lead, f"Note added to lead #{lead.id}.")

    async def _tell_prospect(
        self, uow: UnitOfWork, lead: Lead, member: Member, text: str, now: datetime
    ) -> Done:
        """Send a member's words to the prospect through the bot, signed with a first name."""
        if lead.telegram_chat_id is None:
            raise StaleAction(f"Lead #{lead.id} did not write from Telegram; call or e-mail.")
        signed = f"{text}\n\n— {first_name(member)}"
        await uow.outbox.put(
            Notice(lead.telegram_chat_id, Template.TEXT, lead.id, {"text": signed})
        )
        await uow.events.append(lead.prospect_answered(text, now, member.id))
        logger.info("Lead %s: member %s wrote to the prospect", lead.id, member.id)
        return Done(lead, f"Sent to {lead.name or 'the prospect'}.")

    # -- answers to the bot's questions --------------------------------------------------

    async def _take_answer(
        self, uow: UnitOfWork, prompt: Prompt, member: Member, text: str, now: datetime
    ) -> Done:
        try:
            lead = await self._lead_for_member(uow, prompt.lead_id, member)
            if not lead.is_open and prompt.awaiting is not Awaiting.MESSAGE:
                raise StaleAction(f"Lead #{lead.id} is already closed as {lead.stage}.")
        except (NotAllowed, StaleAction):
            # The question can no longer be answered: drop it so it does not catch more text.
            await uow.prompts.clear(prompt.chat_id)
            await uow.commit()
            raise
        if prompt.awaiting is Awaiting.MESSAGE:
            done = await self._tell_prospect(uow, lead, member, text, now)
            await uow.prompts.clear(prompt.chat_id)
            return done

        version = lead.version
        reply = await self._answer(uow, lead, member, prompt, text, now)
        await uow.prompts.clear(prompt.chat_id)
        if lead.version != version:
            await uow.leads.save(lead)
        await self._redraw_cards(uow, lead)
        cards = await uow.cards.for_lead(lead.id)
        if prompt.message_id is not None and (prompt.chat_id, prompt.message_id) not in cards:
            await uow.outbox.put(
                Notice(prompt.chat_id, Template.CARD, lead.id, {}, prompt.message_id)
            )
        logger.info("Lead %s: %s answered by member %s", lead.id, prompt.awaiting, member.id)
        return Done(lead, reply.summary)

    async def _answer(
        self, uow: UnitOfWork, lead: Lead, member: Member, prompt: Prompt, text: str, now: datetime
    ) -> Reply:
        tz = self.rules.calendar.tz
        match prompt.awaiting:
            case Awaiting.AMOUNT:
                return await self._win(uow, lead, member, read_amount(text), now)
            case Awaiting.LOSS_NOTE:
                if not text:
                    raise InvalidAnswer("Send the reason in words.")
                if prompt.data.get("cold"):
                    await self._rate(uow, lead, member, Temperature.COLD, now)
                reply = await self._lose(uow, lead, member, LossReason.OTHER, text, now)
                return Reply(f"{reply.summary[:-1]}: {text[:100]}")
            case Awaiting.REMINDER:
                moment = read_step(text, now, tz, lead.next_step or FOLLOW_UP)
                snoozed = bool(prompt.data.get("snooze"))
                await self._plan(uow, lead, moment, member.id, now, snoozed=snoozed)
                return Reply(f"Reminder set for {self._local(moment.at)}: {moment.step}.")
            case Awaiting.NEXT_STEP:
                moment = read_step(text, now, tz, NEXT_STEP)
                if prompt.data.get("done") and lead.remind_at is not None:
                    await self._complete_step(uow, lead, member.id, now)
                if prompt.data.get("rate") == Temperature.WARM.value:
                    await self._make_warm(uow, lead, member, moment, now)
                else:
                    await self._plan(uow, lead, moment, member.id, now)
                return Reply(f"Next step {self._local(moment.at)}: {moment.step}.")
            case Awaiting.PARK:
                moment = read_step(text, now, tz, LOOK_AGAIN)
                await self._park(uow, lead, member, moment, now)
                return Reply(f"Parked until {self._local(moment.at)}.")
        raise InvalidAnswer("The bot was not waiting for that; tap the button again.")

    # -- looking at leads ----------------------------------------------------------------

    async def show_lead(self, telegram_id: int, chat_id: int, lead_id: int) -> Lead:
        """Send a member the card of a lead with its whole timeline, if they may see it.

        Raises:
            NotOnTeam, NotLeadOwner: the member may not see this lead.
            LeadNotFound: there is no such lead.
        """
        async with self.uow() as uow:
            lead, _member = await self._lead_for_actor(uow, lead_id, telegram_id)
            await uow.outbox.put(Notice(chat_id, Template.TIMELINE, lead.id))
            await uow.commit()
        return lead

    async def show_queue(
        self, telegram_id: int, chat_id: int, page: int = 0, message_id: int | None = None
    ) -> None:
        """Send a member their queue, or turn the page of a queue already shown.

        Raises:
            NotOnTeam: the user is not an active member.
        """
        async with self.uow() as uow:
            member = await uow.members.by_telegram_id(telegram_id)
            if member is None or not member.active:
                raise NotOnTeam("You are not on the team, so you have no queue.")
            data = {"member_id": member.id, "page": max(page, 0)}
            await uow.outbox.put(Notice(chat_id, Template.QUEUE, None, data, message_id))
            await uow.commit()


def first_name(member: Member) -> str:
    """Give the name a prospect sees under a rep's message: the first word of their name."""
    return (member.name.split() or ["Your manager"])[0]
