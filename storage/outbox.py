"""The dispatcher's side of the outbox: find what may be sent now and record the result.

Rows of one chat are sent strictly in order: only the oldest pending row of a chat is
ever a candidate. A row stays pending until Telegram has accepted it, so a crash in the
middle of a send leads to that one message being sent again after restart (at least
once), never to a lost one.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.notices import SHOWN_AS, Shown, Template
from storage.tables import CardRow, LeadRow, OutboxRow


@dataclass(frozen=True)
class Pending:
    """One outbox row ready to be rendered and sent."""

    id: int
    chat_id: int
    template: str
    lead_id: int | None
    data: dict[str, Any]
    edit_message_id: int | None
    attempts: int


class OutboxStore:
    """Reads and updates outbox rows for the dispatcher."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        readers: async_sessionmaker[AsyncSession] | None = None,
    ) -> None:
        self._sessions = sessions
        # Looking for work must not take SQLite's write lock away from captures.
        self._readers = readers or sessions

    async def heads(self, now: datetime, limit: int) -> Sequence[Pending]:
        """List the oldest pending row of each chat whose wait, if any, is over."""
        older = sa.orm.aliased(OutboxRow)
        first_of_chat = (
            sa.select(sa.func.min(older.id))
            .where(older.chat_id == OutboxRow.chat_id, older.status == "pending")
            .scalar_subquery()
        )
        query = (
            sa.select(OutboxRow)
            .where(
                OutboxRow.status == "pending",
                OutboxRow.id == first_of_chat,
                sa.or_(OutboxRow.not_before.is_(None), OutboxRow.not_before <= now),
            )
            .order_by(OutboxRow.id)
            .limit(limit)
        )
        async with self._readers() as session:
            rows = (await session.execute(query)).scalars()
            return [_pending(row) for row in rows]

    async def next_wait(self) -> datetime | None:
        """Tell when the earliest postponed row may be tried again."""
        query = sa.select(sa.func.min(OutboxRow.not_before)).where(OutboxRow.status == "pending")
        async with self._readers() as session:
            return (await session.execute(query)).scalar()

    async def sent(
        self, row: Pending, message_id: int | None, now: datetime, drawn_at: int | None = None
    ) -> None:
        """Mark a row sent and, for a new card or message about a lead, remember it.

        `drawn_at` is the lead's version a new card (or timeline) was drawn for. A change
        that commits between the drawing and this moment cannot have redrawn the card,
        since it was not known yet; so the lead's row is locked (the change holds that
        lock until it commits) and, if its version moved on, a redraw of the new card is
        queued.
        """
        shown = _shown(row)
        records = shown is not None and message_id is not None
        async with self._sessions() as session:
            moved_on = False
            if records and drawn_at is not None and shown != Shown.MESSAGE.value:
                # Lock the lead before writing anything that refers to it: an insert takes
                # a key-share lock on the lead first, and two transactions that each hold
                # one and then ask for the row lock deadlock on PostgreSQL.
                moved_on = await _version(session, row.lead_id) != drawn_at
            await session.execute(
                sa.update(OutboxRow)
                .where(OutboxRow.id == row.id)
                .values(status="sent", sent_at=now, message_id=message_id, error=None)
            )
            if records:
                session.add(
                    CardRow(
                        lead_id=row.lead_id,
                        chat_id=row.chat_id,
                        message_id=message_id,
                        created_at=now,
                        shown=shown,
                    )
                )
                if moved_on:
                    session.add(_redraw(row, message_id, now))
            await session.commit()

    async def postpone(self, row: Pending, until: datetime, error: str) -> None:
        """Keep a row pending, not to be tried again before `until`."""
        await self._update(
            row, not_before=until, attempts=OutboxRow.attempts + 1, error=error[:500]
        )

    async def fail(self, row: Pending, error: str) -> None:
        """Give up on a row that can never be delivered."""
        await self._update(
            row, status="failed", attempts=OutboxRow.attempts + 1, error=error[:500]
        )

    async def _update(self, row: Pending, **values: Any) -> None:
        async with self._sessions() as session:
            await session.execute(
                sa.update(OutboxRow).where(OutboxRow.id == row.id).values(**values)
            )
            await session.commit()


async def _version(session: AsyncSession, lead_id: int | None) -> int | None:
    query = sa.select(LeadRow.version).where(LeadRow.id == lead_id).with_for_update()
    return (await session.execute(query)).scalar()


def _redraw(row: Pending, message_id: int, now: datetime) -> OutboxRow:
    return OutboxRow(
        chat_id=row.chat_id,
        template="card",
        lead_id=row.lead_id,
        data={},
        edit_message_id=message_id,
        created_at=now,
    )


def _shown(row: Pending) -> str | None:
    """Tell what a newly sent message shows of its lead, if it is one to remember."""
    if row.lead_id is None or row.edit_message_id is not None:
        return None
    try:
        shown = SHOWN_AS.get(Template(row.template))
    except ValueError:
        return None
    return shown.value if shown else None


def _pending(row: OutboxRow) -> Pending:
    return Pending(
        id=row.id,
        chat_id=row.chat_id,
        template=row.template,
        lead_id=row.lead_id,
        data=dict(row.data or {}),
        edit_message_id=row.edit_message_id,
        attempts=row.attempts,
    )
