"""Prospect handlers: people who are not on the team and write to the bot.

Every private message is routed here first: a member's text goes on to `bot.leads`, a
stranger's becomes (part of) their lead through `core.prospects`. A prospect sees only
the greeting, the acknowledgement, thanks for a phone, and what reps write to them.
"""

import logging

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from bot import leads
from bot.runtime import services_of
from intake.contacts import ContactError, normalise_phone

logger = logging.getLogger(__name__)

GREETING = (
    "Hello! Write your question here, and a manager will answer you in this chat. "
    "You can also share your phone number if you would like a call."
)
TEXT_ONLY = "For now I can pass on text messages only; please write your question in words."
BAD_PHONE = "I could not read that phone number; please write it with its country code."
MEMBER_CONTACT = "Contacts you share are not stored; to note a phone, reply to the lead's card."


def _name(update: Update) -> str:
    user = update.effective_user
    return user.full_name or user.username or ""


async def welcome(update: Update, context: ContextTypes.DEFAULT_TYPE, payload: str) -> None:
    """Greet a stranger who pressed Start, remembering the source they came from."""
    await services_of(context).prospect_started(update.effective_chat.id, payload)
    await update.effective_message.reply_text(GREETING)


async def _is_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    return await services_of(context).member(update.effective_user.id) is not None


async def text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Hand a member's text to the lead handlers; take a stranger's as a prospect's message."""
    if await _is_member(update, context):
        await leads.member_text(update, context)
        return
    message = update.effective_message
    await services_of(context).prospect_wrote(message.chat.id, _name(update), message.text)


async def contact(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Store the phone a prospect shared on their lead."""
    message = update.effective_message
    if await _is_member(update, context):
        await message.reply_text(MEMBER_CONTACT)
        return
    raw = message.contact.phone_number
    try:
        phone = normalise_phone(raw if raw.startswith("+") else f"+{raw}", None)
    except ContactError:
        await message.reply_text(BAD_PHONE)
        return
    await services_of(context).prospect_shared_phone(message.chat.id, _name(update), phone)


async def other(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Tell a prospect who sent a photo, a voice message or a sticker to write instead."""
    if not await _is_member(update, context):
        await update.effective_message.reply_text(TEXT_ONLY)


def register(application: Application) -> None:
    """Add the handlers of private messages to the application."""
    private = filters.ChatType.PRIVATE & ~filters.COMMAND & ~filters.UpdateType.EDITED
    application.add_handler(MessageHandler(private & filters.TEXT, text))
    application.add_handler(MessageHandler(private & filters.CONTACT, contact))
    application.add_handler(MessageHandler(private, other))
