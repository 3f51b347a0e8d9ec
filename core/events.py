"""A lead's history: every change is an event, and every metric is read from events."""

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
