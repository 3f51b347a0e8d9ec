"""Stats, export and spend in Telegram: the real bot against the fake Bot API.

Three leads reach Roman, the only rep, and their histories are written as events:

* lead 1: reached 5 minutes after it arrived, won 20 hours later for 1500;
* lead 2: no answer after 20 minutes, lost 3 hours later as too expensive;
* lead 3: nobody has tried yet.

Then the clock moves a day on. With the default 24/7 calendar and the 15-minute norm:
leads in 3; answered 2 (5 and 20 min): median (5 + 20) / 2 = 12.5 min, shown as
"12 min"; p90 by nearest rank = ceil(0.9 * 2) = 2nd = 20 min; within the norm 1 (5 min);
overruns 2 (the 20-minute one, and lead 3, waiting a day); share 1 / (1 + 2) = 33%.
Won 1 for 1,500.00; lost 1, too expensive, 100% of losses.
"""

import asyncio
import csv
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import matplotlib.image
import pytest

from bot.app import Runtime, build, run
from bot.settings import Settings
from core.clock import ShiftedClock
from core.events import Event, EventKind
from core.leads import Channel, Inquiry
from core.team import Member
from tests.conftest import TOKEN
from tests.fake_telegram import FakeTelegram, FakeUser, RecordedMessage

MANAGER_ID = 5001
REP_ID = 7001
OTHER_REP_ID = 7002
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass
class Team:
    """Leadline running with a manager, Mira, and two reps, Roman and Olga."""

    runtime: Runtime
    fake: FakeTelegram
    clock: ShiftedClock
    manager: FakeUser
    rep: FakeUser
    other_rep: FakeUser

    async def member_id(self, telegram_id: int) -> int:
        """Look up a member's id."""
        async with self.runtime.services.uow() as uow:
            return (await uow.members.by_telegram_id(telegram_id)).id

    async def lead(self, phone: str, source_id: int | None = None) -> tuple[int, object]:
        """Capture an inquiry; return the lead's number and when it arrived."""
        inquiry = Inquiry(Channel.API, name="Anna", phone=phone, source_id=source_id)
        lead_id = (await self.runtime.services.capture(inquiry)).lead_id
        async with self.runtime.services.uow() as uow:
            return lead_id, (await uow.leads.get(lead_id)).created_at

    async def events(self, *events: Event) -> None:
        """Append events to the history in one unit of work."""
        async with self.runtime.services.uow() as uow:
            for event in events:
                await uow.events.append(event)
            await uow.commit()

    async def pick(self, user: FakeUser, message: RecordedMessage, label: str) -> str:
        """Press a picker button and return the toast."""
        query = self.fake.press_button(user, message, label)
        return (await self.fake.wait_for_answer(query)).text


@pytest.fixture
async def team(fake_telegram: FakeTelegram, database_url: str) -> AsyncIterator[Team]:
    """Leadline against the fake Bot API, with Roman on the team and Olga hired too."""
    settings = Settings(
        _env_file=None,
        telegram_token=TOKEN,
        telegram_api_url=fake_telegram.base_url,
        database_url=database_url,
        http_port=0,
        admins=[MANAGER_ID],
        poll_timeout=1,
        currency="EUR",
    )
    clock = ShiftedClock()
    runtime = build(settings, clock)
    await runtime.services.ensure_managers(settings.admins)
    async with runtime.services.uow() as uow:
        await uow.members.add(Member(REP_ID, "Roman"))
        await uow.commit()
    stop = asyncio.Event()
    task = asyncio.create_task(run(runtime, stop))
    fake = fake_telegram
    yield Team(
        runtime,
        fake,
        clock,
        fake.user(MANAGER_ID, "Mira"),
        fake.user(REP_ID, "Roman"),
        fake.user(OTHER_REP_ID, "Olga"),
    )
    stop.set()
    await asyncio.wait_for(task, timeout=15)
    await runtime.engine.dispose()


async def three_leads(team: Team) -> None:
    """Write the histories of the module docstring and move the clock a day on."""
    roman = await team.member_id(REP_ID)
    won, won_at = await team.lead("+4915100000001")
    lost, lost_at = await team.lead("+4915100000002")
    await team.lead("+4915100000003")
    minute = timedelta(minutes=1)
    await team.events(
        Event(won, EventKind.ATTEMPTED, won_at + 5 * minute, roman, {"outcome": "reached"}),
        Event(won, EventKind.WON, won_at + 20 * 60 * minute, roman, {"amount": "1500"}),
        Event(lost, EventKind.ATTEMPTED, lost_at + 20 * minute, roman, {"outcome": "no_answer"}),
        Event(lost, EventKind.LOST, lost_at + 3 * 60 * minute, roman, {"reason": "too_expensive"}),
    )
    team.clock.offset = timedelta(days=1)


async def ask_stats(team: Team, user: FakeUser, view: str) -> RecordedMessage:
    """Send /stats, pick 30 days and a view, and return the message with the figures."""
    team.fake.send_message(user, "/stats")
    picker = await team.fake.wait_for_message(user, contains="which period")
    await team.pick(user, picker, "30 days")
    await team.fake.wait_for_edit(picker)
    toast = await team.pick(user, picker, view)
    assert toast == "Counting…"
    return await team.fake.wait_for_message(user, contains="📊", timeout=15)


def assert_valid_png(data: bytes | None) -> None:
    """Check the bytes are a PNG image of a phone-legible size."""
    assert data is not None
    assert data.startswith(PNG_SIGNATURE)
    image = matplotlib.image.imread(io.BytesIO(data), format="png")
    assert image.shape[:2] == (900, 1200)


async def test_stats_team_view_sends_the_figures_and_a_chart(team: Team) -> None:
    await three_leads(team)

    message = await ask_stats(team, team.manager, "👥 Team")

    assert message.kind == "photo"
    text = message.caption
    assert "<b>Team</b> · last 30 days" in text
    assert "Leads in: <b>3</b> (off hours 0)" in text
    assert "median 12 min · p90 20 min" in text
    assert "within the 15 min norm: 33% · overruns 2 · waiting 1" in text
    assert "Won: <b>1</b> · revenue 1,500.00 EUR" in text
    assert "Lost: 1, most often too expensive (100%)" in text
    assert_valid_png(message.file_bytes)


async def test_stats_funnel_and_losses_views(team: Team) -> None:
    # Funnel: new 3; contacted 1 (lead 1 was reached); qualified, meeting, proposal and
    # won 1 each, since a won lead passed every stage. Losses: too expensive 1 (100%).
    await three_leads(team)

    funnel = await ask_stats(team, team.manager, "🔻 Funnel")
    losses = await ask_stats(team, team.manager, "❌ Losses")

    assert "new: <b>3</b>" in funnel.caption
    assert "contacted: <b>1</b> (33% of the stage before)" in funnel.caption
    assert "won: <b>1</b> (100% of the stage before)" in funnel.caption
    assert "Too expensive: <b>1</b> (100%)" in losses.caption
    assert_valid_png(funnel.file_bytes)
    assert_valid_png(losses.file_bytes)


async def test_rep_sees_only_their_own_figures(team: Team) -> None:
    # Olga joins and gets a fourth lead, which she reaches after 2 minutes. Roman's own
    # figures still show his three leads; Olga's show one, answered in 2 minutes.
    await three_leads(team)
    async with team.runtime.services.uow() as uow:
        await uow.members.add(Member(OTHER_REP_ID, "Olga"))
        roman = await uow.members.by_telegram_id(REP_ID)
        roman.paused = True
        await uow.members.save(roman)
        await uow.commit()
    olga = await team.member_id(OTHER_REP_ID)
    lead, at = await team.lead("+4915100000004")
    await team.events(
        Event(lead, EventKind.ATTEMPTED, at + timedelta(minutes=2), olga, {"outcome": "reached"})
    )

    mine = await ask_stats(team, team.other_rep, "🙋 My figures")

    assert "<b>Your figures</b>" in mine.caption
    assert "Leads in: <b>1</b>" in mine.caption
    assert "median 2 min · p90 2 min" in mine.caption


async def test_stranger_gets_no_stats(team: Team) -> None:
    stranger = team.fake.user(9009, "Stan")
    team.fake.send_message(stranger, "/stats")

    reply = await team.fake.wait_for_message(stranger)

    assert reply.text == "Stats are for the team only."


async def test_manager_gets_the_export_as_a_csv_document(team: Team) -> None:
    await three_leads(team)

    team.fake.send_message(team.manager, "/export 30d")
    await team.fake.wait_for_message(team.manager, contains="Preparing")
    document = await team.fake.wait_for_message(team.manager, contains="🗂", timeout=15)

    assert document.kind == "document"
    assert document.filename == "leads-30d.csv"
    rows = list(csv.DictReader(io.StringIO(document.file_bytes.decode())))
    assert [row["outcome"] for row in rows] == ["won", "lost", "open"]
    assert rows[0]["won_amount"] == "1500"
    assert rows[0]["response_business_min"] == "5.0"
    assert rows[1]["loss_reason"] == "too_expensive"
    assert rows[0]["responder"] == "Roman"


async def test_rep_cannot_export(team: Team) -> None:
    team.fake.send_message(team.rep, "/export")

    reply = await team.fake.wait_for_message(team.rep)

    assert reply.text == "Only a manager can export leads."


async def test_manager_enters_spend_and_sees_cost_per_lead_by_source(team: Team) -> None:
    # 300 on "landing" for the whole current month (at least one day of it in the last
    # 30 days); two landing leads. The per-source view shows the spend it prorates.
    source, _ = await team.runtime.services.add_source("landing")
    await team.lead("+4915100000005", source.id)
    await team.lead("+4915100000006", source.id)

    team.fake.send_message(team.manager, "/spend landing 300")
    reply = await team.fake.wait_for_message(team.manager, contains="Recorded")
    view = await ask_stats(team, team.manager, "📣 Per source")

    assert reply.text.startswith("Recorded 300.00 EUR on landing for ")
    assert "<b>landing</b>: 2 leads · 0 won · spend " in view.caption
    assert_valid_png(view.file_bytes)
