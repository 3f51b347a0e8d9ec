"""Repositories: the domain's ports on SQLAlchemy, turning rows into domain objects.

Leads are written with an optimistic version check as well as a row lock where the
database has one (PostgreSQL's SELECT … FOR UPDATE; SQLite's write lock is already
held since BEGIN IMMEDIATE), so two taps on one lead can never both win.

A row lock cannot guard a row that does not exist yet: two captures from one new
contact, two retries with one idempotency key or external id, or the first two writers
of the routing cursor would all find nothing and go on as if alone. On PostgreSQL the
look-ups that decide such a thing first take a transaction-scoped advisory lock on what
they look for (`_lock`), so the second waits for the first to commit and then sees its
row. Locks are keyed by a 32-bit hash, so two unrelated keys may now and then share
one; that only makes one wait for the other. SQLite needs none of this.
"""

import dataclasses
from collections.abc import Collection, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import ConcurrentUpdate
from core.events import Event, EventKind
from core.leads import CLOSED_STAGES, Channel, Lead, LossReason, Temperature
from core.metrics import SpendEntry
from core.notices import Notice, Shown
from core.prompts import Awaiting, Prompt
from core.sources import Source
from core.team import Invite, Member, Role
from core.timers import Timer, TimerKind
from storage.tables import (
    CardRow,
    EventRow,
    IdempotencyRow,
    InviteRow,
    LeadRow,
    MemberRow,
    OutboxRow,
    PromptRow,
    SourceRow,
    SpendRow,
    StateRow,
    TimerRow,
)


def to_cents(amount: Decimal | None) -> int | None:
    """Store money as whole cents."""
    return None if amount is None else int((amount * 100).to_integral_value())


def from_cents(cents: int | None) -> Decimal | None:
    """Read money back from cents."""
    return None if cents is None else Decimal(cents) / 100


_LEAD_FIELDS = [
    "channel",
    "source_id",
    "created_at",
    "name",
    "phone",
    "email",
    "message",
    "product",
    "region",
    "external_id",
    "utm",
    "telegram_chat_id",
    "owner_id",
    "assigned_at",
    "taken_at",
    "stage",
    "attempts",
    "first_attempt_at",
    "first_contact_at",
    "loss_note",
    "closed_at",
    "after_hours",
    "unanswered",
    "retry_at",
    "remind_at",
    "next_step",
    "stage_changed_at",
    "version",
]


def lead_from_row(row: LeadRow) -> Lead:
    """Build a domain lead from its row."""
    values: dict[str, Any] = {name: getattr(row, name) for name in _LEAD_FIELDS}
    values["channel"] = Channel(row.channel)
    values["utm"] = dict(row.utm or {})
    return Lead(
        id=row.id,
        value=from_cents(row.value_cents),
        won_amount=from_cents(row.won_cents),
        temperature=Temperature(row.temperature) if row.temperature else None,
        loss_reason=LossReason(row.loss_reason) if row.loss_reason else None,
        criteria=frozenset(row.criteria or ()),
        **values,
    )


def lead_columns(lead: Lead) -> dict[str, Any]:
    """Give the column values of a domain lead."""
    values: dict[str, Any] = {name: getattr(lead, name) for name in _LEAD_FIELDS}
    values["channel"] = lead.channel.value
    values["value_cents"] = to_cents(lead.value)
    values["won_cents"] = to_cents(lead.won_amount)
    values["temperature"] = lead.temperature.value if lead.temperature else None
    values["loss_reason"] = lead.loss_reason.value if lead.loss_reason else None
    values["criteria"] = sorted(lead.criteria)
    return values


async def _lock(session: AsyncSession, *keys: str) -> None:
    """Hold a lock on each key until the transaction ends, on PostgreSQL; in one order."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for key in sorted(set(keys)):
        lock = sa.func.pg_advisory_xact_lock(sa.func.hashtext(key))
        await session.execute(sa.select(lock))


async def reserve_ids(session: AsyncSession, table: sa.Table, count: int) -> list[int]:
    """Take `count` new ids of a table, in order, so rows can be inserted in bulk without
    reading ids back (a bulk insert with RETURNING in parameter order runs row by row).

    PostgreSQL draws them from the table's sequence; SQLite counts on from the largest id,
    which is safe because a write transaction there holds the database's only write lock.
    """
    if session.get_bind().dialect.name == "postgresql":
        sequence = sa.func.pg_get_serial_sequence(table.name, "id")
        query = sa.select(sa.func.nextval(sequence)).select_from(sa.func.generate_series(1, count))
        return list(await session.scalars(query))
    largest = await session.scalar(sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0)))
    return list(range(largest + 1, largest + count + 1))


def _open() -> sa.ColumnElement[bool]:
    return LeadRow.stage.not_in(sorted(CLOSED_STAGES))


def _same_contact(
    phone: str | None, email: str | None, chat_id: int | None = None
) -> sa.ColumnElement[bool] | None:
    clauses = []
    if phone:
        clauses.append(LeadRow.phone == phone)
    if email:
        clauses.append(LeadRow.email == email)
    if chat_id:
        clauses.append(LeadRow.telegram_chat_id == chat_id)
    return sa.or_(*clauses) if clauses else None


class SqlLeads:
    """Leads in the `leads` table."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._versions: dict[int, int] = {}

    def _track(self, row: LeadRow | None) -> Lead | None:
        if row is None:
            return None
        self._versions[row.id] = row.version
        return lead_from_row(row)

    async def add(self, lead: Lead) -> Lead:
        """Insert a new lead and give it its number."""
        row = LeadRow(**lead_columns(lead))
        self.session.add(row)
        await self.session.flush()
        lead.id = row.id
        self._versions[row.id] = lead.version
        return lead

    async def get(self, lead_id: int) -> Lead | None:
        """Load a lead, locking its row where the database can."""
        query = sa.select(LeadRow).where(LeadRow.id == lead_id).with_for_update()
        row = (
            await self.session.execute(query.execution_options(populate_existing=True))
        ).scalar()
        return self._track(row)

    async def save(self, lead: Lead) -> None:
        """Write a lead back unless somebody else changed it since it was read."""
        expected = self._versions.get(lead.id, lead.version)
        statement = (
            sa.update(LeadRow)
            .where(LeadRow.id == lead.id, LeadRow.version == expected)
            .values(**lead_columns(lead))
            .execution_options(synchronize_session=False)
        )
        result = await self.session.execute(statement)
        if result.rowcount != 1:
            raise ConcurrentUpdate(f"Lead #{lead.id} was changed by somebody else; try again.")
        self._versions[lead.id] = lead.version

    async def find_open_by_contact(
        self, phone: str | None, email: str | None, telegram_chat_id: int | None = None
    ) -> Lead | None:
        """Find the most recent open lead of a contact, by phone, e-mail or Telegram chat."""
        same = _same_contact(phone, email, telegram_chat_id)
        if same is None:
            return None
        contacts = {"phone": phone, "email": email, "telegram": telegram_chat_id}
        await _lock(self.session, *(f"contact:{k}:{v}" for k, v in contacts.items() if v))
        query = sa.select(LeadRow).where(same, _open()).order_by(LeadRow.id.desc()).limit(1)
        return self._track((await self.session.execute(query.with_for_update())).scalar())

    async def find_by_external_id(self, source_id: int, external_id: str) -> Lead | None:
        """Find the lead a source already sent under its own id."""
        await _lock(self.session, f"external:{source_id}:{external_id}")
        query = sa.select(LeadRow).where(
            LeadRow.source_id == source_id, LeadRow.external_id == external_id
        )
        return self._track((await self.session.execute(query)).scalar())

    async def last_owner_of_contact(
        self, phone: str | None, email: str | None, telegram_chat_id: int | None = None
    ) -> int | None:
        """Name the owner of the contact's most recent lead that had one."""
        same = _same_contact(phone, email, telegram_chat_id)
        if same is None:
            return None
        query = (
            sa.select(LeadRow.owner_id)
            .where(same, LeadRow.owner_id.is_not(None))
            .order_by(LeadRow.id.desc())
            .limit(1)
        )
        return (await self.session.execute(query)).scalar()

    async def open_counts_by_owner(self) -> dict[int, int]:
        """Count open leads per owner."""
        query = (
            sa.select(LeadRow.owner_id, sa.func.count())
            .where(LeadRow.owner_id.is_not(None), _open())
            .group_by(LeadRow.owner_id)
        )
        return {owner: count for owner, count in await self.session.execute(query)}

    async def _list(self, query: sa.Select) -> list[Lead]:
        ordered = query.order_by(LeadRow.created_at, LeadRow.id)
        return [lead_from_row(row) for row in (await self.session.execute(ordered)).scalars()]

    async def created_between(self, start: datetime, end: datetime) -> Sequence[Lead]:
        """List the leads that arrived in [start, end), oldest first."""
        return await self._list(
            sa.select(LeadRow).where(LeadRow.created_at >= start, LeadRow.created_at < end)
        )

    async def count_open_unassigned(self) -> int:
        """Count open leads that have no owner."""
        query = sa.select(sa.func.count()).where(LeadRow.owner_id.is_(None), _open())
        return (await self.session.execute(query)).scalar_one()

    async def page(
        self, start: datetime | None, end: datetime | None, after_id: int, limit: int
    ) -> Sequence[Lead]:
        """List up to `limit` leads created in [start, end) with ids above `after_id`, by id."""
        query = sa.select(LeadRow).where(LeadRow.id > after_id)
        if start is not None:
            query = query.where(LeadRow.created_at >= start)
        if end is not None:
            query = query.where(LeadRow.created_at < end)
        rows = (await self.session.execute(query.order_by(LeadRow.id).limit(limit))).scalars()
        return [lead_from_row(row) for row in rows]

    async def open_by_contacts(
        self, phones: Collection[str], emails: Collection[str]
    ) -> Sequence[Lead]:
        """List the open leads that have any of these phones or e-mails."""
        found: dict[int, LeadRow] = {}
        for column, values in ((LeadRow.phone, sorted(phones)), (LeadRow.email, sorted(emails))):
            for chunk in _chunks(values, 500):
                query = sa.select(LeadRow).where(column.in_(chunk), _open())
                for row in (await self.session.execute(query)).scalars():
                    found[row.id] = row
        return [self._track(row) for _, row in sorted(found.items())]

    async def by_external_ids(
        self, source_id: int, external_ids: Collection[str]
    ) -> dict[str, int]:
        """Map the external ids a source already sent to their leads."""
        known: dict[str, int] = {}
        for chunk in _chunks(sorted(external_ids), 500):
            query = sa.select(LeadRow.external_id, LeadRow.id).where(
                LeadRow.source_id == source_id, LeadRow.external_id.in_(chunk)
            )
            known.update({external: lead for external, lead in await self.session.execute(query)})
        return known

    async def add_many(self, leads: Sequence[Lead]) -> None:
        """Insert leads with one executemany, giving each its number in order."""
        if not leads:
            return
        ids = await reserve_ids(self.session, LeadRow.__table__, len(leads))
        rows = []
        for lead, lead_id in zip(leads, ids, strict=True):
            lead.id = lead_id
            self._versions[lead_id] = lead.version
            rows.append({"id": lead_id, **lead_columns(lead)})
        await self.session.execute(sa.insert(LeadRow.__table__), rows)

    async def _locked(self, clause: sa.ColumnElement[bool]) -> list[Lead]:
        query = sa.select(LeadRow).where(clause, _open()).order_by(LeadRow.id).with_for_update()
        rows = (
            await self.session.execute(query.execution_options(populate_existing=True))
        ).scalars()
        return [self._track(row) for row in rows]

    async def unassigned_open(self) -> Sequence[Lead]:
        """Load the open leads that have no owner, oldest first, locking them."""
        return await self._locked(LeadRow.owner_id.is_(None))

    async def open_of_owner(self, owner_id: int) -> Sequence[Lead]:
        """Load a rep's open leads, oldest first, locking them."""
        return await self._locked(LeadRow.owner_id == owner_id)

    async def open_of_owner_to_read(self, owner_id: int) -> Sequence[Lead]:
        """List a rep's open leads, oldest first, without locking them."""
        query = (
            sa.select(LeadRow)
            .where(LeadRow.owner_id == owner_id, _open())
            .order_by(LeadRow.id)
            .execution_options(populate_existing=True)
        )
        return [lead_from_row(row) for row in (await self.session.execute(query)).scalars()]

    async def assigned_since(self, moment: datetime) -> Sequence[Lead]:
        """List the leads given to their current owner at or after a moment."""
        query = sa.select(LeadRow).where(LeadRow.assigned_at >= moment).order_by(LeadRow.id)
        return [lead_from_row(row) for row in (await self.session.execute(query)).scalars()]

    async def by_telegram_chat(self, chat_id: int) -> Lead | None:
        """Find the most recent lead of a prospect who writes to the bot."""
        query = (
            sa.select(LeadRow)
            .where(LeadRow.telegram_chat_id == chat_id)
            .order_by(LeadRow.id.desc())
            .limit(1)
        )
        return self._track((await self.session.execute(query)).scalar())


def member_from_row(row: MemberRow) -> Member:
    """Build a domain member from its row."""
    return Member(
        id=row.id,
        telegram_id=row.telegram_id,
        name=row.name,
        username=row.username,
        role=Role(row.role),
        active=row.active,
        paused=row.paused,
        on_leave_until=row.on_leave_until,
        products=frozenset(row.products or ()),
        regions=frozenset(row.regions or ()),
        capacity=row.capacity,
        weight=row.weight,
        tier=row.tier,
        joined_at=row.joined_at,
        shift=row.shift,
        untaken_alerts=row.untaken_alerts,
    )


def member_columns(member: Member) -> dict[str, Any]:
    """Give the column values of a domain member."""
    return {
        "telegram_id": member.telegram_id,
        "name": member.name,
        "username": member.username,
        "role": member.role.value,
        "active": member.active,
        "paused": member.paused,
        "on_leave_until": member.on_leave_until,
        "products": sorted(member.products),
        "regions": sorted(member.regions),
        "capacity": member.capacity,
        "weight": member.weight,
        "tier": member.tier,
        "joined_at": member.joined_at,
        "shift": member.shift,
        "untaken_alerts": member.untaken_alerts,
    }


class SqlMembers:
    """The team in the `members` table."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, member: Member) -> Member:
        """Insert a member."""
        row = MemberRow(**member_columns(member))
        self.session.add(row)
        await self.session.flush()
        member.id = row.id
        return member

    async def get(self, member_id: int) -> Member | None:
        """Load a member by id."""
        row = await self.session.get(MemberRow, member_id)
        return member_from_row(row) if row else None

    async def by_telegram_id(self, telegram_id: int) -> Member | None:
        """Load a member by Telegram account."""
        query = sa.select(MemberRow).where(MemberRow.telegram_id == telegram_id)
        row = (await self.session.execute(query)).scalar()
        return member_from_row(row) if row else None

    async def save(self, member: Member) -> None:
        """Write a member back."""
        statement = (
            sa.update(MemberRow)
            .where(MemberRow.id == member.id)
            .values(**member_columns(member))
            .execution_options(synchronize_session=False)
        )
        await self.session.execute(statement)

    async def all(self) -> Sequence[Member]:
        """List every member in joining order."""
        rows = (await self.session.execute(sa.select(MemberRow).order_by(MemberRow.id))).scalars()
        return [member_from_row(row) for row in rows]


def source_from_row(row: SourceRow) -> Source:
    """Build a domain source from its row."""
    return Source(
        id=row.id,
        name=row.name,
        token_hash=row.token_hash,
        created_at=row.created_at,
        channel=row.channel,
        active=row.active,
        first_response=_norm_from(row.first_response_seconds),
    )


def _norm_from(seconds: int | None) -> timedelta | None:
    return None if seconds is None else timedelta(seconds=seconds)


def _norm_seconds(norm: timedelta | None) -> int | None:
    return None if norm is None else int(norm.total_seconds())


class SqlSources:
    """Lead sources in the `sources` table."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, source: Source) -> Source:
        """Insert a source."""
        row = SourceRow(
            name=source.name,
            token_hash=source.token_hash,
            channel=source.channel,
            active=source.active,
            created_at=source.created_at,
            first_response_seconds=_norm_seconds(source.first_response),
        )
        self.session.add(row)
        await self.session.flush()
        source.id = row.id
        return source

    async def _one(self, clause: sa.ColumnElement[bool]) -> Source | None:
        row = (await self.session.execute(sa.select(SourceRow).where(clause))).scalar()
        return source_from_row(row) if row else None

    async def by_token_hash(self, token_hash: str) -> Source | None:
        """Find the source a token belongs to."""
        return await self._one(SourceRow.token_hash == token_hash)

    async def by_name(self, name: str) -> Source | None:
        """Find a source by name."""
        return await self._one(SourceRow.name == name)

    async def get(self, source_id: int) -> Source | None:
        """Load a source by id."""
        return await self._one(SourceRow.id == source_id)

    async def save(self, source: Source) -> None:
        """Write back a source's name, channel, norm and whether it is active."""
        await self.session.execute(
            sa.update(SourceRow)
            .where(SourceRow.id == source.id)
            .values(
                name=source.name,
                channel=source.channel,
                active=source.active,
                first_response_seconds=_norm_seconds(source.first_response),
            )
            .execution_options(synchronize_session=False)
        )

    async def all(self) -> Sequence[Source]:
        """List every source by id."""
        rows = (await self.session.execute(sa.select(SourceRow).order_by(SourceRow.id))).scalars()
        return [source_from_row(row) for row in rows]


def event_from_row(row: EventRow) -> Event:
    """Build a domain event from its row."""
    return Event(
        id=row.id,
        lead_id=row.lead_id,
        kind=EventKind(row.kind),
        at=row.at,
        actor_id=row.actor_id,
        data=dict(row.data or {}),
    )


class SqlEvents:
    """The append-only `events` table; remembers what this unit of work appended."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.appended: list[Event] = []

    async def append(self, event: Event) -> None:
        """Add an event."""
        row = EventRow(
            lead_id=event.lead_id,
            kind=event.kind.value,
            at=event.at,
            actor_id=event.actor_id,
            data=event.data,
        )
        self.session.add(row)
        await self.session.flush()
        event.id = row.id
        self.appended.append(event)

    async def for_lead(self, lead_id: int) -> Sequence[Event]:
        """List a lead's events, oldest first."""
        query = sa.select(EventRow).where(EventRow.lead_id == lead_id).order_by(EventRow.id)
        return [event_from_row(row) for row in (await self.session.execute(query)).scalars()]

    async def last_of_kind(self, lead_id: int, kind: EventKind) -> Event | None:
        """Find the most recent event of a kind for a lead."""
        query = (
            sa.select(EventRow)
            .where(EventRow.lead_id == lead_id, EventRow.kind == kind.value)
            .order_by(EventRow.id.desc())
            .limit(1)
        )
        row = (await self.session.execute(query)).scalar()
        return event_from_row(row) if row else None

    async def between(
        self, start: datetime, end: datetime, kinds: Sequence[EventKind]
    ) -> Sequence[Event]:
        """List the events of some kinds that happened in [start, end), oldest first."""
        query = (
            sa.select(EventRow)
            .where(
                EventRow.kind.in_([kind.value for kind in kinds]),
                EventRow.at >= start,
                EventRow.at < end,
            )
            .order_by(EventRow.at, EventRow.id)
        )
        return [event_from_row(row) for row in (await self.session.execute(query)).scalars()]

    async def append_many(self, events: Sequence[Event]) -> None:
        """Add events in bulk, in order, giving each its id."""
        if not events:
            return
        ids = await reserve_ids(self.session, EventRow.__table__, len(events))
        rows = []
        for event, event_id in zip(events, ids, strict=True):
            event.id = event_id
            rows.append(
                {
                    "id": event_id,
                    "lead_id": event.lead_id,
                    "kind": event.kind.value,
                    "at": event.at,
                    "actor_id": event.actor_id,
                    "data": event.data,
                }
            )
        await self.session.execute(sa.insert(EventRow.__table__), rows)
        self.appended.extend(events)

    async def histories(self, lead_ids: Collection[int]) -> dict[int, Sequence[Event]]:
        """Map each lead to its events, oldest first."""
        found: dict[int, list[Event]] = {lead_id: [] for lead_id in lead_ids}
        for chunk in _chunks(sorted(lead_ids), 500):
            query = sa.select(EventRow).where(EventRow.lead_id.in_(chunk)).order_by(EventRow.id)
            for row in (await self.session.execute(query)).scalars():
                found[row.lead_id].append(event_from_row(row))
        return found


class SqlSpend:
    """Ad spend entries, money in cents."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, entry: SpendEntry) -> SpendEntry:
        """Store a spend entry and give it its id."""
        row = SpendRow(
            source_id=entry.source_id,
            starts_on=entry.starts_on,
            ends_on=entry.ends_on,
            amount_cents=to_cents(entry.amount),
            note=entry.note,
            created_at=datetime.now(UTC),
        )
        self.session.add(row)
        await self.session.flush()
        return dataclasses.replace(entry, id=row.id)

    async def overlapping(self, first: date, last: date) -> Sequence[SpendEntry]:
        """List the entries that cover any date from `first` to `last`."""
        query = (
            sa.select(SpendRow)
            .where(SpendRow.starts_on <= last, SpendRow.ends_on >= first)
            .order_by(SpendRow.starts_on, SpendRow.id)
        )
        return [
            SpendEntry(
                row.source_id,
                row.starts_on,
                row.ends_on,
                from_cents(row.amount_cents) or Decimal(0),
                row.note,
                row.id,
            )
            for row in (await self.session.execute(query)).scalars()
        ]


def _chunks(values: Sequence, size: int) -> list[Sequence]:
    return [values[i : i + size] for i in range(0, len(values), size)]


class SqlTimers:
    """Timers in the `timers` table, claimed with SKIP LOCKED where the database has it."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.earliest: datetime | None = None

    async def arm(self, timer: Timer) -> None:
        """Add a pending timer."""
        row = TimerRow(
            kind=timer.kind.value, lead_id=timer.lead_id, due_at=timer.due_at, data=timer.data
        )
        self.session.add(row)
        await self.session.flush()
        timer.id = row.id
        if self.earliest is None or timer.due_at < self.earliest:
            self.earliest = timer.due_at

    async def cancel(self, lead_id: int, kinds: Sequence[TimerKind]) -> int:
        """Cancel a lead's pending timers of some kinds."""
        statement = (
            sa.update(TimerRow)
            .where(
                TimerRow.lead_id == lead_id,
                TimerRow.status == "pending",
                TimerRow.kind.in_([kind.value for kind in kinds]),
            )
            .values(status="cancelled")
            .execution_options(synchronize_session=False)
        )
        return (await self.session.execute(statement)).rowcount

    async def claim_due(self, now: datetime, limit: int) -> Sequence[Timer]:
        """Take up to `limit` due timers, oldest first, and mark them fired."""
        query = (
            sa.select(TimerRow)
            .where(TimerRow.status == "pending", TimerRow.due_at <= now)
            .order_by(TimerRow.due_at, TimerRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        rows = list((await self.session.execute(query)).scalars())
        if rows:
            await self.session.execute(
                sa.update(TimerRow)
                .where(TimerRow.id.in_([row.id for row in rows]))
                .values(status="fired", fired_at=now)
                .execution_options(synchronize_session=False)
            )
        return [_timer(row) for row in rows]

    async def next_due(self) -> datetime | None:
        """Tell when the earliest pending timer is due."""
        query = sa.select(sa.func.min(TimerRow.due_at)).where(TimerRow.status == "pending")
        return (await self.session.execute(query)).scalar()

    async def pending_for_team(self) -> Sequence[Timer]:
        """List the pending timers that belong to no lead (openings, digests)."""
        query = (
            sa.select(TimerRow)
            .where(TimerRow.lead_id.is_(None), TimerRow.status == "pending")
            .order_by(TimerRow.due_at, TimerRow.id)
        )
        rows = (await self.session.execute(query)).scalars()
        return [_timer(row) for row in rows]

    async def cancel_for_team(self, kinds: Sequence[TimerKind]) -> int:
        """Cancel the pending team timers of some kinds."""
        statement = (
            sa.update(TimerRow)
            .where(
                TimerRow.lead_id.is_(None),
                TimerRow.status == "pending",
                TimerRow.kind.in_([kind.value for kind in kinds]),
            )
            .values(status="cancelled")
            .execution_options(synchronize_session=False)
        )
        return (await self.session.execute(statement)).rowcount


def _timer(row: TimerRow) -> Timer:
    return Timer(TimerKind(row.kind), row.due_at, row.lead_id, dict(row.data or {}), row.id)


class SqlOutbox:
    """The `outbox` table, as the use cases see it: a place to queue messages."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.written = 0

    async def put(self, notice: Notice) -> None:
        """Queue a message."""
        row = OutboxRow(
            chat_id=notice.chat_id,
            template=notice.template.value,
            lead_id=notice.lead_id,
            data=notice.data,
            edit_message_id=notice.edit_message_id,
            created_at=datetime.now(UTC),
        )
        self.session.add(row)
        await self.session.flush()
        notice.id = row.id
        self.written += 1


class SqlCards:
    """Which Telegram messages show which lead's card."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def for_lead(self, lead_id: int) -> Sequence[tuple[int, int]]:
        """List (chat_id, message_id) of every card of a lead, timelines included."""
        query = (
            sa.select(CardRow.chat_id, CardRow.message_id)
            .where(CardRow.lead_id == lead_id, CardRow.shown != Shown.MESSAGE.value)
            .order_by(CardRow.id)
        )
        return [(chat, message) for chat, message in await self.session.execute(query)]

    async def shown_at(self, chat_id: int, message_id: int) -> tuple[int, Shown] | None:
        """Tell which lead a message shows, and as what."""
        query = sa.select(CardRow.lead_id, CardRow.shown).where(
            CardRow.chat_id == chat_id, CardRow.message_id == message_id
        )
        row = (await self.session.execute(query)).first()
        return (row.lead_id, Shown(row.shown)) if row else None

    async def lead_of(self, chat_id: int, message_id: int) -> int | None:
        """Tell which lead a message shows."""
        query = sa.select(CardRow.lead_id).where(
            CardRow.chat_id == chat_id, CardRow.message_id == message_id
        )
        return (await self.session.execute(query)).scalar()


class SqlInvites:
    """One-time invite codes."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, invite: Invite) -> None:
        """Store an invite."""
        self.session.add(
            InviteRow(
                code=invite.code,
                role=invite.role.value,
                created_by=invite.created_by,
                created_at=invite.created_at,
                expires_at=invite.expires_at,
            )
        )
        await self.session.flush()

    async def get(self, code: str) -> Invite | None:
        """Load an invite, locked for redemption."""
        query = sa.select(InviteRow).where(InviteRow.code == code).with_for_update()
        row = (await self.session.execute(query)).scalar()
        if row is None:
            return None
        return Invite(
            code=row.code,
            created_by=row.created_by,
            created_at=row.created_at,
            expires_at=row.expires_at,
            role=Role(row.role),
            used_by=row.used_by,
        )

    async def save(self, invite: Invite) -> None:
        """Record who used an invite."""
        await self.session.execute(
            sa.update(InviteRow)
            .where(InviteRow.code == invite.code)
            .values(used_by=invite.used_by)
            .execution_options(synchronize_session=False)
        )


class SqlIdempotency:
    """Idempotency keys per source."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lead_for(self, source_id: int, key: str) -> int | None:
        """Tell which lead a key produced."""
        await _lock(self.session, f"idempotency:{source_id}:{key}")
        query = sa.select(IdempotencyRow.lead_id).where(
            IdempotencyRow.source_id == source_id, IdempotencyRow.key == key
        )
        return (await self.session.execute(query)).scalar()

    async def remember(self, source_id: int, key: str, lead_id: int, now: datetime) -> None:
        """Record the lead a key produced."""
        self.session.add(
            IdempotencyRow(source_id=source_id, key=key, lead_id=lead_id, created_at=now)
        )
        await self.session.flush()


class SqlState:
    """Small named pieces of state, such as the routing cursor."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, key: str) -> Any:
        """Read a value, locking the key for this transaction where the database can."""
        await _lock(self.session, f"state:{key}")
        query = sa.select(StateRow.value).where(StateRow.key == key).with_for_update()
        return (await self.session.execute(query)).scalar()

    async def put(self, key: str, value: Any) -> None:
        """Write a value, inserting its row the first time, even when two race to."""
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = insert(StateRow).values(key=key, value=value)
        statement = statement.on_conflict_do_update(
            index_elements=[StateRow.key], set_={"value": statement.excluded.value}
        )
        await self.session.execute(statement)


class SqlPrompts:
    """Questions waiting for a member's answer, one per chat."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, chat_id: int) -> Prompt | None:
        """Load the question waiting in a chat."""
        row = await self.session.get(PromptRow, chat_id, populate_existing=True)
        if row is None:
            return None
        return Prompt(
            chat_id=row.chat_id,
            member_id=row.member_id,
            lead_id=row.lead_id,
            awaiting=Awaiting(row.awaiting),
            asked_at=row.asked_at,
            message_id=row.message_id,
            data=dict(row.data or {}),
        )

    async def put(self, prompt: Prompt) -> None:
        """Store a question, replacing the one waiting in the same chat, even in a race."""
        values = {
            "chat_id": prompt.chat_id,
            "member_id": prompt.member_id,
            "lead_id": prompt.lead_id,
            "awaiting": prompt.awaiting.value,
            "asked_at": prompt.asked_at,
            "message_id": prompt.message_id,
            "data": prompt.data,
        }
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = insert(PromptRow).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=[PromptRow.chat_id],
            set_={k: statement.excluded[k] for k in values if k != "chat_id"},
        )
        await self.session.execute(statement)

    async def clear(self, chat_id: int) -> None:
        """Forget the question waiting in a chat."""
        await self.session.execute(
            sa.delete(PromptRow)
            .where(PromptRow.chat_id == chat_id)
            .execution_options(synchronize_session=False)
        )
