"""Proves that tests.fake_telegram.FakeTelegram works with the real python-telegram-bot stack."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
from collections.abc import AsyncIterator

import httpx
import pytest
from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    MenuButtonCommands,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.error import (
    BadRequest,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ExtBot,
    MessageHandler,
    filters,
)

from tests.fake_telegram import CONFLICT, NOT_MODIFIED, FakeTelegram

TOKEN = "123:ABC"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))


# ------------------------------------------------------------------ a tiny bot under test


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greet and offer two inline buttons plus a reply keyboard-free markup."""
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("Take lead", callback_data="take:42")],
            [InlineKeyboardButton("Skip", callback_data="skip:42")],
        ]
    )
    name = update.effective_user.first_name
    await update.effective_message.reply_text(f"Welcome, {name}!", reply_markup=keyboard)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer the query, then edit the message it came from."""
    query = update.callback_query
    action, lead_id = query.data.split(":")
    if action == "take":
        await query.answer("Taken!")
        await query.edit_message_text(f"Lead {lead_id} taken by {query.from_user.first_name}")
    else:
        await query.answer("Skipped", show_alert=True)
        await query.edit_message_reply_markup(reply_markup=None)


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Echo text, or say which bot message was replied to."""
    message = update.effective_message
    if message.reply_to_message is not None:
        replied = message.reply_to_message
        await message.reply_text(f"Reply to #{replied.message_id}: {replied.text}")
    else:
        await message.reply_text(f"Echo: {message.text}", do_quote=True)


async def on_contact(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Confirm a shared contact."""
    await update.effective_message.reply_text(
        f"Got {update.effective_message.contact.phone_number}"
    )


def build_app(fake: FakeTelegram, token: str = TOKEN) -> Application:
    """A real PTB Application pointed at the fake server."""
    app = (
        ApplicationBuilder()
        .token(token)
        .base_url(fake.bot_base_url)
        .base_file_url(fake.file_base_url)
        .build()
    )
    app.add_handler(CommandHandler("start", on_start))
    app.add_handler(CallbackQueryHandler(on_button))
    app.add_handler(MessageHandler(filters.CONTACT, on_contact))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, on_text))
    return app


@contextlib.asynccontextmanager
async def polling(app: Application) -> AsyncIterator[Application]:
    """Run ``app`` with long polling for the duration of the block."""
    async with app:
        await app.start()
        await app.updater.start_polling(timeout=5)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(token=TOKEN) as server:
        yield server


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[ExtBot]:
    async with ExtBot(TOKEN, base_url=fake.bot_base_url, base_file_url=fake.file_base_url) as b:
        yield b


# ------------------------------------------------------------------ conversations via polling


async def test_start_command_reply_is_recorded(fake: FakeTelegram) -> None:
    alice = fake.user(1001, "Alice", username="alice")
    async with polling(build_app(fake)):
        fake.send_message(alice, "/start")
        reply = await fake.wait_for_message(alice.id)

    assert reply.text == "Welcome, Alice!"
    assert reply.kind == "text"
    assert reply.buttons == [("Take lead", "take:42"), ("Skip", "skip:42")]
    assert [c.method for c in fake.calls[:2]] == ["getMe", "deleteWebhook"]
    assert fake.calls_to("sendMessage")[0].params["chat_id"] == alice.id
    assert fake.pending_updates == []  # the stopping updater confirmed what it fetched


async def test_button_press_is_answered_and_message_edited(fake: FakeTelegram) -> None:
    bob = fake.user(1002, "Bob")
    async with polling(build_app(fake)):
        fake.send_message(bob, "/start")
        card = await fake.wait_for_message(bob, contains="Welcome")

        take_id = fake.press_button(bob, card, "Take lead")
        answer = await fake.wait_for_answer(take_id)
        edit = await fake.wait_for_edit(card)

        with pytest.raises(AssertionError, match="Take lead"):
            fake.press_button(bob, card, "Take lead")  # the edit removed the keyboard

        fake.send_message(bob, "/start")
        second = await fake.wait_for_message(bob)
        skip_id = fake.press_button(bob, second, "Skip")
        skipped = await fake.wait_for_answer(skip_id)
        markup_edit = await fake.wait_for_edit(second)

    assert answer.text == "Taken!"
    assert not answer.show_alert
    assert edit.text == "Lead 42 taken by Bob"
    assert edit.method == "editMessageText"
    assert card.current_text == "Lead 42 taken by Bob"
    assert card.text == "Welcome, Bob!"
    assert card.buttons == []
    assert skipped.text == "Skipped"
    assert skipped.show_alert
    assert markup_edit.method == "editMessageReplyMarkup"
    assert second.buttons == []
    assert second.current_text == "Welcome, Bob!"


async def test_replies_and_contacts_reach_message_handlers(fake: FakeTelegram) -> None:
    carol = fake.user(1003, "Carol")
    async with polling(build_app(fake)):
        fake.send_message(carol, "/start")
        card = await fake.wait_for_message(carol)
        fake.send_message(carol, "this one", reply_to=card)
        reply = await fake.wait_for_message(carol, contains="Reply to")
        fake.send_contact(carol, "+15551234567")
        contact = await fake.wait_for_message(carol)
        plain_id = fake.send_message(carol, "plain")
        echo = await fake.wait_for_message(carol)

    assert reply.text == f"Reply to #{card.message_id}: Welcome, Carol!"
    assert contact.text == "Got +15551234567"
    assert echo.text == "Echo: plain"
    assert echo.reply_to_message_id == plain_id
    # message ids are per chat and shared by both sides: 1 /start, 2 card, 3 reply, 4 answer...
    assert [m.message_id for m in fake.messages(carol)] == [2, 4, 6, 8]


async def test_restarted_bot_does_not_see_confirmed_updates(fake: FakeTelegram) -> None:
    dave = fake.user(1004, "Dave")
    async with polling(build_app(fake)):
        fake.send_message(dave, "/start")
        await fake.wait_for_message(dave)
    async with polling(build_app(fake)):
        fake.send_message(dave, "again")
        await fake.wait_for_message(dave, contains="Echo")

    assert [m.text for m in fake.messages(dave)] == ["Welcome, Dave!", "Echo: again"]
    offsets = [c.params.get("offset") for c in fake.calls_to("getUpdates")]
    assert offsets[0] in (None, 0)  # PTB starts at offset 0 ...
    assert max(o or 0 for o in offsets) > 1  # ... and confirms by raising it


async def test_overlapping_long_polls_follow_telegram(fake: FakeTelegram) -> None:
    erin = fake.user(1005, "Erin")
    url = f"{fake.bot_base_url}{TOKEN}/getUpdates"
    async with httpx.AsyncClient(timeout=10) as client:
        first = asyncio.create_task(client.post(url, data={"timeout": "5"}))
        await fake.wait_for(lambda: fake.calls_to("getUpdates"))
        second = asyncio.create_task(client.post(url, data={"timeout": "5"}))
        superseded = await first
        fake.send_message(erin, "hi")
        delivered = (await second).json()["result"]
        update_id = delivered[0]["update_id"]
        again = await client.get(url, params={"offset": "0"})
        confirmed = await client.get(url, params={"offset": str(update_id + 1)})

    assert superseded.status_code == 409
    assert superseded.json()["description"] == CONFLICT
    assert delivered[0]["message"]["text"] == "hi"
    assert again.json()["result"][0]["update_id"] == update_id  # not confirmed yet
    assert confirmed.json() == {"ok": True, "result": []}


# ------------------------------------------------------------------ errors and fault injection


async def test_429_raises_retry_after(
    fake: FakeTelegram, bot: ExtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # RetryAfter.retry_after as timedelta
    fake.fail_next("sendMessage", status=429, retry_after=7)

    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(1, "first try")
    await bot.send_message(1, "second try")

    assert caught.value.retry_after == dtm.timedelta(seconds=7)
    assert [m.text for m in fake.messages(1)] == ["second try"]
    assert [c.status for c in fake.calls_to("sendMessage")] == [429, 200]


async def test_server_errors_and_dropped_connections(fake: FakeTelegram, bot: ExtBot) -> None:
    fake.fail_next("sendMessage", status=500)
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await bot.send_message(1, "a")
    fake.fail_next("sendmessage", status=502, chat_id=2)  # only chat 2, any spelling
    await bot.send_message(1, "b")
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(2, "c")
    fake.drop_next("sendMessage")
    with pytest.raises(NetworkError, match="httpx"):  # TimedOut is a NetworkError too
        await bot.send_message(1, "d")
    fake.drop_next("sendMessage", after_delivery=True)
    with pytest.raises(NetworkError):
        await bot.send_message(1, "e")

    assert [m.text for m in fake.messages(1)] == ["b", "e"]  # "e" arrived, its reply was lost
    assert fake.messages(2) == []
    assert [c.error for c in fake.calls_to("sendMessage")][-2:] == [
        "dropped",
        "dropped after delivery",
    ]


async def test_edit_errors_match_telegram(fake: FakeTelegram, bot: ExtBot) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Open", callback_data="open")]])
    sent = await bot.send_message(5, "Lead #1", reply_markup=markup)

    with pytest.raises(BadRequest) as not_modified:
        await bot.edit_message_text(
            "Lead #1", chat_id=5, message_id=sent.message_id, reply_markup=markup
        )
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=5, message_id=999)
    edited = await bot.edit_message_text("Lead #1 (closed)", chat_id=5, message_id=sent.message_id)
    await bot.delete_message(5, sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("gone", chat_id=5, message_id=sent.message_id)

    # PTB strips "Bad Request: " and str.capitalize()s the rest; the wire text is Telegram's
    assert not_modified.value.message.startswith("Message is not modified")
    assert fake.calls_to("editMessageText")[0].error == NOT_MODIFIED
    assert edited.text == "Lead #1 (closed)"
    assert edited.reply_markup is None
    recorded = fake.last_message(5)
    assert len(recorded.edits) == 1
    assert recorded.deleted


async def test_validation_and_blocked_chats(fake: FakeTelegram, bot: ExtBot) -> None:
    fake.block(7)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(7, "hello?")
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(8, "x" * 4097)
    long_data = InlineKeyboardMarkup([[InlineKeyboardButton("b", callback_data="d" * 65)]])
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.send_message(8, "buttons", reply_markup=long_data)
    fake.unblock(7)
    await bot.send_message(7, "hello again")

    assert [m.text for m in fake.messages(7)] == ["hello again"]
    assert fake.messages(8) == []


async def test_uploads_are_recorded_with_bytes(fake: FakeTelegram, bot: ExtBot) -> None:
    photo = await bot.send_photo(9, photo=PNG, caption="Chart", filename="chart.png")
    doc = await bot.send_document(9, document=b"name;phone\nAda;+1555\n", filename="leads.csv")
    again = await bot.send_photo(9, photo=photo.photo[-1].file_id)
    file = await bot.get_file(doc.document.file_id)
    downloaded = await file.download_as_bytearray()

    chart, csv, resent = fake.messages(9)
    assert (chart.kind, chart.caption, chart.filename) == ("photo", "Chart", "chart.png")
    assert chart.file_bytes == PNG
    assert chart.mime_type == "image/png"
    assert (csv.kind, csv.filename, csv.mime_type) == ("document", "leads.csv", "text/csv")
    assert csv.file_bytes == b"name;phone\nAda;+1555\n"
    assert doc.document.file_name == "leads.csv"
    assert resent.file_bytes == PNG
    assert again.photo[-1].file_id == photo.photo[-1].file_id
    assert bytes(downloaded) == csv.file_bytes
    assert fake.calls_to("sendDocument")[0].files["document"].filename == "leads.csv"


async def test_wrong_token_is_rejected(fake: FakeTelegram) -> None:
    app = build_app(fake, token="999:WRONG")
    try:
        with pytest.raises(InvalidToken):
            await app.initialize()
    finally:
        await app.bot.shutdown()  # PTB leaves its HTTP clients open when initialize() fails

    assert fake.calls[0].status == 401
    assert fake.calls[0].error == "Unauthorized"


async def test_other_methods_and_raw_http(fake: FakeTelegram, bot: ExtBot) -> None:
    user = fake.user(11, "Frank")
    incoming_id = fake.send_message(user, "forward me")
    await bot.set_my_commands([BotCommand("start", "Start"), BotCommand("leads", "My leads")])
    await bot.set_chat_menu_button(chat_id=11, menu_button=MenuButtonCommands())
    await bot.send_chat_action(11, "typing")
    keyboard = ReplyKeyboardMarkup([[KeyboardButton("Share phone", request_contact=True)]])
    ask = await bot.send_message(11, "Your phone?", reply_markup=keyboard)
    forwarded = await bot.forward_message(-100500, from_chat_id=11, message_id=incoming_id)
    copied = await bot.copy_message(-100500, from_chat_id=11, message_id=ask.message_id)
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("fooBar")
    async with httpx.AsyncClient(base_url=f"{fake.bot_base_url}{TOKEN}") as client:
        me = (await client.get("/GETME")).json()
        sent = (await client.post("/sendMessage", json={"chat_id": 11, "text": "json"})).json()
        unknown = await client.post("/definitelyNotAMethod")

    assert [c.command for c in await bot.get_my_commands()] == ["start", "leads"]
    assert fake.menu_buttons[11] == {"type": "commands"}
    assert ask.reply_markup is None  # Telegram only echoes inline keyboards
    assert fake.last_message(11).text == "json"
    assert fake.messages(11)[0].buttons == [("Share phone", None)]
    assert forwarded.forward_origin.sender_user.first_name == "Frank"
    assert forwarded.chat.type == "group"
    assert [m.text for m in fake.messages(-100500)] == ["forward me", "Your phone?"]
    assert copied.message_id == 2
    assert me["result"]["username"] == "leadline_test_bot"
    assert sent["ok"]
    assert unknown.status_code == 404
    assert unknown.json()["description"] == "Not Found: method not found"
    assert [c.method for c in fake.unknown_calls] == ["fooBar", "definitelyNotAMethod"]
