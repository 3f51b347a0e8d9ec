"""The bot, run as the real python-telegram-bot application against the fake Bot API."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import text

from bot.app import Runtime, build, run
from bot.leads import FORGED
from bot.prospects import GREETING
from bot.settings import Settings
from core.clock import ShiftedClock
from core.leads import Channel, Inquiry
from core.team import Member
from tests.conftest import TOKEN
from tests.fake_telegram import FakeTelegram, FakeUser, RecordedMessage

MANAGER_ID = 5001
REP_ID = 7001
OTHER_REP_ID = 7002
STRANGER_ID = 9009


@dataclass
class Bot:
    """A running Leadline process in this test's event loop, and the people who use it."""

    runtime: Runtime
    fake: FakeTelegram
    clock: ShiftedClock
    manager: FakeUser
    rep: FakeUser
    other_rep: FakeUser
    stranger: FakeUser

    async def add_rep(self, user: FakeUser) -> None:
        """Put a user on the team as a rep, as an invite would."""
        async with self.runtime.services.uow() as uow:
            await uow.members.add(Member(user.id, user.first_name))
            await uow.commit()

    async def lead(self, **fields: object) -> int:
        """Capture an inquiry and return the lead's number."""
        inquiry = Inquiry(Channel.API, **{"name": "Anna", "phone": "+4915112345678", **fields})
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
async def bot(fake_telegram: FakeTelegram, database_url: str) -> AsyncIterator[Bot]:
    """Leadline running against the fake Bot API, with a manager and two reps on the team."""
    settings = Settings(
        _env_file=None,
        telegram_token=TOKEN,
        telegram_api_url=fake_telegram.base_url,
        database_url=database_url,
        http_port=0,
        admins=[MANAGER_ID],
        poll_timeout=1,
    )
    clock = ShiftedClock()
    runtime = build(settings, clock)
    await runtime.services.ensure_managers(settings.admins)
    stop = asyncio.Event()
    task = asyncio.create_task(run(runtime, stop))
    fake = fake_telegram
    bot = Bot(
        runtime,
        fake,
        clock,
        manager=fake.user(MANAGER_ID, "Mira"),
        rep=fake.user(REP_ID, "Roman"),
        other_rep=fake.user(OTHER_REP_ID, "Olga"),
        stranger=fake.user(STRANGER_ID, "Stan"),
    )
    await bot.add_rep(bot.rep)
    yield bot
    stop.set()
    await asyncio.wait_for(task, timeout=15)
    await runtime.engine.dispose()


async def test_alert_shows_the_card_with_the_contact_buttons_and_hand_back(bot: Bot) -> None:
    lead_id = await bot.lead(message="Need a quote", email="anna@example.com")

    alert = await bot.fake.wait_for_message(REP_ID, contains=f"Lead #{lead_id}")

    assert "Anna" in alert.text
    assert "+4915112345678" in alert.text
    assert "anna@example.com" in alert.text
    assert "Need a quote" in alert.text
    assert "Received just now" in alert.text
    assert [label for label, _ in alert.buttons] == [
        "🙋 Taking it",
        "✅ Reached",
        "📵 No answer",
        "📞 Busy",
        "🚫 Wrong number",
        "⏰ Remind",
        "❌ Lost",
        "↩️ Hand back",
    ]


async def test_second_tap_on_the_same_button_changes_nothing_and_says_why(bot: Bot) -> None:
    await bot.lead()
    alert = await bot.fake.wait_for_message(REP_ID, contains="New lead")
    stale_data = dict(alert.buttons)["✅ Reached"]
    await bot.tap(bot.rep, alert, "✅ Reached")
    await bot.fake.wait_for_edit(alert)

    second = bot.fake.press(bot.rep, alert, stale_data)
    answer = await bot.fake.wait_for_answer(second)

    assert answer.text.startswith("Already done by Roman at ")
    assert "reached" in answer.text
    assert await bot.scalar("SELECT attempts FROM leads") == 1
    assert await bot.scalar("SELECT count(*) FROM events WHERE kind = 'attempted'") == 1


async def test_another_reps_tap_changes_nothing_and_says_whose_lead_it_is(bot: Bot) -> None:
    await bot.add_rep(bot.other_rep)
    await bot.lead()
    alert = await bot.fake.wait_for_message(REP_ID, contains="New lead")

    query = bot.fake.press(bot.other_rep, alert, dict(alert.buttons)["✅ Reached"])
    answer = await bot.fake.wait_for_answer(query)

    assert answer.text == "Lead #1 belongs to another rep; only they can act on it."
    assert answer.show_alert
    assert await bot.scalar("SELECT attempts FROM leads") == 0


async def test_forged_callbacks_change_nothing_and_say_why(bot: Bot) -> None:
    await bot.lead()
    alert = await bot.fake.wait_for_message(REP_ID, contains="New lead")

    garbage = await bot.fake.wait_for_answer(bot.fake.press(bot.rep, alert, "drop table leads"))
    missing = await bot.fake.wait_for_answer(bot.fake.press(bot.rep, alert, "l:r:999:0"))
    stranger = await bot.fake.wait_for_answer(bot.fake.press(bot.stranger, alert, "l:r:1:1"))

    assert garbage.text == FORGED
    assert missing.text == "Lead #999 does not exist."
    assert stranger.text == "You are not on the team, so you cannot act on leads."
    assert await bot.scalar("SELECT count(*) FROM events") == 2


async def test_reached_then_hot_edits_the_card_and_records_events(bot: Bot) -> None:
    await bot.lead()
    alert = await bot.fake.wait_for_message(REP_ID, contains="New lead")

    reached = await bot.tap(bot.rep, alert, "✅ Reached")
    await bot.fake.wait_for_edit(alert)
    rating_buttons = [label for label, _ in alert.buttons]
    hot = await bot.tap(bot.rep, alert, "🔥 Hot")
    await bot.fake.wait_for_edit(alert)

    assert reached == "Reached: now rate the lead."
    assert rating_buttons[:3] == ["🔥 Hot", "🌤 Warm", "❄️ Cold"]
    assert rating_buttons[-3:] == ["⏰ Remind", "❌ Lost", "↩️ Hand back"]
    assert hot == "Marked hot."
    assert "stage: qualified" in alert.current_text
    assert await bot.scalar("SELECT temperature FROM leads") == "hot"


async def test_no_answer_logs_an_attempt_and_keeps_the_contact_buttons(bot: Bot) -> None:
    await bot.lead()
    alert = await bot.fake.wait_for_message(REP_ID, contains="New lead")

    toast = await bot.tap(bot.rep, alert, "📵 No answer")
    await bot.fake.wait_for_edit(alert)

    assert toast.startswith("No answer: next attempt ")
    assert "attempts: 1" in alert.current_text
    assert [label for label, _ in alert.buttons][:2] == ["✅ Reached", "📵 No answer"]
    assert await bot.scalar("SELECT data FROM events WHERE kind = 'attempted'") is not None


async def test_lost_asks_for_a_reason_and_closes_the_lead_with_it(bot: Bot) -> None:
    await bot.lead()
    alert = await bot.fake.wait_for_message(REP_ID, contains="New lead")

    await bot.tap(bot.rep, alert, "❌ Lost")
    await bot.fake.wait_for_edit(alert)
    reasons = [label for label, _ in alert.buttons]
    toast = await bot.tap(bot.rep, alert, "Too expensive")
    await bot.fake.wait_for_edit(alert)

    assert "Could not reach" in reasons
    assert "↩️ Back" in reasons
    assert toast == "Lost: too expensive."
    assert alert.buttons == []
    assert "lost: too expensive" in alert.current_text
    assert (
        await bot.scalar("SELECT stage || ':' || loss_reason FROM leads") == "lost:too_expensive"
    )


async def test_stranger_who_presses_start_is_greeted_as_a_prospect_and_sees_no_lead(
    bot: Bot,
) -> None:
    await bot.lead()
    await bot.fake.wait_for_message(REP_ID, contains="New lead")

    bot.fake.send_message(bot.stranger, "/start")
    reply = await bot.fake.wait_for_message(STRANGER_ID)

    assert reply.text == GREETING
    assert bot.fake.messages(STRANGER_ID) == [reply]
    assert await bot.scalar("SELECT count(*) FROM leads") == 1


async def test_invite_link_makes_its_user_a_rep_once(bot: Bot) -> None:
    bot.fake.send_message(bot.manager, "/invite")
    link = (await bot.fake.wait_for_message(MANAGER_ID, contains="t.me/")).text
    code = link.rsplit("start=", 1)[1].strip()

    bot.fake.send_message(bot.other_rep, f"/start {code}")
    welcome = await bot.fake.wait_for_message(OTHER_REP_ID)
    bot.fake.send_message(bot.stranger, f"/start {code}")
    refused = await bot.fake.wait_for_message(STRANGER_ID)

    assert "https://t.me/leadline_test_bot?start=" in link
    assert welcome.text.startswith("Welcome to the team, Olga")
    assert refused.text == "This invite link is unknown, already used or expired."
    assert await bot.scalar("SELECT count(*) FROM members WHERE role = 'rep'") == 2


async def test_rep_cannot_invite(bot: Bot) -> None:
    bot.fake.send_message(bot.rep, "/invite")

    reply = await bot.fake.wait_for_message(REP_ID)

    assert reply.text == "Only a manager can invite people to the team."


async def test_lead_with_no_rep_goes_to_managers_who_assign_it_with_a_button(bot: Bot) -> None:
    async with bot.runtime.services.uow() as uow:
        rep = await uow.members.by_telegram_id(REP_ID)
        rep.paused = True
        await uow.members.save(rep)
        await uow.commit()
    lead_id = await bot.lead()
    alert = await bot.fake.wait_for_message(MANAGER_ID, contains="no owner")
    rep.paused = False
    async with bot.runtime.services.uow() as uow:
        await uow.members.save(rep)
        await uow.commit()

    # The alert was drawn while Roman was paused; a fresh card offers him.
    bot.fake.press(bot.manager, alert, dict(alert.buttons)["❌ Lost"].replace(":x:", ":b:"))
    await bot.fake.wait_for_edit(alert)
    toast = await bot.tap(bot.manager, alert, "👤 Roman")
    rep_alert = await bot.fake.wait_for_message(REP_ID, contains=f"Lead #{lead_id}")

    assert "Why: no rep is available" in alert.text
    assert toast == "Assigned to Roman."
    assert "New lead for you" in rep_alert.text
    assert await bot.scalar("SELECT owner_id FROM leads") == rep.id


async def test_broken_first_response_norm_alerts_owner_and_managers(bot: Bot) -> None:
    lead_id = await bot.lead()
    await bot.fake.wait_for_message(REP_ID, contains="New lead")

    bot.clock.offset = timedelta(minutes=16)
    bot.runtime.timers.wake()
    manager_alert = await bot.fake.wait_for_message(MANAGER_ID, contains="norm broken")
    rep_alert = await bot.fake.wait_for_message(REP_ID, contains="norm broken")

    assert f"Lead #{lead_id}" in manager_alert.text
    assert f"Lead #{lead_id}" in rep_alert.text
    # The clock jumped past the nudge and the breach at once: only the breach speaks.
    assert await bot.scalar("SELECT count(*) FROM events WHERE kind LIKE 'first_response%'") == 1
