"""Rendering the time rules' messages: overdue and stall alerts, reminders, the digest.

An overdue or stall alert to managers carries the lead's card and three kinds of button:
one per rep the lead may go to (`bot.cards.reassign_keyboard`), "Take it myself" and
"Remind <owner>". Whether the presser may do any of it is decided again on the server.
"""

import html
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from telegram import InlineKeyboardButton

from bot.callbacks import encode
from core.calendar import BusinessCalendar
from core.leads import Lead
from core.notices import Template
from core.services import Action
from core.team import Member

ESCALATIONS = frozenset({Template.FIRST_RESPONSE_BREACH, Template.STALL_ALERT})


def describe_span(delta: timedelta) -> str:
    """Say how long a stretch of time is, in a few characters: "2 h 5 min"."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def headline(
    template: Template,
    lead: Lead,
    data: Mapping[str, Any],
    calendar: BusinessCalendar,
    now: datetime,
) -> str | None:
    """Give the first lines of a time-rule alert; None for any other template."""
    if template is Template.FIRST_RESPONSE_BREACH:
        wall = now - lead.created_at
        business = calendar.business_time_between(lead.created_at, now)
        return (
            "🚨 <b>First-response norm broken</b>\n"
            f"Waiting {describe_span(wall)}, {describe_span(business)} of it in business hours"
        )
    if template is Template.STALL_ALERT:
        stage = html.escape(str(data.get("stage", lead.stage)))
        return f"🐢 <b>Lead stalled</b>: no activity for {data.get('days')} d in stage {stage}"
    if template is Template.OWNER_REMINDER:
        by = html.escape(str(data.get("by", "A manager")))
        return f"🔔 <b>{by} asks you to respond to this lead now</b>"
    return None


def _button(text: str, action: Action, lead: Lead, argument: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text, callback_data=encode(action, lead.id, lead.version, argument)
    )


def escalation_row(lead: Lead, owner: Member | None) -> list[InlineKeyboardButton]:
    """Offer managers the ways out of an overdue or stalled lead besides another rep."""
    row = [_button("🙋 Take it myself", Action.TAKE_OVER, lead)]
    if owner is not None and owner.active:
        row.append(_button(f"🔔 Remind {owner.name}", Action.REMIND_OWNER, lead))
    return row


def digest_text(data: Mapping[str, Any]) -> str:
    """Write the managers' daily digest from the figures the use case gathered."""
    lines = [
        f"🗓 <b>Daily digest for {data.get('day')}</b>",
        f"Leads in: {data.get('leads', 0)} ({data.get('after_hours', 0)} while closed), "
        f"{data.get('answered', 0)} of them tried",
        f"First-response norm broken: {data.get('breaches', 0)}",
        f"Leads flagged as stalled: {data.get('stalls', 0)}",
        f"Open leads with no owner now: {data.get('unassigned', 0)}",
    ]
    reps = data.get("reps") or []
    if reps:
        lines.append("\nFirst response by rep (median, business time):")
    for rep in reps:
        median = rep.get("median_minutes")
        speed = f"median {median:g} min" if median is not None else "none tried yet"
        lines.append(
            f"• {html.escape(str(rep.get('name')))}: {rep.get('leads')} leads, "
            f"{rep.get('answered')} tried, {speed}, {rep.get('breaches')} broke the norm"
        )
    return "\n".join(lines)
