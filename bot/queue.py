"""The `/my` queue as a message: one line and one button per lead, a page at a time.

The same message greets a rep at each opening, with the leads that came in while they were
closed on top (one page, and `/my` for the rest).
"""

import html
from collections.abc import Sequence
from datetime import datetime, tzinfo

from telegram import InlineKeyboardButton

from bot.callbacks import open_button, page_button
from core.leads import Lead
from core.queue import PAGE_SIZE, QueueEntry, Standing, morning_rank, page_of, rank

_MARKS = {Standing.DUE: "⏰", Standing.HOT: "🔥", Standing.NEW: "🆕", Standing.WAITING: "·"}


def _line(number: int, entry: QueueEntry, now: datetime, tz: tzinfo) -> str:
    lead = entry.lead
    name = html.escape(lead.name or lead.phone or lead.email or "prospect")
    facts = []
    if entry.standing is Standing.DUE and entry.due_at is not None:
        what = "retry" if lead.retry_at is not None and lead.retry_at <= now else "reminder"
        facts.append(f"{what} due since {entry.due_at.astimezone(tz):%d.%m %H:%M}")
    elif entry.standing is Standing.NEW:
        facts.append("new, came in off hours" if lead.after_hours else "new")
    elif entry.due_at is not None:
        facts.append(f"next {entry.due_at.astimezone(tz):%d.%m %H:%M}")
    if entry.standing is not Standing.HOT and lead.temperature is not None:
        facts.append(lead.temperature.value)
    if entry.standing is Standing.HOT:
        facts.append("hot")
    facts.append(lead.stage)
    if entry.needs_next_step:
        facts.append("⚠️ no next step")
    return f"{number}. {_MARKS[entry.standing]} <b>#{lead.id}</b> {name} — {', '.join(facts)}"


def render_queue(
    leads: Sequence[Lead],
    page: int,
    now: datetime,
    tz: tzinfo,
    morning: Sequence[int] | None = None,
) -> tuple[str, list[list[InlineKeyboardButton]]]:
    """Draw one page of a rep's queue: the text and the buttons (open a lead, turn a page).

    With `morning` (the leads that came in while the rep was closed) it is the queue at an
    opening: those leads first, and only the first page.
    """
    if morning is not None:
        return _morning(morning_rank(leads, now, set(morning)), now, tz)
    shown = page_of(rank(leads, now), page)
    if not shown.total:
        return "📋 <b>Your queue is empty.</b> New leads will appear here.", []
    start = shown.page * PAGE_SIZE
    header = f"📋 <b>Your queue</b> · {shown.total} open · page {shown.page + 1} of {shown.pages}"
    lines = [_line(start + i + 1, entry, now, tz) for i, entry in enumerate(shown.entries)]
    buttons = [
        InlineKeyboardButton(_label(entry.lead), callback_data=open_button(entry.lead.id))
        for entry in shown.entries
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    turns = []
    if shown.page > 0:
        turns.append(InlineKeyboardButton("◀️ Back", callback_data=page_button(shown.page - 1)))
    if shown.page + 1 < shown.pages:
        turns.append(InlineKeyboardButton("More ▶️", callback_data=page_button(shown.page + 1)))
    if turns:
        rows.append(turns)
    return "\n".join([header, "", *lines]), rows


def _label(lead: Lead) -> str:
    return f"#{lead.id} {lead.name or lead.phone or 'prospect'}"[:40]


def _morning(
    entries: Sequence[QueueEntry], now: datetime, tz: tzinfo
) -> tuple[str, list[list[InlineKeyboardButton]]]:
    if not entries:
        return "☀️ <b>Good morning!</b> Your queue is empty.", []
    shown = page_of(entries, 0)
    header = f"☀️ <b>Good morning! Your queue</b> · {shown.total} open"
    lines = [_line(i + 1, entry, now, tz) for i, entry in enumerate(shown.entries)]
    if shown.total > len(shown.entries):
        lines.append(f"…and {shown.total - len(shown.entries)} more: /my")
    buttons = [
        InlineKeyboardButton(_label(entry.lead), callback_data=open_button(entry.lead.id))
        for entry in shown.entries
    ]
    return "\n".join([header, "", *lines]), [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
