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
    ATTEMPT_DUE = "attempt_due"
    REMINDER = "reminder"
    TIMELINE = "timeline"
    QUEUE = "queue"
    PROSPECT_MESSAGE = "prospect_message"


@dataclass
class Notice:
    """One message to one chat; `edit_message_id` turns it into an edit of that message."""

    chat_id: int
    template: Template
    lead_id: int | None = None
    data: dict[str, Any] = field(default_factory=dict)
    edit_message_id: int | None = None
    id: int | None = None


class Shown(StrEnum):
    """What a message the bot sent shows of a lead, so a reply to it can be understood."""

    CARD = "card"
    TIMELINE = "timeline"
    MESSAGE = "message"


# Messages remembered once sent: cards (redrawn on every change), the card with its
# timeline, and what a prospect wrote (a reply to it goes back to the prospect).
SHOWN_AS: dict[Template, Shown] = {
    Template.LEAD_ALERT: Shown.CARD,
    Template.CARD: Shown.CARD,
    Template.UNASSIGNED_ALERT: Shown.CARD,
    Template.FIRST_RESPONSE_NUDGE: Shown.CARD,
    Template.FIRST_RESPONSE_BREACH: Shown.CARD,
    Template.OWNER_REMINDER: Shown.CARD,
    Template.STALL_ALERT: Shown.CARD,
    Template.ATTEMPT_DUE: Shown.CARD,
    Template.REMINDER: Shown.CARD,
    Template.TIMELINE: Shown.TIMELINE,
    Template.PROSPECT_MESSAGE: Shown.MESSAGE,
    Template.INQUIRY_REPEATED: Shown.MESSAGE,
}
