"""Analysis on real databases: summaries, spend, bulk import and webhooks.

Every test runs on SQLite and, when configured, on PostgreSQL. The summaries kept at
commit must equal `core.metrics.summarise` of the events they come from, whichever way
the events got there; that is what makes every figure traceable to events.
"""

import asyncio
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.webhooks import WebhookSender
from core.clock import FixedClock
from core.events import Event, EventKind
from core.leads import Channel, Inquiry
from core.metrics import METRIC_KINDS, summarise
from core.reporting import ImportRow
from core.rules import Rules
from core.services import Action, Services, Tap
from core.team import Member, Role
from storage.database import session_factories
from storage.summaries import backfill
from storage.tables import LeadSummaryRow, WebhookRow
from storage.unit_of_work import Signals, uow_factory
from storage.webhooks import WebhookStore

SECRET = "s3cret"
REP_TELEGRAM = 7001


async def hire(services: Services) -> Member:
    """Put Roman on the team."""
    async with services.uow() as uow:
        roman = await uow.members.add(Member(REP_TELEGRAM, "Roman"))
        await uow.commit()
    return roman


async def stored_and_replayed(services: Services) -> tuple[list, list]:
    """Read the kept summaries and summarise every lead's events afresh."""
    start, end = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
    async with services.uow() as uow:
        stored = sorted(await uow.summaries.arrived_between(start, end), key=lambda s: s.lead_id)
        ids = [summary.lead_id for summary in stored]
        histories = await uow.events.histories(ids)
    replayed = [
        summarise(lead_id, [e for e in histories[lead_id] if e.kind in METRIC_KINDS])
        for lead_id in ids
    ]
    return stored, replayed


async def varied_histories(services: Services, clock: FixedClock, roman: Member) -> None:
    """Make leads through the use cases and through appended events: every kind of path."""
    reached = await services.capture(Inquiry(Channel.API, name="A", phone="+4915100000001"))
    waiting = await services.capture(Inquiry(Channel.API, name="B", phone="+4915100000002"))
    await services.capture(Inquiry(Channel.API, name="C", email="c@example.com"))
    clock.advance(timedelta(minutes=7))
    for action in (Action.NO_ANSWER, Action.REACHED, Action.HOT):
        async with services.uow() as uow:
            version = (await uow.leads.get(reached.lead_id)).version
        await services.tap(Tap(REP_TELEGRAM, reached.lead_id, action, version, REP_TELEGRAM, 1))
        clock.advance(timedelta(minutes=3))
    at = clock.now()
    async with services.uow() as uow:
        lead = reached.lead_id
        await uow.events.append(
            Event(
                lead, EventKind.STAGE_CHANGED, at, roman.id, {"from": "qualified", "to": "meeting"}
            )
        )
        await uow.events.append(
            Event(
                lead, EventKind.LOST, at + timedelta(hours=1), roman.id, {"reason": "competitor"}
            )
        )
        await uow.commit()
    async with services.uow() as uow:
        await uow.events.append(
            Event(lead, EventKind.STAGE_CHANGED, at + timedelta(hours=2), roman.id,
                  {"from": "lost", "to": "proposal"})
        )  # fmt: skip
        await uow.events.append(
            Event(lead, EventKind.WON, at + timedelta(days=2), roman.id, {"amount": "1234.50"})
        )
        await uow.events.append(
            Event(waiting.lead_id, EventKind.UNASSIGNED, at, None, {"reason": "test"})
        )
        await uow.commit()


async def test_kept_summaries_equal_the_summaries_of_the_events(
    services: Services, clock: FixedClock
) -> None:
    roman = await hire(services)
    await varied_histories(services, clock, roman)

    stored, replayed = await stored_and_replayed(services)

    assert len(stored) == 3
    assert stored == replayed
    won = stored[0]
    assert (won.outcome, won.amount, won.furthest) == ("won", Decimal("1234.50"), 5)
    assert (won.no_answer, won.reached, won.reached_after_no_answer) == (True, True, True)
    assert won.first_response_at == datetime(2026, 12, 2, 10, 7, tzinfo=UTC)
    assert stored[1].owner_id is None


async def test_kept_summaries_follow_working_a_lead_and_moving_it_between_reps(
    services: Services, clock: FixedClock
) -> None:
    roman = await hire(services)
    async with services.uow() as uow:
        await uow.members.add(Member(REP_TELEGRAM + 1, "Vera"))
        await uow.members.add(Member(REP_TELEGRAM + 2, "Mira", Role.MANAGER))
        await uow.commit()

    async def press(who: int, lead_id: int, action: Action, argument: str = "") -> None:
        async with services.uow() as uow:
            version = (await uow.leads.get(lead_id)).version
        await services.tap(Tap(who, lead_id, action, version, who, 1, argument))
        clock.advance(timedelta(minutes=5))

    won = (await services.capture(Inquiry(Channel.API, name="A", phone="+4915100000001"))).lead_id
    lost = (await services.capture(Inquiry(Channel.API, name="B", phone="+4915100000002"))).lead_id
    moved = (
        await services.capture(Inquiry(Channel.API, name="C", phone="+4915100000003"))
    ).lead_id
    chat = (await services.prospect_wrote(4242, "Dana", "Hello, a quote please")).lead_id
    await services.prospect_wrote(4242, "Dana", "For ten windows")
    owner = {}
    async with services.uow() as uow:
        for lead_id in (won, lost, moved, chat):
            member = await uow.members.get((await uow.leads.get(lead_id)).owner_id)
            owner[lead_id] = member.telegram_id
    for action, argument in [
        (Action.NO_ANSWER, ""),
        (Action.REACHED, ""),
        (Action.CRITERION, "budget"),
        (Action.HOT, ""),
        (Action.FORWARD, ""),
        (Action.BACKWARD, ""),
        (Action.FORWARD, ""),
        (Action.REMIND_AT, "tm"),
        (Action.WON, ""),
    ]:
        await press(owner[won], won, action, argument)
    await services.member_wrote(owner[won], owner[won], "1 500.50")
    await press(owner[lost], lost, Action.WRONG_NUMBER)
    await press(owner[lost], lost, Action.LOSS_REASON, "unreachable")
    await press(owner[moved], moved, Action.REACHED)
    await press(owner[moved], moved, Action.HAND_BACK_REASON, "busy")
    await press(REP_TELEGRAM + 2, moved, Action.ASSIGN, str(roman.id))
    await press(owner[chat], chat, Action.REACHED)
    await press(owner[chat], chat, Action.WARM, "nw")

    stored, replayed = await stored_and_replayed(services)

    assert stored == replayed
    by_id = {summary.lead_id: summary for summary in stored}
    assert (by_id[won].outcome, by_id[won].amount) == ("won", Decimal("1500.50"))
    assert (by_id[lost].outcome, by_id[lost].loss_reason) == ("lost", "unreachable")
    assert by_id[moved].owner_id == roman.id
    assert by_id[chat].outcome is None


async def test_backfill_rebuilds_the_same_summaries_from_the_events(
    services: Services, clock: FixedClock, engine: AsyncEngine
) -> None:
    roman = await hire(services)
    await varied_histories(services, clock, roman)
    before, _ = await stored_and_replayed(services)
    writer, _ = session_factories(engine)

    rebuilt = await backfill(writer, rebuild=True)
    after, _ = await stored_and_replayed(services)
    again = await backfill(writer)

    assert (rebuilt, again) == (3, 0)
    assert after == before


async def test_spend_overlapping_dates(services: Services) -> None:
    source, _ = await services.add_source("google")
    await services.add_spend("google", Decimal("300"), date(2026, 11, 1), date(2026, 11, 30))
    await services.add_spend("google", Decimal("99.99"), date(2026, 12, 1), date(2026, 12, 31))

    december = await services.spend_between(date(2026, 12, 5), date(2026, 12, 6))
    both = await services.spend_between(date(2026, 11, 30), date(2026, 12, 1))

    assert [(e.amount, name) for e, name in december] == [(Decimal("99.99"), "google")]
    assert [e.amount for e, _ in both] == [Decimal("300"), Decimal("99.99")]
    assert december[0][0].source_id == source.id


async def test_bulk_import_merges_skips_and_rejects(services: Services) -> None:
    # In the database: an open lead for +...01. In the file: line 2 repeats it (merged),
    # line 3 is new, line 4 repeats line 3's e-mail (merged into it), line 5 has no
    # contact (rejected), line 6 names an unknown source (rejected), line 7 has external
    # id X1 from "landing", line 8 sends X1 again (already there).
    await services.add_source("landing")
    existing = await services.capture(Inquiry(Channel.API, phone="+4915100000001"))
    at = datetime(2026, 10, 5, 14, 30, tzinfo=UTC)

    def row(line: int, source: str = "", **fields: object) -> ImportRow:
        return ImportRow(line, Inquiry(Channel.IMPORT, **fields), at, source)

    result = await services.import_leads(
        [
            row(2, phone="+4915100000001", message="again"),
            row(3, phone="+4915100000003", email="new@example.com"),
            row(4, email="new@example.com"),
            row(5, name="nobody"),
            row(6, "unknown", phone="+4915100000006"),
            row(7, "landing", phone="+4915100000007", external_id="X1"),
            row(8, "landing", phone="+4915100000008", external_id="X1"),
        ]
    )

    assert (result.taken, result.merged, result.already) == (2, 2, 1)
    assert [line for line, _ in result.rejected] == [5, 6]
    async with services.uow() as uow:
        history = await uow.events.for_lead(existing.lead_id)
        new = await uow.leads.find_open_by_contact("+4915100000003", None)
        new_history = await uow.events.for_lead(new.id)
    assert history[-1].kind is EventKind.INQUIRY_REPEATED
    assert (new.created_at, new.channel, new.owner_id) == (at, Channel.IMPORT, None)
    assert [e.kind for e in new_history] == [EventKind.CAPTURED, EventKind.INQUIRY_REPEATED]
    stored, replayed = await stored_and_replayed(services)
    assert stored == replayed
    assert len(stored) == 3


# -- webhooks -------------------------------------------------------------------------------


class Receiver:
    """An HTTP server on 127.0.0.1 that records webhook posts and answers as told."""

    def __init__(self) -> None:
        self.posts: list[tuple[dict[str, str], bytes]] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                receiver.posts.append((dict(self.headers), body))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/leadline"

    def delivered(self) -> list[dict]:
        """Parse the bodies of the posts answered 2xx, in order."""
        return [json.loads(body) for _, body in self.posts]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook receiver running in a thread."""
    receiver = Receiver()
    thread = threading.Thread(target=receiver.server.serve_forever, daemon=True)
    thread.start()
    yield receiver
    receiver.server.shutdown()


@pytest.fixture
def hooked(engine: AsyncEngine, clock: FixedClock, receiver: Receiver) -> tuple[Services, Signals]:
    """The use cases on real storage with the receiver as the webhook URL."""
    writer, _ = session_factories(engine)
    signals = Signals()
    return Services(uow_factory(writer, signals, [receiver.url]), clock, Rules()), signals


async def deliver(engine: AsyncEngine, clock: FixedClock, until: object, rounds: int = 40) -> None:
    """Run the sender until `until()` is true, moving the clock past every backoff."""
    writer, _ = session_factories(engine)
    sender = WebhookSender(WebhookStore(writer), SECRET, clock)
    stop = asyncio.Event()
    task = asyncio.create_task(sender.run(stop))
    for _ in range(rounds):
        if until():
            break
        await asyncio.sleep(0.1)
        clock.advance(timedelta(hours=2))
        sender.wake()
    stop.set()
    await task


async def test_webhooks_are_written_with_their_events_signed_and_in_order(
    hooked: tuple[Services, Signals], engine: AsyncEngine, clock: FixedClock, receiver: Receiver
) -> None:
    services, _ = hooked
    await services.add_source("landing")
    await hire(services)
    captured = await services.capture(
        Inquiry(Channel.API, phone="+4915100000001", external_id="F-1", utm={"source": "ads"})
    )
    async with services.uow() as uow:
        await uow.events.append(
            Event(captured.lead_id, EventKind.WON, clock.now(), None, {"amount": "900"})
        )
        await uow.events.append(Event(captured.lead_id, EventKind.NOTE_ADDED, clock.now()))
        await uow.commit()

    await deliver(engine, clock, lambda: len(receiver.posts) >= 3)

    names = [body["event"] for body in receiver.delivered()]
    assert names == ["lead.created", "lead.assigned", "lead.won"]
    headers, body = receiver.posts[0]
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Leadline-Signature"] == expected
    assert headers["X-Leadline-Event"] == "lead.created"
    won = receiver.delivered()[2]
    assert won["data"] == {"amount": "900"}
    assert (won["lead"]["external_id"], won["lead"]["utm"]) == ("F-1", {"source": "ads"})


async def test_failed_webhook_is_retried_and_holds_back_that_leads_later_events(
    hooked: tuple[Services, Signals], engine: AsyncEngine, clock: FixedClock, receiver: Receiver
) -> None:
    # The receiver fails the first two posts (500, then 503): the lead's created event
    # is retried, and its assigned event waits behind it, so the order holds.
    services, _ = hooked
    await hire(services)
    receiver.statuses = [500, 503]
    await services.capture(Inquiry(Channel.API, phone="+4915100000001"))

    await deliver(engine, clock, lambda: len(receiver.posts) >= 4)

    names = [json.loads(body)["event"] for _, body in receiver.posts]
    assert names == ["lead.created", "lead.created", "lead.created", "lead.assigned"]
    ids = {headers["X-Leadline-Delivery"] for headers, _ in receiver.posts[:3]}
    assert len(ids) == 1  # the same delivery each time
    async with engine.connect() as connection:
        rows = (await connection.execute(sa.select(WebhookRow.status, WebhookRow.attempts))).all()
    assert sorted(rows) == [("sent", 0), ("sent", 2)]


async def test_no_webhook_rows_without_urls(services: Services, engine: AsyncEngine) -> None:
    await services.capture(Inquiry(Channel.API, phone="+4915100000001"))

    async with engine.connect() as connection:
        deliveries = await connection.scalar(sa.select(sa.func.count()).select_from(WebhookRow))
        summaries = await connection.scalar(sa.select(sa.func.count()).select_from(LeadSummaryRow))

    assert (deliveries, summaries) == (0, 1)
