"""A lead's history: every change is an event, and every metric is read from events.

The data each kind carries (keys of `Event.data`), which `core.metrics` reads:

| kind | data |
| --- | --- |
| captured | channel, source_id, after_hours (arrived while the team was closed) |
| inquiry_repeated | message, channel, source_id |
| assigned | owner_id (the new owner), previous, reason |
| unassigned | previous, reason |
| attempted | outcome (a `ContactOutcome` value: reached, no_answer, ...), attempt (its number) |
| qualified | temperature, previous, stage (the stage after qualifying) |
| stage_changed | stage (the new one; `to` is read too), previous; out of won or lost: reopened |
| won | amount (a decimal string, in the team's currency), previous (the stage before) |
| lost | reason (a `LossReason` value), note, previous (the stage before) |
| note_added | text |
| first_response_nudged | (none) |
| first_response_breached | due_at |
"""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class EventKind(StrEnum):
    """What happened to a lead, in the past tense."""

    CAPTURED = "captured"
    INQUIRY_REPEATED = "inquiry_repeated"
    ASSIGNED = "assigned"
    UNASSIGNED = "unassigned"
    ATTEMPTED = "attempted"
    QUALIFIED = "qualified"
    LOST = "lost"
    WON = "won"
    STAGE_CHANGED = "stage_changed"
    NOTE_ADDED = "note_added"
    FIRST_RESPONSE_NUDGED = "first_response_nudged"
    FIRST_RESPONSE_BREACHED = "first_response_breached"
    FIRST_RESPONSE_CLEARED = "first_response_cleared"
    TAKEN = "taken"
    OWNER_REMINDED = "owner_reminded"
    AUTO_REPLIED = "auto_replied"
    STALLED = "stalled"
    STALL_CLEARED = "stall_cleared"
    HANDED_BACK = "handed_back"
    MEMBER_CHANGED = "member_changed"


@dataclass
class Event:
    """One entry in a lead's history."""

    lead_id: int | None
    kind: EventKind
    at: datetime
    actor_id: int | None = None
    data: dict[str, Any] = field(default_factory=dict)
    id: int | None = None
