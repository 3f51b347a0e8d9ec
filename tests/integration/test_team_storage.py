"""The team's use cases on real databases: SQLite and, when configured, PostgreSQL.

They check what the in-memory fakes cannot: that the new look-ups read the right rows,
that a deactivation's hand-out commits as one transaction, and that racing offers and
captures never give one waiting lead twice or fill a rep past their capacity.
"""

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from core.clock import FixedClock
from core.events import EventKind
from core.leads import LOST, Channel, Inquiry, Lead
from core.notices import Notice, Template
from core.services import Services
from core.team import Member, Role
from storage.database import session_factories
from storage.outbox import OutboxStore
from storage.unit_of_work import Signals, SqlUnitOfWork, uow_factory

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)

UowFactory = Callable[[], SqlUnitOfWork]


@pytest.fixture
def uow(engine: AsyncEngine, signals: Signals) -> UowFactory:
    """Open units of work on the test database."""
    writer, _ = session_factories(engine)
    return uow_factory(writer, signals)


async def add_member(uow: UowFactory, telegram_id: int, name: str, **fields: object) -> Member:
    """Put somebody on the team and return them with their id."""
    async with uow() as work:
        member = await work.members.add(Member(telegram_id, name, **fields))  # type: ignore[arg-type]
        await work.commit()
    return member


async def add_lead(uow: UowFactory, **fields: object) -> Lead:
    """Store a lead with the given fields and return it with its id."""
    values: dict[str, object] = {"channel": Channel.API, "created_at": NOW, **fields}
    async with uow() as work:
        lead = await work.leads.add(Lead(**values))  # type: ignore[arg-type]
        await work.commit()
    return lead


def inquiry(number: int) -> Inquiry:
    """Make an inquiry from a contact of its own."""
    return Inquiry(Channel.API, name=f"Prospect {number}", phone=f"+491511234{number:04d}")


async def test_waiting_and_owned_leads_are_found_oldest_first_and_closed_ones_never(
    uow: UowFactory,
) -> None:
    ann = await add_member(uow, 101, "Ann")
    waiting = [await add_lead(uow), await add_lead(uow)]
    owned = [await add_lead(uow, owner_id=ann.id), await add_lead(uow, owner_id=ann.id)]
    await add_lead(uow, stage=LOST, closed_at=NOW)
    await add_lead(uow, owner_id=ann.id, stage=LOST, closed_at=NOW)

    async with uow() as work:
        unassigned = await work.leads.unassigned_open()
        anns = await work.leads.open_of_owner(ann.id)
        for lead in anns:  # loaded for change: each saves
            await work.leads.save(lead)
        await work.commit()

    assert [lead.id for lead in unassigned] == [lead.id for lead in waiting]
    assert [lead.id for lead in anns] == [lead.id for lead in owned]


async def test_leads_given_out_since_a_moment_are_listed(uow: UowFactory) -> None:
    ann = await add_member(uow, 101, "Ann")
    await add_lead(uow, owner_id=ann.id, assigned_at=NOW - timedelta(days=1))
    today = await add_lead(uow, owner_id=ann.id, assigned_at=NOW)
    await add_lead(uow)

    async with uow() as work:
        recent = await work.leads.assigned_since(NOW - timedelta(hours=1))

    assert [(lead.id, lead.assigned_at) for lead in recent] == [(today.id, NOW)]


async def test_deactivation_hands_out_every_open_lead_in_one_transaction(
    uow: UowFactory, services: Services
) -> None:
    await add_member(uow, 5001, "Mira", role=Role.MANAGER)
    ann, bob = await add_member(uow, 101, "Ann"), await add_member(uow, 102, "Bob")
    captured = [await services.capture(inquiry(n)) for n in range(4)]

    change = await services.deactivate(ann.id, by=5001)

    async with uow() as work:
        counts = await work.leads.open_counts_by_owner()
        member = await work.members.get(ann.id)
        history = await work.events.for_lead(captured[0].lead_id)
    assert counts == {bob.id: 4}
    assert not member.active
    assert [item.owner_id for item in change.moved] == [bob.id, bob.id]
    assert history[-1].kind is EventKind.ASSIGNED
    assert history[-1].data["reason"] == "Ann left the team: round robin among 1 eligible"


async def test_resume_gives_waiting_leads_and_the_history_keeps_why(
    uow: UowFactory, services: Services
) -> None:
    ann = await add_member(uow, 101, "Ann", paused=True)
    lead_id = (await services.capture(inquiry(1))).lead_id

    await services.resume(101)

    async with uow() as work:
        lead = await work.leads.get(lead_id)
        kinds = [event.kind for event in await work.events.for_lead(lead_id)]
    assert lead.owner_id == ann.id
    assert kinds == [EventKind.CAPTURED, EventKind.UNASSIGNED, EventKind.ASSIGNED]


async def test_racing_offers_give_each_waiting_lead_once_and_keep_capacity(
    uow: UowFactory, services: Services
) -> None:
    await add_member(uow, 101, "Ann", paused=True, capacity=3)
    await add_member(uow, 102, "Bob", paused=True, capacity=2)
    waiting = [(await services.capture(inquiry(n))).lead_id for n in range(8)]
    async with uow() as work:
        for member in await work.members.all():
            member.paused = False
            await work.members.save(member)
        await work.commit()

    await asyncio.gather(*(services.offer_unassigned() for _ in range(4)))

    async with uow() as work:
        counts = await work.leads.open_counts_by_owner()
        assigned = [
            [e.kind for e in await work.events.for_lead(lead_id)].count(EventKind.ASSIGNED)
            for lead_id in waiting
        ]
    assert sorted(counts.values()) == [2, 3]
    assert sorted(assigned) == [0, 0, 0, 1, 1, 1, 1, 1]


async def test_captures_racing_an_offer_never_pass_a_reps_capacity(
    uow: UowFactory, services: Services, clock: FixedClock
) -> None:
    await add_member(uow, 101, "Ann", paused=True, capacity=4)
    for n in range(3):
        await services.capture(inquiry(n))
    async with uow() as work:
        ann = await work.members.by_telegram_id(101)
        ann.paused = False
        await work.members.save(ann)
        await work.commit()
    clock.advance(timedelta(minutes=1))

    await asyncio.gather(
        services.offer_unassigned(), *(services.capture(inquiry(n)) for n in range(10, 14))
    )

    async with uow() as work:
        counts = await work.leads.open_counts_by_owner()
        waiting = await work.leads.unassigned_open()
    assert counts == {ann.id: 4}
    assert len(waiting) == 3


async def test_a_new_card_drawn_before_a_change_and_recorded_after_it_is_redrawn(
    uow: UowFactory, engine: AsyncEngine
) -> None:
    lead = await add_lead(uow, version=3)
    async with uow() as work:
        await work.outbox.put(Notice(7, Template.UNASSIGNED_ALERT, lead.id))
        await work.outbox.put(Notice(8, Template.UNASSIGNED_ALERT, lead.id))
        await work.commit()
    outbox = OutboxStore(session_factories(engine)[0])
    stale, fresh = await outbox.heads(NOW, 10)

    await outbox.sent(stale, 41, NOW, drawn_at=2)
    await outbox.sent(fresh, 42, NOW, drawn_at=3)

    assert [
        (row.chat_id, row.template, row.edit_message_id) for row in await outbox.heads(NOW, 10)
    ] == [(7, "card", 41)]


async def test_hand_backs_racing_offers_and_captures_all_complete(
    uow: UowFactory, services: Services
) -> None:
    for n in range(4):
        await add_member(uow, 101 + n, f"Rep {n}", capacity=3)
    owned = [await services.capture(inquiry(n)) for n in range(8)]
    captures = [services.capture(inquiry(n)) for n in range(20, 26)]

    results = await asyncio.gather(
        *(services.hand_back(101 + (c.owner_id - 1), c.lead_id, "too busy") for c in owned[:4]),
        *(services.offer_unassigned() for _ in range(3)),
        *captures,
        return_exceptions=True,
    )

    assert [r for r in results if isinstance(r, BaseException)] == []
    async with uow() as work:
        counts = await work.leads.open_counts_by_owner()
        members = {m.id: m for m in await work.members.all()}
    assert all(count <= members[owner].capacity for owner, count in counts.items())
