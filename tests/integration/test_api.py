"""The intake API over real HTTP: uvicorn on 127.0.0.1, the use cases on a real database.

Each test starts the API in-process on a free port and talks to it with httpx, so the
body cap, chunked uploads and headers go through a real HTTP server, as in production.
"""

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
import uvicorn
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from core.clock import FixedClock
from core.rules import Rules
from core.services import Services
from core.team import Member
from intake.api import create_api
from storage.database import make_engine, session_factories
from storage.tables import EventRow, IdempotencyRow, LeadRow, OutboxRow, TimerRow
from storage.unit_of_work import Signals, uow_factory

MAX_BODY = 4096
REP_CHAT = 101

Serve = Callable[..., Awaitable[str]]

# Requests refused before anything is stored behave the same on every database.
ON_SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    """Start the intake API on a free local port; give its base URL."""
    running: list[tuple[uvicorn.Server, asyncio.Task[None]]] = []

    async def start(services: Services, phone_region: str | None = "DE") -> str:
        app = create_api(services, phone_region=phone_region, max_body_bytes=MAX_BODY)
        return await _start_server(app, running)

    yield start
    for server, task in running:
        server.should_exit = True
        await task


async def _start_server(
    app: FastAPI, running: list[tuple[uvicorn.Server, asyncio.Task[None]]]
) -> str:
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    running.append((server, task))
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
async def rep(services: Services) -> Member:
    """One active rep, so leads get an owner."""
    async with services.uow() as uow:
        member = await uow.members.add(Member(REP_CHAT, "Ann"))
        await uow.commit()
    return member


@pytest.fixture
async def token(services: Services) -> str:
    """The bearer token of a source named "landing"."""
    _, token = await services.add_source("landing")
    return token


@pytest.fixture
async def client(
    serve: Serve, services: Services, rep: Member, token: str
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the API (phone region DE), authorised as the "landing" source."""
    base_url = await serve(services)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers) as client:
        yield client


async def rows(engine: AsyncEngine, model: Any, *where: Any) -> list[Any]:
    """Read a model's rows straight from its table, in a connection of their own."""
    table = model.__table__
    query = sa.select(table).where(*where)
    if "id" in table.c:
        query = query.order_by(table.c.id)
    async with engine.connect() as connection:
        return list(await connection.execute(query))


def assert_error(response: httpx.Response, status: int, field: str) -> dict[str, Any]:
    """Check the status and the error body: a sentence, and the field at fault."""
    assert response.status_code == status, response.text
    body = response.json()
    assert isinstance(body["error"], str)
    assert body["error"].endswith(".")
    assert field in [f["field"] for f in body["fields"]], body
    return body


# -- accepted leads ------------------------------------------------------------------------


async def test_new_lead_is_answered_201_after_lead_events_timers_and_alert_are_committed(
    client: httpx.AsyncClient, engine: AsyncEngine, rep: Member
) -> None:
    lead = {
        "name": "Ada",
        "phone": "+49 151 12345678",
        "message": "Please call",
        "product": "engine",
        "value": "1234.50",
        "utm_source": "google",
        "utm_campaign": "winter",
    }

    response = await client.post("/api/v1/leads", json=lead)

    assert response.status_code == 201
    body = response.json()
    assert body == {"id": body["id"], "status": "created"}
    lead_id = body["id"]
    [stored] = await rows(engine, LeadRow, LeadRow.id == lead_id)
    events = await rows(engine, EventRow, EventRow.lead_id == lead_id)
    timers = await rows(engine, TimerRow, TimerRow.lead_id == lead_id)
    alerts = await rows(engine, OutboxRow, OutboxRow.lead_id == lead_id)
    assert (stored.name, stored.phone, stored.owner_id) == ("Ada", "+4915112345678", rep.id)
    assert stored.value_cents == 123450
    assert stored.utm == {"utm_source": "google", "utm_campaign": "winter"}
    assert [e.kind for e in events] == ["captured", "assigned"]
    assert sorted(t.kind for t in timers) == ["first_response_breach", "first_response_nudge"]
    assert all(t.status == "pending" for t in timers)
    assert [(a.chat_id, a.template, a.status) for a in alerts] == [
        (REP_CHAT, "lead_alert", "pending")
    ]


async def test_phone_is_normalised_to_e164_with_the_default_region(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    response = await client.post("/api/v1/leads", json={"phone": "0151 12345678"})

    assert response.status_code == 201
    [stored] = await rows(engine, LeadRow, LeadRow.id == response.json()["id"])
    assert stored.phone == "+4915112345678"


async def test_national_phone_without_a_default_region_is_refused_naming_phone(
    serve: Serve, services: Services, token: str, engine: AsyncEngine
) -> None:
    base_url = await serve(services, phone_region=None)
    headers = {"Authorization": f"Bearer {token}"}

    async with httpx.AsyncClient(base_url=base_url, headers=headers) as client:
        national = await client.post("/api/v1/leads", json={"phone": "0151 12345678"})
        international = await client.post("/api/v1/leads", json={"phone": "+4915112345678"})

    body = assert_error(national, 422, "phone")
    assert "country code" in body["fields"][0]["message"]
    assert international.status_code == 201
    assert len(await rows(engine, LeadRow)) == 1


async def test_email_is_lower_cased(client: httpx.AsyncClient, engine: AsyncEngine) -> None:
    response = await client.post("/api/v1/leads", json={"email": " Ada.Lovelace@Example.COM "})

    assert response.status_code == 201
    [stored] = await rows(engine, LeadRow, LeadRow.id == response.json()["id"])
    assert stored.email == "ada.lovelace@example.com"


@ON_SQLITE_ONLY
@pytest.mark.parametrize(
    ("lead", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"phone": "+1 555"}, "phone"),
        ({"phone": "call me"}, "phone"),
        ({"name": "Ada", "message": "no contact at all"}, "phone"),
        ({"phone": "", "email": ""}, "phone"),
        ({"phone": "+4915112345678", "value": "abc"}, "value"),
        ({"phone": "+4915112345678", "value": -1}, "value"),
        ({"phone": ["+4915112345678"]}, "phone"),
        ({"phone": "+4915112345678", "name": "x" * 201}, "name"),
    ],
)
async def test_unusable_fields_are_refused_with_422_naming_them(
    client: httpx.AsyncClient, engine: AsyncEngine, lead: dict[str, Any], field: str
) -> None:
    response = await client.post("/api/v1/leads", json=lead)

    assert_error(response, 422, field)
    assert await rows(engine, LeadRow) == []


@ON_SQLITE_ONLY
@pytest.mark.parametrize(
    "content", [b'{"phone": "+4915112345678",', b"not json", b"[1, 2]", b'"text"']
)
async def test_a_body_that_is_not_a_json_object_is_refused_with_422(
    client: httpx.AsyncClient, content: bytes
) -> None:
    response = await client.post(
        "/api/v1/leads", content=content, headers={"Content-Type": "application/json"}
    )

    assert_error(response, 422, "body")


@ON_SQLITE_ONLY
@pytest.mark.parametrize(
    "authorization", [None, "Bearer ll_wrong", "Basic dXNlcjpwYXNz", "Bearer", ""]
)
async def test_a_missing_or_invalid_token_gets_401_with_www_authenticate(
    serve: Serve, services: Services, engine: AsyncEngine, authorization: str | None
) -> None:
    base_url = await serve(services)
    headers = {} if authorization is None else {"Authorization": authorization}

    async with httpx.AsyncClient(base_url=base_url) as client:
        response = await client.post(
            "/api/v1/leads", json={"phone": "+4915112345678"}, headers=headers
        )

    assert_error(response, 401, "Authorization")
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert await rows(engine, LeadRow) == []


@ON_SQLITE_ONLY
async def test_a_body_over_the_cap_gets_413_when_its_length_is_declared(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    lead = {"phone": "+4915112345678", "message": "x" * MAX_BODY}

    response = await client.post("/api/v1/leads", json=lead)

    assert_error(response, 413, "body")
    assert await rows(engine, LeadRow) == []


@ON_SQLITE_ONLY
@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/api/v1/leads", "application/json"),
        ("/api/v1/leads/form", "application/x-www-form-urlencoded"),
    ],
)
async def test_a_streamed_body_over_the_cap_gets_413_without_a_declared_length(
    client: httpx.AsyncClient, engine: AsyncEngine, path: str, content_type: str
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"phone": "+4915112345678", "message": "' if "json" in content_type else b"m="
        for _ in range(MAX_BODY // 512 + 1):
            yield b"x" * 512
        yield b'"}' if "json" in content_type else b""

    response = await client.post(path, content=chunks(), headers={"Content-Type": content_type})

    assert "content-length" not in response.request.headers
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert_error(response, 413, "body")
    assert await rows(engine, LeadRow) == []


@ON_SQLITE_ONLY
async def test_a_streamed_body_under_the_cap_is_accepted(client: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"phone": "+4915112345678",'
        yield b' "message": "hello"}'

    response = await client.post(
        "/api/v1/leads", content=chunks(), headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 201


# -- retries and repeats -------------------------------------------------------------------


async def test_a_retry_with_the_same_idempotency_key_returns_the_first_lead(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    headers = {"Idempotency-Key": "order-42"}

    first = await client.post("/api/v1/leads", json={"phone": "+4915112345678"}, headers=headers)
    retry = await client.post("/api/v1/leads", json={"phone": "+4915112345678"}, headers=headers)

    assert first.status_code == 201
    assert retry.status_code == 200
    assert retry.json() == {"id": first.json()["id"], "status": "duplicate"}
    assert len(await rows(engine, LeadRow)) == 1
    [key] = await rows(engine, IdempotencyRow)
    assert (key.key, key.lead_id) == ("order-42", first.json()["id"])


@ON_SQLITE_ONLY
async def test_an_idempotency_key_of_the_wrong_length_is_refused(
    client: httpx.AsyncClient,
) -> None:
    headers = {"Idempotency-Key": "k" * 201}

    response = await client.post(
        "/api/v1/leads", json={"phone": "+4915112345678"}, headers=headers
    )

    assert_error(response, 400, "Idempotency-Key")


async def test_the_same_external_id_returns_the_first_lead(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    lead = {"phone": "+4915112345678", "external_id": "crm-7"}

    first = await client.post("/api/v1/leads", json=lead)
    again = await client.post("/api/v1/leads", json={**lead, "phone": "+4915199999999"})

    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json() == {"id": first.json()["id"], "status": "duplicate"}
    assert len(await rows(engine, LeadRow)) == 1


async def test_a_repeat_inquiry_while_the_lead_is_open_is_merged_and_its_owner_told(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    first = await client.post(
        "/api/v1/leads", json={"phone": "+4915112345678", "message": "first"}
    )
    lead_id = first.json()["id"]

    again = await client.post(
        "/api/v1/leads",
        json={"phone": "0151 1234 5678", "email": "ada@example.com", "message": "again"},
    )

    assert again.status_code == 200
    assert again.json() == {"id": lead_id, "status": "merged"}
    assert len(await rows(engine, LeadRow)) == 1
    events = await rows(engine, EventRow, EventRow.lead_id == lead_id)
    assert [e.kind for e in events] == ["captured", "assigned", "inquiry_repeated"]
    assert events[-1].data["message"] == "again"
    notices = await rows(engine, OutboxRow, OutboxRow.lead_id == lead_id)
    assert [(n.chat_id, n.template) for n in notices] == [
        (REP_CHAT, "lead_alert"),
        (REP_CHAT, "inquiry_repeated"),
    ]
    assert notices[-1].data == {"message": "again"}
    [stored] = await rows(engine, LeadRow)
    assert stored.email == "ada@example.com"


# -- the form endpoint ---------------------------------------------------------------------


async def test_a_form_post_creates_a_lead(
    client: httpx.AsyncClient, engine: AsyncEngine, rep: Member
) -> None:
    form = {"name": "Ada", "phone": "0151 12345678", "message": "Hi", "utm_source": "fb"}

    response = await client.post("/api/v1/leads/form", data=form)

    assert response.status_code == 201
    assert response.json()["status"] == "created"
    [stored] = await rows(engine, LeadRow)
    assert (stored.name, stored.phone, stored.owner_id) == ("Ada", "+4915112345678", rep.id)
    assert stored.utm == {"utm_source": "fb"}


@ON_SQLITE_ONLY
@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"phone": "+4915112345678", "value": "abc"}, "value"),
        ({"email": "nope"}, "email"),
        ({"name": "Ada"}, "phone"),
    ],
)
async def test_a_form_post_with_unusable_fields_is_refused_naming_them(
    client: httpx.AsyncClient, form: dict[str, str], field: str
) -> None:
    response = await client.post("/api/v1/leads/form", data=form)

    assert_error(response, 422, field)


@ON_SQLITE_ONLY
async def test_a_form_post_needs_a_token(
    serve: Serve, services: Services, engine: AsyncEngine
) -> None:
    base_url = await serve(services)

    async with httpx.AsyncClient(base_url=base_url) as client:
        response = await client.post("/api/v1/leads/form", data={"phone": "+4915112345678"})

    assert_error(response, 401, "Authorization")
    assert response.headers["WWW-Authenticate"] == "Bearer"


# -- health and docs -----------------------------------------------------------------------


async def test_healthz_answers_200_while_the_database_answers(
    serve: Serve, services: Services
) -> None:
    base_url = await serve(services)

    async with httpx.AsyncClient(base_url=base_url) as client:
        response = await client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.parametrize(
    "url",
    [
        "sqlite+aiosqlite:///{tmp}/missing/folder/leadline.db",
        "postgresql+asyncpg://postgres@127.0.0.1:1/nobody",
    ],
    ids=["sqlite-in-a-missing-folder", "postgres-on-a-closed-port"],
)
async def test_healthz_answers_503_when_the_database_does_not(
    serve: Serve, tmp_path: Path, clock: FixedClock, caplog: pytest.LogCaptureFixture, url: str
) -> None:
    broken = make_engine(url.format(tmp=tmp_path))
    writer, _ = session_factories(broken)
    services = Services(uow_factory(writer, Signals()), clock, Rules())
    base_url = await serve(services)

    async with httpx.AsyncClient(base_url=base_url) as client:
        response = await client.get("/healthz")
    await broken.dispose()

    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unreachable"}
    assert "database does not answer" in caplog.text


@ON_SQLITE_ONLY
async def test_openapi_lists_the_endpoints(serve: Serve, services: Services) -> None:
    base_url = await serve(services)

    async with httpx.AsyncClient(base_url=base_url) as client:
        response = await client.get("/openapi.json")

    assert response.status_code == 200
    spec = response.json()
    assert spec["info"]["title"] == "Leadline intake API"
    json_post = spec["paths"]["/api/v1/leads"]["post"]
    form_post = spec["paths"]["/api/v1/leads/form"]["post"]
    assert "get" in spec["paths"]["/healthz"]
    for post in (json_post, form_post):
        assert {"201", "200", "400", "401", "413", "422"} <= set(post["responses"])
        assert "ErrorBody" in json.dumps(post["responses"]["422"])
    assert "LeadIn" in json.dumps(json_post["requestBody"]["content"]["application/json"])
    assert "LeadIn" in json.dumps(
        form_post["requestBody"]["content"]["application/x-www-form-urlencoded"]
    )
