"""The intake API's answer carries the prospect's auto-reply off hours, over real HTTP."""

from collections.abc import AsyncIterator
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from core.calendar import BusinessCalendar
from core.clock import FixedClock
from core.replies import Replies
from core.rules import Rules
from core.services import Services
from core.team import Member
from storage.database import session_factories
from storage.unit_of_work import Signals, uow_factory
from tests.integration.test_api import Serve, rep, serve, token

__all__ = ["rep", "serve", "token"]  # fixtures used here

BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = BusinessCalendar(BERLIN, "mon-fri 09:00-18:00")
FRIDAY_NIGHT = datetime(2026, 12, 4, 20, 0, tzinfo=BERLIN)


@pytest.fixture
def clock() -> FixedClock:
    """A clock standing on a Friday evening in Berlin, after closing."""
    return FixedClock(FRIDAY_NIGHT)


@pytest.fixture
def services(engine: AsyncEngine, clock: FixedClock, signals: Signals) -> Services:
    """The use cases with office hours in Berlin and an acknowledgment inside them."""
    writer, _ = session_factories(engine)
    replies = Replies(acknowledgment="Thanks! A manager calls you within {norm} minutes.")
    return Services(uow_factory(writer, signals), clock, Rules(calendar=OFFICE, replies=replies))


@pytest.fixture
async def client(
    serve: Serve, services: Services, rep: Member, token: str
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the API authorised as the "landing" source."""
    base_url = await serve(services)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers) as client:
        yield client


async def test_lead_posted_after_closing_is_answered_with_when_a_rep_will_call(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/api/v1/leads", json={"name": "Ada", "phone": "+4915112345"})

    assert response.status_code == 201
    assert response.json() == {
        "id": response.json()["id"],
        "status": "created",
        "reply": "Thank you, we have received your request. We are closed now; "
        "a manager will contact you on Monday at 09:00.",
    }


async def test_lead_posted_inside_hours_is_answered_with_the_acknowledgment(
    client: httpx.AsyncClient, clock: FixedClock
) -> None:
    clock.set(datetime(2026, 12, 7, 10, 0, tzinfo=BERLIN))

    response = await client.post("/api/v1/leads/form", data={"phone": "+4915112345"})

    assert response.status_code == 201
    assert response.json()["reply"] == "Thanks! A manager calls you within 15 minutes."


async def test_a_retry_of_the_same_request_gets_no_reply(client: httpx.AsyncClient) -> None:
    headers = {"Idempotency-Key": "form-1"}
    lead = {"phone": "+4915112345"}
    await client.post("/api/v1/leads", json=lead, headers=headers)

    retry = await client.post("/api/v1/leads", json=lead, headers=headers)

    assert retry.status_code == 200
    assert "reply" not in retry.json()
