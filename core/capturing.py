"""Capturing inquiries: every inquiry becomes a lead at once, or an event on the lead it repeats.

A new lead is routed, its first-response and stall timers armed, its owner's alert and
the prospect's auto-reply queued in the same transaction that stores it.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from core.errors import InvalidInquiry
from core.events import Event, EventKind
from core.leads import Channel, Inquiry, Lead
from core.notices import Notice, Template
from core.ports import UnitOfWork
from core.replies import auto_reply
from core.responding import Responding
from core.sources import Source, hash_token, new_token
from core.stalls import first_stall_check

logger = logging.getLogger(__name__)


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
    reply: str | None = None


class Capturing(Responding):
    """Use cases that take inquiries in and manage their sources."""

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
            result = await self._take(uow, inquiry, idempotency_key)
            if result.outcome is not Outcome.DUPLICATE:
                await uow.commit()

        logger.info("Lead %s accepted (%s)", result.lead_id, result.outcome.value)
        return result

    async def _take(
        self, uow: UnitOfWork, inquiry: Inquiry, idempotency_key: str | None = None
    ) -> Captured:
        """Do the work of `capture` inside a unit of work the caller commits."""
        earlier = await self._earlier_request(uow, inquiry, idempotency_key)
        if earlier is not None:
            return Captured(earlier.id, Outcome.DUPLICATE, earlier.owner_id)

        now = self.clock.now()
        open_lead = await uow.leads.find_open_by_contact(
            inquiry.phone, inquiry.email, inquiry.telegram_chat_id
        )
        if open_lead is not None:
            result = await self._merge(uow, open_lead, inquiry, now)
        else:
            result = await self._open_lead(uow, inquiry, now)
        if idempotency_key and inquiry.source_id is not None:
            await uow.idempotency.remember(inquiry.source_id, idempotency_key, result.lead_id, now)
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
        if _is_chat_message(lead, inquiry):
            return await self._relay_prospect_message(uow, lead, inquiry.message, now)
        await uow.events.append(lead.merge_inquiry(inquiry, now))
        await uow.leads.save(lead)
        for chat_id in await self._owner_or_manager_chats(uow, lead):
            await uow.outbox.put(
                Notice(chat_id, Template.INQUIRY_REPEATED, lead.id, {"message": inquiry.message})
            )
        await self._redraw_cards(uow, lead)
        return Captured(lead.id, Outcome.MERGED, lead.owner_id, lead.after_hours)

    async def _relay_prospect_message(
        self, uow: UnitOfWork, lead: Lead, text: str, now: datetime
    ) -> Captured:
        """Add what a prospect wrote in Telegram to the lead and pass it to its owner."""
        await uow.events.append(lead.prospect_wrote(text, now))
        for chat_id in await self._owner_or_manager_chats(uow, lead):
            await uow.outbox.put(
                Notice(chat_id, Template.PROSPECT_MESSAGE, lead.id, {"text": text})
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
        previous_owner = await uow.leads.last_owner_of_contact(
            lead.phone, lead.email, lead.telegram_chat_id
        )
        router = await self._router(uow, now)
        await self._route(uow, router, lead, now, previous_owner=previous_owner)
        await self._keep_router(uow, router)
        if lead.owner_id is None:  # an owner got the clocks when the lead was handed over
            await self._arm_first_response(uow, lead, now)
        stall_check = first_stall_check(self.rules, lead)
        if stall_check is not None:
            await uow.timers.arm(stall_check)
        reply = await self._auto_reply(uow, lead, now)
        await uow.leads.save(lead)
        return Captured(lead.id, Outcome.CREATED, lead.owner_id, lead.after_hours, reply)

    async def _auto_reply(self, uow: UnitOfWork, lead: Lead, now: datetime) -> str | None:
        """Tell the prospect the inquiry is in and when to expect a rep, through its channel.

        A prospect in Telegram gets it from the bot; for the HTTP API it goes back in the
        answer, for the form to show.
        """
        norm = await self._first_response_norm(uow, lead)
        text = auto_reply(self.rules.replies, self.rules.calendar, now, norm)
        if text is None:
            return None
        if lead.telegram_chat_id is not None:
            notice = Notice(lead.telegram_chat_id, Template.TEXT, lead.id, {"text": text})
            await uow.outbox.put(notice)
        data = {"text": text, "after_hours": lead.after_hours}
        await uow.events.append(Event(lead.id, EventKind.AUTO_REPLIED, now, data=data))
        return text

    # sources -------------------------------------------------------------------------

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

    async def set_source_norm(self, name: str, minutes: float | None) -> Source:
        """Give a source its own first-response norm in minutes, or None for the team's.

        Raises:
            InvalidInquiry: no source has that name, or the norm is not above zero.
        """
        if minutes is not None and minutes <= 0:
            raise InvalidInquiry("norm", "A first-response norm must be more than zero minutes.")
        async with self.uow() as uow:
            source = await uow.sources.by_name(name.strip())
            if source is None:
                raise InvalidInquiry("name", f"No source is named {name!r}.")
            source.first_response = None if minutes is None else timedelta(minutes=minutes)
            await uow.sources.save(source)
            await uow.commit()
        logger.info("Source %s has the norm %s", source.id, source.first_response or "of the team")
        return source

    async def source_for_token(self, token: str) -> Source | None:
        """Find the active source a token belongs to."""
        async with self.uow() as uow:
            source = await uow.sources.by_token_hash(hash_token(token))
        return source if source is not None and source.active else None

    async def ping(self) -> None:
        """Check that the database answers."""
        async with self.uow() as uow:
            await uow.ping()


def _is_chat_message(lead: Lead, inquiry: Inquiry) -> bool:
    """Tell whether an inquiry is the next message of a prospect chatting with the bot."""
    return (
        inquiry.channel is Channel.TELEGRAM
        and inquiry.telegram_chat_id is not None
        and inquiry.telegram_chat_id == lead.telegram_chat_id
    )
