"""Working a lead with `leadline serve` as a process: a prospect writes in Telegram, the rep
answers and closes the deal, and a question the bot asked survives a crash.
"""

import signal

from tests.e2e.conftest import Leadline
from tests.e2e.test_first_lead import REP_ID, invite_rep
from tests.fake_telegram import FakeTelegram

PROSPECT_ID = 9100


async def test_prospect_writes_rep_answers_and_wins_the_deal_across_a_crash(
    fake_telegram: FakeTelegram, leadline: Leadline
) -> None:
    await leadline.start()
    await invite_rep(fake_telegram, leadline)
    rep = fake_telegram.user(REP_ID, "Roman")
    prospect = fake_telegram.user(PROSPECT_ID, "Stan")

    fake_telegram.send_message(prospect, "Hi, how much for 20 seats?")
    alert = await fake_telegram.wait_for_message(REP_ID, contains="New lead", timeout=10)
    ack = await fake_telegram.wait_for_message(PROSPECT_ID, timeout=10)
    fake_telegram.send_message(prospect, "And do you invoice?")
    relayed = await fake_telegram.wait_for_message(REP_ID, contains="writes:", timeout=10)
    fake_telegram.send_message(rep, "Yes. 900 EUR for 20 seats.", reply_to=relayed)
    answer = await fake_telegram.wait_for_message(PROSPECT_ID, contains="900 EUR", timeout=10)
    for label in ("✅ Reached", "🔥 Hot", "🏆 Won"):
        await fake_telegram.wait_for_answer(fake_telegram.press_button(rep, alert, label))
        await fake_telegram.wait_for_edit(alert, timeout=10)
    await leadline.stop(signal.SIGKILL)
    await leadline.start()
    fake_telegram.send_message(rep, "900")
    won = await fake_telegram.wait_for_message(REP_ID, contains="Won", timeout=10)
    exit_code = await leadline.stop()

    assert "Hi, how much for 20 seats?" in alert.text
    assert ack.text.startswith("Thank you!")
    assert answer.text == "Yes. 900 EUR for 20 seats.\n\n— Roman"
    assert won.text == "Won: 900. Well done!"
    assert exit_code == 0
    assert leadline.query("SELECT channel, stage, won_cents FROM leads") == [
        ("telegram", "won", 90000)
    ]
    assert leadline.query("SELECT count(*) FROM prompts") == [(0,)]
    assert [m.text for m in fake_telegram.messages(PROSPECT_ID)] == [ack.text, answer.text]
