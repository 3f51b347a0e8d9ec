"""Working a lead end to end: the real bot against the fake Bot API, on SQLite and PostgreSQL.

Each test presses buttons and types as a rep would, then checks what Telegram shows (the
edited card, the messages to the prospect) and what the database holds. The team works
in Moscow time; the clock starts on Wednesday 2 December 2026 at 13:00 there.
"""

from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal

import pytest

from bot.prospects import GREETING
from core.clock import FixedClock
from core.prospects import ACKNOWLEDGEMENT, PHONE_THANKS
from tests.fake_telegram import FakeTelegram
from tests.integration.botkit import (
    OTHER_REP_ID,
    REP_ID,
    START,
    STRANGER_ID,
    Leadline,
    labels,
)

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)


@pytest.fixture
async def leadline(fake_telegram: FakeTelegram, database_url: str) -> AsyncIterator[Leadline]:
    """Leadline running with a manager (Mira) and a rep (Roman), in Moscow time."""
    app = Leadline(fake_telegram, database_url, FixedClock(START), {"timezone": "Europe/Moscow"})
    await app.start()
    await app.add_rep(app.rep)
    yield app
    await app.stop()


# -- contact attempts ----------------------------------------------------------------------


async def test_no_answer_arms_retries_by_the_cadence_and_each_brings_the_card_back(
    leadline: Leadline,
) -> None:
    lead_id = await leadline.lead()
    card = await leadline.alert(lead_id)

    first = await leadline.tap_and_redraw(leadline.rep, card, "📵 No answer")
    await leadline.later(15 * MINUTE)
    retry = await leadline.fake.wait_for_message(REP_ID, contains="Time for attempt 2")
    second = await leadline.tap_and_redraw(leadline.rep, retry, "📞 Busy")

    assert first == "No answer: next attempt Wed 02.12 13:15."
    assert "📞 Next attempt: Wed 02.12 13:15" in card.edits[0].text
    assert f"Lead #{lead_id}" in retry.text
    assert labels(retry)[:4] == ["✅ Reached", "📵 No answer", "📞 Busy", "🚫 Wrong number"]
    assert second == "Busy: next attempt Wed 02.12 15:15."
    assert (
        await leadline.column("SELECT data FROM events WHERE kind = 'attempted' ORDER BY id") != []
    )
    assert await leadline.kinds(lead_id) == [
        "captured",
        "assigned",
        "attempted",
        "retry_due",
        "attempted",
    ]
    assert await leadline.column(
        "SELECT status FROM timers WHERE kind = 'attempt_retry' ORDER BY id"
    ) == ["fired", "pending"]


async def test_after_the_last_attempt_the_rep_chooses_one_more_round_or_could_not_reach(
    leadline: Leadline,
) -> None:
    lead_id = await leadline.lead()
    card = await leadline.alert(lead_id)
    for _ in range(3):
        await leadline.tap_and_redraw(leadline.rep, card, "📵 No answer")

    last = await leadline.tap_and_redraw(leadline.rep, card, "📵 No answer")
    choice = labels(card)
    again = await leadline.tap_and_redraw(leadline.rep, card, "🔁 One more round")
    for _ in range(3):
        await leadline.tap_and_redraw(leadline.rep, card, "📵 No answer")
    await leadline.tap_and_redraw(leadline.rep, card, "🚫 Wrong number")
    closed = await leadline.tap_and_redraw(leadline.rep, card, "❌ Could not reach")

    assert last == "No answer: try one more round, or close it as could not reach."
    assert choice[:4] == ["✅ Reached", "🔁 One more round", "❌ Could not reach", "⏰ Remind"]
    assert again == "One more round: next attempt Wed 02.12 13:15."
    assert closed == "Lost: could not reach."
    assert labels(card) == []
    assert await leadline.scalar("SELECT stage || ':' || loss_reason FROM leads") == (
        "lost:unreachable"
    )
    assert await leadline.scalar("SELECT attempts FROM leads") == 8
    lead_timers = "SELECT count(*) FROM timers WHERE status = 'pending' AND lead_id IS NOT NULL"
    assert await leadline.scalar(lead_timers) == 0


# -- qualification and the pipeline --------------------------------------------------------


async def test_qualification_toggles_then_hot_then_stages_then_won_with_a_typed_amount(
    leadline: Leadline,
) -> None:
    lead_id = await leadline.lead()
    card = await leadline.alert(lead_id)
    await leadline.tap_and_redraw(leadline.rep, card, "✅ Reached")

    ticked = await leadline.tap_and_redraw(leadline.rep, card, "⬜ Budget")
    await leadline.tap_and_redraw(leadline.rep, card, "⬜ Need")
    await leadline.tap_and_redraw(leadline.rep, card, "🔥 Hot")
    forward = await leadline.tap_and_redraw(leadline.rep, card, "➡️ meeting")
    back = await leadline.tap_and_redraw(leadline.rep, card, "⬅️ qualified")
    await leadline.tap_and_redraw(leadline.rep, card, "➡️ meeting")
    await leadline.tap_and_redraw(leadline.rep, card, "➡️ proposal")
    asked = await leadline.tap_and_redraw(leadline.rep, card, "🏆 Won")
    prompt_text = card.current_text
    refused = await leadline.say(leadline.rep, "a lot")
    won = await leadline.say(leadline.rep, "150 000")
    await leadline.fake.wait_for_edit(card)

    assert ticked == "Budget: yes."
    assert forward == "Moved to meeting (norm: 7 d)."
    assert back == "Moved to qualified (norm: 7 d)."
    assert asked == "Send the amount of the deal in a message, e.g. 150000."
    assert "Send the amount of the deal" in prompt_text
    assert refused.text == "Send the amount as a number, such as 150000 or 1 500.50."
    assert won.text == "Won: 150 000. Well done!"
    assert "won: 150 000" in card.current_text
    assert "✔ budget, need" in card.current_text
    assert labels(card) == []
    assert await leadline.scalar("SELECT won_cents FROM leads") == 15_000_000
    assert await leadline.column(
        "SELECT kind FROM events WHERE lead_id = :lead ORDER BY id", lead=lead_id
    ) == [
        "captured",
        "assigned",
        "attempted",
        "criterion_changed",
        "criterion_changed",
        "qualified",
        "stage_changed",
        "stage_changed",
        "stage_changed",
        "stage_changed",
        "won",
    ]


async def test_warm_asks_for_the_next_step_and_reads_it_from_plain_text(
    leadline: Leadline,
) -> None:
    lead_id = await leadline.lead()
    card = await leadline.alert(lead_id)
    await leadline.tap_and_redraw(leadline.rep, card, "✅ Reached")

    await leadline.tap_and_redraw(leadline.rep, card, "🌤 Warm")
    presets = labels(card)
    answer = await leadline.say(leadline.rep, "завтра в 10 отправить предложение")
    await leadline.fake.wait_for_edit(card)

    assert presets == ["Tomorrow morning", "Next week", "In 2 weeks", "In a month", "↩️ Back"]
    assert answer.text == "Next step Thu 03.12 10:00: отправить предложение."
    assert "⏰ отправить предложение: Thu 03.12 10:00" in card.current_text
    assert "rated warm" in card.current_text
    assert await leadline.scalar("SELECT temperature FROM leads") == "warm"
    assert (
        await leadline.scalar(
            "SELECT count(*) FROM timers WHERE kind = 'reminder' AND status = 'pending'"
        )
        == 1
    )


async def test_cold_closes_with_a_reason_or_parks_with_a_date(leadline: Leadline) -> None:
    first = await leadline.lead()
    card = await leadline.alert(first)
    await leadline.tap_and_redraw(leadline.rep, card, "✅ Reached")
    await leadline.tap_and_redraw(leadline.rep, card, "❄️ Cold")
    cold_choices = labels(card)
    await leadline.tap_and_redraw(leadline.rep, card, "🅿️ Park it with a date")
    parked = await leadline.tap_and_redraw(leadline.rep, card, "In 3 months")

    second = await leadline.lead(phone="+4915100000002")
    other = await leadline.alert(second)
    await leadline.tap_and_redraw(leadline.rep, other, "✅ Reached")
    await leadline.tap_and_redraw(leadline.rep, other, "❄️ Cold")
    lost = await leadline.tap_and_redraw(leadline.rep, other, "Not our profile")

    assert "Not our profile" in cold_choices
    assert "🅿️ Park it with a date" in cold_choices
    assert parked == "Parked until Tue 02.03 13:00."
    assert lost == "Lost: not our profile."
    assert await leadline.column("SELECT stage || ':' || temperature FROM leads ORDER BY id") == [
        "contacted:cold",
        "lost:cold",
    ]


async def test_lost_for_another_reason_asks_for_it_in_words(leadline: Leadline) -> None:
    lead_id = await leadline.lead()
    card = await leadline.alert(lead_id)
    await leadline.tap_and_redraw(leadline.rep, card, "❌ Lost")

    await leadline.tap_and_redraw(leadline.rep, card, "Other")
    answer = await leadline.say(leadline.rep, "Bought from a friend")
    await leadline.fake.wait_for_edit(card)

    assert answer.text == "Lost: other: Bought from a friend"
    assert "“Bought from a friend”" in card.current_text
    assert await leadline.scalar("SELECT loss_note FROM leads") == "Bought from a friend"


# -- reminders -----------------------------------------------------------------------------


async def test_reminder_from_a_preset_fires_once_then_is_snoozed_and_marked_done(
    leadline: Leadline,
) -> None:
    lead_id = await leadline.lead()
    card = await leadline.alert(lead_id)
    await leadline.tap_and_redraw(leadline.rep, card, "⏰ Remind")
    presets = labels(card)
    set_for = await leadline.tap_and_redraw(leadline.rep, card, "In 1 h")

    await leadline.later(HOUR)
    reminder = await leadline.fake.wait_for_message(REP_ID, contains="Reminder")
    reminder_buttons = labels(reminder)
    await leadline.tap_and_redraw(leadline.rep, reminder, "💤 Snooze")
    snoozed = await leadline.tap_and_redraw(leadline.rep, reminder, "Tomorrow morning")
    await leadline.later(timedelta(hours=20))
    again = await leadline.fake.wait_for_message(REP_ID, contains="Reminder")
    done = await leadline.tap_and_redraw(leadline.rep, again, "✅ Done")

    assert presets == ["In 1 h", "In 3 h", "Tomorrow morning", "Next week", "↩️ Back"]
    assert set_for == "Reminder set for Wed 02.12 14:00."
    assert "⏰ <b>Reminder: Follow up</b>" in reminder.text
    assert reminder_buttons[:2] == ["✅ Done", "💤 Snooze"]
    assert snoozed == "Snoozed until Thu 03.12 09:00."
    assert done == "Done."
    assert "✅ Done" not in labels(again)
    assert await leadline.column(
        "SELECT kind FROM events WHERE kind LIKE 'reminder%' ORDER BY id"
    ) == ["reminder_set", "reminder_due", "reminder_snoozed", "reminder_due", "reminder_done"]
    reminders = [m for m in leadline.fake.messages(REP_ID) if "Reminder" in (m.text or "")]
    assert reminders == [reminder, again]


@pytest.mark.parametrize(
    ("typed", "answer", "due_utc"),
    [
        ("tomorrow 10:00", "Reminder set for Thu 03.12 10:00: Follow up.", "2026-12-03 07:00"),
        ("завтра в 10", "Reminder set for Thu 03.12 10:00: Follow up.", "2026-12-03 07:00"),
        ("in 2 days", "Reminder set for Fri 04.12 13:00: Follow up.", "2026-12-04 10:00"),
        (
            "15.01 14:30 contract",
            "Reminder set for Fri 15.01 14:30: contract.",
            "2027-01-15 11:30",
        ),
    ],
)
async def test_reminder_date_in_plain_words_is_read_in_the_teams_time_zone(
    leadline: Leadline, typed: str, answer: str, due_utc: str
) -> None:
    lead_id = await leadline.lead()
    card = await leadline.alert(lead_id)
    await leadline.tap_and_redraw(leadline.rep, card, "⏰ Remind")

    reply = await leadline.say(leadline.rep, typed)

    assert reply.text == answer
    due = await leadline.scalar("SELECT due_at FROM timers WHERE kind = 'reminder'")
    assert str(due)[:16] == due_utc


async def test_unreadable_date_is_asked_again_and_nothing_changes(leadline: Leadline) -> None:
    lead_id = await leadline.lead()
    card = await leadline.alert(lead_id)
    await leadline.tap_and_redraw(leadline.rep, card, "⏰ Remind")

    reply = await leadline.say(leadline.rep, "whenever you like")

    assert reply.text.startswith('Could not read a date from "whenever you like"')
    assert await leadline.scalar("SELECT remind_at FROM leads") is None
    assert await leadline.scalar("SELECT awaiting FROM prompts") == "reminder"


# -- notes, the lead and the queue ---------------------------------------------------------


async def test_reply_to_a_card_adds_a_note_and_lead_n_shows_the_whole_timeline(
    leadline: Leadline,
) -> None:
    lead_id = await leadline.lead(message="Need 20 seats")
    card = await leadline.alert(lead_id)
    await leadline.tap_and_redraw(leadline.rep, card, "📵 No answer")

    noted = await leadline.say(leadline.rep, "Prefers calls after 6 pm", reply_to=card)
    leadline.fake.send_message(leadline.rep, f"/lead {lead_id}")
    shown = await leadline.fake.wait_for_message(REP_ID, contains="History")
    await leadline.tap_and_redraw(leadline.rep, shown, "✅ Reached")

    assert noted.text == f"Note added to lead #{lead_id}."
    assert "Need 20 seats" in shown.text
    history = shown.text.split("<b>History</b>")[1]
    assert "02.12 13:00 · inquiry received by api: “Need 20 seats”" in history
    assert "02.12 13:00 · assigned to Roman Petrov (round robin among 1 eligible)" in history
    assert "02.12 13:00 · Roman Petrov: no answer (attempt 1), next 02.12 13:15" in history
    assert "02.12 13:00 · Roman Petrov: note: “Prefers calls after 6 pm”" in history
    assert "Roman Petrov: reached (attempt 2)" in shown.current_text
    assert await leadline.scalar("SELECT data FROM events WHERE kind = 'note_added'") in (
        {"text": "Prefers calls after 6 pm"},
        '{"text": "Prefers calls after 6 pm"}',
    )


async def test_lead_n_is_refused_to_another_rep_and_to_strangers(leadline: Leadline) -> None:
    await leadline.add_rep(leadline.other_rep)
    lead_id = await leadline.lead()
    await leadline.alert(lead_id)

    other = await leadline.say(leadline.other_rep, f"/lead {lead_id}")
    stranger = await leadline.say(leadline.stranger, f"/lead {lead_id}")
    missing = await leadline.say(leadline.rep, "/lead 999")

    assert other.text == f"Lead #{lead_id} belongs to another rep; only they can act on it."
    assert stranger.text == "You are not on the team, so you cannot act on leads."
    assert missing.text == "Lead #999 does not exist."
    assert leadline.fake.messages(STRANGER_ID) == [stranger]


async def test_my_queue_puts_due_and_hot_first_pages_and_opens_a_lead(leadline: Leadline) -> None:
    lead_ids, cards = [], []
    for n in range(10):
        lead_ids.append(await leadline.lead(name=f"Prospect {n}", phone=f"+49151000000{n:02}"))
        cards.append(await leadline.alert(lead_ids[-1]))
        leadline.clock.advance(MINUTE)
    for label in ("✅ Reached", "🔥 Hot"):
        await leadline.tap_and_redraw(leadline.rep, cards[5], label)
    await leadline.tap_and_redraw(leadline.rep, cards[8], "📵 No answer")
    await leadline.later(20 * MINUTE)
    await leadline.fake.wait_for_message(REP_ID, contains="Time for attempt 2")

    queue = await leadline.say(leadline.rep, "/my")
    first_page = queue.text
    await leadline.tap_and_redraw(leadline.rep, queue, "More ▶️")
    second_page = queue.current_text
    await leadline.tap(leadline.rep, queue, f"#{lead_ids[9]} Prospect 9")
    opened = await leadline.fake.wait_for_message(REP_ID, contains="History")

    lines = first_page.splitlines()
    assert lines[0] == "📋 <b>Your queue</b> · 10 open · page 1 of 2"
    assert lines[2].startswith(f"1. ⏰ <b>#{lead_ids[8]}</b> Prospect 8 — retry due since")
    assert lines[3].startswith(f"2. 🔥 <b>#{lead_ids[5]}</b> Prospect 5 — hot")
    assert "⚠️ no next step" in lines[3]
    assert lines[4].startswith(f"3. 🆕 <b>#{lead_ids[0]}</b> Prospect 0 — new")
    assert "page 2 of 2" in second_page
    assert labels(queue)[-1] == "◀️ Back"
    assert f"<b>Lead #{lead_ids[9]}</b> · Prospect 9" in opened.text


# -- prospects in Telegram -----------------------------------------------------------------


async def test_prospect_chats_with_the_rep_through_the_bot(leadline: Leadline) -> None:
    await leadline.services.add_source("instagram", "telegram")
    stan = leadline.stranger

    greeting = await leadline.say(stan, "/start instagram")
    leadline.fake.send_message(stan, "Hi! How much for 20 seats?")
    ack = await leadline.fake.wait_for_message(STRANGER_ID)
    alert = await leadline.fake.wait_for_message(REP_ID, contains="New lead")
    leadline.fake.send_message(stan, "Also, do you invoice?")
    relayed = await leadline.fake.wait_for_message(REP_ID, contains="writes:")
    sent = await leadline.say(leadline.rep, "Yes, we do. 20 seats are 900 EUR.", reply_to=relayed)
    answer = await leadline.fake.wait_for_message(STRANGER_ID)
    leadline.fake.send_contact(stan, "491511234567")
    thanks = await leadline.fake.wait_for_message(STRANGER_ID)
    told = await leadline.fake.wait_for_message(REP_ID, contains="shared a phone")
    await leadline.fake.wait_for_edit(alert)

    assert greeting.text == GREETING
    assert ack.text == ACKNOWLEDGEMENT
    assert "Stan" in alert.text
    assert "Source: instagram · telegram" in alert.text
    assert "Hi! How much for 20 seats?" in alert.text
    assert "Also, do you invoice?" in relayed.text
    assert sent.text == "Sent to Stan."
    assert answer.text == "Yes, we do. 20 seats are 900 EUR.\n\n— Roman"
    assert thanks.text == PHONE_THANKS
    assert "+491511234567" in told.text
    assert "📞 +491511234567" in alert.current_text
    assert [m.text for m in leadline.fake.messages(STRANGER_ID)] == [
        GREETING,
        ACKNOWLEDGEMENT,
        answer.text,
        PHONE_THANKS,
    ]
    assert await leadline.scalar("SELECT count(*) FROM leads") == 1
    assert await leadline.scalar("SELECT channel FROM leads") == "telegram"
    leadline.fake.send_message(leadline.rep, "/lead 1")
    history = (await leadline.fake.wait_for_message(REP_ID, contains="History")).text
    conversation = [line.split(" · ", 1)[1] for line in history.splitlines() if " · " in line]
    assert conversation[-5:] == [
        "inquiry received by telegram: “Hi! How much for 20 seats?”",
        "assigned to Roman Petrov (round robin among 1 eligible)",
        "prospect wrote: “Also, do you invoice?”",
        "Roman Petrov: wrote to the prospect: “Yes, we do. 20 seats are 900 EUR.”",
        "prospect shared a phone: +491511234567",
    ]
    assert await leadline.column("SELECT kind FROM events ORDER BY id") == [
        "captured",
        "assigned",
        "prospect_wrote",
        "prospect_answered",
        "phone_shared",
    ]


async def test_write_button_sends_the_reps_next_message_to_the_prospect(
    leadline: Leadline,
) -> None:
    leadline.fake.send_message(leadline.stranger, "Hello, anyone there?")
    alert = await leadline.fake.wait_for_message(REP_ID, contains="New lead")
    await leadline.fake.wait_for_message(STRANGER_ID)

    await leadline.tap_and_redraw(leadline.rep, alert, "💬 Write to the prospect")
    sent = await leadline.say(leadline.rep, "Hi Stan, Roman here. How can I help?")
    answer = await leadline.fake.wait_for_message(STRANGER_ID)

    assert sent.text == "Sent to Stan."
    assert answer.text == "Hi Stan, Roman here. How can I help?\n\n— Roman"


async def test_prospect_sees_nothing_of_the_leads_or_the_team(leadline: Leadline) -> None:
    lead_id = await leadline.lead()
    card = await leadline.alert(lead_id)

    forged = leadline.fake.press(leadline.stranger, card, f"l:r:{lead_id}:1")
    refused = await leadline.fake.wait_for_answer(forged)
    queue = await leadline.say(leadline.stranger, "/my")

    assert refused.text == "You are not on the team, so you cannot act on leads."
    assert queue.text == "You are not on the team, so you have no queue."
    assert await leadline.scalar("SELECT attempts FROM leads") == 0


# -- a question survives a restart ---------------------------------------------------------


async def test_the_amount_asked_for_before_a_restart_is_understood_after_it(
    fake_telegram: FakeTelegram, database_url: str
) -> None:
    clock = FixedClock(START)
    first = Leadline(fake_telegram, database_url, clock)
    await first.start()
    await first.add_rep(first.rep)
    lead_id = await first.lead()
    card = await first.alert(lead_id)
    await first.tap_and_redraw(first.rep, card, "✅ Reached")
    await first.tap_and_redraw(first.rep, card, "🔥 Hot")
    await first.tap_and_redraw(first.rep, card, "🏆 Won")
    await first.stop()

    second = Leadline(fake_telegram, database_url, clock)
    await second.start()
    reply = await second.say(second.rep, "42000")
    await second.stop()

    assert reply.text == "Won: 42 000. Well done!"
    assert (await _won(database_url)) == Decimal(42000)


async def _won(database_url: str) -> Decimal:
    from sqlalchemy import text

    from storage.database import make_engine

    engine = make_engine(database_url)
    async with engine.connect() as connection:
        cents = (await connection.execute(text("SELECT won_cents FROM leads"))).scalar()
    await engine.dispose()
    return Decimal(cents) / 100


async def test_another_reps_text_never_answers_someone_elses_question(
    leadline: Leadline,
) -> None:
    await leadline.add_rep(leadline.other_rep)
    lead_id = await leadline.lead()
    card = await leadline.alert(lead_id)
    await leadline.tap_and_redraw(leadline.rep, card, "❌ Lost")
    await leadline.tap_and_redraw(leadline.rep, card, "Other")

    reply = await leadline.say(leadline.other_rep, "Stolen by Olga")

    assert reply.text.startswith("To add a note, reply to the lead's card.")
    assert await leadline.scalar("SELECT stage FROM leads") == "new"
    assert OTHER_REP_ID != REP_ID
