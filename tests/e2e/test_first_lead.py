"""A lead from an HTTP request to the rep's alert and taps, with `leadline serve` as a process."""

import re
import signal

import httpx

from tests.e2e.conftest import MANAGER_ID, Leadline
from tests.fake_telegram import FakeTelegram

REP_ID = 7001


async def invite_rep(fake: FakeTelegram, leadline: Leadline) -> None:
    """Have the manager invite a rep, and the rep join with the link."""
    manager = fake.user(MANAGER_ID, "Mira", username="mira")
    rep = fake.user(REP_ID, "Roman", username="roman")
    fake.send_message(manager, "/invite")
    reply = await fake.wait_for_message(MANAGER_ID, contains="t.me/", timeout=10)
    code = re.search(r"start=([\w-]+)", reply.current_text)[1]
    fake.send_message(rep, f"/start {code}")
    await fake.wait_for_message(REP_ID, contains="Welcome", timeout=10)


async def post_lead(leadline: Leadline, token: str, **fields: object) -> httpx.Response:
    """Post a lead the way a web form would."""
    async with httpx.AsyncClient() as client:
        return await client.post(
            f"{leadline.url}/api/v1/leads",
            json={"name": "Anna Petrova", "phone": "+4915112345678", **fields},
            headers={"Authorization": f"Bearer {token}"},
        )


async def test_lead_reaches_rep_who_marks_it_reached_then_hot(
    fake_telegram: FakeTelegram, leadline: Leadline
) -> None:
    token = leadline.add_source("landing")
    await leadline.start()
    await invite_rep(fake_telegram, leadline)
    rep = fake_telegram.user(REP_ID, "Roman")

    response = await post_lead(leadline, token, message="Need 20 seats")
    lead_id = response.json()["id"]
    alert = await fake_telegram.wait_for_message(REP_ID, contains=f"Lead #{lead_id}", timeout=1.5)
    reached = fake_telegram.press_button(rep, alert, "✅ Reached")
    await fake_telegram.wait_for_answer(reached)
    await fake_telegram.wait_for_edit(alert)
    hot = fake_telegram.press_button(rep, alert, "🔥 Hot")
    answer = await fake_telegram.wait_for_answer(hot)
    await fake_telegram.wait_for_edit(alert)
    exit_code = await leadline.stop()

    assert response.status_code == 201
    assert "Need 20 seats" in alert.text
    assert answer.text == "Marked hot."
    assert "rated hot" in alert.current_text
    assert exit_code == 0
    assert leadline.query("SELECT stage, temperature, attempts FROM leads") == [
        ("qualified", "hot", 1)
    ]
    kinds = [kind for (kind,) in leadline.query("SELECT kind FROM events ORDER BY id")]
    assert kinds == ["captured", "assigned", "attempted", "qualified"]


async def test_alert_survives_a_crash_between_the_201_and_the_send(
    fake_telegram: FakeTelegram, leadline: Leadline
) -> None:
    token = leadline.add_source("landing")
    await leadline.start()
    await invite_rep(fake_telegram, leadline)
    fake_telegram.fail_next("sendMessage", times=1000, status=502, chat_id=REP_ID)

    response = await post_lead(leadline, token)
    await fake_telegram.wait_for(
        lambda: fake_telegram.calls_to("sendMessage")[-1].chat_id == REP_ID, what="a failed try"
    )
    await leadline.stop(signal.SIGKILL)
    fake_telegram.clear_faults()
    await leadline.start()
    alert = await fake_telegram.wait_for_message(REP_ID, contains="New lead for you", timeout=10)
    sql = "SELECT status FROM outbox WHERE template = 'lead_alert'"
    statuses = await fake_telegram.wait_for(
        lambda: (rows := leadline.query(sql)) == [("sent",)] and rows, what="the row marked sent"
    )

    assert response.status_code == 201
    assert f"Lead #{response.json()['id']}" in alert.text
    assert statuses == [("sent",)]
    assert len([m for m in fake_telegram.messages(REP_ID) if "New lead for you" in m.text]) == 1
