"""Prompts: the bot asked a member to type something, and waits for it.

Some steps need words or numbers a button cannot carry: the amount of a won deal, the
reason for "other", a date for a reminder or a warm lead's next step, a message to a
prospect. The button that asks stores a `Prompt` row for the member's chat, so the answer
is understood even after a restart. Only the latest question counts: any other button the
member presses afterwards, or the answer itself, clears it, and an unanswered question
lapses after `Rules.prompt_ttl`.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any


class Awaiting(StrEnum):
    """What the bot asked the member to type."""

    AMOUNT = "amount"
    LOSS_NOTE = "loss_note"
    REMINDER = "reminder"
    NEXT_STEP = "next_step"
    PARK = "park"
    MESSAGE = "message"


@dataclass
class Prompt:
    """A question waiting for a member's next message, about one lead."""

    chat_id: int
    member_id: int
    lead_id: int
    awaiting: Awaiting
    asked_at: datetime
    message_id: int | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def is_fresh(self, now: datetime, ttl: timedelta) -> bool:
        """Tell whether the question was asked recently enough to take an answer."""
        return now - self.asked_at < ttl
