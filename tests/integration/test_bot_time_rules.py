"""The time rules in Telegram: the real bot against the fake Bot API, with a movable clock.

The clock is set to a Wednesday morning in Berlin with office hours, so the norms count
business time; tests move it and wake the timer loop, as the clock file does for `serve`.
"""

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from bot.app import Runtime, build, run
from bot.settings import Settings
from core.clock import ShiftedClock
from core.leads import Channel, Inquiry
from core.team import Member
from tests.conftest import TOKEN
from tests.fake_telegram import FakeTelegram, FakeUser, RecordedMessage

BERLIN = ZoneInfo("Europe/Berlin")
WEDNESDAY_MORNING = datetime(2026, 12, 2, 10, 0, tzinfo=BERLIN)
MANAGER_ID = 5001
REP_ID = 7001
OTHER_REP_ID = 7002
GROUP_ID = -100500
OWNER = "SELECT members.{} FROM leads JOIN members ON owner_id = members.id".format


@dataclass
class Bot:
    """Leadline running in this test's event loop, its clock, and the people on the team."""

    runtime: Runtime
    fake: FakeTelegram
    clock: ShiftedClock
    manager: FakeUser
    rep: FakeUser
    other_rep: FakeUser

    def set_time(self, moment: datetime) -> None:
        """Move the clock so that it reads `moment` now, and let the timers look."""
        self.clock.offset = moment - datetime.now(UTC)
        self.runtime.timers.wake()

    def move(self, delta: timedelta) -> None:
        """Move the clock forward and let the timers look."""
        self.clock.offset += delta
        self.runtime.timers.wake()

    async def lead(self, **fields: object) -> int:
        """Capture an inquiry and return the lead's number."""
        values = {"name": "Anna", "phone": "+4915112345678", **fields}
        inquiry = Inquiry(Channel.API, **values)  # type: ignore[arg-type]
        return (await self.runtime.services.capture(inquiry)).lead_id

    async def scalar(self, sql: str) -> object:
        """Read one value from the database."""
        async with self.runtime.engine.connect() as connection:
            return (await connection.execute(text(sql))).scalar()

    async def tap(self, user: FakeUser, message: RecordedMessage, label: str) -> str:
        """Press a button and return the toast the bot answered with."""
        query = self.fake.press_button(user, message, label)
        return (await self.fake.wait_for_answer(query)).text


@pytest.fixture
async def start_bot(
    fake_telegram: FakeTelegram, database_url: str
) -> AsyncIterator[Callable[..., Any]]:
    """Start Leadline with office hours in Berlin and two reps; settings may be changed."""
    running: list[tuple[Runtime, asyncio.Event, asyncio.Task[None]]] = []

    async def start(**changes: object) -> Bot:
        values: dict[str, Any] = {
            "telegram_token": TOKEN,
            "telegram_api_url": fake_telegram.base_url,
            "database_url": database_url,
            "http_port": 0,
            "admins": [MANAGER_ID],
            "poll_timeout": 1,
            "timezone": "Europe/Berlin",
            "business_hours": "mon-fri 09:00-18:00",
            "digest_at": None,
            **changes,
        }
        settings = Settings(_env_file=None, **values)
        clock = ShiftedClock(WEDNESDAY_MORNING - datetime.now(UTC))
        runtime = build(settings, clock)
        await runtime.services.ensure_managers(settings.admins)
        await runtime.services.greet(MANAGER_ID, "Mira", None)
        for telegram_id, name in ((REP_ID, "Roman"), (OTHER_REP_ID, "Olga")):
            async with runtime.services.uow() as uow:
                await uow.members.add(Member(telegram_id, name))
                await uow.commit()
        stop = asyncio.Event()
        running.append((runtime, stop, asyncio.create_task(run(runtime, stop))))
        fake = fake_telegram
        return Bot(
            runtime,
            fake,
            clock,
            manager=fake.user(MANAGER_ID, "Mira"),
            rep=fake.user(REP_ID, "Roman"),
            other_rep=fake.user(OTHER_REP_ID, "Olga"),
        )

    yield start
    for runtime, stop, task in running:
        stop.set()
        await asyncio.wait_for(task, timeout=15)
        await runtime.engine.dispose()


async def overdue(bot: Bot, chat_id: int = MANAGER_ID) -> tuple[int, RecordedMessage]:
    """Capture a lead, let its norm break, and return it with the managers' overdue alert."""
    lead_id = await bot.lead()
    await bot.fake.wait_for_message(REP_ID, contains="New lead")
    bot.move(timedelta(minutes=15))
    return lead_id, await bot.fake.wait_for_message(chat_id, contains="norm broken")


async def test_overdue_alert_shows_its_age_and_a_manager_reassigns_it_with_a_tap(
    start_bot: Callable[..., Any],
) -> None:
    bot = await start_bot()
    lead_id, alert = await overdue(bot)
    buttons = [label for label, _ in alert.buttons]

    toast = await bot.tap(bot.manager, alert, "👤 Olga")
    new_alert = await bot.fake.wait_for_message(OTHER_REP_ID, contains=f"Lead #{lead_id}")
    told = await bot.fake.wait_for_message(REP_ID, contains="reassigned")

    assert "Waiting 15 min, 15 min of it in business hours" in alert.text
    assert buttons == ["👤 Olga", "🙋 Take it myself", "🔔 Remind Roman"]
    assert toast == "Assigned to Olga."
    assert "New lead for you" in new_alert.text
    assert "reassigned to Olga" in told.text
    assert await bot.scalar(
        "SELECT members.name FROM leads JOIN members ON owner_id = members.id"
    ) == ("Olga")


async def test_manager_reminds_the_owner_from_the_overdue_alert(
    start_bot: Callable[..., Any],
) -> None:
    bot = await start_bot()
    lead_id, alert = await overdue(bot)

    toast = await bot.tap(bot.manager, alert, "🔔 Remind Roman")
    reminder = await bot.fake.wait_for_message(REP_ID, contains="asks you to respond")

    assert toast == "Roman was reminded."
    assert f"Lead #{lead_id}" in reminder.text
    assert "Mira asks you to respond to this lead now" in reminder.text
    assert "✅ Reached" in [label for label, _ in reminder.buttons]


async def test_manager_takes_an_overdue_lead_over(start_bot: Callable[..., Any]) -> None:
    bot = await start_bot()
    _, alert = await overdue(bot)

    toast = await bot.tap(bot.manager, alert, "🙋 Take it myself")
    told = await bot.fake.wait_for_message(REP_ID, contains="reassigned")

    assert toast == "It is yours now."
    assert "reassigned to Mira" in told.text
    assert await bot.scalar(
        "SELECT telegram_id FROM leads JOIN members ON owner_id = members.id"
    ) == (MANAGER_ID)


async def test_overdue_alert_goes_to_the_managers_group_where_any_manager_can_act(
    start_bot: Callable[..., Any],
) -> None:
    bot = await start_bot(managers_chat_id=GROUP_ID)
    _, alert = await overdue(bot, GROUP_ID)

    toast = await bot.tap(bot.manager, alert, "🔔 Remind Roman")
    refused = bot.fake.press_button(bot.rep, alert, "🙋 Take it myself")
    refusal = await bot.fake.wait_for_answer(refused)

    assert toast == "Roman was reminded."
    assert refusal.text == "Only a manager can take a lead over."
    assert bot.fake.messages(MANAGER_ID) == []


async def test_rep_taps_taking_it_and_the_button_goes(start_bot: Callable[..., Any]) -> None:
    bot = await start_bot()
    await bot.lead()
    alert = await bot.fake.wait_for_message(REP_ID, contains="New lead")
    buttons_before = alert.buttons
    bot.move(timedelta(minutes=2))

    toast = await bot.tap(bot.rep, alert, "🙋 Taking it")
    await bot.fake.wait_for_edit(alert)

    assert toast == "It is yours: now call or write."
    assert "🙋 Taking it" in [label for label, _ in buttons_before]
    assert "🙋 Taking it" not in [label for label, _ in alert.buttons]
    assert "✅ Reached" in [label for label, _ in alert.buttons]
    assert await bot.scalar("SELECT data FROM events WHERE kind = 'taken'") is not None


async def test_each_rep_gets_their_queue_at_the_opening_with_night_leads_first(
    start_bot: Callable[..., Any],
) -> None:
    bot = await start_bot()
    day = await bot.lead(name="Day Lead", phone="+4915100000001")
    bot.set_time(datetime(2026, 12, 2, 21, 30, tzinfo=BERLIN))
    await bot.lead(name="Olga's night", phone="+4915100000002")
    night = await bot.lead(name="Night Lead", phone="+4915100000003")

    bot.set_time(datetime(2026, 12, 3, 9, 0, tzinfo=BERLIN))
    queue = await bot.fake.wait_for_message(REP_ID, contains="Good morning")

    lines = queue.text.splitlines()
    assert lines[0] == "☀️ <b>Good morning! Your queue</b> · 2 open"
    assert lines[2].startswith(f"1. 🆕 <b>#{night}</b> Night Lead — new, came in off hours")
    assert lines[3].startswith(f"2. 🆕 <b>#{day}</b> Day Lead — new")
    assert [label for label, _ in queue.buttons] == [f"#{night} Night Lead", f"#{day} Day Lead"]


async def test_managers_get_the_daily_digest_at_its_time(start_bot: Callable[..., Any]) -> None:
    bot = await start_bot(digest_at="08:30")
    await overdue(bot)

    bot.set_time(datetime(2026, 12, 3, 8, 30, tzinfo=BERLIN))
    digest = await bot.fake.wait_for_message(MANAGER_ID, contains="Daily digest")

    assert "Daily digest for 2026-12-02" in digest.text
    assert "Leads in: 1 (0 while closed), 0 of them tried" in digest.text
    assert "• Roman: 1 leads, 0 tried, none tried yet, 1 broke the norm" in digest.text
