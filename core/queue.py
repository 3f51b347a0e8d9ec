"""A rep's queue: their open leads in the order they should be worked.

First what has come due (retries and reminders, the longest overdue first), then hot
leads, then new ones (leads that came in off hours first, then the oldest), then the rest,
soonest planned step first. A lead that was reached but has nothing planned is flagged.

At an opening (`core.routines`) the queue puts the leads that came in while the rep was
closed before everything else (`morning_rank`), and the due retries and reminders next.
"""

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum

from core.leads import Lead, Temperature

PAGE_SIZE = 8


class Standing(IntEnum):
    """Where a lead stands in the queue, most urgent first."""

    DUE = 0
    HOT = 1
    NEW = 2
    WAITING = 3


@dataclass(frozen=True)
class QueueEntry:
    """One line of the queue."""

    lead: Lead
    standing: Standing
    due_at: datetime | None
    needs_next_step: bool


@dataclass(frozen=True)
class QueuePage:
    """One page of a queue, and how many pages there are."""

    entries: Sequence[QueueEntry]
    page: int
    pages: int
    total: int


def _due_moments(lead: Lead) -> list[datetime]:
    return [moment for moment in (lead.retry_at, lead.remind_at) if moment is not None]


def _entry(lead: Lead, now: datetime) -> QueueEntry:
    moments = _due_moments(lead)
    due_at = min(moments) if moments else None
    if due_at is not None and due_at <= now:
        standing = Standing.DUE
    elif lead.temperature is Temperature.HOT:
        standing = Standing.HOT
    elif lead.first_attempt_at is None:
        standing = Standing.NEW
    else:
        standing = Standing.WAITING
    return QueueEntry(lead, standing, due_at, lead.needs_next_step())


def _sort_key(entry: QueueEntry) -> tuple[object, ...]:
    lead = entry.lead
    if entry.standing is Standing.NEW:
        return (entry.standing, not lead.after_hours, lead.created_at, lead.id)
    if entry.standing is Standing.HOT:
        return (entry.standing, lead.created_at, lead.id)
    # Due leads by how long they are overdue; waiting ones by the next planned step,
    # with the unplanned ones (which need attention) before them.
    planned = entry.due_at is not None
    return (entry.standing, planned, entry.due_at or lead.created_at, lead.id)


def rank(leads: Iterable[Lead], now: datetime) -> list[QueueEntry]:
    """Put open leads in the order a rep should work them."""
    entries = [_entry(lead, now) for lead in leads if lead.is_open]
    return sorted(entries, key=_sort_key)


def page_of(entries: Sequence[QueueEntry], page: int, size: int = PAGE_SIZE) -> QueuePage:
    """Cut one page out of a ranked queue; a page past the end shows the last one."""
    pages = max(1, -(-len(entries) // size))
    page = min(max(page, 0), pages - 1)
    return QueuePage(entries[page * size : (page + 1) * size], page, pages, len(entries))


def morning_rank(
    leads: Iterable[Lead], now: datetime, came_in_closed: Collection[int]
) -> list[QueueEntry]:
    """Rank a queue for an opening: what came in while closed first, then the usual order."""
    ranked = rank(leads, now)
    first = [entry for entry in ranked if entry.lead.id in came_in_closed]
    first.sort(key=lambda entry: (entry.lead.created_at, entry.lead.id))
    return [*first, *(entry for entry in ranked if entry.lead.id not in came_in_closed)]
