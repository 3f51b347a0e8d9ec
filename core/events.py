"""A lead's history: every change is an event, and every metric is read from events.

The data each kind carries (keys of `Event.data`), which `core.metrics` reads:

| kind | data |
| --- | --- |
| captured | channel, source_id, after_hours (arrived while the team was closed) |
| inquiry_repeated | message, channel, source_id |
| assigned | owner_id (the new owner), previous, reason |
| unassigned | previous, reason |
| attempted | outcome (a `ContactOutcome` value), attempt (its number), retry_at (after a miss) |
| qualified | temperature, previous, stage (the stage after qualifying) |
| stage_changed | stage (or `to`), previous, direction, norm_days; out of won or lost: reopened |
| won | amount (a decimal string, in the team's currency), previous (the stage before) |
| lost | reason (a `LossReason` value), note, previous (the stage before) |
| note_added | text |
| first_response_nudged | (none) |
| first_response_breached | due_at |
| handed_back | owner_id (the rep who gave it up), reason |
| member_changed | member_id, changes (no lead: `lead_id` is None) |
| criterion_changed | criterion, ticked |
| round_restarted | retry_at |
| retry_due | attempt |
| reminder_set, reminder_snoozed | at, step |
| reminder_done | step |
| reminder_due | step |
| prospect_wrote, prospect_answered | text |
| phone_shared | phone, previous |
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
    CRITERION_CHANGED = "criterion_changed"
    ROUND_RESTARTED = "round_restarted"
    RETRY_DUE = "retry_due"
    REMINDER_SET = "reminder_set"
    REMINDER_SNOOZED = "reminder_snoozed"
    REMINDER_DONE = "reminder_done"
    REMINDER_DUE = "reminder_due"
    PROSPECT_WROTE = "prospect_wrote"
    PROSPECT_ANSWERED = "prospect_answered"
    PHONE_SHARED = "phone_shared"


# Events that record something said or noticed without changing the lead's state: they do
# not move its version, so the buttons on its cards stay valid.
QUIET_KINDS = frozenset(
    {
        EventKind.NOTE_ADDED,
        EventKind.FIRST_RESPONSE_NUDGED,
        EventKind.FIRST_RESPONSE_BREACHED,
        EventKind.RETRY_DUE,
        EventKind.REMINDER_DUE,
        EventKind.PROSPECT_WROTE,
        EventKind.PROSPECT_ANSWERED,
        EventKind.FIRST_RESPONSE_CLEARED,
        EventKind.OWNER_REMINDED,
        EventKind.AUTO_REPLIED,
        EventKind.STALLED,
        EventKind.STALL_CLEARED,
    }
)


@dataclass
class Event:
    """One entry in a lead's history."""

    lead_id: int | None
    kind: EventKind
    at: datetime
    actor_id: int | None = None
    data: dict[str, Any] = field(default_factory=dict)
    id: int | None = None
