"""The time rules with `leadline serve` as a process, its clock moved through the clock file.

The process reads time only through core's clock; with LEADLINE_CLOCK_FILE it adds the
seconds written in that file, so a test can put it on a Wednesday morning in Berlin, move
it past a norm, or restart it "an hour later".
"""

import re
import signal
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.e2e.conftest import MANAGER_ID, Leadline
from tests.fake_telegram import FakeTelegram, RecordedMessage

BERLIN = ZoneInfo("Europe/Berlin")
ROMAN, OLGA = 7001, 7002
PROSPECT = 9101


class Clock:
    """The clock file of one installation."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def set(self, moment: datetime) -> None:
        """Make the process read `moment` as now (and the time run on from there)."""
        offset = (moment - datetime.now(UTC)).total_seconds()
        self.path.write_text(f"{offset:.3f}\n")


@pytest.fixture
def clock(leadline: Leadline, tmp_path: Path) -> Clock:
    """Office hours in Berlin, and the installation's clock file."""
    clock = Clock(tmp_path / "clock")
    leadline.env.update(
        {
            "LEADLINE_CLOCK_FILE": str(clock.path),
            "LEADLINE_TIMEZONE": "Europe/Berlin",
            "LEADLINE_BUSINESS_HOURS": "mon-fri 09:00-18:00",
            "LEADLINE_HOLIDAYS_COUNTRY": "DE",
            "LEADLINE_DIGEST_AT": "",
        }
    )
    return clock


async def join(fake: FakeTelegram, rep_id: int, name: str) -> None:
    """Have the manager invite a rep, and the rep join with the link."""
    manager = fake.user(MANAGER_ID, "Mira", username="mira")
    fake.send_message(manager, "/invite")
    reply = await fake.wait_for_message(MANAGER_ID, contains="t.me/", timeout=10)
    code = re.search(r"start=([\w-]+)", reply.current_text)[1]
    fake.send_message(fake.user(rep_id, name), f"/start {code}")
    await fake.wait_for_message(rep_id, contains="Welcome", timeout=10)


async def post_lead(leadline: Leadline, token: str, **fields: object) -> httpx.Response:
    """Post a lead the way a web form would."""
    async with httpx.AsyncClient() as client:
        return await client.post(
            f"{leadline.url}/api/v1/leads",
            json={"name": "Anna Petrova", "phone": "+4915112345678", **fields},
            headers={"Authorization": f"Bearer {token}"},
        )


def said(fake: FakeTelegram, chat_id: int, words: str) -> list[RecordedMessage]:
    """List the messages in a chat that contain some words."""
    return [m for m in fake.messages(chat_id) if words in (m.text or "")]


async def test_nudge_then_overdue_alert_then_a_managers_tap_reassigns(
    fake_telegram: FakeTelegram, leadline: Leadline, clock: Clock
) -> None:
    clock.set(datetime(2026, 12, 2, 10, 0, tzinfo=BERLIN))  # a Wednesday
    token = leadline.add_source("landing")
    await leadline.start()
    await join(fake_telegram, ROMAN, "Roman")
    await join(fake_telegram, OLGA, "Olga")

    lead_id = (await post_lead(leadline, token)).json()["id"]
    await fake_telegram.wait_for_message(ROMAN, contains=f"Lead #{lead_id}", timeout=5)
    clock.set(datetime(2026, 12, 2, 10, 10, 30, tzinfo=BERLIN))
    nudge = await fake_telegram.wait_for_message(ROMAN, contains="still waiting", timeout=5)
    clock.set(datetime(2026, 12, 2, 10, 15, 30, tzinfo=BERLIN))
    overdue = await fake_telegram.wait_for_message(MANAGER_ID, contains="norm broken", timeout=5)
    buttons = [label for label, _ in overdue.buttons]
    pressed = fake_telegram.press_button(
        fake_telegram.user(MANAGER_ID, "Mira"), overdue, "👤 Olga"
    )
    toast = await fake_telegram.wait_for_answer(pressed, timeout=5)
    olga_alert = await fake_telegram.wait_for_message(OLGA, contains=f"Lead #{lead_id}", timeout=5)
    await leadline.stop()

    assert f"Lead #{lead_id}" in nudge.text
    assert f"Lead #{lead_id}" in overdue.text
    assert "Waiting 15 min, 15 min of it in business hours" in overdue.text
    assert buttons == ["👤 Olga", "🙋 Take it myself", "🔔 Remind Roman"]
    assert toast.text == "Assigned to Olga."
    assert "New lead for you" in olga_alert.text
    owner = "SELECT telegram_id FROM leads JOIN members ON owner_id = members.id"
    assert leadline.query(owner) == [(OLGA,)]
    kinds = [k for (k,) in leadline.query("SELECT kind FROM events ORDER BY id")]
    assert kinds[:5] == [
        "captured",
        "assigned",
        "first_response_nudged",
        "first_response_breached",
        "assigned",
    ]


async def test_prospects_at_night_are_told_when_we_open_and_stand_first_in_the_morning_queue(
    fake_telegram: FakeTelegram, leadline: Leadline, clock: Clock
) -> None:
    clock.set(datetime(2026, 12, 2, 11, 0, tzinfo=BERLIN))
    token = leadline.add_source("landing")
    await leadline.start()
    await join(fake_telegram, ROMAN, "Roman")
    day_lead = (await post_lead(leadline, token, name="Day Lead")).json()["id"]
    clock.set(datetime(2026, 12, 2, 22, 20, tzinfo=BERLIN))

    petr = fake_telegram.user(PROSPECT, "Petr")
    fake_telegram.send_message(petr, "Hello, how much for 20 seats?")
    reply = await fake_telegram.wait_for_message(PROSPECT, timeout=5)
    clock.set(datetime(2026, 12, 2, 22, 40, tzinfo=BERLIN))
    night = await post_lead(leadline, token, name="Night Owl", phone="+4915199999999")
    clock.set(datetime(2026, 12, 3, 9, 0, tzinfo=BERLIN))
    queue = await fake_telegram.wait_for_message(ROMAN, contains="Good morning", timeout=5)
    await leadline.stop()

    told = (
        "Thank you, we have received your request. We are closed now; "
        "a manager will contact you tomorrow at 09:00."
    )
    assert reply.text == told
    assert fake_telegram.messages(PROSPECT) == [reply]
    assert night.status_code == 201
    assert night.json()["reply"] == told
    petr_lead = leadline.query("SELECT id FROM leads WHERE telegram_chat_id = ?", PROSPECT)[0][0]
    lines = queue.text.splitlines()
    assert lines[2].startswith(f"1. 🆕 <b>#{petr_lead}</b> Petr — new, came in off hours")
    assert lines[3].startswith(f"2. 🆕 <b>#{night.json()['id']}</b> Night Owl")
    assert lines[4].startswith(f"3. 🆕 <b>#{day_lead}</b> Day Lead")


async def test_after_a_restart_an_hour_later_each_overdue_alert_comes_exactly_once(
    fake_telegram: FakeTelegram, leadline: Leadline, clock: Clock
) -> None:
    clock.set(datetime(2026, 12, 2, 10, 0, tzinfo=BERLIN))
    token = leadline.add_source("landing")
    await leadline.start()
    await join(fake_telegram, ROMAN, "Roman")
    first = (await post_lead(leadline, token, phone="+4915100000001")).json()["id"]
    second = (await post_lead(leadline, token, phone="+4915100000002")).json()["id"]
    await fake_telegram.wait_for_message(ROMAN, contains=f"Lead #{second}", timeout=5)
    assert await leadline.stop(signal.SIGTERM) == 0

    clock.set(datetime(2026, 12, 2, 11, 0, tzinfo=BERLIN))
    await leadline.start()
    pending = "SELECT count(*) FROM outbox WHERE status = 'pending'"
    await fake_telegram.wait_for(
        lambda: (
            len(said(fake_telegram, MANAGER_ID, "norm broken")) >= 2
            and leadline.query(pending) == [(0,)]
        ),
        timeout=10,
        what="both overdue alerts sent and the outbox empty",
    )
    await leadline.stop()

    manager_alerts = said(fake_telegram, MANAGER_ID, "norm broken")
    rep_alerts = said(fake_telegram, ROMAN, "norm broken")
    assert sorted(f"Lead #{first}" in m.text for m in manager_alerts) == [False, True]
    assert len(manager_alerts) == 2
    assert len(rep_alerts) == 2
    assert said(fake_telegram, ROMAN, "still waiting") == []
    breaches = "SELECT lead_id, count(*) FROM events WHERE kind = 'first_response_breached'"
    assert leadline.query(breaches + " GROUP BY lead_id ORDER BY lead_id") == [
        (first, 1),
        (second, 1),
    ]
    due = "SELECT count(*) FROM timers WHERE status = 'pending' AND kind LIKE 'first_response%'"
    assert leadline.query(due) == [(0,)]
