"""Webhook deliveries: written with the events they report, read by the sender.

`queue_for_events` runs inside a unit of work's commit, so a delivery exists exactly when
its event does. The sender takes, for each URL and lead, only the oldest pending
delivery, so a receiver hears about one lead's events in the order they happened; a
delivery stays pending until the receiver answers 2xx (at least once, never lost).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.events import Event
from core.webhooks import PUBLISHED, payload
from storage.repositories import lead_from_row
from storage.tables import LeadRow, SourceRow, WebhookRow


async def queue_for_events(
    session: AsyncSession, events: Sequence[Event], urls: Sequence[str]
) -> int:
    """Write one delivery per URL for each published event; return how many."""
    published = [e for e in events if e.kind in PUBLISHED and e.lead_id is not None]
    if not published or not urls:
        return 0
    lead_ids = sorted({event.lead_id for event in published})
    leads = {}
    for start in range(0, len(lead_ids), 500):
        query = (
            sa.select(LeadRow)
            .where(LeadRow.id.in_(lead_ids[start : start + 500]))
            .execution_options(populate_existing=True)
        )
        leads.update({row.id: lead_from_row(row) for row in await session.scalars(query)})
    sources = dict((await session.execute(sa.select(SourceRow.id, SourceRow.name))).all())
    now = datetime.now(UTC)
    rows = [
        {
            "url": url,
            "lead_id": event.lead_id,
            "event_id": event.id,
            "name": PUBLISHED[event.kind],
            "payload": payload(event, lead, sources.get(lead.source_id)),
            "created_at": now,
        }
        for event in published
        if (lead := leads.get(event.lead_id)) is not None
        for url in urls
    ]
    await session.execute(sa.insert(WebhookRow), rows)
    return len(rows)


@dataclass(frozen=True)
class Delivery:
    """One pending delivery."""

    id: int
    url: str
    lead_id: int | None
    name: str
    payload: dict[str, Any]
    attempts: int


class WebhookStore:
    """Reads and updates deliveries for the sender."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def heads(self, now: datetime, limit: int) -> Sequence[Delivery]:
        """List the oldest pending delivery of each URL and lead whose wait, if any, is over."""
        older = sa.orm.aliased(WebhookRow)
        first = (
            sa.select(sa.func.min(older.id))
            .where(
                older.url == WebhookRow.url,
                older.lead_id.is_not_distinct_from(WebhookRow.lead_id),
                older.status == "pending",
            )
            .scalar_subquery()
        )
        query = (
            sa.select(WebhookRow)
            .where(
                WebhookRow.status == "pending",
                WebhookRow.id == first,
                sa.or_(WebhookRow.not_before.is_(None), WebhookRow.not_before <= now),
            )
            .order_by(WebhookRow.id)
            .limit(limit)
        )
        async with self._sessions() as session:
            rows = (await session.execute(query)).scalars()
            return [
                Delivery(r.id, r.url, r.lead_id, r.name, dict(r.payload), r.attempts) for r in rows
            ]

    async def next_wait(self) -> datetime | None:
        """Tell when the earliest postponed delivery may be tried again."""
        query = sa.select(sa.func.min(WebhookRow.not_before)).where(WebhookRow.status == "pending")
        async with self._sessions() as session:
            return (await session.execute(query)).scalar()

    async def sent(self, delivery: Delivery, now: datetime) -> None:
        """Mark a delivery done."""
        await self._update(delivery, status="sent", sent_at=now, error=None)

    async def postpone(self, delivery: Delivery, until: datetime, error: str) -> None:
        """Keep a delivery pending, not to be tried again before `until`."""
        await self._update(
            delivery, not_before=until, attempts=WebhookRow.attempts + 1, error=error[:500]
        )

    async def _update(self, delivery: Delivery, **values: Any) -> None:
        async with self._sessions() as session:
            await session.execute(
                sa.update(WebhookRow).where(WebhookRow.id == delivery.id).values(**values)
            )
            await session.commit()
