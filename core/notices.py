"""What the system has to say to somebody in Telegram, written to the outbox.

A notice names a template and the facts it needs; the bot renders it when it is sent,
so a card always shows the lead as it is at that moment. Use cases write notices in the
same transaction as the change they report, and never talk to Telegram themselves.
"""

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Template(StrEnum):
    """The kinds of message the bot knows how to render."""

    LEAD_ALERT = "lead_alert"
    CARD = "card"
    UNASSIGNED_ALERT = "unassigned_alert"
    INQUIRY_REPEATED = "inquiry_repeated"
    FIRST_RESPONSE_NUDGE = "first_response_nudge"
    FIRST_RESPONSE_BREACH = "first_response_breach"
    OWNER_REMINDER = "owner_reminder"
    STALL_ALERT = "stall_alert"
    MORNING_QUEUE = "morning_queue"
    DIGEST = "digest"
    TEXT = "text"
    STATS = "stats"
    EXPORT = "export"


@dataclass
class Notice:
    """One message to one chat; `edit_message_id` turns it into an edit of that message."""

    chat_id: int
    template: Template
    lead_id: int | None = None
    data: dict[str, Any] = field(default_factory=dict)
    edit_message_id: int | None = None
    id: int | None = None
