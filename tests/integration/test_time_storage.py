"""Storage for the time rules, on SQLite and PostgreSQL: the new columns and queries."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from core.events import Event, EventKind
from core.sources import Source
from core.team import Member
from core.timers import Timer, TimerKind
from storage.database import session_factories
from storage.unit_of_work import Signals, uow_factory
from tests.integration.test_storage import UowFactory, add_lead, add_rep, arm

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


@pytest.fixture
def uow(engine: AsyncEngine, signals: Signals) -> UowFactory:
    """Open units of work on the test database."""
    writer, _ = session_factories(engine)
    return uow_factory(writer, signals)


async def test_time_rule_fields_round_trip(uow: UowFactory) -> None:
    rep = Member(9_000_000_001, "Ann", shift="mon-fri 12:00-20:00", untaken_alerts=2)
    async with uow() as work:
        await work.members.add(rep)
        source = await work.sources.add(
            Source("missed", "e" * 64, NOW, "phone", first_response=timedelta(minutes=5))
        )
        await work.commit()
    lead = await add_lead(uow, owner_id=rep.id, taken_at=NOW + HOUR)

    async with uow() as work:
        loaded_rep = await work.members.get(rep.id)
        loaded_source = await work.sources.get(source.id)
        loaded_lead = await work.leads.get(lead.id)
        loaded_source.first_response = None
        await work.sources.save(loaded_source)
        await work.commit()
    async with uow() as work:
        team_norm = await work.sources.get(source.id)

    assert (loaded_rep.shift, loaded_rep.untaken_alerts) == ("mon-fri 12:00-20:00", 2)
    assert loaded_source.id == source.id
    assert loaded_lead.taken_at == NOW + HOUR
    assert team_norm.first_response is None


async def test_leads_created_in_a_window_and_unassigned_open_ones_are_counted(
    uow: UowFactory,
) -> None:
    rep = await add_rep(uow, 101)
    await add_lead(uow, created_at=NOW - HOUR, phone="+491")
    inside = await add_lead(uow, created_at=NOW, phone="+492", owner_id=rep.id)
    await add_lead(uow, created_at=NOW + 24 * HOUR, phone="+493")
    lost = await add_lead(uow, created_at=NOW, phone="+494", stage="lost")

    async with uow() as work:
        window = await work.leads.created_between(NOW, NOW + 24 * HOUR)
        unassigned = await work.leads.count_open_unassigned()

    assert [lead.id for lead in window] == [inside.id, lost.id]
    assert unassigned == 2


async def test_events_between_two_moments_of_some_kinds(uow: UowFactory) -> None:
    lead = await add_lead(uow)
    kinds = [EventKind.STALLED, EventKind.FIRST_RESPONSE_BREACHED, EventKind.ATTEMPTED]
    async with uow() as work:
        for n, kind in enumerate(kinds * 2):
            await work.events.append(Event(lead.id, kind, NOW + n * HOUR))
        await work.commit()

    async with uow() as work:
        found = await work.events.between(
            NOW + HOUR, NOW + 5 * HOUR, [EventKind.STALLED, EventKind.FIRST_RESPONSE_BREACHED]
        )

    assert [(e.kind, e.at) for e in found] == [
        (EventKind.FIRST_RESPONSE_BREACHED, NOW + HOUR),
        (EventKind.STALLED, NOW + 3 * HOUR),
        (EventKind.FIRST_RESPONSE_BREACHED, NOW + 4 * HOUR),
    ]


async def test_team_timers_are_listed_and_cancelled_apart_from_lead_timers(
    uow: UowFactory,
) -> None:
    lead = await add_lead(uow)
    await arm(
        uow,
        Timer(TimerKind.DIGEST, NOW + 2 * HOUR),
        Timer(TimerKind.OPENING, NOW + HOUR),
        Timer(TimerKind.STALL_CHECK, NOW, lead.id),
    )

    async with uow() as work:
        listed = [(t.kind, t.due_at) for t in await work.timers.pending_for_team()]
        cancelled = await work.timers.cancel_for_team([TimerKind.OPENING])
        await work.commit()
    async with uow() as work:
        left = [t.kind for t in await work.timers.pending_for_team()]

    assert listed == [(TimerKind.OPENING, NOW + HOUR), (TimerKind.DIGEST, NOW + 2 * HOUR)]
    assert cancelled == 1
    assert left == [TimerKind.DIGEST]
