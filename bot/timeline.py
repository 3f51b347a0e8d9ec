"""A lead's history in words: one line per event, with its time and who did it."""

import html
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, tzinfo
from decimal import Decimal

from core.events import Event, EventKind
from core.leads import CRITERIA, LOSS_REASON_LABELS, LossReason
from core.team import Member

MAX_CHARS = 3000
QUOTE = 160


def _quote(text: object) -> str:
    words = " ".join(str(text or "").split())
    shown = words if len(words) <= QUOTE else words[: QUOTE - 1] + "…"
    return f"“{html.escape(shown)}”"


def _moment(value: object, tz: tzinfo) -> str:
    if not value:
        return ""
    return datetime.fromisoformat(str(value)).astimezone(tz).strftime("%d.%m %H:%M")


def describe_event(event: Event, names: Mapping[int, str], tz: tzinfo) -> str:
    """Say what one event recorded, in a few words (HTML-escaped)."""
    data = event.data
    match event.kind:
        case EventKind.CAPTURED:
            hours = " (off hours)" if data.get("after_hours") else ""
            said = f": {_quote(data['message'])}" if data.get("message") else ""
            return f"inquiry received by {html.escape(str(data.get('channel')))}{hours}{said}"
        case EventKind.INQUIRY_REPEATED:
            return f"asked again by {data.get('channel')}: {_quote(data.get('message'))}"
        case EventKind.ASSIGNED:
            owner = names.get(data.get("owner_id"), "a rep")  # type: ignore[arg-type]
            return f"assigned to {html.escape(owner)} ({html.escape(str(data.get('reason')))})"
        case EventKind.UNASSIGNED:
            return f"left without an owner ({html.escape(str(data.get('reason')))})"
        case EventKind.HANDED_BACK:
            return f"handed back: {_quote(data.get('reason'))}"
        case EventKind.ATTEMPTED:
            return _attempt(data, tz)
        case EventKind.ROUND_RESTARTED:
            return f"one more round of attempts, next {_moment(data.get('retry_at'), tz)}"
        case EventKind.RETRY_DUE:
            return f"attempt {data.get('attempt')} came due"
        case EventKind.QUALIFIED:
            return f"rated {data.get('temperature')}"
        case EventKind.CRITERION_CHANGED:
            label = CRITERIA.get(str(data.get("criterion")), "?").lower()
            return f"{label}: {'yes' if data.get('ticked') else 'cleared'}"
        case EventKind.STAGE_CHANGED:
            norm = f", norm {data['norm_days']} d" if data.get("norm_days") else ""
            return f"moved {data.get('direction')} to {data.get('stage')}{norm}"
        case EventKind.REMINDER_SET:
            return f"next step {_moment(data.get('at'), tz)}: {_quote(data.get('step'))}"
        case EventKind.REMINDER_SNOOZED:
            return f"snoozed to {_moment(data.get('at'), tz)}"
        case EventKind.REMINDER_DONE:
            return f"done: {_quote(data.get('step'))}"
        case EventKind.REMINDER_DUE:
            return f"reminder came due: {_quote(data.get('step'))}"
        case EventKind.WON:
            return f"won, {_money(data.get('amount'))}"
        case EventKind.LOST:
            return _lost(data)
        case EventKind.NOTE_ADDED:
            return f"note: {_quote(data.get('text'))}"
        case EventKind.PROSPECT_WROTE:
            return f"prospect wrote: {_quote(data.get('text'))}"
        case EventKind.PROSPECT_ANSWERED:
            return f"wrote to the prospect: {_quote(data.get('text'))}"
        case EventKind.PHONE_SHARED:
            return f"prospect shared a phone: {html.escape(str(data.get('phone')))}"
        case EventKind.FIRST_RESPONSE_NUDGED:
            return "owner nudged: no first response yet"
        case EventKind.FIRST_RESPONSE_BREACHED:
            return "first-response norm broken"
        case _:
            return html.escape(event.kind.value.replace("_", " "))


def _attempt(data: Mapping[str, object], tz: tzinfo) -> str:
    outcome = str(data.get("outcome", "")).replace("_", " ")
    line = f"{outcome} (attempt {data.get('attempt')})"
    if data.get("retry_at"):
        return f"{line}, next {_moment(data['retry_at'], tz)}"
    if outcome != "reached":
        return f"{line}, round over"
    return line


def _lost(data: Mapping[str, object]) -> str:
    reason = LossReason(str(data["reason"])) if data.get("reason") else LossReason.OTHER
    note = f": {_quote(data['note'])}" if data.get("note") else ""
    return f"lost, {LOSS_REASON_LABELS[reason].lower()}{note}"


def _money(amount: object) -> str:
    value = Decimal(str(amount))
    return f"{value:,}".replace(",", " ")


def timeline(
    events: Sequence[Event], members: Sequence[Member], tz: tzinfo, first_message: str = ""
) -> str:
    """Write a lead's history, oldest first; the oldest lines give way if it is too long.

    The inquiry's own words (`first_message`, kept on the lead) are quoted on the line of
    its capture, so a prospect's conversation reads from its first message.
    """
    names = {member.id: member.name for member in members if member.id is not None}
    lines = []
    for event in events:
        if event.kind is EventKind.CAPTURED and first_message:
            event = replace(event, data={**event.data, "message": first_message})
        when = event.at.astimezone(tz).strftime("%d.%m %H:%M")
        who = f"{html.escape(names[event.actor_id])}: " if event.actor_id in names else ""
        lines.append(f"{when} · {who}{describe_event(event, names, tz)}")
    kept: list[str] = []
    size = 0
    for line in reversed(lines):
        size += len(line) + 1
        if size > MAX_CHARS:
            break
        kept.append(line)
    hidden = len(lines) - len(kept)
    header = "<b>History</b>" + (f" (last {len(kept)} of {len(lines)} events)" if hidden else "")
    return "\n".join([header, *reversed(kept)])
