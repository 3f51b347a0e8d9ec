"""The team in Telegram: the real bot against the fake Bot API, on SQLite and PostgreSQL.

A manager (Mira) and a rep (Roman) are on the team from the start; tests add Olga.
"""

from datetime import timedelta

import pytest

from tests.fake_telegram import RecordedMessage
from tests.integration import test_bot
from tests.integration.test_bot import MANAGER_ID, OTHER_REP_ID, REP_ID, STRANGER_ID, Bot

bot = test_bot.bot  # the same running bot, fake Bot API and team as in test_bot.py


async def member_id(bot: Bot, telegram_id: int) -> int:
    """Read a member's id from the database."""
    return int(await bot.scalar(f"SELECT id FROM members WHERE telegram_id = {telegram_id}"))


async def team_page(bot: Bot) -> RecordedMessage:
    """Have the manager send /team and return the answer."""
    bot.fake.send_message(bot.manager, "/team")
    return await bot.fake.wait_for_message(MANAGER_ID, contains="Team")


async def open_member(bot: Bot, page: RecordedMessage, name: str) -> RecordedMessage:
    """Open a member's page from the /team list; the same message is edited."""
    await bot.tap(bot.manager, page, f"✏️ {name}")
    await bot.fake.wait_for_edit(page)
    return page


# -- reassigning ----------------------------------------------------------------------------


async def test_manager_reassigns_an_overdue_lead_and_both_reps_are_told(bot: Bot) -> None:
    await bot.add_rep(bot.other_rep)
    lead_id = await bot.lead()
    await bot.fake.wait_for_message(REP_ID, contains="New lead")

    bot.clock.offset = timedelta(minutes=16)
    bot.runtime.timers.wake()
    alert = await bot.fake.wait_for_message(MANAGER_ID, contains="norm broken")
    toast = await bot.tap(bot.manager, alert, "👤 Olga")
    new_owner = await bot.fake.wait_for_message(OTHER_REP_ID, contains=f"Lead #{lead_id}")
    old_owner = await bot.fake.wait_for_message(REP_ID, contains="reassigned")

    assert toast == "Assigned to Olga."
    assert "Assigned to you by Manager 5001" in new_owner.text
    assert old_owner.text == f"Lead #{lead_id} was reassigned to Olga."
    olga = await member_id(bot, OTHER_REP_ID)
    assert await bot.scalar("SELECT owner_id FROM leads") == olga
    reasons = await bot.scalar(
        "SELECT count(*) FROM events WHERE kind = 'assigned' AND actor_id IS NOT NULL"
    )
    assert reasons == 1


async def test_manager_reassigns_from_a_card_with_the_reassign_button(bot: Bot) -> None:
    await bot.add_rep(bot.other_rep)
    lead_id = await bot.lead()
    await bot.fake.wait_for_message(REP_ID, contains="New lead")
    bot.clock.offset = timedelta(minutes=16)
    bot.runtime.timers.wake()
    alert = await bot.fake.wait_for_message(MANAGER_ID, contains="norm broken")
    await bot.tap(bot.manager, alert, "👤 Olga")
    await bot.fake.wait_for_edit(alert)

    assert "🔀 Reassign" in [label for label, _ in alert.buttons]
    await bot.tap(bot.manager, alert, "🔀 Reassign")
    await bot.fake.wait_for_edit(alert)
    choices = [label for label, _ in alert.buttons]
    toast = await bot.tap(bot.manager, alert, "👤 Roman")
    assert f"Lead #{lead_id}" in alert.current_text
    back_to_roman = await bot.fake.wait_for_message(REP_ID, contains="New lead for you")

    assert choices == ["👤 Roman", "↩️ Back"]
    assert toast == "Assigned to Roman."
    assert "Assigned to you by Manager 5001" in back_to_roman.text


async def test_rep_sees_no_reassign_button_and_cannot_forge_one(bot: Bot) -> None:
    await bot.add_rep(bot.other_rep)
    lead_id = await bot.lead()
    alert = await bot.fake.wait_for_message(REP_ID, contains="New lead")

    forged = bot.fake.press(bot.rep, alert, f"l:a:{lead_id}:1:{await member_id(bot, 7002)}")
    answer = await bot.fake.wait_for_answer(forged)

    assert "🔀 Reassign" not in [label for label, _ in alert.buttons]
    assert answer.text == "Only a manager can assign leads."
    assert await bot.scalar("SELECT owner_id FROM leads") == await member_id(bot, REP_ID)


# -- handing back ---------------------------------------------------------------------------


async def test_rep_hands_a_lead_back_with_a_reason_and_it_goes_to_a_colleague(bot: Bot) -> None:
    await bot.add_rep(bot.other_rep)
    lead_id = await bot.lead()
    alert = await bot.fake.wait_for_message(REP_ID, contains="New lead")

    await bot.tap(bot.rep, alert, "↩️ Hand back")
    await bot.fake.wait_for_edit(alert)
    reasons = [label for label, _ in alert.buttons]
    toast = await bot.tap(bot.rep, alert, "Too busy to take it now")
    await bot.fake.wait_for_edit(alert)
    olgas = await bot.fake.wait_for_message(OTHER_REP_ID, contains=f"Lead #{lead_id}")

    assert reasons[0] == "Not my product or region"
    assert reasons[-1] == "↩️ Back"
    assert toast == "Handed back; it went to Olga."
    assert alert.buttons == []
    assert "Handed back by Roman: too busy to take it now" in olgas.text
    assert await bot.scalar("SELECT count(*) FROM events WHERE kind = 'handed_back'") == 1


async def test_rep_hands_a_lead_back_in_their_own_words(bot: Bot) -> None:
    lead_id = await bot.lead()
    await bot.fake.wait_for_message(REP_ID, contains="New lead")

    bot.fake.send_message(bot.rep, f"/handback {lead_id} my cousin, conflict of interest")
    reply = await bot.fake.wait_for_message(REP_ID, contains="Handed back")
    alert = await bot.fake.wait_for_message(MANAGER_ID, contains="no owner")

    assert reply.text == "Handed back; the managers will find it an owner."
    assert "my cousin, conflict of interest" in alert.text
    assert await bot.scalar("SELECT owner_id FROM leads") is None


# -- pause and resume -----------------------------------------------------------------------


async def test_paused_rep_gets_nothing_until_resume_then_the_waiting_lead(bot: Bot) -> None:
    bot.fake.send_message(bot.rep, "/pause")
    paused = await bot.fake.wait_for_message(REP_ID, contains="Paused")
    lead_id = await bot.lead()
    unassigned = await bot.fake.wait_for_message(MANAGER_ID, contains="no owner")
    nothing_yet = [m for m in bot.fake.messages(REP_ID) if f"Lead #{lead_id}" in m.text]

    bot.fake.send_message(bot.rep, "/resume")
    resumed = await bot.fake.wait_for_message(REP_ID, contains="Resumed")
    alert = await bot.fake.wait_for_message(REP_ID, contains=f"Lead #{lead_id}")
    await bot.fake.wait_for_edit(unassigned)

    assert paused.text.startswith("Paused: no new leads until you send /resume.")
    assert nothing_yet == []
    assert resumed.text == "Resumed: new leads come to you again. 1 waiting lead came to you."
    assert "New lead for you" in alert.text
    assert "Owner: Roman" in unassigned.current_text


async def test_manager_cannot_pause_and_a_stranger_is_told_they_are_not_on_the_team(
    bot: Bot,
) -> None:
    bot.fake.send_message(bot.manager, "/pause")
    bot.fake.send_message(bot.stranger, "/resume")

    manager = await bot.fake.wait_for_message(MANAGER_ID)
    stranger = await bot.fake.wait_for_message(STRANGER_ID)

    assert manager.text == "Only reps take leads, so there is nothing to pause."
    assert stranger.text == "You are not on the team."


# -- /team ----------------------------------------------------------------------------------


async def test_team_lists_members_with_load_and_todays_response_figures(bot: Bot) -> None:
    await bot.add_rep(bot.other_rep)
    await bot.lead()
    alert = await bot.fake.wait_for_message(REP_ID, contains="New lead")
    await bot.tap(bot.rep, alert, "📵 No answer")
    await bot.lead(phone="+4915112345679")

    page = await team_page(bot)

    assert "<b>Roman</b> · available · open 1" in page.text
    assert "today: 1 new, 1 answered, median under 1 min" in page.text
    assert "<b>Olga</b> · available · open 1" in page.text
    assert "today: 1 new, 0 answered, 1 waiting" in page.text
    assert "<b>Manager 5001</b> · manager" in page.text
    assert [label for label, _ in page.buttons] == [
        "✏️ Manager 5001",
        "✏️ Roman",
        "✏️ Olga",
    ]


async def test_team_is_for_managers_only(bot: Bot) -> None:
    bot.fake.send_message(bot.rep, "/team")

    reply = await bot.fake.wait_for_message(REP_ID)

    assert reply.text == "Only a manager can change the team."


async def test_manager_sets_capacity_tier_and_weight_with_buttons(bot: Bot) -> None:
    page = await open_member(bot, await team_page(bot), "Roman")

    await bot.tap(bot.manager, page, "📥 Capacity")
    await bot.fake.wait_for_edit(page)
    asked = page.current_text
    toast = await bot.tap(bot.manager, page, "10")
    await bot.fake.wait_for_edit(page)
    await bot.tap(bot.manager, page, "🎖 Tier")
    await bot.fake.wait_for_edit(page)
    await bot.tap(bot.manager, page, "Senior")
    await bot.fake.wait_for_edit(page)
    await bot.tap(bot.manager, page, "⚖️ Weight")
    await bot.fake.wait_for_edit(page)
    await bot.tap(bot.manager, page, "3")
    await bot.fake.wait_for_edit(page)

    assert "Most open leads for Roman?" in asked
    assert toast == "Roman: capacity 10."
    assert "Capacity: 10 · open now: 0" in page.current_text
    assert "Weight: 3 · Tier: senior" in page.current_text
    row = "SELECT capacity || '/' || tier || '/' || weight FROM members WHERE telegram_id = 7001"
    assert await bot.scalar(row) == "10/1/3"


async def test_manager_sets_products_by_replying_to_the_question(bot: Bot) -> None:
    page = await open_member(bot, await team_page(bot), "Roman")

    toast = await bot.tap(bot.manager, page, "📦 Products")
    question = await bot.fake.wait_for_message(MANAGER_ID, contains="Products for Roman")
    bot.fake.send_message(bot.manager, "Roofs, doors", reply_to=question)
    answer = await bot.fake.wait_for_message(MANAGER_ID, contains="Roman: products")

    assert toast == "Reply to the message below."
    assert "Products: doors, Roofs" in answer.text
    assert "📦 Products" in [label for label, _ in answer.buttons]
    products = await bot.scalar("SELECT products FROM members WHERE telegram_id = 7001")
    assert "Roofs" in str(products)


async def test_a_reply_that_makes_no_sense_is_refused_and_changes_nothing(bot: Bot) -> None:
    page = await open_member(bot, await team_page(bot), "Roman")
    await bot.tap(bot.manager, page, "📥 Capacity")
    await bot.fake.wait_for_edit(page)
    await bot.tap(bot.manager, page, "Other…")
    question = await bot.fake.wait_for_message(MANAGER_ID, contains="Capacity for Roman")

    bot.fake.send_message(bot.manager, "lots", reply_to=question)
    answer = await bot.fake.wait_for_message(MANAGER_ID, contains="capacity")

    assert answer.text.startswith("A capacity is a whole number of leads, or none.")
    assert await bot.scalar("SELECT capacity FROM members WHERE telegram_id = 7001") is None


async def test_a_rep_replying_to_a_forwarded_question_changes_nothing(bot: Bot) -> None:
    page = await open_member(bot, await team_page(bot), "Roman")
    await bot.tap(bot.manager, page, "🗺 Regions")
    question = await bot.fake.wait_for_message(MANAGER_ID, contains="Regions for Roman")
    prompt = await bot.runtime.application.bot.send_message(REP_ID, question.text)
    rep_copy = bot.fake.messages(REP_ID)[-1]
    assert rep_copy.message_id == prompt.message_id

    bot.fake.send_message(bot.rep, "everywhere", reply_to=rep_copy)
    answer = await bot.fake.wait_for_message(REP_ID, contains="manager")

    assert answer.text.startswith("Only a manager can change the team.")
    assert await bot.scalar("SELECT regions FROM members WHERE telegram_id = 7001") in ("[]", [])


async def test_manager_sends_a_rep_on_leave_and_they_get_no_leads(bot: Bot) -> None:
    page = await open_member(bot, await team_page(bot), "Roman")

    await bot.tap(bot.manager, page, "🌴 Leave")
    await bot.fake.wait_for_edit(page)
    toast = await bot.tap(bot.manager, page, "A week")
    await bot.fake.wait_for_edit(page)
    await bot.lead()
    unassigned = await bot.fake.wait_for_message(MANAGER_ID, contains="no owner")

    assert toast.startswith("Roman: on leave until ")
    assert "Status: on leave until" in page.current_text
    assert "Why: no rep is available" in unassigned.text


async def test_manager_deactivates_a_rep_whose_leads_go_to_a_colleague(bot: Bot) -> None:
    await bot.lead()
    await bot.fake.wait_for_message(REP_ID, contains="New lead")
    await bot.add_rep(bot.other_rep)
    page = await open_member(bot, await team_page(bot), "Roman")

    await bot.tap(bot.manager, page, "🚫 Deactivate")
    await bot.fake.wait_for_edit(page)
    confirm = page.current_text
    await bot.tap(bot.manager, page, "Yes, deactivate")
    await bot.fake.wait_for_edit(page)
    olgas = await bot.fake.wait_for_message(OTHER_REP_ID, contains="New lead")
    told = await bot.fake.wait_for_message(MANAGER_ID, contains="is deactivated")

    assert "Their open leads go to others" in confirm
    assert "Was Roman's" in olgas.text
    assert told.text == "Roman is deactivated. Their 1 open lead: #1 to Olga."
    assert [label for label, _ in page.buttons] == ["✅ Reactivate", "« Team"]
    assert await bot.scalar("SELECT owner_id FROM leads") == await member_id(bot, OTHER_REP_ID)


@pytest.mark.parametrize("data", ["t:d:2:yes", "t:z:2", "t:c:2:lots"])
async def test_team_buttons_pressed_by_a_rep_or_forged_change_nothing(bot: Bot, data: str) -> None:
    await bot.lead()
    alert = await bot.fake.wait_for_message(REP_ID, contains="New lead")

    answer = await bot.fake.wait_for_answer(bot.fake.press(bot.rep, alert, data))

    assert answer.show_alert
    assert await bot.scalar("SELECT count(*) FROM members WHERE active") == 2
