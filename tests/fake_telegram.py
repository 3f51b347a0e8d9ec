"""A fake Telegram Bot API server for tests, speaking real HTTP on 127.0.0.1.

The real python-telegram-bot ``Application`` (in-process or in a subprocess) talks to it exactly
as it talks to api.telegram.org::

    async with FakeTelegram(token="123:ABC") as fake:
        app = (
            ApplicationBuilder().token("123:ABC")
            .base_url(fake.bot_base_url).base_file_url(fake.file_base_url).build()
        )

What it fakes: ``/bot<token>/<method>`` (GET or POST; form-urlencoded, multipart or JSON bodies;
case-insensitive method names), long-polling ``getUpdates`` with Telegram's offset confirmation
and its 409 conflict for overlapping polls, sending/editing/deleting/copying/forwarding messages
with Telegram's error texts for the common mistakes (not modified, not found, too long, bad
callback data), photo/document uploads, ``getFile`` plus ``/file/bot<token>/<path>`` downloads,
callback-query answers, bot commands and menu buttons. Tests feed updates (``send_message``,
``send_contact``, ``press_button`` ...), inject faults (``fail_next``, ``drop_next``, ``block``)
and wait on recorded state (``wait_for_message`` ...).

What it deliberately does not fake: flood limits (only injected 429s), parse_mode rendering
(text is stored as sent, markup included, and no entities are returned), webhooks, inline mode,
payments, media groups, real image dimensions, chat membership and permissions. Methods it does
not know answer 404 like Telegram and are listed in ``unknown_calls``.
"""

# ruff: noqa: ASYNC109 - the wait_for* helpers take a timeout on purpose (test ergonomics)
from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import uvicorn
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

T = TypeVar("T")
JSON = dict[str, Any]
Files = dict[str, "RecordedFile"]
Handler = Callable[[JSON, Files, str], Awaitable[Any]]

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
EDIT_NOT_FOUND = "Bad Request: message to edit not found"
BLOCKED = "Forbidden: bot was blocked by the user"
KICKED = "Forbidden: bot was kicked from the group chat"
CONFLICT = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is "
    "running"
)
QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"

# PTB sends every non-string parameter JSON-encoded inside a form field; these are decoded back.
_JSON_FIELDS = {
    *("reply_markup", "entities", "caption_entities", "link_preview_options", "commands"),
    *("reply_parameters", "scope", "menu_button", "allowed_updates", "media"),
}
_INT_FIELDS = {
    *("chat_id", "from_chat_id", "message_id", "offset", "limit", "timeout", "user_id"),
    *("reply_to_message_id", "message_thread_id", "cache_time"),
}
_BOOL_FIELDS = {
    *("disable_notification", "protect_content", "show_alert", "drop_pending_updates"),
    *("has_spoiler", "disable_web_page_preview", "allow_sending_without_reply"),
}
_DROPPED_LOG = "ASGI callable returned without completing response"


class _ApiError(Exception):
    """An error answer of the Bot API."""

    def __init__(self, code: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.parameters = code, description, parameters


@dataclass(frozen=True)
class FakeUser:
    """A Telegram user that sends updates to the bot."""

    id: int
    first_name: str
    username: str | None = None
    last_name: str | None = None
    language_code: str | None = None

    def to_dict(self) -> JSON:
        """The user as Bot API JSON."""
        data: JSON = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        return data


@dataclass
class RecordedFile:
    """A file the bot uploaded (or referenced by URL)."""

    file_id: str
    file_unique_id: str
    kind: str
    filename: str | None
    mime_type: str | None
    data: bytes
    url: str | None = None

    @property
    def file_path(self) -> str:
        """Path under ``/file/bot<token>/`` where the bytes can be downloaded."""
        return f"{self.kind}s/{self.file_unique_id}"


@dataclass
class MessageEdit:
    """The state of a message right after one edit."""

    method: str
    text: str | None
    reply_markup: JSON | None
    date: int
    monotonic: float

    @property
    def buttons(self) -> list[tuple[str, str | None]]:
        """Buttons of the markup after this edit as flattened (text, callback_data) pairs."""
        return _buttons(self.reply_markup)


@dataclass
class RecordedMessage:
    """A message the bot delivered; ``text``/``reply_markup`` are as sent, edits are separate."""

    chat_id: int
    message_id: int
    kind: str  # "text" | "photo" | "document"
    text: str | None  # text, or caption for photo/document
    reply_markup: JSON | None
    date: int
    method: str = "sendMessage"
    parse_mode: str | None = None
    reply_to_message_id: int | None = None
    file: RecordedFile | None = None
    forward_origin: JSON | None = None
    edits: list[MessageEdit] = field(default_factory=list)
    deleted: bool = False

    @property
    def current_text(self) -> str | None:
        """Text (or caption) after all edits."""
        return self.edits[-1].text if self.edits else self.text

    @property
    def current_reply_markup(self) -> JSON | None:
        """Reply markup after all edits (an edit without markup removes an inline keyboard)."""
        return self.edits[-1].reply_markup if self.edits else self.reply_markup

    @property
    def buttons(self) -> list[tuple[str, str | None]]:
        """Current buttons as flattened (text, callback_data) pairs (data None if not callback)."""
        return _buttons(self.current_reply_markup)

    @property
    def caption(self) -> str | None:
        """Caption of a photo/document message."""
        return self.text if self.kind != "text" else None

    @property
    def file_bytes(self) -> bytes | None:
        """Uploaded bytes, if any."""
        return self.file.data if self.file else None

    @property
    def filename(self) -> str | None:
        """Uploaded file name, if any."""
        return self.file.filename if self.file else None

    @property
    def mime_type(self) -> str | None:
        """Uploaded file mime type, if any."""
        return self.file.mime_type if self.file else None

    def contains(self, needle: str) -> bool:
        """Whether the original or the current text contains ``needle``."""
        return any(needle in (t or "") for t in (self.text, self.current_text))


@dataclass(frozen=True)
class AnsweredCallback:
    """The bot's answerCallbackQuery for one callback query."""

    text: str | None
    show_alert: bool = False
    url: str | None = None


@dataclass
class CallRecord:
    """One HTTP call to the Bot API; status 0 means the connection was dropped on purpose."""

    method: str
    params: JSON
    chat_id: int | str | None
    monotonic: float
    wall_time: float
    http_method: str
    files: dict[str, RecordedFile] = field(default_factory=dict)
    status: int = 0
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Whether Telegram would have answered ``ok: true``."""
        return self.status == 200


@dataclass
class _Fault:
    method: str
    remaining: int
    chat_id: int | None
    status: int = 0  # 0 means drop the connection
    retry_after: int | None = None
    description: str | None = None
    after_delivery: bool = False


def _buttons(markup: JSON | None) -> list[tuple[str, str | None]]:
    if not markup:
        return []
    rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
    flat = []
    for button in itertools.chain.from_iterable(rows):
        if isinstance(button, str):
            flat.append((button, None))
        else:
            flat.append((button["text"], button.get("callback_data")))
    return flat


def _decode_value(key: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    with contextlib.suppress(ValueError):
        if key in _JSON_FIELDS:
            return json.loads(value)
        if key in _INT_FIELDS:
            return float(value) if "." in value else int(value)
    if key in _BOOL_FIELDS:
        return value.lower() in ("true", "1")
    return value


class _DroppedConnection(Response):
    """Starts a response and never finishes it: uvicorn closes the socket, httpx raises."""

    def __init__(self) -> None:
        super().__init__(b"")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(b"content-type", b"application/json"), (b"content-length", b"4096")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b'{"ok":', "more_body": True})


class _DropLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return _DROPPED_LOG not in record.getMessage()


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        """Leave the test runner's signal handlers alone."""
        yield


class FakeTelegram:
    """Fake Bot API server; use as ``async with FakeTelegram(token=...) as fake``."""

    def __init__(
        self,
        token: str = "123:ABC",
        *,
        username: str = "leadline_test_bot",
        first_name: str = "Leadline Test Bot",
        host: str = "127.0.0.1",
    ) -> None:
        self.token = token
        self.host = host
        self.port = 0
        head = token.split(":", 1)[0]
        self.bot_user: JSON = {
            "id": int(head) if head.isdigit() else 123,
            "is_bot": True,
            "first_name": first_name,
            "username": username,
        }
        self.calls: list[CallRecord] = []
        self.unknown_calls: list[CallRecord] = []
        self.answers: dict[str, AnsweredCallback] = {}
        self.blocked_chats: set[int] = set()
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self.menu_buttons: dict[int | None, JSON] = {}
        self._users: dict[int, FakeUser] = {}
        self._titles: dict[int, str] = {}
        self._messages: dict[int, list[RecordedMessage]] = {}
        self._incoming: dict[tuple[int, int], JSON] = {}
        self._callbacks: dict[str, JSON] = {}
        self._files: dict[str, RecordedFile] = {}
        self._faults: list[_Fault] = []
        self._next_message_id: dict[int, int] = {}
        self._ids = itertools.count(1)
        self._update_ids = itertools.count(1)
        self._updates: list[JSON] = []
        self._updates_event = asyncio.Event()
        self._poll_generation = 0
        self._closing = False
        self._message_cursor: dict[int, int] = {}
        self._edit_cursor: dict[tuple[int, int], int] = {}
        self._server: _Server | None = None
        self._serve_task: asyncio.Task[None] | None = None
        self._log_filter = _DropLogFilter()
        self._handlers: dict[str, Handler] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setChatMenuButton": self._set_chat_menu_button,
            "getChatMenuButton": self._get_chat_menu_button,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message,
            "editMessageCaption": self._edit_message,
            "editMessageReplyMarkup": self._edit_message,
            "answerCallbackQuery": self._answer_callback_query,
            "sendPhoto": self._send_media,
            "sendDocument": self._send_media,
            "getFile": self._get_file,
            "deleteMessage": self._delete_message,
            "sendChatAction": self._returns_true,
            "copyMessage": self._copy_message,
            "forwardMessage": self._copy_message,
            "close": self._returns_true,
            "logOut": self._returns_true,
        }
        self._canonical = {name.lower(): name for name in self._handlers}
        self.app = Starlette(
            routes=[
                Route("/bot{token}/{method}", self._handle_api, methods=["GET", "POST"]),
                Route("/file/bot{token}/{path:path}", self._handle_file, methods=["GET"]),
            ]
        )

    # ----------------------------------------------------------------- lifecycle

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://{self.host}:{self.port}"

    @property
    def bot_base_url(self) -> str:
        """Value for ``ApplicationBuilder().base_url(...)``; PTB appends the token."""
        return f"{self.base_url}/bot"

    @property
    def file_base_url(self) -> str:
        """Value for ``ApplicationBuilder().base_file_url(...)``; PTB appends the token."""
        return f"{self.base_url}/file/bot"

    async def start(self) -> None:
        """Start uvicorn on a free port inside the running event loop."""
        config = uvicorn.Config(
            self.app,
            host=self.host,
            port=0,
            http="h11",
            lifespan="off",
            log_config=None,
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=2,
        )
        self._server = _Server(config)
        self._serve_task = asyncio.create_task(self._server.serve(), name="fake-telegram")
        logging.getLogger("uvicorn.error").addFilter(self._log_filter)
        while not self._server.started:
            if self._serve_task.done():
                self._serve_task.result()
                raise RuntimeError("fake Telegram server exited during startup")
            await asyncio.sleep(0.005)
        self.port = self._server.servers[0].sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Answer pending long polls and shut the server down."""
        self._closing = True
        self._wake_pollers()
        if self._server is not None and self._serve_task is not None:
            self._server.should_exit = True
            try:
                await asyncio.wait_for(asyncio.shield(self._serve_task), timeout=5)
            except TimeoutError:
                self._server.force_exit = True
                await self._serve_task
        logging.getLogger("uvicorn.error").removeFilter(self._log_filter)

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # ----------------------------------------------------------------- feeding updates

    def user(
        self,
        id: int,
        first_name: str,
        username: str | None = None,
        last_name: str | None = None,
        language_code: str | None = None,
    ) -> FakeUser:
        """Create (and remember) a user whose private chat id equals the user id."""
        user = FakeUser(id, first_name, username, last_name, language_code)
        self._users[id] = user
        return user

    def send_message(
        self, user: FakeUser, text: str, reply_to: RecordedMessage | int | None = None
    ) -> int:
        """Queue a private text message from ``user``; returns its message id."""
        content = {"text": text, **_command_entity(text)}
        return self._queue_message(user.id, user, content, reply_to)

    def send_group_message(
        self, chat_id: int, user: FakeUser, text: str, title: str | None = None
    ) -> int:
        """Queue a text message from ``user`` in a group (negative ``chat_id``)."""
        if title is not None:
            self._titles[chat_id] = title
        return self._queue_message(chat_id, user, {"text": text, **_command_entity(text)}, None)

    def send_contact(
        self, user: FakeUser, phone_number: str, first_name: str | None = None
    ) -> int:
        """Queue a contact message (as sent by a "share my contact" button)."""
        contact = {
            "phone_number": phone_number,
            "first_name": first_name or user.first_name,
            "user_id": user.id,
        }
        return self._queue_message(user.id, user, {"contact": contact}, None)

    def press(self, user: FakeUser, message: RecordedMessage, data: str) -> str:
        """Queue a callback_query for ``message`` with ``data``; returns the query id."""
        query_id = str(4_000_000_000 + next(self._ids))
        query = {
            "id": query_id,
            "from": user.to_dict(),
            "message": self._message_dict(message),
            "chat_instance": str(abs(message.chat_id) * 7919),
            "data": data,
        }
        self._callbacks[query_id] = query
        self._queue_update({"callback_query": query})
        return query_id

    def press_button(self, user: FakeUser, message: RecordedMessage, text: str) -> str:
        """Press the inline button labelled ``text`` on the current markup of ``message``."""
        for label, data in message.buttons:
            if label == text and data is not None:
                return self.press(user, message, data)
        raise AssertionError(
            f"no callback button {text!r} on message {message.message_id} in chat "
            f"{message.chat_id}; buttons are {message.buttons!r}"
        )

    # ----------------------------------------------------------------- faults

    def fail_next(
        self,
        method: str,
        times: int = 1,
        status: int = 429,
        retry_after: int = 3,
        chat_id: int | None = None,
        description: str | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` (optionally to ``chat_id``) fail."""
        self._faults.append(
            _Fault(self._method_name(method), times, chat_id, status, retry_after, description)
        )

    def clear_faults(self) -> None:
        """Forget every injected fault that has not fired yet: Telegram is healthy again."""
        self._faults.clear()

    def drop_next(
        self, method: str, times: int = 1, chat_id: int | None = None, after_delivery: bool = False
    ) -> None:
        """Cut the connection on the next calls; ``after_delivery`` delivers first (lost reply)."""
        fault = _Fault(self._method_name(method), times, chat_id, after_delivery=after_delivery)
        self._faults.append(fault)

    def block(self, chat_id: int) -> None:
        """Make every call to ``chat_id`` answer 403 (user blocked the bot / bot kicked)."""
        self.blocked_chats.add(chat_id)

    def unblock(self, chat_id: int) -> None:
        """Undo :meth:`block`."""
        self.blocked_chats.discard(chat_id)

    # ----------------------------------------------------------------- inspecting

    def messages(self, chat_id: int | FakeUser) -> list[RecordedMessage]:
        """Messages the bot delivered to a chat, oldest first (deleted ones included)."""
        return list(self._messages.get(_chat_key(chat_id), []))

    def last_message(self, chat_id: int | FakeUser) -> RecordedMessage:
        """The newest message delivered to a chat; AssertionError if there is none."""
        messages = self.messages(chat_id)
        if not messages:
            raise AssertionError(f"no messages in chat {chat_id}\n{self.dump()}")
        return messages[-1]

    def calls_to(self, method: str) -> list[CallRecord]:
        """All recorded calls of one method (any outcome)."""
        name = self._method_name(method)
        return [call for call in self.calls if call.method == name]

    def my_commands(self, scope: JSON | None = None, language_code: str = "") -> list[JSON]:
        """Commands set via setMyCommands for a scope (default scope if None)."""
        return self.commands.get(_scope_key(scope, language_code), [])

    @property
    def pending_updates(self) -> list[JSON]:
        """Updates queued but not yet confirmed by the bot."""
        return list(self._updates)

    def dump(self) -> str:
        """Human-readable summary of the recorded state, for assertion messages."""
        lines = ["--- fake Telegram: last calls ---"]
        for call in self.calls[-25:]:
            params = {k: v for k, v in call.params.items() if k != "reply_markup"}
            outcome = call.error or ("ok" if call.ok else "dropped")
            lines.append(f"  {call.method} chat={call.chat_id} -> {outcome} {params}"[:200])
        lines.append("--- messages ---")
        for chat_id, messages in self._messages.items():
            for m in messages:
                flags = " (deleted)" if m.deleted else ""
                lines.append(
                    f"  chat {chat_id} #{m.message_id} {m.kind}{flags}: "
                    f"{(m.current_text or '')[:100]!r} buttons={m.buttons}"
                )
        lines.append(f"--- pending updates: {len(self._updates)}; answers: {self.answers}")
        if self.unknown_calls:
            lines.append(f"--- unknown methods: {[c.method for c in self.unknown_calls]}")
        return "\n".join(lines)

    # ----------------------------------------------------------------- waiting

    async def wait_for(
        self, predicate: Callable[[], T], timeout: float = 5.0, what: str = "condition"
    ) -> T:
        """Poll ``predicate`` every 20 ms until it returns something truthy, and return that."""
        deadline = time.monotonic() + timeout
        while True:
            result = predicate()
            if result:
                return result
            if time.monotonic() >= deadline:
                raise AssertionError(f"timed out after {timeout}s: {what}\n{self.dump()}")
            await asyncio.sleep(0.02)

    async def wait_for_message(
        self, chat_id: int | FakeUser, contains: str | None = None, timeout: float = 5.0
    ) -> RecordedMessage:
        """Next message in a chat not consumed by an earlier wait (optionally containing text)."""
        key = _chat_key(chat_id)

        def find() -> tuple[int, RecordedMessage] | None:
            messages = self._messages.get(key, [])
            for index in range(self._message_cursor.get(key, 0), len(messages)):
                if contains is None or messages[index].contains(contains):
                    return index, messages[index]
            return None

        what = f"a message in chat {key}" + (f" containing {contains!r}" if contains else "")
        index, message = await self.wait_for(find, timeout, what)
        self._message_cursor[key] = index + 1
        return message

    async def wait_for_answer(self, callback_id: str, timeout: float = 5.0) -> AnsweredCallback:
        """Wait until the bot answers callback query ``callback_id``."""
        what = f"an answer to callback query {callback_id}"
        return await self.wait_for(lambda: self.answers.get(callback_id), timeout, what)

    async def wait_for_edit(self, message: RecordedMessage, timeout: float = 5.0) -> MessageEdit:
        """Next edit of ``message`` not returned by an earlier wait_for_edit."""
        key = (message.chat_id, message.message_id)

        def find() -> MessageEdit | None:
            seen = self._edit_cursor.get(key, 0)
            return message.edits[seen] if len(message.edits) > seen else None

        what = f"an edit of message {message.message_id} in chat {message.chat_id}"
        edit = await self.wait_for(find, timeout, what)
        self._edit_cursor[key] = self._edit_cursor.get(key, 0) + 1
        return edit

    # ----------------------------------------------------------------- HTTP layer

    async def _handle_api(self, request: Request) -> Response:
        method = self._method_name(request.path_params["method"])
        params, files = await _decode_request(request)
        chat_id = params.get("chat_id")
        call = CallRecord(
            method, params, chat_id, time.monotonic(), time.time(), request.method, files
        )
        self.calls.append(call)
        fault: _Fault | None = None
        try:
            if request.path_params["token"] != self.token:
                raise _ApiError(401, "Unauthorized")
            handler = self._handlers.get(method)
            if handler is None:
                self.unknown_calls.append(call)
                raise _ApiError(404, "Not Found: method not found")
            fault = self._take_fault(method, chat_id)
            if fault is not None and fault.status == 0 and not fault.after_delivery:
                call.error = "dropped"
                return _DroppedConnection()
            if fault is not None and fault.status:
                raise _fault_error(fault)
            if isinstance(chat_id, int) and chat_id in self.blocked_chats:
                raise _ApiError(403, BLOCKED if chat_id > 0 else KICKED)
            if isinstance(chat_id, str):
                raise _ApiError(400, "Bad Request: chat not found")
            result = await handler(params, files, method)
        except _ApiError as exc:
            call.status, call.error = exc.code, exc.description
            body: JSON = {"ok": False, "error_code": exc.code, "description": exc.description}
            if exc.parameters:
                body["parameters"] = exc.parameters
            return JSONResponse(body, status_code=exc.code)
        if fault is not None:  # dropped after delivery: the bot never learns it was sent
            call.error = "dropped after delivery"
            return _DroppedConnection()
        call.status = 200
        return JSONResponse({"ok": True, "result": result})

    async def _handle_file(self, request: Request) -> Response:
        path = request.path_params["path"]
        for file in self._files.values():
            if file.file_path == path and request.path_params["token"] == self.token:
                return Response(file.data, media_type=file.mime_type)
        return JSONResponse(
            {"ok": False, "error_code": 404, "description": "Not Found"}, status_code=404
        )

    def _method_name(self, name: str) -> str:
        return self._canonical.get(name.lower(), name)

    def _take_fault(self, method: str, chat_id: object) -> _Fault | None:
        for fault in self._faults:
            if fault.method == method and fault.chat_id in (None, chat_id):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    # ----------------------------------------------------------------- updates

    def _queue_update(self, payload: JSON) -> int:
        update_id = next(self._update_ids)
        self._updates.append({"update_id": update_id, **payload})
        self._wake_pollers()
        return update_id

    def _wake_pollers(self) -> None:
        self._updates_event.set()
        self._updates_event = asyncio.Event()

    def _queue_message(
        self, chat_id: int, user: FakeUser, content: JSON, reply_to: RecordedMessage | int | None
    ) -> int:
        self._users.setdefault(user.id, user)
        message_id = self._new_message_id(chat_id)
        message: JSON = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": self._chat_dict(chat_id),
            "from": user.to_dict(),
            **content,
        }
        if reply_to is not None:
            reply_id = reply_to if isinstance(reply_to, int) else reply_to.message_id
            replied = self._find_any(chat_id, reply_id, nested=False)
            if replied is None:
                raise AssertionError(f"no message {reply_id} in chat {chat_id} to reply to")
            message["reply_to_message"] = replied
        self._incoming[(chat_id, message_id)] = message
        self._queue_update({"message": message})
        return message_id

    async def _get_updates(self, p: JSON, files: Files, method: str) -> Any:
        offset, limit = int(p.get("offset") or 0), min(max(int(p.get("limit") or 100), 1), 100)
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]
        allowed = set(p.get("allowed_updates") or ())
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake_pollers()  # an older poll still waiting is terminated with 409, like Telegram
        deadline = time.monotonic() + float(p.get("timeout") or 0)
        while True:
            if generation != self._poll_generation:
                raise _ApiError(409, CONFLICT)
            batch = [u for u in self._updates if not allowed or allowed & u.keys()][:limit]
            remaining = deadline - time.monotonic()
            if batch or remaining <= 0 or self._closing:
                return batch
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(remaining):
                    await self._updates_event.wait()

    # ----------------------------------------------------------------- Bot API methods

    async def _returns_true(self, p: JSON, files: Files, method: str) -> Any:
        return True

    async def _get_me(self, p: JSON, files: Files, method: str) -> Any:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _delete_webhook(self, p: JSON, files: Files, method: str) -> Any:
        if p.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _get_webhook_info(self, p: JSON, files: Files, m: str) -> Any:
        pending = len(self._updates)
        return {"url": "", "has_custom_certificate": False, "pending_update_count": pending}

    async def _set_my_commands(self, p: JSON, files: Files, m: str) -> Any:
        self.commands[_scope_key(p.get("scope"), p.get("language_code", ""))] = p["commands"]
        return True

    async def _get_my_commands(self, p: JSON, files: Files, m: str) -> Any:
        return self.my_commands(p.get("scope"), p.get("language_code", ""))

    async def _delete_my_commands(self, p: JSON, files: Files, m: str) -> Any:
        self.commands.pop(_scope_key(p.get("scope"), p.get("language_code", "")), None)
        return True

    async def _set_chat_menu_button(self, p: JSON, files: Files, m: str) -> Any:
        self.menu_buttons[p.get("chat_id")] = p.get("menu_button") or {"type": "default"}
        return True

    async def _get_chat_menu_button(self, p: JSON, files: Files, m: str) -> Any:
        return self.menu_buttons.get(p.get("chat_id"), {"type": "default"})

    async def _send_message(self, p: JSON, files: Files, method: str) -> Any:
        text = p.get("text") or ""
        if not text.strip():
            raise _ApiError(400, "Bad Request: message text is empty")
        if len(text) > 4096:
            raise _ApiError(400, "Bad Request: message is too long")
        message = self._deliver(p, "text", text, method)
        return self._message_dict(message)

    async def _send_media(self, p: JSON, files: Files, method: str) -> Any:
        kind = "photo" if method == "sendPhoto" else "document"
        caption = p.get("caption")
        if caption is not None and len(caption) > 1024:
            raise _ApiError(400, "Bad Request: message caption is too long")
        if kind in files:
            upload = files[kind]
            upload.kind = kind
            self._files[upload.file_id] = upload
        elif isinstance(p.get(kind), str) and p[kind] in self._files:
            upload = self._files[p[kind]]
        elif isinstance(p.get(kind), str) and p[kind].startswith(("http://", "https://")):
            upload = _new_file(kind, p[kind].rsplit("/", 1)[-1], None, b"", url=p[kind])
            self._files[upload.file_id] = upload
        else:
            raise _ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        message = self._deliver(p, kind, caption, method, file=upload)
        return self._message_dict(message)

    async def _get_file(self, p: JSON, files: Files, method: str) -> Any:
        file = self._files.get(p.get("file_id", ""))
        if file is None:
            raise _ApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": file.file_id,
            "file_unique_id": file.file_unique_id,
            "file_size": len(file.data),
            "file_path": file.file_path,
        }

    async def _edit_message(self, p: JSON, files: Files, method: str) -> Any:
        if "inline_message_id" in p:
            raise _ApiError(400, "Bad Request: inline messages are not supported by the fake")
        message = self._find_own(p.get("chat_id"), p.get("message_id"))
        if message is None:
            if self._incoming.get((p.get("chat_id"), p.get("message_id"))):
                raise _ApiError(400, "Bad Request: message can't be edited")
            raise _ApiError(400, EDIT_NOT_FOUND)
        text = message.current_text
        if method == "editMessageText":
            if message.kind != "text":
                raise _ApiError(400, "Bad Request: there is no text in the message to edit")
            text = p.get("text") or ""
            if not text.strip():
                raise _ApiError(400, "Bad Request: message text is empty")
        elif method == "editMessageCaption":
            if message.kind == "text":
                raise _ApiError(400, "Bad Request: there is no caption in the message to edit")
            text = p.get("caption")
        markup = p.get("reply_markup")
        _check_markup(markup)
        current_markup = message.current_reply_markup
        if current_markup is not None and "inline_keyboard" not in current_markup:
            current_markup = None  # reply keyboards are not part of the message itself
        if text == message.current_text and markup == current_markup:
            raise _ApiError(400, NOT_MODIFIED)
        message.edits.append(MessageEdit(method, text, markup, int(time.time()), time.monotonic()))
        return self._message_dict(message)

    async def _answer_callback_query(self, p: JSON, files: Files, m: str) -> Any:
        query_id = str(p.get("callback_query_id"))
        if query_id not in self._callbacks or query_id in self.answers:
            raise _ApiError(400, QUERY_INVALID)
        self.answers[query_id] = AnsweredCallback(
            p.get("text"), bool(p.get("show_alert")), p.get("url")
        )
        return True

    async def _delete_message(self, p: JSON, files: Files, method: str) -> Any:
        message = self._find_own(p.get("chat_id"), p.get("message_id"))
        key = (p.get("chat_id"), p.get("message_id"))
        if message is not None:
            message.deleted = True
        elif self._incoming.pop(key, None) is None:
            raise _ApiError(400, "Bad Request: message to delete not found")
        return True

    async def _copy_message(self, p: JSON, files: Files, method: str) -> Any:
        source_chat, source_id = p.get("from_chat_id"), p.get("message_id")
        verb = "copy" if method == "copyMessage" else "forward"
        source = self._find_any(source_chat, source_id)
        if source is None:
            raise _ApiError(400, f"Bad Request: message to {verb} not found")
        own = self._find_own(source_chat, source_id)
        kind = "photo" if "photo" in source else "document" if "document" in source else "text"
        text = source.get("text", source.get("caption"))
        if method == "copyMessage":
            text = p.get("caption", text) if kind != "text" else text
            message = self._deliver(p, kind, text, method, file=own.file if own else None)
            return {"message_id": message.message_id}
        origin = {"type": "user", "sender_user": source["from"], "date": source["date"]}
        params = {k: v for k, v in p.items() if k != "reply_markup"}
        message = self._deliver(params, kind, text, method, file=own.file if own else None)
        message.forward_origin = origin
        return self._message_dict(message)

    # ----------------------------------------------------------------- message helpers

    def _deliver(
        self, p: JSON, kind: str, text: str | None, method: str, file: RecordedFile | None = None
    ) -> RecordedMessage:
        chat_id = p["chat_id"]
        markup = p.get("reply_markup")
        _check_markup(markup)
        reply = p.get("reply_parameters") or {}
        reply_to = reply.get("message_id", p.get("reply_to_message_id"))
        if reply_to is not None and self._find_any(chat_id, reply_to) is None:
            if not reply.get("allow_sending_without_reply"):
                raise _ApiError(400, "Bad Request: message to be replied not found")
            reply_to = None
        message = RecordedMessage(
            chat_id=chat_id,
            message_id=self._new_message_id(chat_id),
            kind=kind,
            text=text,
            reply_markup=markup,
            date=int(time.time()),
            method=method,
            parse_mode=p.get("parse_mode"),
            reply_to_message_id=reply_to,
            file=file,
        )
        self._messages.setdefault(chat_id, []).append(message)
        return message

    def _message_dict(self, message: RecordedMessage, nested: bool = True) -> JSON:
        data: JSON = {
            "message_id": message.message_id,
            "date": message.date,
            "chat": self._chat_dict(message.chat_id),
            "from": self.bot_user,
        }
        if message.edits:
            data["edit_date"] = message.edits[-1].date
        text = message.current_text
        if message.kind == "text":
            data["text"] = text or ""
        elif text is not None:
            data["caption"] = text
        file = message.file
        if file is not None and message.kind == "photo":
            size = {"file_id": file.file_id, "file_unique_id": file.file_unique_id}
            data["photo"] = [{**size, "width": 320, "height": 320, "file_size": len(file.data)}]
        elif file is not None and message.kind == "document":
            data["document"] = {
                "file_id": file.file_id,
                "file_unique_id": file.file_unique_id,
                "file_name": file.filename,
                "mime_type": file.mime_type,
                "file_size": len(file.data),
            }
        markup = message.current_reply_markup
        if markup and "inline_keyboard" in markup:
            data["reply_markup"] = markup
        if message.forward_origin:
            data["forward_origin"] = message.forward_origin
        if nested and message.reply_to_message_id is not None:
            replied = self._find_any(message.chat_id, message.reply_to_message_id, nested=False)
            if replied is not None:
                data["reply_to_message"] = replied
        return data

    def _find_own(self, chat_id: Any, message_id: Any) -> RecordedMessage | None:
        for message in self._messages.get(chat_id, []):
            if message.message_id == message_id and not message.deleted:
                return message
        return None

    def _find_any(self, chat_id: int, message_id: int, nested: bool = True) -> JSON | None:
        own = self._find_own(chat_id, message_id)
        if own is not None:
            return self._message_dict(own, nested=nested)
        incoming = self._incoming.get((chat_id, message_id))
        if incoming is not None and not nested:
            return {k: v for k, v in incoming.items() if k != "reply_to_message"}
        return incoming

    def _new_message_id(self, chat_id: int) -> int:
        self._next_message_id[chat_id] = self._next_message_id.get(chat_id, 0) + 1
        return self._next_message_id[chat_id]

    def _chat_dict(self, chat_id: int) -> JSON:
        if chat_id > 0:
            user = self._users.get(chat_id) or FakeUser(chat_id, f"User {chat_id}")
            chat = {"id": chat_id, "type": "private", "first_name": user.first_name}
            if user.last_name:
                chat["last_name"] = user.last_name
            if user.username:
                chat["username"] = user.username
            return chat
        kind = "supergroup" if chat_id <= -1_000_000_000_000 else "group"
        title = self._titles.get(chat_id, f"Group {chat_id}")
        return {"id": chat_id, "type": kind, "title": title}


# --------------------------------------------------------------------- module helpers

_file_ids = itertools.count(1)


def _new_file(
    kind: str, filename: str | None, mime: str | None, data: bytes, url: str | None = None
) -> RecordedFile:
    n = next(_file_ids)
    return RecordedFile(f"fake-{kind}-{n}", f"u{n}", kind, filename, mime, data, url)


async def _decode_request(request: Request) -> tuple[JSON, dict[str, RecordedFile]]:
    """Decode query string, form, multipart or JSON parameters the way the Bot API does."""
    raw: JSON = dict(request.query_params)
    files: dict[str, RecordedFile] = {}
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        body = await request.body()
        raw.update(json.loads(body) if body else {})
    elif content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        async with request.form(max_part_size=64 * 1024 * 1024) as form:
            for key, value in form.multi_items():
                if isinstance(value, UploadFile):
                    data = await value.read()
                    files[key] = _new_file(key, value.filename, value.content_type, data)
                else:
                    raw[key] = value
    params = {key: _decode_value(key, value) for key, value in raw.items()}
    for key, value in params.items():  # attach://name references a multipart part
        if isinstance(value, str) and value.startswith("attach://") and value[9:] in files:
            files[key] = files[value[9:]]
    return params, files


def _fault_error(fault: _Fault) -> _ApiError:
    if fault.status == 429:
        description = fault.description or f"Too Many Requests: retry after {fault.retry_after}"
        return _ApiError(429, description, {"retry_after": fault.retry_after})
    defaults = {500: "Internal Server Error", 502: "Bad Gateway", 403: BLOCKED}
    return _ApiError(fault.status, fault.description or defaults.get(fault.status, "Error"))


def _check_markup(markup: JSON | None) -> None:
    if not markup or "inline_keyboard" not in markup:
        return
    for _text, data in _buttons(markup):
        if data is not None and not 1 <= len(data.encode()) <= 64:
            raise _ApiError(400, "Bad Request: BUTTON_DATA_INVALID")


def _command_entity(text: str) -> JSON:
    if not text.startswith("/"):
        return {}
    return {"entities": [{"type": "bot_command", "offset": 0, "length": len(text.split(" ")[0])}]}


def _chat_key(chat: int | FakeUser) -> int:
    return chat.id if isinstance(chat, FakeUser) else chat


def _scope_key(scope: JSON | None, language_code: str | None) -> tuple[str, str]:
    scope = scope or {"type": "default"}
    return json.dumps(scope, sort_keys=True), language_code or ""
