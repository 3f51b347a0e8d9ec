"""The unit of work on SQLAlchemy: one AsyncSession, one transaction, every repository.

After a commit that queued messages or armed timers it pokes the outbox dispatcher and
the timer loop through `Signals`, so neither has to poll to notice new work.
"""

from collections.abc import Callable
from datetime import datetime
from types import TracebackType
from typing import Self

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import repositories as repos


class Signals:
    """Callbacks to run after a commit that wrote outbox rows or armed timers."""

    def __init__(self) -> None:
        self.outbox: list[Callable[[], None]] = []
        self.timers: list[Callable[[datetime], None]] = []

    def outbox_written(self) -> None:
        """Tell every listener that new messages wait in the outbox."""
        for callback in self.outbox:
            callback()

    def timer_armed(self, due_at: datetime) -> None:
        """Tell every listener that a timer now comes due at `due_at`."""
        for callback in self.timers:
            callback(due_at)


class SqlUnitOfWork:
    """A transaction over the database, rolled back unless committed."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], signals: Signals) -> None:
        self._sessions = sessions
        self._signals = signals

    async def __aenter__(self) -> Self:
        self.session = self._sessions()
        self.leads = repos.SqlLeads(self.session)
        self.members = repos.SqlMembers(self.session)
        self.sources = repos.SqlSources(self.session)
        self.events = repos.SqlEvents(self.session)
        self.timers = repos.SqlTimers(self.session)
        self.outbox = repos.SqlOutbox(self.session)
        self.cards = repos.SqlCards(self.session)
        self.invites = repos.SqlInvites(self.session)
        self.idempotency = repos.SqlIdempotency(self.session)
        self.state = repos.SqlState(self.session)
        self.prompts = repos.SqlPrompts(self.session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.session.rollback()
        await self.session.close()

    async def commit(self) -> None:
        """Keep everything, then wake whoever waits for new messages or timers."""
        await self.session.commit()
        if self.outbox.written:
            self.outbox.written = 0
            self._signals.outbox_written()
        if self.timers.earliest is not None:
            due, self.timers.earliest = self.timers.earliest, None
            self._signals.timer_armed(due)

    async def ping(self) -> None:
        """Make one round trip to the database."""
        await self.session.execute(sa.text("SELECT 1"))


def uow_factory(
    sessions: async_sessionmaker[AsyncSession], signals: Signals
) -> Callable[[], SqlUnitOfWork]:
    """Return a function that opens a new unit of work each time it is called."""
    return lambda: SqlUnitOfWork(sessions, signals)
