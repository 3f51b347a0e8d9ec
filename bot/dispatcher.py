"""The outbox dispatcher: says in Telegram what the use cases wrote down, within its limits.

Limits kept here, not left to Telegram's 429s: at most `global_rate` messages a second
in all and one message per `chat_interval` in each private chat (groups: one per three
seconds, as Telegram allows twenty a minute). Rows of one chat go strictly in order: a
chat's next row waits until the previous one is delivered or given up.

Faults: a 429 postpones only the chat it answered, by its `retry_after`; a network
fault or a 5xx postpones the row with exponential backoff (the wait is stored on the
row, so it survives a restart); a 400 or 403 (bad request, blocked by the user) is
final and the row is marked failed with Telegram's words. An edit that Telegram calls
"not modified" counts as delivered.

A row whose rendering carries a photo or a document (a stats chart, an export) is sent
with sendPhoto or sendDocument, its text as the caption; it keeps its place in the
chat's order, its pacing and its retries like any other row.

Known limit: one dispatcher per database. Several processes would each send the same
row; scaling out needs a lease on the rows (SELECT … FOR UPDATE SKIP LOCKED on
PostgreSQL), which is not built yet.
"""

import asyncio
import logging
import random
import time
from collections import deque
from datetime import timedelta

from telegram import Bot, InputFile, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter

from bot.cards import Rendered, Renderer
from core.clock import Clock
from storage.outbox import OutboxStore, Pending

logger = logging.getLogger(__name__)

MAX_BACKOFF = 300.0
IDLE_WAIT = 5.0


class RateLimits:
    """Sliding-window limits: a global rate, and a minimum interval per chat."""

    def __init__(self, global_rate: int = 30, chat_interval: float = 1.0) -> None:
        self.global_rate = global_rate
        self.chat_interval = chat_interval
        self._recent: deque[float] = deque()
        self._chat_free_at: dict[int, float] = {}

    def interval_for(self, chat_id: int) -> float:
        """Tell how far apart two messages to one chat must be."""
        return self.chat_interval if chat_id > 0 else max(self.chat_interval, 3.0)

    def chat_wait(self, chat_id: int, now: float) -> float:
        """Tell how long a chat must still wait; zero when it may be written to now."""
        return max(0.0, self._chat_free_at.get(chat_id, 0.0) - now)

    def global_wait(self, now: float) -> float:
        """Tell how long until one more message fits in the global window."""
        while self._recent and now - self._recent[0] >= 1.0:
            self._recent.popleft()
        if len(self._recent) < self.global_rate:
            return 0.0
        return 1.0 - (now - self._recent[0])

    def take(self, chat_id: int, now: float) -> None:
        """Count one message to a chat, sent now."""
        self._recent.append(now)
        self._chat_free_at[chat_id] = now + self.interval_for(chat_id)

    def hold_chat(self, chat_id: int, until: float) -> None:
        """Keep a chat quiet until a moment, as a 429 asks."""
        self._chat_free_at[chat_id] = max(self._chat_free_at.get(chat_id, 0.0), until)


class Dispatcher:
    """Sends outbox rows to Telegram, in order per chat, within Telegram's limits."""

    def __init__(
        self,
        store: OutboxStore,
        bot: Bot,
        renderer: Renderer,
        clock: Clock,
        limits: RateLimits | None = None,
    ) -> None:
        self.store = store
        self.bot = bot
        self.renderer = renderer
        self.clock = clock
        self.limits = limits or RateLimits()
        self._wake = asyncio.Event()
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        # The last row of each chat this process sent or gave up on. Heads are read in a
        # read-only transaction, whose snapshot may predate a send that finished while it
        # was read; such a row must not go out twice.
        self._settled: dict[int, int] = {}

    def wake(self) -> None:
        """Look at the outbox now instead of at the next scheduled look."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Send until `stop` is set, then let messages in flight finish."""
        logger.debug("Outbox dispatcher started")
        while not stop.is_set():
            self._wake.clear()  # before the round, so a wake during it is not lost
            try:
                wait = await self._round()
            except Exception:
                logger.exception("Outbox round failed; trying again shortly")
                wait = 1.0
            await self._sleep(wait, stop)
        await self.drain()
        logger.debug("Outbox dispatcher stopped")

    async def drain(self, grace: float = 10.0) -> None:
        """Wait up to `grace` seconds for the sends in flight to finish."""
        tasks = list(self._in_flight.values())
        if tasks:
            await asyncio.wait(tasks, timeout=grace)

    async def _sleep(self, seconds: float, stop: asyncio.Event) -> None:
        waiters = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
        await asyncio.wait(waiters, timeout=max(seconds, 0.0), return_when=asyncio.FIRST_COMPLETED)
        for waiter in waiters:
            waiter.cancel()

    async def _round(self) -> float:
        """Start every send that is allowed now; return how long to wait before the next look."""
        rows = await self.store.heads(self.clock.now(), limit=200)
        wait = IDLE_WAIT
        for row in rows:
            if row.chat_id in self._in_flight or row.id <= self._settled.get(row.chat_id, 0):
                continue
            now = time.monotonic()
            pause = max(self.limits.chat_wait(row.chat_id, now), self.limits.global_wait(now))
            if pause > 0:
                wait = min(wait, pause)
                continue
            self.limits.take(row.chat_id, now)
            self._start(row)
        postponed = await self.store.next_wait()
        now = self.clock.now()
        if postponed is not None and postponed > now:
            wait = min(wait, (postponed - now).total_seconds())
        return max(wait, 0.01)

    def _start(self, row: Pending) -> None:
        task = asyncio.create_task(self._deliver(row), name=f"outbox-{row.id}")
        self._in_flight[row.chat_id] = task
        task.add_done_callback(lambda _: self._finished(row.chat_id))

    def _finished(self, chat_id: int) -> None:
        self._in_flight.pop(chat_id, None)
        self.wake()

    async def _deliver(self, row: Pending) -> None:
        try:
            await self._send(row)
        except RetryAfter as exc:
            await self._retry_after(row, exc)
        except BadRequest as exc:
            await self._bad_request(row, exc)
        except Forbidden as exc:
            logger.warning("Outbox row %s to chat %s refused: %s", row.id, row.chat_id, exc)
            await self.store.fail(row, str(exc))
            self._settle(row)
        except InvalidToken:
            logger.error("Telegram rejected the bot token; outbox row %s stays queued", row.id)
            await self._back_off(row, "invalid token")
        except NetworkError as exc:
            await self._back_off(row, str(exc))
        except Exception as exc:
            logger.exception("Outbox row %s could not be sent", row.id)
            await self._back_off(row, repr(exc))

    async def _send(self, row: Pending) -> None:
        rendered = await self.renderer.render(row)
        if rendered is None:
            await self.store.fail(row, "nothing to render: the lead no longer exists")
            self._settle(row)
            return
        if rendered.photo is not None or rendered.document is not None:
            message_id = await self._send_file(row, rendered)
        elif row.edit_message_id is not None:
            await self.bot.edit_message_text(
                rendered.text,
                chat_id=row.chat_id,
                message_id=row.edit_message_id,
                reply_markup=rendered.markup,
                parse_mode=ParseMode.HTML,
            )
            message_id = row.edit_message_id
        else:
            message: Message = await self.bot.send_message(
                row.chat_id, rendered.text, reply_markup=rendered.markup, parse_mode=ParseMode.HTML
            )
            message_id = message.message_id
        await self.store.sent(row, message_id, self.clock.now(), rendered.version)
        self._settle(row)
        if row.template == "lead_alert":
            logger.info("Lead %s alerted in chat %s", row.lead_id, row.chat_id)

    def _settle(self, row: Pending) -> None:
        self._settled[row.chat_id] = max(row.id, self._settled.get(row.chat_id, 0))

    async def _send_file(self, row: Pending, rendered: Rendered) -> int:
        """Upload a chart as a photo or a file as a document, the text as its caption."""
        caption = rendered.text or None
        if rendered.photo is not None:
            photo = InputFile(rendered.photo, filename=rendered.filename or "chart.png")
            message = await self.bot.send_photo(
                row.chat_id, photo, caption=caption, parse_mode=ParseMode.HTML
            )
        else:
            document = InputFile(rendered.document, filename=rendered.filename or "file")
            message = await self.bot.send_document(
                row.chat_id, document, caption=caption, parse_mode=ParseMode.HTML
            )
        return message.message_id

    async def _retry_after(self, row: Pending, exc: RetryAfter) -> None:
        seconds = _seconds(exc.retry_after)
        self.limits.hold_chat(row.chat_id, time.monotonic() + seconds)
        logger.warning("Telegram asked to wait %.0f s before chat %s", seconds, row.chat_id)
        await self.store.postpone(row, self.clock.now() + timedelta(seconds=seconds), str(exc))

    async def _bad_request(self, row: Pending, exc: BadRequest) -> None:
        if "not modified" in exc.message.lower():
            await self.store.sent(row, row.edit_message_id, self.clock.now())
            self._settle(row)
            return
        logger.warning("Outbox row %s to chat %s rejected: %s", row.id, row.chat_id, exc.message)
        await self.store.fail(row, exc.message)
        self._settle(row)

    async def _back_off(self, row: Pending, error: str) -> None:
        delay = min(MAX_BACKOFF, 2.0 ** min(row.attempts, 10)) * random.uniform(0.8, 1.2)
        logger.warning("Outbox row %s failed (%s); retrying in %.1f s", row.id, error, delay)
        await self.store.postpone(row, self.clock.now() + timedelta(seconds=delay), error)


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
