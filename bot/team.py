"""Team handlers: joining, inviting, `/team` and its pages, `/pause`, `/resume`, `/handback`.

Handlers are thin: they decode the update, call a use case with the presser's Telegram
id (the use case decides whether that person may do it) and draw the answer with
`bot/roster.py`. The `/team` pages are edited in place as the manager taps; what a
change means for others (alerts to reps, notes to managers) goes through the outbox.
Anyone not on the team who presses Start is welcomed as a prospect (`bot/prospects.py`).
"""

import logging
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from telegram import ForceReply, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import prospects
from bot.callbacks import TEAM_PATTERN, BadCallback, TeamAction, TeamButton, decode_team
from bot.roster import (
    LEAVE_CHOICES,
    MENUS,
    PROMPTS,
    member_keyboard,
    member_text,
    menu,
    prompt_text,
    read_prompt,
    roster_keyboard,
    roster_text,
)
from bot.runtime import services_of
from core.dates import DateNotUnderstood, read_moment
from core.errors import InvalidProfile, InviteNotFound, LeadlineError, NotAManager
from core.services import Services
from core.team import read_capacity, read_list, read_tier

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
            f"here with buttons to record each step. {_HINTS[member.is_manager]}"
        )
        return
    if member is None:
        await prospects.welcome(update, context, code)
        return
    role = "manager" if member.is_manager else "rep"
    await update.effective_message.reply_text(
        f"Hi {member.name}, you are on the team as a {role}. New leads will appear here. "
        + _HINTS[member.is_manager]
    )


_HINTS = {
    False: "Send /pause when you cannot take new leads, and /resume when you can again.",
    True: "/team shows the team and lets you change it; /invite makes a link for a new rep.",
}


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


def _today(services: Services) -> date:
    return services.clock.now().astimezone(services.rules.calendar.tz).date()


async def team(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show a manager the team: load and today's figures, and a button to edit each member."""
    services = services_of(context)
    try:
        lines = await services.roster(update.effective_user.id)
    except LeadlineError as exc:
        await update.effective_message.reply_text(str(exc))
        return
    await update.effective_message.reply_text(
        roster_text(lines, _today(services)),
        parse_mode=ParseMode.HTML,
        reply_markup=roster_keyboard(lines),
    )


async def pause(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stop new leads for the rep who asks; their open leads stay with them."""
    try:
        change = await services_of(context).pause(update.effective_user.id)
    except LeadlineError as exc:
        await update.effective_message.reply_text(str(exc))
        return
    await update.effective_message.reply_text(change.summary)


async def resume(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Take the rep who asks back into the rotation, with any leads that waited."""
    try:
        change = await services_of(context).resume(update.effective_user.id)
    except LeadlineError as exc:
        await update.effective_message.reply_text(str(exc))
        return
    await update.effective_message.reply_text(change.summary)


async def hand_back(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Let a rep give a lead back in their own words: `/handback 12 on holiday`."""
    args = context.args or []
    if not args or not args[0].lstrip("#").isdigit():
        await update.effective_message.reply_text(
            "Say which lead and why, e.g. /handback 12 I know this person."
        )
        return
    lead_id, reason = int(args[0].lstrip("#")), " ".join(args[1:])
    try:
        done = await services_of(context).hand_back(update.effective_user.id, lead_id, reason)
    except LeadlineError as exc:
        await update.effective_message.reply_text(str(exc))
        return
    await update.effective_message.reply_text(done.summary)


# the /team pages -----------------------------------------------------------------------

Page = tuple[str, InlineKeyboardMarkup]


async def press_team(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Carry out a tap on a `/team` page and redraw the page, or say why not."""
    query = update.callback_query
    try:
        button = decode_team(query.data)
    except BadCallback:
        await query.answer("This button was not drawn by this bot.", show_alert=True)
        return
    services = services_of(context)
    try:
        toast, page = await _carry_out(services, query.from_user.id, button, query.message)
    except LeadlineError as exc:
        logger.info("Team tap %s by %s refused: %s", query.data, query.from_user.id, exc)
        await query.answer(str(exc)[:200], show_alert=True)
        return
    if page is not None and query.message is not None:
        await _show(query.message, page)
    await query.answer(toast[:200])


async def _show(message: Message, page: Page) -> None:
    text, markup = page
    try:
        await message.edit_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            raise


async def _carry_out(
    services: Services, by: int, button: TeamButton, message: Message | None
) -> tuple[str, Page | None]:
    """Do what a team button asks; return the toast and the page to show after it."""
    action, member_id, arg = button.action, button.member_id, button.argument
    if action is TeamAction.LIST:
        lines = await services.roster(by)
        return "", (roster_text(lines, _today(services)), roster_keyboard(lines))
    if action is TeamAction.VIEW:
        return "", await _member_page(services, member_id, by)
    if action in PROMPTS and (arg == "ask" or action in (TeamAction.PRODUCTS, TeamAction.REGIONS)):
        return await _ask(services, by, action, member_id, message)
    if not arg and action in MENUS:
        line = await services.roster_line(member_id, by)
        question, markup = menu(action, line.member)
        return "", (member_text(line, _today(services), question), markup)

    summary = await _change(services, by, action, member_id, arg)
    return summary, await _member_page(services, member_id, by)


async def _member_page(services: Services, member_id: int, by: int) -> Page:
    line = await services.roster_line(member_id, by)
    today = _today(services)
    return member_text(line, today), member_keyboard(line.member, today)


async def _change(
    services: Services, by: int, action: TeamAction, member_id: int, arg: str
) -> str:
    if action in (TeamAction.DEACTIVATE, TeamAction.HAND_OUT) and arg != "yes":
        raise InvalidProfile(action.name.lower(), "That button is not one this bot draws.")
    if action is TeamAction.DEACTIVATE:
        return (await services.deactivate(member_id, by)).summary
    if action is TeamAction.REACTIVATE:
        return (await services.reactivate(member_id, by)).summary
    if action is TeamAction.HAND_OUT:
        return (await services.hand_out_leads(member_id, by)).summary
    changes = _changes_from_button(action, arg, _today(services))
    return (await services.update_member(member_id, changes, by)).summary


def _changes_from_button(action: TeamAction, arg: str, today: date) -> Mapping[str, Any]:
    match action:
        case TeamAction.ROLE:
            return {"role": arg}
        case TeamAction.CAPACITY:
            return {"capacity": read_capacity(arg)}
        case TeamAction.WEIGHT:
            return {"weight": int(arg) if arg.isdigit() else arg}
        case TeamAction.TIER:
            return {"tier": read_tier(arg)}
        case TeamAction.PAUSE:
            return {"paused": arg == "on"}
        case TeamAction.LEAVE if arg == "end":
            return {"on_leave_until": None}
        case TeamAction.LEAVE if arg in LEAVE_CHOICES:
            return {"on_leave_until": today + timedelta(days=int(arg[1:]) - 1)}
    raise InvalidProfile(action.name.lower(), "That button is not one this bot draws.")


async def _ask(
    services: Services, by: int, action: TeamAction, member_id: int, message: Message | None
) -> tuple[str, Page | None]:
    """Send a prompt whose reply sets a field; managers only, as for any change."""
    line = await services.roster_line(member_id, by)
    text, hint = prompt_text(action, line.member)
    if message is not None:
        await message.get_bot().send_message(
            message.chat.id, text, reply_markup=ForceReply(input_field_placeholder=hint)
        )
    return "Reply to the message below.", None


class _PromptReply(filters.MessageFilter):
    """Pass replies to a prompt this bot sent; leave every other message to other handlers."""

    def filter(self, message: Message) -> bool:
        replied = message.reply_to_message
        return (
            replied is not None
            and replied.from_user is not None
            and replied.from_user.is_bot
            and read_prompt(replied.text or "") is not None
        )


async def prompt_reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Set the field a prompt asked for from the manager's typed reply, and show the page."""
    message = update.effective_message
    action, member_id = read_prompt(message.reply_to_message.text)
    services = services_of(context)
    by = update.effective_user.id
    try:
        changes = _changes_from_text(services, action, message.text)
        change = await services.update_member(member_id, changes, by)
        text, markup = await _member_page(services, member_id, by)
    except (LeadlineError, DateNotUnderstood) as exc:
        await message.reply_text(f"{exc} Reply to the question again to retry.")
        return
    await message.reply_text(
        f"{change.summary}\n\n{text}", parse_mode=ParseMode.HTML, reply_markup=markup
    )


def _changes_from_text(services: Services, action: TeamAction, text: str) -> Mapping[str, Any]:
    match action:
        case TeamAction.PRODUCTS:
            return {"products": read_list(text)}
        case TeamAction.REGIONS:
            return {"regions": read_list(text)}
        case TeamAction.CAPACITY:
            return {"capacity": read_capacity(text)}
    if text.strip().casefold() in {"none", "end", "-", "no"}:
        return {"on_leave_until": None}
    now = services.clock.now().astimezone(services.rules.calendar.tz)
    return {"on_leave_until": read_moment(text, now).date()}


def register(application: Application) -> None:
    """Add the team handlers to the application."""
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CommandHandler("invite", invite))
    application.add_handler(CommandHandler("team", team))
    application.add_handler(CommandHandler("pause", pause))
    application.add_handler(CommandHandler("resume", resume))
    application.add_handler(CommandHandler("handback", hand_back))
    application.add_handler(CallbackQueryHandler(press_team, pattern=TEAM_PATTERN))
    application.add_handler(
        MessageHandler(
            filters.REPLY & filters.TEXT & ~filters.COMMAND & _PromptReply(), prompt_reply
        )
    )
