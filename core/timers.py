"""Timers are data: every nudge, breach, retry and reminder is a row with a due time.

A lead's timers carry its id; the team's own (the queue at each opening, the daily
digest) carry none, and each re-arms the next one when it fires.
"""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class TimerKind(StrEnum):
    """What a timer does when it comes due."""

    FIRST_RESPONSE_NUDGE = "first_response_nudge"
    FIRST_RESPONSE_BREACH = "first_response_breach"
    FIRST_RESPONSE_REASSIGN = "first_response_reassign"
    STALL_CHECK = "stall_check"
    OPENING = "opening"
    DIGEST = "digest"
    OFFER_UNASSIGNED = "offer_unassigned"
    ATTEMPT_RETRY = "attempt_retry"
    REMINDER = "reminder"


FIRST_RESPONSE_TIMERS = (
    TimerKind.FIRST_RESPONSE_NUDGE,
    TimerKind.FIRST_RESPONSE_BREACH,
    TimerKind.FIRST_RESPONSE_REASSIGN,
)
# Every timer that belongs to working one open lead; a closed lead keeps none of them.
WORK_TIMERS = (
    *FIRST_RESPONSE_TIMERS,
    TimerKind.ATTEMPT_RETRY,
    TimerKind.REMINDER,
    TimerKind.STALL_CHECK,
)
TEAM_TIMERS = (TimerKind.OPENING, TimerKind.DIGEST)


@dataclass
class Timer:
    """Something to do at a moment, for a lead or for the whole team."""

    kind: TimerKind
    due_at: datetime
    lead_id: int | None = None
    data: dict[str, Any] = field(default_factory=dict)
    id: int | None = None
