"""Reading many leads' histories fast, to build their summaries from the events.

Summarising every lead of a large database reads millions of events. This reader selects
only what `core.metrics` reads: the lead, the kind, the time, the actor and, per kind, one
or two keys of the event's data, pulled out by the database's own JSON functions (SQLite's
json_extract, PostgreSQL's ->>) so Python never parses a JSON document. SQLite's
timestamps are read as text and parsed with `datetime.fromisoformat`, several times
quicker than the generic type processor.

The events built here carry only those data keys; use `SqlEvents.for_lead` for the whole
record of one lead.
"""

from collections.abc import Collection, Sequence
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


def _query(lead_ids: Sequence[int], kinds: Collection[EventKind]) -> sa.Select:
    return (
        sa.select(
            EventRow.lead_id,
            EventRow.kind,
            sa.type_coerce(EventRow.at, sa.String()),
            EventRow.actor_id,
            _number(),
            _text(),
            _flag(),
            EventRow.id,
        )
        .where(EventRow.lead_id.in_(lead_ids), EventRow.kind.in_([k.value for k in kinds]))
        .order_by(EventRow.lead_id, EventRow.id)
    )


def moment(value: str | datetime) -> datetime:
    """Read a timestamp selected as text on SQLite (or as a datetime elsewhere) as aware UTC."""
    if value.__class__ is str:
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _event(row: sa.Row) -> Event:
    lead_id, kind_name, at, actor_id, number, text, flag, event_id = row
    kind = _KINDS[kind_name]
    make = _DATA_OF.get(kind)
    data = make(number, text, bool(flag)) if make is not None else {}
    return Event(lead_id, kind, moment(at), actor_id, data, event_id)


async def histories(
    session: AsyncSession, lead_ids: Sequence[int], kinds: Collection[EventKind]
) -> dict[int, list[Event]]:
    """Map each lead to its events of the given kinds, oldest first, with the keys metrics read."""
    found: dict[int, list[Event]] = {lead_id: [] for lead_id in lead_ids}
    for start in range(0, len(lead_ids), PARTITION):
        chunk = lead_ids[start : start + PARTITION]
        for row in await session.execute(_query(chunk, kinds)):
            event = _event(row)
            found[event.lead_id].append(event)
    return found
