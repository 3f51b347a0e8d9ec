"""Team handlers: joining with an invite, inviting; a stranger's Start makes a prospect."""

import logging

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes

from bot import prospects
from bot.runtime import services_of
from core.errors import InviteNotFound, NotAManager

logger = logging.getLogger(__name__)


def _display_name(update: Update) -> tuple[int, str, str | None]:
    user = update.effective_user
    return user.id, user.full_name or user.username or str(user.id), user.username


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greet a member, let an invited user join, and welcome anyone else as a prospect."""
    services = services_of(context)
    telegram_id, name, username = _display_name(update)
    code = context.args[0] if context.args else ""

    member = await services.greet(telegram_id, name, username)
    if member is None and code and await services.is_invite_code(code):
        try:
            member = await services.join(code, telegram_id, name, username)
        except InviteNotFound as exc:
            await update.effective_message.reply_text(str(exc))
            return
        await update.effective_message.reply_text(
            f"Welcome to the team, {member.name}! New leads assigned to you will appear "
            "here with buttons to record each step."
        )
        return
    if member is None:
        await prospects.welcome(update, context, code)
        return
    role = "manager" if member.is_manager else "rep"
    await update.effective_message.reply_text(
        f"Hi {member.name}, you are on the team as a {role}. New leads will appear here."
    )


async def invite(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Give a manager a one-time link that makes its user a rep."""
    services = services_of(context)
    try:
        code = await services.invite(update.effective_user.id)
    except NotAManager as exc:
        await update.effective_message.reply_text(str(exc))
        return
    link = f"https://t.me/{context.bot.username}?start={code.code}"
    days = services.rules.invite_ttl.days
    await update.effective_message.reply_text(
        f"Send this link to the new rep; it works once, for {days} days:\n{link}"
    )


def register(application: Application) -> None:
    """Add the team handlers to the application."""
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CommandHandler("invite", invite))
