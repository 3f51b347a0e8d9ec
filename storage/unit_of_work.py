"""The unit of work on SQLAlchemy: one AsyncSession, one transaction, every repository.

At commit it carries the summaries of the leads it appended events to forward (see
`storage.summaries`) and writes a webhook delivery for each published event (see
`core.webhooks`), in the same transaction. After a commit that queued messages, armed
timers or wrote deliveries it pokes the outbox dispatcher, the timer loop and the
webhook sender through `Signals`, so none has to poll to notice new work.
"""

from collections.abc import Callable, Sequence
from datetime import datetime
from types import TracebackType
from typing import Self

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import repositories as repos
from storage.summaries import SqlSummaries
from storage.summaries import refresh as refresh_summaries
from storage.webhooks import queue_for_events


class Signals:
    """Callbacks to run after a commit that wrote outbox rows or armed timers."""

    def __init__(self) -> None:
        self.outbox: list[Callable[[], None]] = []
        self.timers: list[Callable[[datetime], None]] = []
        self.webhooks: list[Callable[[], None]] = []

    def outbox_written(self) -> None:
        """Tell every listener that new messages wait in the outbox."""
        for callback in self.outbox:
            callback()

    def webhooks_written(self) -> None:
        """Tell every listener that new webhook deliveries wait."""
        for callback in self.webhooks:
            callback()

    def timer_armed(self, due_at: datetime) -> None:
        """Tell every listener that a timer now comes due at `due_at`."""
        for callback in self.timers:
            callback(due_at)


class SqlUnitOfWork:
    """A transaction over the database, rolled back unless committed."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        signals: Signals,
        webhook_urls: Sequence[str] = (),
    ) -> None:
        self._sessions = sessions
        self._signals = signals
        self._webhook_urls = webhook_urls

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
        self.spend = repos.SqlSpend(self.session)
        self.summaries = SqlSummaries(self.session)
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
        """Keep everything, with a webhook delivery per published event, then wake the loops."""
        appended, self.events.appended = self.events.appended, []
        await refresh_summaries(self.session, appended)
        queued = await queue_for_events(self.session, appended, self._webhook_urls)
        await self.session.commit()
        if queued:
            self._signals.webhooks_written()
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
    sessions: async_sessionmaker[AsyncSession],
    signals: Signals,
    webhook_urls: Sequence[str] = (),
) -> Callable[[], SqlUnitOfWork]:
    """Return a function that opens a new unit of work each time it is called."""
    return lambda: SqlUnitOfWork(sessions, signals, webhook_urls)
