"""Lead handlers: button presses on lead cards, `/lead N`, `/my`, and what members type.

A press is decoded, then handed to the use case with the presser's Telegram id; the use
case decides whether that person may act and queues the redrawn card in the outbox. The
handler only answers the press with a short toast. Text a member sends (an answer the
bot asked for, a note in reply to a card, a reply to a prospect) is understood by
`core.conversation`; the handler answers with one line.
"""

import logging

from telegram import Message, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, filters

from bot.callbacks import (
    LEAD_PATTERN,
    OPEN_PATTERN,
    PAGE_PATTERN,
    BadCallback,
    decode,
    decode_open,
    decode_page,
)
from bot.runtime import services_of
from core.errors import LeadlineError
from core.services import Tap

logger = logging.getLogger(__name__)

FORGED = "This button was not drawn by this bot, so nothing was changed."
LEAD_USAGE = "Send /lead and the lead's number, e.g. /lead 12."


async def press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Carry out a tap on a lead card and answer it with what happened or why not."""
    query = update.callback_query
    message = query.message
    try:
        button = decode(query.data)
    except BadCallback:
        await query.answer(FORGED, show_alert=True)
        return
    if message is None:
        await query.answer("This card is too old to act on; open the lead with /lead.")
        return

    tap = Tap(
        telegram_id=query.from_user.id,
        lead_id=button.lead_id,
        action=button.action,
        version=button.version,
        chat_id=message.chat.id,
        message_id=message.message_id,
        argument=button.argument,
    )
    try:
        done = await services_of(context).tap(tap)
    except LeadlineError as exc:
        logger.info("Tap on lead %s by %s refused: %s", tap.lead_id, tap.telegram_id, exc)
        await query.answer(str(exc)[:200], show_alert=True)
        return
    await query.answer(done.summary[:200])


async def turn_page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show another page of the member's queue in the same message."""
    query = update.callback_query
    page = decode_page(query.data)
    chat_id, message_id = _where(query.message, query.from_user.id)
    try:
        await services_of(context).show_queue(query.from_user.id, chat_id, page, message_id)
    except LeadlineError as exc:
        await query.answer(str(exc)[:200], show_alert=True)
        return
    await query.answer(f"Page {page + 1}")


async def open_lead(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the card of a lead picked from the queue, with its timeline."""
    query = update.callback_query
    lead_id = decode_open(query.data)
    chat_id, _ = _where(query.message, query.from_user.id)
    try:
        await services_of(context).show_lead(query.from_user.id, chat_id, lead_id)
    except LeadlineError as exc:
        await query.answer(str(exc)[:200], show_alert=True)
        return
    await query.answer(f"Lead #{lead_id}")


def _where(message: object, user_id: int) -> tuple[int, int | None]:
    if isinstance(message, Message):
        return message.chat.id, message.message_id
    return user_id, None


async def unknown_press(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a press whose data this bot never draws."""
    await update.callback_query.answer(FORGED, show_alert=True)


async def lead(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the card of lead N with its whole timeline, to its owner or a manager."""
    message = update.effective_message
    if not context.args or not context.args[0].lstrip("#").isdigit():
        await message.reply_text(LEAD_USAGE)
        return
    lead_id = int(context.args[0].lstrip("#"))
    try:
        await services_of(context).show_lead(update.effective_user.id, message.chat.id, lead_id)
    except LeadlineError as exc:
        await message.reply_text(str(exc))


async def my_queue(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the member their queue: due first, then hot, then new, then the rest."""
    message = update.effective_message
    try:
        await services_of(context).show_queue(update.effective_user.id, message.chat.id)
    except LeadlineError as exc:
        await message.reply_text(str(exc))


async def member_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Take a member's text as an answer, a note or a reply to a prospect, and confirm it."""
    message = update.effective_message
    replied = message.reply_to_message
    try:
        done = await services_of(context).member_wrote(
            update.effective_user.id,
            message.chat.id,
            message.text or "",
            replied.message_id if replied else None,
        )
    except LeadlineError as exc:
        await message.reply_text(str(exc))
        return
    await message.reply_text(done.summary)


def register(application: Application) -> None:
    """Add the lead handlers to the application."""
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("lead", lead, filters=private))
    application.add_handler(CommandHandler("my", my_queue, filters=private))
    application.add_handler(CallbackQueryHandler(press, pattern=LEAD_PATTERN))
    application.add_handler(CallbackQueryHandler(turn_page, pattern=PAGE_PATTERN))
    application.add_handler(CallbackQueryHandler(open_lead, pattern=OPEN_PATTERN))
    application.add_handler(CallbackQueryHandler(unknown_press))
