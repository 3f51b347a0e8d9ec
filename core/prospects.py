"""Prospects in Telegram: anyone not on the team who writes to the bot.

The first message opens a lead (channel telegram), tagged with the source of the deep link
the prospect came by (`t.me/<bot>?start=<source>`), and is acknowledged: off hours by the
auto-reply saying when a rep will be in touch (`core.replies`, sent by capture), inside
hours by the configured acknowledgment or else a short thanks. Later messages
go to the same open lead and on to its owner (or the managers while it has none); the
owner's replies come back through `core.conversation`. A shared contact stores the phone.
Prospects only ever hear the acknowledgement, the replies written to them, and thanks for
a phone: nothing about other leads or the team.
"""

import logging

from core.capturing import Captured, Capturing, Outcome
from core.leads import Channel, Inquiry, Lead
from core.notices import Notice, Template
from core.ports import UnitOfWork

logger = logging.getLogger(__name__)

ACKNOWLEDGEMENT = (
    "Thank you! Your message is with our team, and a manager will answer you here shortly."
)
PHONE_THANKS = "Thank you, we have your number and will call you if needed."
MAX_MESSAGE = 4000


def _tag_key(chat_id: int) -> str:
    return f"prospect_start:{chat_id}"


class Prospects(Capturing):
    """Use cases behind what prospects write to the bot."""

    async def is_invite_code(self, code: str) -> bool:
        """Tell whether a /start payload is a team invite (used or not) rather than a source."""
        async with self.uow() as uow:
            return await uow.invites.get(code) is not None

    async def prospect_started(self, chat_id: int, payload: str) -> None:
        """Remember the deep-link payload a prospect started the bot with, for their lead."""
        async with self.uow() as uow:
            source = await uow.sources.by_name(payload) if payload else None
            tag = {"source_id": source.id if source else None, "tag": payload}
            await uow.state.put(_tag_key(chat_id), tag)
            await uow.commit()

    async def prospect_wrote(self, chat_id: int, name: str, text: str) -> Captured:
        """Open a lead for a prospect's first message, or add a later one to their open lead.

        Returns:
            The lead and whether it is new (CREATED) or the message joined it (MERGED).
        """
        async with self.uow() as uow:
            inquiry = await self._inquiry(uow, chat_id, name, message=text[:MAX_MESSAGE])
            result = await self._take(uow, inquiry)
            if result.outcome is Outcome.CREATED:
                await self._welcome(uow, chat_id, result)
            await uow.commit()
        logger.info("Prospect message on lead %s (%s)", result.lead_id, result.outcome.value)
        return result

    async def prospect_shared_phone(self, chat_id: int, name: str, phone: str) -> Captured:
        """Store the phone a prospect shared on their open lead, or open one with it."""
        async with self.uow() as uow:
            lead = await uow.leads.find_open_by_contact(None, None, chat_id)
            if lead is None:
                inquiry = await self._inquiry(uow, chat_id, name, phone=phone)
                result = await self._take(uow, inquiry)
                if result.outcome is Outcome.CREATED:
                    await self._welcome(uow, chat_id, result)
            else:
                await self._store_phone(uow, lead, phone)
                result = Captured(lead.id, Outcome.MERGED, lead.owner_id, lead.after_hours)
            text = {"text": PHONE_THANKS}
            await uow.outbox.put(Notice(chat_id, Template.TEXT, result.lead_id, text))
            await uow.commit()
        logger.info("Prospect shared a phone on lead %s", result.lead_id)
        return result

    async def _inquiry(self, uow: UnitOfWork, chat_id: int, name: str, **fields: str) -> Inquiry:
        tag = await uow.state.get(_tag_key(chat_id)) or {}
        utm = {"utm_source": tag["tag"]} if tag.get("tag") and not tag.get("source_id") else {}
        return Inquiry(
            Channel.TELEGRAM,
            name=name,
            telegram_chat_id=chat_id,
            source_id=tag.get("source_id"),
            utm=utm,
            **fields,  # type: ignore[arg-type]
        )

    async def _welcome(self, uow: UnitOfWork, chat_id: int, result: Captured) -> None:
        if result.reply is None:  # the auto-reply, when there is one, says it already
            notice = Notice(chat_id, Template.TEXT, result.lead_id, {"text": ACKNOWLEDGEMENT})
            await uow.outbox.put(notice)
        await uow.state.put(_tag_key(chat_id), {})

    async def _store_phone(self, uow: UnitOfWork, lead: Lead, phone: str) -> None:
        await uow.events.append(lead.share_phone(phone, self.clock.now()))
        await uow.leads.save(lead)
        text = f"📞 {lead.title} shared a phone: {phone}"
        for chat_id in await self._owner_or_manager_chats(uow, lead):
            await uow.outbox.put(Notice(chat_id, Template.TEXT, lead.id, {"text": text}))
        await self._redraw_cards(uow, lead)
