"""Reading the histories of a period's leads fast enough for a report over a million leads.

A report reads every event of the leads that arrived in its period. To keep that within a
couple of seconds and a few megabytes, this reader selects only what `core.metrics` reads:
the lead, the kind, the time, the actor and, per kind, one or two keys of the event's data,
pulled out by the database's own JSON functions (SQLite's json_extract, PostgreSQL's ->>)
so Python never parses a JSON document. SQLite's timestamps are read as text and parsed
with `datetime.fromisoformat`, which is several times quicker than the generic type
processor. Rows are streamed in partitions and handed out lead by lead, so memory holds a
partition, not the period.

The events built here carry only those data keys; use `SqlEvents.for_lead` for the whole
record of one lead.
"""

from collections.abc import AsyncIterator, Collection
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.events import Event, EventKind
from storage.tables import EventRow

PARTITION = 5000

_KINDS = {kind.value: kind for kind in EventKind}


def _number() -> sa.ColumnElement[Any]:
    data = EventRow.data
    return sa.case(
        (EventRow.kind == EventKind.CAPTURED.value, data["source_id"].as_integer()),
        (EventRow.kind == EventKind.ASSIGNED.value, data["owner_id"].as_integer()),
        else_=sa.null(),
    )


def _text() -> sa.ColumnElement[Any]:
    data = EventRow.data
    return sa.case(
        (EventRow.kind == EventKind.ATTEMPTED.value, data["outcome"].as_string()),
        (EventRow.kind == EventKind.QUALIFIED.value, data["stage"].as_string()),
        (
            EventRow.kind == EventKind.STAGE_CHANGED.value,
            sa.func.coalesce(data["to"].as_string(), data["stage"].as_string()),
        ),
        (EventRow.kind == EventKind.WON.value, data["amount"].as_string()),
        (EventRow.kind == EventKind.LOST.value, data["reason"].as_string()),
        else_=sa.null(),
    )


def _flag() -> sa.ColumnElement[Any]:
    return sa.case(
        (EventRow.kind == EventKind.CAPTURED.value, EventRow.data["after_hours"].as_boolean()),
        else_=sa.null(),
    )


_DATA_OF = {
    EventKind.CAPTURED: lambda number, text, flag: {"source_id": number, "after_hours": flag},
    EventKind.ASSIGNED: lambda number, text, flag: {"owner_id": number},
    EventKind.ATTEMPTED: lambda number, text, flag: {"outcome": text},
    EventKind.QUALIFIED: lambda number, text, flag: {"stage": text},
    EventKind.STAGE_CHANGED: lambda number, text, flag: {"to": text},
    EventKind.WON: lambda number, text, flag: {"amount": text},
    EventKind.LOST: lambda number, text, flag: {"reason": text},
}


def _query(start: datetime, end: datetime, kinds: Collection[EventKind]) -> sa.Select:
    cohort = sa.select(EventRow.lead_id).where(
        EventRow.kind == EventKind.CAPTURED.value, EventRow.at >= start, EventRow.at < end
    )
    return (
        sa.select(
            EventRow.lead_id,
            EventRow.kind,
            sa.type_coerce(EventRow.at, sa.String()),
            EventRow.actor_id,
            _number(),
            _text(),
            _flag(),
        )
        .where(EventRow.lead_id.in_(cohort), EventRow.kind.in_([k.value for k in kinds]))
        .order_by(EventRow.lead_id, EventRow.id)
    )


def _moment(value: str | datetime) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def _event(row: sa.Row) -> Event:
    lead_id, kind_name, at, actor_id, number, text, flag = row
    kind = _KINDS[kind_name]
    make = _DATA_OF.get(kind)
    data = make(number, text, bool(flag)) if make is not None else {}
    return Event(lead_id, kind, _moment(at), actor_id, data)


async def arrived_between(
    session: AsyncSession, start: datetime, end: datetime, kinds: Collection[EventKind]
) -> AsyncIterator[list[Event]]:
    """Yield, lead by lead, the events of the given kinds of the leads captured in [start, end)."""
    query = _query(start, end, kinds).execution_options(yield_per=PARTITION)
    result = await session.stream(query)
    current: list[Event] = []
    async for rows in result.partitions():
        for row in rows:
            event = _event(row)
            if current and current[0].lead_id != event.lead_id:
                yield current
                current = []
            current.append(event)
    if current:
        yield current
