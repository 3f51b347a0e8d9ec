"""Storage on real databases: every test runs on SQLite and, when configured, PostgreSQL.

These check what the unit tests' in-memory fakes cannot: that the migrations build the
schema the models describe, that rows come back as the domain wrote them, and that the
locks hold when several transactions race for the same timers or the routing cursor.
"""

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncEngine

from core.clock import FixedClock
from core.errors import ConcurrentUpdate
from core.events import EventKind
from core.leads import Channel, ContactOutcome, Inquiry, Lead, LossReason, Temperature
from core.notices import Notice, Template
from core.services import Outcome, Services
from core.sources import Source
from core.team import Member, Role
from core.timers import FIRST_RESPONSE_TIMERS, Timer, TimerKind
from storage.database import session_factories
from storage.migrate import alembic_config, upgrade_async
from storage.outbox import OutboxStore
from storage.tables import Base, LeadRow, OutboxRow, TimerRow
from storage.unit_of_work import Signals, SqlUnitOfWork, uow_factory

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)

UowFactory = Callable[[], SqlUnitOfWork]


@pytest.fixture
def uow(engine: AsyncEngine, signals: Signals) -> UowFactory:
    """Open units of work on the test database."""
    writer, _ = session_factories(engine)
    return uow_factory(writer, signals)


@pytest.fixture
def outbox(engine: AsyncEngine) -> OutboxStore:
    """The dispatcher's view of the outbox."""
    writer, _ = session_factories(engine)
    return OutboxStore(writer)


async def add_rep(uow: UowFactory, telegram_id: int, name: str = "") -> Member:
    """Put a rep on the team and return them with their id."""
    async with uow() as work:
        member = await work.members.add(Member(telegram_id, name or f"Rep {telegram_id}"))
        await work.commit()
    return member


async def add_lead(uow: UowFactory, **fields: object) -> Lead:
    """Store a lead with the given fields and return it with its id."""
    values: dict[str, object] = {"channel": Channel.API, "created_at": NOW, **fields}
    async with uow() as work:
        lead = await work.leads.add(Lead(**values))  # type: ignore[arg-type]
        await work.commit()
    return lead


async def arm(uow: UowFactory, *timers: Timer) -> list[int]:
    """Arm timers in one transaction and return their ids."""
    async with uow() as work:
        for timer in timers:
            await work.timers.arm(timer)
        await work.commit()
    return [timer.id for timer in timers if timer.id is not None]


async def timer_statuses(engine: AsyncEngine) -> dict[int, str]:
    """Read every timer's status straight from its table."""
    async with engine.connect() as connection:
        rows = await connection.execute(sa.select(TimerRow.id, TimerRow.status))
        return {timer_id: status for timer_id, status in rows}


# -- migrations ----------------------------------------------------------------------------


async def test_migrations_build_exactly_the_schema_of_the_models(engine: AsyncEngine) -> None:
    def differences(connection: sa.Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)

    async with engine.connect() as connection:
        diff = await connection.run_sync(differences)

    assert diff == []


async def test_migrating_twice_is_harmless_and_keeps_the_data(
    database_url: str, engine: AsyncEngine, uow: UowFactory
) -> None:
    lead = await add_lead(uow, name="Ada", phone="+4915112345678")

    await upgrade_async(database_url)

    # Each feature branch adds its own head on top of the initial schema; all are applied.
    heads = ScriptDirectory.from_config(alembic_config(database_url)).get_heads()
    async with engine.connect() as connection:
        versions = await connection.execute(sa.text("SELECT version_num FROM alembic_version"))
        assert sorted(versions.scalars()) == sorted(heads)
    async with uow() as work:
        loaded = await work.leads.get(lead.id)
    assert loaded is not None
    assert loaded.name == "Ada"


# -- units of work and leads ---------------------------------------------------------------


async def test_datetimes_come_back_timezone_aware_in_utc(uow: UowFactory) -> None:
    berlin = datetime(2026, 7, 1, 12, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    lead = await add_lead(uow, created_at=berlin)
    await arm(uow, Timer(TimerKind.FIRST_RESPONSE_BREACH, berlin, lead.id))

    async with uow() as work:
        loaded = await work.leads.get(lead.id)
        due = await work.timers.next_due()

    assert loaded is not None
    assert loaded.created_at.tzinfo is UTC
    assert loaded.created_at == datetime(2026, 7, 1, 10, 30, tzinfo=UTC)
    assert due == datetime(2026, 7, 1, 10, 30, tzinfo=UTC)
    assert due.tzinfo is UTC


async def test_naive_datetimes_are_refused(uow: UowFactory) -> None:
    async with uow() as work:
        with pytest.raises(sa.exc.StatementError, match="Naive datetimes"):
            await work.leads.add(Lead(Channel.API, datetime(2026, 7, 1, 12, 30)))


async def test_unit_of_work_without_commit_keeps_nothing(
    uow: UowFactory, signals: Signals
) -> None:
    woken: list[str] = []
    signals.outbox.append(lambda: woken.append("outbox"))
    signals.timers.append(lambda _due: woken.append("timer"))

    async with uow() as work:
        member = await work.members.add(Member(101, "Rep"))
        lead = await work.leads.add(Lead(Channel.API, NOW, phone="+4915112345678"))
        await work.timers.arm(Timer(TimerKind.FIRST_RESPONSE_NUDGE, NOW, lead.id))
        await work.outbox.put(Notice(101, Template.LEAD_ALERT, lead.id))

    async with uow() as work:
        assert await work.leads.get(lead.id) is None
        assert await work.members.get(member.id) is None
        assert await work.members.all() == []
        assert await work.timers.next_due() is None
    assert woken == []


async def test_commit_wakes_the_dispatcher_and_the_timer_loop(
    uow: UowFactory, signals: Signals
) -> None:
    woken: list[object] = []
    signals.outbox.append(lambda: woken.append("outbox"))
    signals.timers.append(woken.append)

    async with uow() as work:
        lead = await work.leads.add(Lead(Channel.API, NOW, phone="+4915112345678"))
        await work.timers.arm(
            Timer(TimerKind.FIRST_RESPONSE_BREACH, NOW + timedelta(minutes=2), None)
        )
        await work.timers.arm(
            Timer(TimerKind.FIRST_RESPONSE_NUDGE, NOW + timedelta(minutes=1), None)
        )
        await work.outbox.put(Notice(101, Template.LEAD_ALERT, lead.id))
        await work.commit()

    assert woken == ["outbox", NOW + timedelta(minutes=1)]


async def test_lead_round_trips_every_field(engine: AsyncEngine, uow: UowFactory) -> None:
    rep = await add_rep(uow, 101)
    async with uow() as work:
        source = await work.sources.add(Source("landing", "f" * 64, NOW))
        await work.commit()
    lead = Lead(
        channel=Channel.FORM,
        created_at=NOW,
        name="Ada Lovelace",
        phone="+4915112345678",
        email="ada@example.com",
        message="Call me about the engine, please: ünïcødé too",
        product="analytical engine",
        region="London",
        value=Decimal("1234.56"),
        external_id="crm-42",
        utm={"utm_source": "google", "utm_campaign": "winter"},
        telegram_chat_id=9_000_000_001,
        source_id=source.id,
        owner_id=rep.id,
        assigned_at=NOW + timedelta(seconds=1),
        stage="lost",
        temperature=Temperature.WARM,
        attempts=3,
        first_attempt_at=NOW + timedelta(minutes=5),
        first_contact_at=NOW + timedelta(minutes=6),
        loss_reason=LossReason.COMPETITOR,
        loss_note="went with Babbage & Co",
        won_amount=Decimal("0.99"),
        closed_at=NOW + timedelta(days=3),
        after_hours=True,
        version=7,
    )

    async with uow() as work:
        await work.leads.add(lead)
        await work.commit()
    async with uow() as work:
        loaded = await work.leads.get(lead.id)
    async with engine.connect() as connection:
        cents = (
            await connection.execute(
                sa.select(LeadRow.value_cents, LeadRow.won_cents).where(LeadRow.id == lead.id)
            )
        ).one()

    assert loaded == lead
    assert isinstance(loaded.value, Decimal)
    assert loaded.channel is Channel.FORM
    assert loaded.temperature is Temperature.WARM
    assert loaded.loss_reason is LossReason.COMPETITOR
    assert tuple(cents) == (123456, 99)


async def test_saving_a_lead_changed_by_somebody_else_raises_concurrent_update(
    uow: UowFactory,
) -> None:
    rep = await add_rep(uow, 101)
    lead = await add_lead(uow, phone="+4915112345678")

    async with uow() as first:
        mine = await first.leads.get(lead.id)
        await first.commit()  # ends the transaction, so the other writer is not blocked
        async with uow() as second:
            theirs = await second.leads.get(lead.id)
            await second.events.append(theirs.assign(rep.id, NOW, "by hand", None))
            await second.leads.save(theirs)
            await second.commit()
        mine.record_attempt(ContactOutcome.NO_ANSWER, NOW, rep.id)
        with pytest.raises(ConcurrentUpdate):
            await first.leads.save(mine)

    async with uow() as work:
        stored = await work.leads.get(lead.id)
    assert stored.owner_id == rep.id
    assert stored.attempts == 0
    assert stored.version == 1


async def test_a_lead_read_and_saved_in_one_transaction_saves_every_time(
    uow: UowFactory,
) -> None:
    rep = await add_rep(uow, 101)
    lead = await add_lead(uow, phone="+4915112345678")

    for name in ("first", "second"):
        async with uow() as work:
            loaded = await work.leads.get(lead.id)
            loaded.name = name
            await work.events.append(loaded.record_attempt(ContactOutcome.NO_ANSWER, NOW, rep.id))
            await work.leads.save(loaded)
            await work.commit()

    async with uow() as work:
        stored = await work.leads.get(lead.id)
    assert (stored.name, stored.attempts, stored.version) == ("second", 2, 2)


async def test_find_open_by_contact_ignores_closed_leads(uow: UowFactory) -> None:
    phone, email = "+4915112345678", "ada@example.com"
    await add_lead(uow, phone=phone, stage="lost", closed_at=NOW)
    open_by_phone = await add_lead(uow, phone=phone)
    await add_lead(uow, phone=phone, stage="won", closed_at=NOW)
    await add_lead(uow, email=email, stage="won", closed_at=NOW)

    async with uow() as work:
        by_phone = await work.leads.find_open_by_contact(phone, None)
        by_email_only_closed = await work.leads.find_open_by_contact(None, email)
        by_either = await work.leads.find_open_by_contact("+4930123456", email)
        by_nothing = await work.leads.find_open_by_contact(None, None)
    open_by_email = await add_lead(uow, email=email)
    async with uow() as work:
        by_email = await work.leads.find_open_by_contact(None, email)

    assert by_phone is not None
    assert by_phone.id == open_by_phone.id
    assert by_email_only_closed is None
    assert by_either is None
    assert by_nothing is None
    assert by_email is not None
    assert by_email.id == open_by_email.id


async def test_open_counts_by_owner_count_only_open_assigned_leads(uow: UowFactory) -> None:
    ann, bob = await add_rep(uow, 101), await add_rep(uow, 102)
    await add_rep(uow, 103)
    for _ in range(2):
        await add_lead(uow, owner_id=ann.id)
    await add_lead(uow, owner_id=ann.id, stage="won", closed_at=NOW)
    await add_lead(uow, owner_id=bob.id, stage="contacted")
    await add_lead(uow, owner_id=bob.id, stage="lost", closed_at=NOW)
    await add_lead(uow)

    async with uow() as work:
        counts = await work.leads.open_counts_by_owner()

    assert counts == {ann.id: 2, bob.id: 1}


# -- timers --------------------------------------------------------------------------------


async def test_claim_due_takes_only_due_pending_timers_oldest_first(
    engine: AsyncEngine, uow: UowFactory
) -> None:
    lead = await add_lead(uow)
    nudge, breach = TimerKind.FIRST_RESPONSE_NUDGE, TimerKind.FIRST_RESPONSE_BREACH
    later, oldest, future, now, middle = await arm(
        uow,
        Timer(breach, NOW - timedelta(minutes=1), lead.id, {"n": 1}),
        Timer(nudge, NOW - timedelta(minutes=10), lead.id),
        Timer(nudge, NOW + timedelta(seconds=1), lead.id),
        Timer(breach, NOW, None),
        Timer(nudge, NOW - timedelta(minutes=5), None),
    )
    async with uow() as work:
        await work.timers.cancel(lead.id, [breach])
        await work.commit()

    async with uow() as work:
        first = await work.timers.claim_due(NOW, 1)
        rest = await work.timers.claim_due(NOW, 10)
        await work.commit()
    async with uow() as work:
        again = await work.timers.claim_due(NOW, 10)

    assert [t.id for t in first] == [oldest]
    assert [t.id for t in rest] == [middle, now]
    assert first[0] == Timer(nudge, NOW - timedelta(minutes=10), lead.id, {}, oldest)
    assert again == []
    assert await timer_statuses(engine) == {
        later: "cancelled",
        oldest: "fired",
        future: "pending",
        now: "fired",
        middle: "fired",
    }


async def test_claim_without_commit_leaves_timers_pending(uow: UowFactory) -> None:
    [timer_id] = await arm(uow, Timer(TimerKind.FIRST_RESPONSE_NUDGE, NOW, None))

    async with uow() as work:
        assert [t.id for t in await work.timers.claim_due(NOW, 10)] == [timer_id]
    async with uow() as work:
        assert [t.id for t in await work.timers.claim_due(NOW, 10)] == [timer_id]


async def test_concurrent_claimers_never_take_the_same_timer(
    engine: AsyncEngine, uow: UowFactory
) -> None:
    armed = await arm(
        uow,
        *(
            Timer(TimerKind.FIRST_RESPONSE_NUDGE, NOW - timedelta(seconds=i), None)
            for i in range(50)
        ),
    )

    async def claimer() -> list[int]:
        taken: list[int] = []
        while True:
            async with uow() as work:
                timers = await work.timers.claim_due(NOW, 5)
                await asyncio.sleep(0.005)  # hold the claim while the others try
                await work.commit()
            if not timers:
                return taken
            taken += [timer.id for timer in timers]

    claims = await asyncio.gather(*(claimer() for _ in range(4)))

    every = [timer_id for claim in claims for timer_id in claim]
    assert sorted(every) == sorted(armed)
    assert len(set(every)) == len(every) == 50
    if engine.dialect.name == "postgresql":  # SKIP LOCKED lets claimers work side by side
        assert sum(1 for claim in claims if claim) >= 2
    assert set((await timer_statuses(engine)).values()) == {"fired"}


async def test_cancel_touches_only_pending_timers_of_the_given_kinds(
    engine: AsyncEngine, uow: UowFactory
) -> None:
    lead, other = await add_lead(uow), await add_lead(uow)
    nudge, breach = TimerKind.FIRST_RESPONSE_NUDGE, TimerKind.FIRST_RESPONSE_BREACH
    fired, lead_nudge, lead_breach, other_nudge = await arm(
        uow,
        Timer(nudge, NOW - timedelta(minutes=1), lead.id),
        Timer(nudge, NOW + timedelta(minutes=10), lead.id),
        Timer(breach, NOW + timedelta(minutes=15), lead.id),
        Timer(nudge, NOW + timedelta(minutes=10), other.id),
    )
    async with uow() as work:
        await work.timers.claim_due(NOW, 10)
        await work.commit()

    async with uow() as work:
        only_nudges = await work.timers.cancel(lead.id, [nudge])
        await work.commit()
    after_nudges = await timer_statuses(engine)
    async with uow() as work:
        the_rest = await work.timers.cancel(lead.id, FIRST_RESPONSE_TIMERS)
        await work.commit()

    assert only_nudges == 1
    assert after_nudges[lead_breach] == "pending"
    assert the_rest == 1
    assert await timer_statuses(engine) == {
        fired: "fired",
        lead_nudge: "cancelled",
        lead_breach: "cancelled",
        other_nudge: "pending",
    }


async def test_next_due_names_the_earliest_pending_timer(uow: UowFactory) -> None:
    lead = await add_lead(uow)
    async with uow() as work:
        nothing = await work.timers.next_due()
    await arm(
        uow,
        Timer(TimerKind.FIRST_RESPONSE_BREACH, NOW + timedelta(minutes=15), lead.id),
        Timer(TimerKind.FIRST_RESPONSE_NUDGE, NOW + timedelta(minutes=10), lead.id),
        Timer(TimerKind.FIRST_RESPONSE_NUDGE, NOW + timedelta(minutes=30), None),
    )

    async with uow() as work:
        earliest = await work.timers.next_due()
        await work.timers.cancel(lead.id, [TimerKind.FIRST_RESPONSE_NUDGE])
        await work.commit()
    async with uow() as work:
        after_cancel = await work.timers.next_due()
        await work.timers.claim_due(NOW + timedelta(minutes=20), 10)
        await work.commit()
    async with uow() as work:
        after_claim = await work.timers.next_due()

    assert nothing is None
    assert earliest == NOW + timedelta(minutes=10)
    assert after_cancel == NOW + timedelta(minutes=15)
    assert after_claim == NOW + timedelta(minutes=30)


# -- outbox --------------------------------------------------------------------------------


async def put(uow: UowFactory, *notices: Notice) -> list[int]:
    """Queue notices in one transaction and return their ids."""
    async with uow() as work:
        for notice in notices:
            await work.outbox.put(notice)
        await work.commit()
    return [notice.id for notice in notices if notice.id is not None]


async def test_heads_give_the_oldest_pending_row_of_each_chat(
    uow: UowFactory, outbox: OutboxStore
) -> None:
    lead = await add_lead(uow)
    a1, b1, a2, b2, c1 = await put(
        uow,
        Notice(1, Template.LEAD_ALERT, lead.id),
        Notice(2, Template.TEXT, None, {"text": "one"}),
        Notice(1, Template.TEXT, lead.id, {"text": "two"}),
        Notice(2, Template.TEXT, None, {"text": "three"}),
        Notice(3, Template.TEXT, None, {"text": "four"}),
    )

    everything = await outbox.heads(NOW, 10)
    limited = await outbox.heads(NOW, 2)

    assert [row.id for row in everything] == [a1, b1, c1]
    assert [row.id for row in limited] == [a1, b1]
    assert everything[0].chat_id == 1
    assert everything[0].template == "lead_alert"
    assert everything[0].lead_id == lead.id
    assert everything[1].data == {"text": "one"}
    assert everything[1].attempts == 0
    assert {a2, b2}.isdisjoint(row.id for row in everything)


async def test_a_postponed_head_holds_back_its_chat_until_its_time(
    engine: AsyncEngine, uow: UowFactory, outbox: OutboxStore
) -> None:
    a1, b1, _b2 = await put(
        uow,
        Notice(1, Template.TEXT, None, {"text": "a1"}),
        Notice(2, Template.TEXT, None, {"text": "b1"}),
        Notice(2, Template.TEXT, None, {"text": "b2"}),
    )
    head_b = (await outbox.heads(NOW, 10))[1]

    await outbox.postpone(head_b, NOW + timedelta(seconds=30), "429: retry after 30" * 50)

    waiting = await outbox.heads(NOW, 10)
    after_wait = await outbox.heads(NOW + timedelta(seconds=30), 10)
    async with engine.connect() as connection:
        row = (await connection.execute(sa.select(OutboxRow).where(OutboxRow.id == b1))).one()
    assert [r.id for r in waiting] == [a1]
    assert [r.id for r in after_wait] == [a1, b1]
    assert after_wait[1].attempts == 1
    assert await outbox.next_wait() == NOW + timedelta(seconds=30)
    assert row.status == "pending"
    assert row.not_before == NOW + timedelta(seconds=30)
    assert row.error.startswith("429: retry after 30")
    assert len(row.error) == 500


async def test_a_failed_row_gives_way_to_the_next_of_its_chat(
    engine: AsyncEngine, uow: UowFactory, outbox: OutboxStore
) -> None:
    b1, b2 = await put(
        uow,
        Notice(2, Template.TEXT, None, {"text": "b1"}),
        Notice(2, Template.TEXT, None, {"text": "b2"}),
    )
    [head] = await outbox.heads(NOW, 10)

    await outbox.fail(head, "Forbidden: bot was blocked by the user")

    [next_head] = await outbox.heads(NOW, 10)
    async with engine.connect() as connection:
        row = (await connection.execute(sa.select(OutboxRow).where(OutboxRow.id == b1))).one()
    assert next_head.id == b2
    assert (row.status, row.attempts) == ("failed", 1)
    assert row.error == "Forbidden: bot was blocked by the user"


async def test_sent_records_a_card_only_for_a_new_lead_card_message(
    engine: AsyncEngine, uow: UowFactory, outbox: OutboxStore
) -> None:
    lead = await add_lead(uow)
    alert, _edit, _text = await put(
        uow,
        Notice(7, Template.LEAD_ALERT, lead.id),
        Notice(8, Template.CARD, lead.id, {}, edit_message_id=55),
        Notice(9, Template.TEXT, lead.id, {"text": "hi"}),
    )
    heads = await outbox.heads(NOW, 10)

    await outbox.sent(heads[0], 42, NOW)
    await outbox.sent(heads[1], 55, NOW)
    await outbox.sent(heads[2], 43, NOW)

    async with uow() as work:
        cards = await work.cards.for_lead(lead.id)
        shown = await work.cards.lead_of(7, 42)
        not_a_card = await work.cards.lead_of(9, 43)
    async with engine.connect() as connection:
        row = (await connection.execute(sa.select(OutboxRow).where(OutboxRow.id == alert))).one()
    assert cards == [(7, 42)]
    assert shown == lead.id
    assert not_a_card is None
    assert (row.status, row.message_id, row.sent_at) == ("sent", 42, NOW)
    assert await outbox.heads(NOW, 10) == []


# -- state, routing and capture ------------------------------------------------------------


async def test_state_put_inserts_then_overwrites(uow: UowFactory) -> None:
    async with uow() as work:
        missing = await work.state.get("routing")
        await work.state.put("routing", {"cursor": 1})
        await work.state.put("routing", {"cursor": 2})
        await work.commit()
    async with uow() as work:
        await work.state.put("routing", {"cursor": 3, "current": {"1": -1}})
        await work.state.put("other", {"x": [1, 2]})
        await work.commit()

    async with uow() as work:
        routing = await work.state.get("routing")
        other = await work.state.get("other")

    assert missing is None
    assert routing == {"cursor": 3, "current": {"1": -1}}
    assert other == {"x": [1, 2]}


async def test_concurrent_captures_all_succeed_and_round_robin_splits_them_evenly(
    uow: UowFactory, services: Services
) -> None:
    ann, bob = await add_rep(uow, 101), await add_rep(uow, 102)
    inquiries = [Inquiry(Channel.API, phone=f"+49151123450{i:02d}") for i in range(20)]

    results = await asyncio.gather(*(services.capture(inquiry) for inquiry in inquiries))

    assert [r.outcome for r in results] == [Outcome.CREATED] * 20
    assert len({r.lead_id for r in results}) == 20
    async with uow() as work:
        counts = await work.leads.open_counts_by_owner()
        events = [await work.events.for_lead(r.lead_id) for r in results]
    assert counts == {ann.id: 10, bob.id: 10}
    assert all(
        [e.kind for e in history] == [EventKind.CAPTURED, EventKind.ASSIGNED] for history in events
    )


async def test_the_same_idempotency_key_from_the_same_source_returns_the_first_lead(
    uow: UowFactory, services: Services
) -> None:
    landing, _ = await services.add_source("landing")
    partner, _ = await services.add_source("partner")
    first = Inquiry(Channel.API, phone="+4915112345678", source_id=landing.id)
    retry = Inquiry(Channel.API, phone="+4915199999999", source_id=landing.id)
    elsewhere = Inquiry(Channel.API, email="ada@example.com", source_id=partner.id)

    created = await services.capture(first, "key-1")
    repeated = await services.capture(retry, "key-1")
    other_source = await services.capture(elsewhere, "key-1")

    assert created.outcome is Outcome.CREATED
    assert (repeated.lead_id, repeated.outcome) == (created.lead_id, Outcome.DUPLICATE)
    assert other_source.outcome is Outcome.CREATED
    assert other_source.lead_id != created.lead_id
    async with uow() as work:
        assert await work.leads.find_open_by_contact("+4915199999999", None) is None


async def test_the_same_external_id_from_the_same_source_returns_the_first_lead(
    services: Services, clock: FixedClock
) -> None:
    landing, _ = await services.add_source("landing")
    first = Inquiry(Channel.API, phone="+4915112345678", external_id="x1", source_id=landing.id)
    again = Inquiry(Channel.API, email="ada@example.com", external_id="x1", source_id=landing.id)

    created = await services.capture(first)
    clock.advance(timedelta(minutes=1))
    repeated = await services.capture(again)

    assert (repeated.lead_id, repeated.outcome) == (created.lead_id, Outcome.DUPLICATE)


async def test_a_member_round_trips_every_field(uow: UowFactory) -> None:
    member = Member(
        telegram_id=9_000_000_001,
        name="Ann",
        role=Role.MANAGER,
        username="ann",
        active=False,
        paused=True,
        on_leave_until=NOW.date(),
        products=frozenset({"b", "a"}),
        regions=frozenset({"north"}),
        capacity=12,
        weight=3,
        tier=2,
        joined_at=NOW,
    )

    async with uow() as work:
        await work.members.add(member)
        await work.commit()
    async with uow() as work:
        by_id = await work.members.get(member.id)
        by_telegram = await work.members.by_telegram_id(9_000_000_001)

    assert by_id == member
    assert by_telegram == member


async def test_concurrent_repeat_inquiries_from_one_contact_make_one_lead(
    uow: UowFactory, services: Services
) -> None:
    await add_rep(uow, 101)
    inquiries = [Inquiry(Channel.API, phone="+4915112345678", message=f"#{i}") for i in range(5)]

    results = await asyncio.gather(*(services.capture(inquiry) for inquiry in inquiries))

    assert sorted(r.outcome for r in results) == [Outcome.CREATED] + [Outcome.MERGED] * 4
    assert len({r.lead_id for r in results}) == 1


async def test_concurrent_retries_with_one_idempotency_key_make_one_lead(
    uow: UowFactory, services: Services
) -> None:
    await add_rep(uow, 101)
    landing, _ = await services.add_source("landing")
    inquiry = Inquiry(Channel.API, phone="+4915112345678", source_id=landing.id)

    results = await asyncio.gather(*(services.capture(inquiry, "key-1") for _ in range(5)))

    assert sorted(r.outcome for r in results) == [Outcome.CREATED] + [Outcome.DUPLICATE] * 4
    assert len({r.lead_id for r in results}) == 1


async def test_concurrent_retries_with_one_external_id_make_one_lead(
    uow: UowFactory, services: Services
) -> None:
    await add_rep(uow, 101)
    landing, _ = await services.add_source("landing")
    inquiry = Inquiry(Channel.API, phone="+4915112345678", external_id="x", source_id=landing.id)

    results = await asyncio.gather(*(services.capture(inquiry) for _ in range(5)))

    assert sorted(r.outcome for r in results) == [Outcome.CREATED] + [Outcome.DUPLICATE] * 4
    assert len({r.lead_id for r in results}) == 1
