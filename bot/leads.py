"""Lead handlers: button presses on lead cards.

A press is decoded, then handed to the use case with the presser's Telegram id; the use
case decides whether that person may act and queues the redrawn card in the outbox. The
handler only answers the press with a short toast.
"""

import logging

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from bot.callbacks import LEAD_PATTERN, BadCallback, decode
from bot.runtime import services_of
from core.errors import LeadlineError
from core.services import Tap

logger = logging.getLogger(__name__)

FORGED = "This button was not drawn by this bot, so nothing was changed."


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


async def unknown_press(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a press whose data this bot never draws."""
    await update.callback_query.answer(FORGED, show_alert=True)


def register(application: Application) -> None:
    """Add the lead handlers to the application."""
    application.add_handler(CallbackQueryHandler(press, pattern=LEAD_PATTERN))
    application.add_handler(CallbackQueryHandler(unknown_press))
