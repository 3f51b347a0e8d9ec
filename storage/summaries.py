"""Lead summaries: what each lead's events say, kept beside the events for fast reports.

A report over a month of a busy team reads tens of thousands of leads; reading and
replaying their half a million events each time takes seconds. So every unit of work, at
commit, carries the summaries of the leads it appended events to forward over those
events (`refresh`), with core's own `apply_events`, in the same transaction: a summary
always equals `core.metrics.summarise` of its lead's events. Nothing else writes them.

They are a cache of the events, never a source: `backfill` builds the missing ones from
the events (at start, after an upgrade, or for leads loaded by other means), and
`leadline report --rebuild` throws them all away and builds them again.
"""

import logging
from collections.abc import Collection, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from core.events import Event
from core.metrics import METRIC_KINDS, LeadSummary, apply_events, summarise
from storage import history
from storage.tables import LeadRow, LeadSummaryRow

logger = logging.getLogger(__name__)

BATCH = 5000
_COLUMNS = (
    LeadSummaryRow.lead_id,
    sa.type_coerce(LeadSummaryRow.arrived_at, sa.String()),
    LeadSummaryRow.source_id,
    LeadSummaryRow.after_hours,
    LeadSummaryRow.owner_id,
    sa.type_coerce(LeadSummaryRow.first_response_at, sa.String()),
    LeadSummaryRow.responder_id,
    LeadSummaryRow.furthest,
    LeadSummaryRow.outcome,
    sa.type_coerce(LeadSummaryRow.closed_at, sa.String()),
    LeadSummaryRow.amount,
    LeadSummaryRow.loss_reason,
    LeadSummaryRow.no_answer,
    LeadSummaryRow.reached,
    LeadSummaryRow.reached_after_no_answer,
)


_ZERO = Decimal(0)


def _summary(row: Sequence[Any]) -> LeadSummary:
    (lead_id, arrived, source, after_hours, owner, responded, responder, furthest, outcome,
     closed, amount, reason, no_answer, reached, reached_later) = row  # fmt: skip
    moment = history.moment
    return LeadSummary(
        lead_id,
        moment(arrived),
        source,
        bool(after_hours),
        owner,
        None if responded is None else moment(responded),
        responder,
        furthest,
        outcome,
        None if closed is None else moment(closed),
        _ZERO if amount == "0" else Decimal(amount),
        reason,
        bool(no_answer),
        bool(reached),
        bool(reached_later),
    )


def _values(summary: LeadSummary, last_event_id: int) -> dict[str, Any]:
    return {
        "lead_id": summary.lead_id,
        "arrived_at": summary.arrived_at,
        "source_id": summary.source_id,
        "after_hours": summary.after_hours,
        "owner_id": summary.owner_id,
        "first_response_at": summary.first_response_at,
        "responder_id": summary.responder_id,
        "furthest": summary.furthest,
        "outcome": summary.outcome,
        "closed_at": summary.closed_at,
        "amount": str(summary.amount),
        "loss_reason": summary.loss_reason,
        "no_answer": summary.no_answer,
        "reached": summary.reached,
        "reached_after_no_answer": summary.reached_after_no_answer,
        "last_event_id": last_event_id,
    }


async def _load(session: AsyncSession, lead_ids: Sequence[int]) -> dict[int, LeadSummary]:
    found = {}
    for start in range(0, len(lead_ids), BATCH):
        query = (
            sa.select(*_COLUMNS)
            .where(LeadSummaryRow.lead_id.in_(lead_ids[start : start + BATCH]))
            .with_for_update()
        )
        found.update({row[0]: _summary(row) for row in await session.execute(query)})
    return found


async def refresh(session: AsyncSession, events: Sequence[Event]) -> None:
    """Carry the summaries of these events' leads forward over them; call before commit."""
    by_lead: dict[int, list[Event]] = {}
    for event in events:
        if event.lead_id is not None and event.kind in METRIC_KINDS:
            by_lead.setdefault(event.lead_id, []).append(event)
    if not by_lead:
        return
    existing = await _load(session, sorted(by_lead))
    inserts, updates = [], []
    for lead_id, new_events in by_lead.items():
        summary = apply_events(existing.get(lead_id), lead_id, new_events)
        if summary is None:
            continue
        values = _values(summary, max(event.id or 0 for event in new_events))
        (updates if lead_id in existing else inserts).append(values)
    if inserts:
        await session.execute(sa.insert(LeadSummaryRow), inserts)
    if updates:
        await session.execute(sa.update(LeadSummaryRow), updates)


class SqlSummaries:
    """Summaries as the use cases read them."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def arrived_between(self, start: datetime, end: datetime) -> Sequence[LeadSummary]:
        """List the summaries of the leads that arrived in [start, end)."""
        connection = await self.session.connection()
        if connection.dialect.name == "sqlite":
            rows = await _sqlite_rows(connection, start, end)
        else:
            query = sa.select(*_COLUMNS).where(
                LeadSummaryRow.arrived_at >= start, LeadSummaryRow.arrived_at < end
            )
            rows = (await connection.execute(query)).all()
        return [_summary(row) for row in rows]

    async def of_leads(self, lead_ids: Collection[int]) -> dict[int, LeadSummary]:
        """Map each of these leads that has a `captured` event to its summary."""
        found: dict[int, LeadSummary] = {}
        ids = sorted(lead_ids)
        connection = await self.session.connection()
        for start in range(0, len(ids), BATCH):
            query = sa.select(*_COLUMNS).where(
                LeadSummaryRow.lead_id.in_(ids[start : start + BATCH])
            )
            found.update({row[0]: _summary(row) for row in await connection.execute(query)})
        return found


_SQLITE_SELECT = (
    "SELECT lead_id, arrived_at, source_id, after_hours, owner_id, first_response_at,"
    " responder_id, furthest, outcome, closed_at, amount, loss_reason, no_answer, reached,"
    " reached_after_no_answer FROM lead_summaries WHERE arrived_at >= ? AND arrived_at < ?"
)


async def _sqlite_rows(connection: AsyncConnection, start: datetime, end: datetime) -> list:
    """Read a period's rows on the driver itself: for a month of a busy team (80,000 rows)
    SQLAlchemy's result rows cost as much again as the reading (see bench/README.md)."""
    dialect = connection.dialect
    column = LeadSummaryRow.__table__.c.arrived_at.type
    stored = column.impl.dialect_impl(dialect).bind_processor(dialect)  # as SQLite keeps it

    def bind(moment: datetime) -> str:
        return stored(column.process_bind_param(moment, dialect))

    driver = (await connection.get_raw_connection()).driver_connection
    return list(await driver.execute_fetchall(_SQLITE_SELECT, (bind(start), bind(end))))


async def backfill(sessions: async_sessionmaker[AsyncSession], rebuild: bool = False) -> int:
    """Build the summaries that are missing (all of them with `rebuild`); return how many."""
    missing = (
        sa.select(LeadRow.id)
        .outerjoin(LeadSummaryRow, LeadSummaryRow.lead_id == LeadRow.id)
        .where(LeadSummaryRow.lead_id.is_(None))
        .order_by(LeadRow.id)
    )
    async with sessions() as session:
        if rebuild:
            await session.execute(sa.delete(LeadSummaryRow))
            await session.commit()
        lead_ids = list(await session.scalars(missing))
    built = 0
    for start in range(0, len(lead_ids), BATCH):
        async with sessions() as session:
            built += await _build(session, lead_ids[start : start + BATCH])
            await session.commit()
        if start == 0 and len(lead_ids) > BATCH:
            logger.info("Summarising %d leads from their events…", len(lead_ids))
    return built


async def _build(session: AsyncSession, lead_ids: Sequence[int]) -> int:
    found = await history.histories(session, lead_ids, METRIC_KINDS)
    rows = []
    for lead_id, events in found.items():
        summary = summarise(lead_id, events)
        if summary is not None:
            rows.append(_values(summary, max(event.id or 0 for event in events)))
    if rows:
        await session.execute(sa.insert(LeadSummaryRow), rows)
    return len(rows)
