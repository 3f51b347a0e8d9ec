"""Norms: how soon a lead must get its first response, and how long it may sit in a stage.

The first-response norm is business time (`core.calendar`): it runs from the lead's
arrival, or from the next opening when the lead comes in while the team is closed. A
source may set its own norm (a missed call may need a callback within five minutes).

Stall norms are the pipeline's stage norms (`core.pipeline`, LEADLINE_STAGE_NORMS), read
as days without activity. Activity is anything a person on the team did to the lead, and
its arrival or (re)assignment; a manager's reminder is not. A lead past its norm is
flagged at that moment, or at the next opening if the team is closed then, so nobody is
alerted at night. Days are calendar days, not business days.
"""

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from core.calendar import BusinessCalendar
from core.events import Event, EventKind
from core.sources import Source

_SYSTEM_ACTIVITY = frozenset({EventKind.CAPTURED, EventKind.ASSIGNED})
_NOT_ACTIVITY = frozenset({EventKind.OWNER_REMINDED})


def first_response_norm(default: timedelta, source: Source | None) -> timedelta:
    """Give the first-response norm of a lead from a source: its own, or the team's."""
    if source is not None and source.first_response is not None:
        return source.first_response
    return default


def is_activity(event: Event) -> bool:
    """Tell whether an event shows somebody working the lead."""
    if event.kind in _NOT_ACTIVITY:
        return False
    return event.actor_id is not None or event.kind in _SYSTEM_ACTIVITY


def last_activity(events: Iterable[Event]) -> datetime | None:
    """Find the moment of the latest activity among a lead's events."""
    return max((event.at for event in events if is_activity(event)), default=None)


def stall_due(
    calendar: BusinessCalendar, stage: str, since: datetime, norms: Mapping[str, timedelta]
) -> datetime | None:
    """Tell when a lead quiet since a moment counts as stalled; None if its stage has no norm."""
    norm = norms.get(stage)
    if norm is None:
        return None
    return calendar.next_opening(since + norm)
