"""A running Leadline for bot tests: the real application against the fake Bot API, on a
clock the test moves, with helpers to press buttons, type, and read the database.
"""

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text

from bot.app import Runtime, build, run
from bot.dispatcher import RateLimits
from bot.settings import Settings
from core.clock import FixedClock
from core.leads import Channel, Inquiry
from core.team import Member
from tests.conftest import TOKEN
from tests.fake_telegram import FakeTelegram, FakeUser, RecordedMessage

MANAGER_ID = 5001
REP_ID = 7001
OTHER_REP_ID = 7002
STRANGER_ID = 9009
# A Wednesday, 10:00 UTC.
START = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


@dataclass
class Leadline:
    """One Leadline process in this test's event loop, and the people who use it."""

    fake: FakeTelegram
    database_url: str
    clock: FixedClock
    settings: dict[str, Any] = field(default_factory=dict)
    runtime: Runtime | None = None
    _stop: asyncio.Event | None = None
    _task: asyncio.Task[None] | None = None

    def __post_init__(self) -> None:
        self.manager = self.fake.user(MANAGER_ID, "Mira")
        self.rep = self.fake.user(REP_ID, "Roman", last_name="Petrov")
        self.other_rep = self.fake.user(OTHER_REP_ID, "Olga")
        self.stranger = self.fake.user(STRANGER_ID, "Stan")

    async def start(self) -> None:
        """Build the process on the database and run it until `stop`."""
        settings = Settings(
            _env_file=None,
            telegram_token=TOKEN,
            telegram_api_url=self.fake.base_url,
            database_url=self.database_url,
            http_port=0,
            admins=[MANAGER_ID],
            poll_timeout=1,
            **self.settings,
        )
        self.runtime = build(settings, self.clock)
        # Telegram's one-message-a-second per chat is the dispatcher's own tested concern;
        # here it would only make every tap wait.
        self.runtime.dispatcher.limits = RateLimits(chat_interval=0.02)
        await self.runtime.services.ensure_managers(settings.admins)
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(run(self.runtime, self._stop))

    async def stop(self) -> None:
        """Stop the process as SIGTERM would, and let go of the database."""
        assert self._stop is not None
        assert self._task is not None
        assert self.runtime is not None
        self._stop.set()
        await asyncio.wait_for(self._task, timeout=15)
        await self.runtime.engine.dispose()

    @property
    def services(self) -> Any:
        """The use cases of the running process."""
        assert self.runtime is not None
        return self.runtime.services

    async def add_rep(self, user: FakeUser) -> None:
        """Put a user on the team as a rep, as an invite would."""
        async with self.services.uow() as uow:
            name = " ".join(filter(None, [user.first_name, user.last_name]))
            await uow.members.add(Member(user.id, name, joined_at=self.clock.now()))
            await uow.commit()

    async def lead(self, **fields: object) -> int:
        """Capture an inquiry over the use case the API calls; return the lead's number."""
        values: dict[str, Any] = {"name": "Anna", "phone": "+4915112345678", **fields}
        return (await self.services.capture(Inquiry(Channel.API, **values))).lead_id

    async def alert(self, lead_id: int, user: FakeUser | None = None) -> RecordedMessage:
        """Wait for the new-lead alert of a lead in a rep's chat."""
        user = user or self.rep
        return await self.fake.wait_for_message(user, contains=f"Lead #{lead_id}")

    async def tap(self, user: FakeUser, message: RecordedMessage, label: str) -> str:
        """Press a button, wait for the answer, and return the toast."""
        query = self.fake.press_button(user, message, label)
        return (await self.fake.wait_for_answer(query)).text or ""

    async def tap_and_redraw(self, user: FakeUser, message: RecordedMessage, label: str) -> str:
        """Press a button and wait until the card it is on has been redrawn."""
        toast = await self.tap(user, message, label)
        await self.fake.wait_for_edit(message)
        return toast

    async def say(
        self, user: FakeUser, words: str, reply_to: RecordedMessage | None = None
    ) -> RecordedMessage:
        """Send the bot a message and wait for its one-line answer."""
        self.fake.send_message(user, words, reply_to=reply_to)
        return await self.fake.wait_for_message(user)

    async def later(self, delta: timedelta) -> None:
        """Move the clock on and let the timer loop look at once."""
        self.clock.advance(delta)
        assert self.runtime is not None
        self.runtime.timers.wake()

    async def scalar(self, sql: str, **params: object) -> Any:
        """Read one value from the database."""
        assert self.runtime is not None
        async with self.runtime.engine.connect() as connection:
            return (await connection.execute(text(sql), params)).scalar()

    async def column(self, sql: str, **params: object) -> list[Any]:
        """Read one column of rows from the database."""
        assert self.runtime is not None
        async with self.runtime.engine.connect() as connection:
            return list((await connection.execute(text(sql), params)).scalars())

    async def kinds(self, lead_id: int) -> list[str]:
        """List the kinds of a lead's events, oldest first."""
        return await self.column(
            "SELECT kind FROM events WHERE lead_id = :lead ORDER BY id", lead=lead_id
        )


def labels(message: RecordedMessage) -> list[str]:
    """List the labels of a message's buttons as they are now."""
    return [label for label, _ in message.buttons]
