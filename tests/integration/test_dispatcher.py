"""The outbox dispatcher against the fake Bot API: order, limits, faults, nothing lost."""

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.cards import Rendered, Renderer
from bot.dispatcher import Dispatcher, RateLimits
from core.clock import SystemClock
from core.leads import Channel, Lead
from core.notices import Notice, Template
from core.rules import Rules
from storage.database import session_factories
from storage.outbox import OutboxStore, Pending
from storage.unit_of_work import Signals, uow_factory
from tests.conftest import TOKEN
from tests.fake_telegram import CallRecord, FakeTelegram

ANNA, BORIS, CARL = 101, 102, 103


class Running:
    """A dispatcher running in the background, and a way to queue messages for it."""

    def __init__(self, engine: AsyncEngine, dispatcher: Dispatcher) -> None:
        self.engine = engine
        self.dispatcher = dispatcher
        writer, _ = session_factories(engine)
        signals = Signals()
        signals.outbox.append(dispatcher.wake)
        self.uow = uow_factory(writer, signals)

    async def say(self, chat_id: int, *texts: str) -> None:
        """Queue plain messages to a chat in one transaction."""
        async with self.uow() as uow:
            for words in texts:
                await uow.outbox.put(Notice(chat_id, Template.TEXT, data={"text": words}))
            await uow.commit()

    async def statuses(self) -> list[tuple[str, str]]:
        """List (text, status) of every outbox row, oldest first."""
        async with self.engine.connect() as connection:
            rows = await connection.execute(text("SELECT data, status FROM outbox ORDER BY id"))
            return [(_text(data), status) for data, status in rows]


def _text(data: object) -> str:
    import json

    return (json.loads(data) if isinstance(data, str) else data)["text"]


@pytest.fixture
def limits() -> RateLimits:
    """Fast limits so tests do not wait whole seconds: 5 per second, 0.2 s per chat."""
    return RateLimits(global_rate=5, chat_interval=0.2)


@pytest.fixture
async def running(
    fake_telegram: FakeTelegram, engine: AsyncEngine, limits: RateLimits
) -> AsyncIterator[Running]:
    """A dispatcher sending through the fake Bot API until the test ends."""
    writer, reader = session_factories(engine)
    # As many connections as the application's bot has, so sends are not queued client-side.
    request = HTTPXRequest(connection_pool_size=64)
    bot = Bot(TOKEN, base_url=f"{fake_telegram.base_url}/bot", request=request)
    renderer = Renderer(uow_factory(reader, Signals()), SystemClock(), Rules())
    dispatcher = Dispatcher(OutboxStore(writer), bot, renderer, SystemClock(), limits)
    stop = asyncio.Event()
    async with bot:
        task = asyncio.create_task(dispatcher.run(stop))
        yield Running(engine, dispatcher)
        stop.set()
        await asyncio.wait_for(task, timeout=10)


def sends(fake: FakeTelegram, chat_id: int | None = None) -> list[CallRecord]:
    """The successful sendMessage calls, to one chat or all."""
    return [
        call
        for call in fake.calls_to("sendMessage")
        if call.ok and (chat_id is None or call.chat_id == chat_id)
    ]


async def delivered(fake: FakeTelegram, count: int, chat_id: int | None = None) -> None:
    """Wait until `count` messages were delivered."""
    await fake.wait_for(
        lambda: len(sends(fake, chat_id)) >= count, timeout=10, what=f"{count} sends"
    )


async def test_messages_to_one_chat_arrive_in_order_and_paced(
    fake_telegram: FakeTelegram, running: Running
) -> None:
    await running.say(ANNA, "one", "two", "three", "four")

    await delivered(fake_telegram, 4)
    calls = sends(fake_telegram, ANNA)
    gaps = [b.monotonic - a.monotonic for a, b in itertools.pairwise(calls)]

    assert [m.text for m in fake_telegram.messages(ANNA)] == ["one", "two", "three", "four"]
    assert min(gaps) >= 0.19
    expected = [(w, "sent") for w in ("one", "two", "three", "four")]
    assert await _eventually(running.statuses, lambda rows: rows == expected) == expected


async def test_no_second_holds_more_messages_than_the_global_limit(
    fake_telegram: FakeTelegram, running: Running
) -> None:
    chats = list(range(200, 216))
    for chat in chats:
        await running.say(chat, f"hello {chat}")

    await delivered(fake_telegram, len(chats))
    moments = sorted(call.monotonic for call in sends(fake_telegram))
    # 0.9 s rather than 1 s: arrival times jitter by a few milliseconds on a busy loop.
    busiest = max(sum(1 for m in moments if start <= m < start + 0.9) for start in moments)

    assert busiest <= 5


async def test_429_holds_back_only_the_chat_it_answered(
    fake_telegram: FakeTelegram, running: Running
) -> None:
    fake_telegram.fail_next("sendMessage", status=429, retry_after=1, chat_id=ANNA)

    await running.say(ANNA, "to anna")
    await running.say(BORIS, "to boris")
    await delivered(fake_telegram, 2)
    refused = next(c for c in fake_telegram.calls_to("sendMessage") if not c.ok)
    anna = sends(fake_telegram, ANNA)[0]
    boris = sends(fake_telegram, BORIS)[0]

    assert anna.monotonic - refused.monotonic >= 0.95
    assert boris.monotonic < anna.monotonic
    assert len(fake_telegram.messages(ANNA)) == 1


async def test_network_fault_is_retried_and_the_message_sent_once(
    fake_telegram: FakeTelegram, running: Running
) -> None:
    fake_telegram.drop_next("sendMessage", chat_id=CARL)

    await running.say(CARL, "after a fault")
    await delivered(fake_telegram, 1, CARL)

    assert [m.text for m in fake_telegram.messages(CARL)] == ["after a fault"]
    expected = [("after a fault", "sent")]
    assert await _eventually(running.statuses, lambda rows: rows == expected) == expected


async def test_blocked_chat_fails_its_row_and_others_go_on(
    fake_telegram: FakeTelegram, running: Running
) -> None:
    fake_telegram.block(ANNA)

    await running.say(ANNA, "never read")
    await running.say(BORIS, "read")
    await delivered(fake_telegram, 1, BORIS)

    expected = [("never read", "failed"), ("read", "sent")]
    assert await _eventually(running.statuses, lambda rows: rows == expected) == expected


async def _eventually(read: Callable, done: Callable, within: float = 5.0) -> object:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        value = await read()
        if done(value) or asyncio.get_running_loop().time() > deadline:
            return value
        await asyncio.sleep(0.05)


class StaleReads(OutboxStore):
    """Heads as an old read snapshot gives them: the first rows found, again and again."""

    first: Sequence[Pending] = ()

    async def heads(self, now: datetime, limit: int) -> Sequence[Pending]:
        """Answer with the first non-empty heads ever read."""
        fresh = await super().heads(now, limit)
        self.first = self.first or fresh
        return self.first


async def test_a_row_a_stale_snapshot_still_shows_pending_is_not_sent_again(
    fake_telegram: FakeTelegram, engine: AsyncEngine
) -> None:
    writer, reader = session_factories(engine)
    async with uow_factory(writer, Signals())() as uow:
        await uow.outbox.put(Notice(ANNA, Template.TEXT, data={"text": "once"}))
        await uow.commit()
    bot = Bot(TOKEN, base_url=f"{fake_telegram.base_url}/bot")
    renderer = Renderer(uow_factory(reader, Signals()), SystemClock(), Rules())
    limits = RateLimits(chat_interval=0.0)
    dispatcher = Dispatcher(StaleReads(writer, reader), bot, renderer, SystemClock(), limits)

    async with bot:
        for _ in range(3):
            await dispatcher._round()
            await dispatcher.drain()

    assert [m.text for m in fake_telegram.messages(ANNA)] == ["once"]


class ChangedWhileDrawing(Renderer):
    """Draws a card, then lets a change of its lead commit before the card is recorded."""

    def __init__(self, engine: AsyncEngine, reader: async_sessionmaker[AsyncSession]) -> None:
        super().__init__(uow_factory(reader, Signals()), SystemClock(), Rules())
        self.engine = engine
        self.changes = 0

    async def render(self, row: Pending) -> Rendered | None:
        rendered = await super().render(row)
        if row.template == "lead_alert" and not self.changes:
            self.changes += 1
            async with self.engine.begin() as connection:
                await connection.execute(text("UPDATE leads SET version = version + 1"))
        return rendered


async def test_a_new_card_outdated_before_it_is_recorded_is_redrawn_once_and_sent_once(
    fake_telegram: FakeTelegram, engine: AsyncEngine
) -> None:
    writer, reader = session_factories(engine)
    uow = uow_factory(writer, Signals())
    async with uow() as work:
        lead = await work.leads.add(Lead(Channel.API, datetime.now(UTC), name="Olga"))
        await work.outbox.put(Notice(ANNA, Template.LEAD_ALERT, lead.id))
        await work.commit()
    bot = Bot(TOKEN, base_url=f"{fake_telegram.base_url}/bot")
    renderer = ChangedWhileDrawing(engine, reader)
    limits = RateLimits(chat_interval=0.0)
    dispatcher = Dispatcher(OutboxStore(writer, reader), bot, renderer, SystemClock(), limits)

    async with bot:
        for _ in range(4):
            await dispatcher._round()
            await dispatcher.drain()

    [card] = fake_telegram.messages(ANNA)
    assert len(card.edits) == 1
    async with engine.connect() as connection:
        rows = await connection.execute(text("SELECT template, status FROM outbox ORDER BY id"))
        assert list(rows) == [("lead_alert", "sent"), ("card", "sent")]
