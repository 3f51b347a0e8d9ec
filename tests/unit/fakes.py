"""In-memory fakes of core's ports, keeping the promises the SQL adapters keep.

`FakeStore` holds the committed state. `store.uow()` opens a `FakeUnitOfWork` that works
on its own copy of that state and hands its writes to the store only on `commit()`; leave
the `async with` block without committing and they are gone, as in a rolled-back
transaction. Objects are deep-copied on the way in and out, so a test that holds a `Lead`
cannot change what is stored by accident, and the store's helpers (`store.notices`,
`store.events_of(...)`, `store.timers`, ...) show committed state only.

Like the SQL adapters, the fakes give ids from counters that a rollback does not rewind,
check a lead's version on save (`ConcurrentUpdate` if it changed since this unit of work
loaded it), and never let two open units of work claim the same timer.

Limits: a unit of work sees the store as it was when it began plus its own writes
(snapshot isolation). Lead versions are checked again at commit, where the database's row
lock would have stopped a racing writer; every other write is last-writer-wins.
"""

import copy
import dataclasses
import itertools
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from types import TracebackType
from typing import Any, Self, TypeVar

from core.errors import ConcurrentUpdate
from core.events import Event, EventKind
from core.leads import Lead
from core.metrics import LeadSummary, SpendEntry, summarise
from core.notices import Notice, Shown
from core.prompts import Prompt
from core.sources import Source
from core.team import Invite, Member
from core.timers import Timer, TimerKind

T = TypeVar("T")

PENDING = "pending"
FIRED = "fired"
CANCELLED = "cancelled"


def _copy(value: T) -> T:
    return copy.deepcopy(value)


@dataclass
class StoredTimer:
    """A timer row: the timer and what became of it."""

    timer: Timer
    status: str = PENDING
    fired_at: datetime | None = None


@dataclass
class State:
    """Everything the database would hold, table by table."""

    leads: dict[int, Lead] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    sources: dict[int, Source] = field(default_factory=dict)
    events: dict[int, Event] = field(default_factory=dict)
    timers: dict[int, StoredTimer] = field(default_factory=dict)
    outbox: dict[int, Notice] = field(default_factory=dict)
    cards: dict[tuple[int, int], int] = field(default_factory=dict)
    shown: dict[tuple[int, int], Shown] = field(default_factory=dict)
    prompts: dict[int, Prompt] = field(default_factory=dict)
    invites: dict[str, Invite] = field(default_factory=dict)
    idempotency: dict[tuple[int, str], int] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)
    spend: dict[int, SpendEntry] = field(default_factory=dict)


Change = Callable[[State], None]


class FakeStore:
    """The committed state of a fake database, and the door to units of work on it."""

    def __init__(self) -> None:
        self.committed = State()
        self.down = False
        self.commits = 0
        self._ids: dict[str, itertools.count[int]] = {}
        self._claimed: set[int] = set()

    def uow(self) -> "FakeUnitOfWork":
        """Open a new unit of work; pass `store.uow` wherever a factory is wanted."""
        return FakeUnitOfWork(self)

    def next_id(self, table: str) -> int:
        """Give the next id of a table; like a sequence, a rollback does not rewind it."""
        return next(self._ids.setdefault(table, itertools.count(1)))

    def snapshot(self) -> State:
        """Copy the committed state, to compare with later."""
        return _copy(self.committed)

    # -- arranging a test: these write committed state directly --------------------------

    def add_member(self, member: Member) -> Member:
        """Put a member on the team and return them with their id."""
        member = _copy(member)
        member.id = self.next_id("members")
        self.committed.members[member.id] = member
        return _copy(member)

    def add_card(
        self, lead_id: int, chat_id: int, message_id: int, shown: Shown = Shown.CARD
    ) -> None:
        """Record that a Telegram message shows the card of a lead (or its timeline, or a
        prospect's message)."""
        self.committed.cards[(chat_id, message_id)] = lead_id
        self.committed.shown[(chat_id, message_id)] = shown

    def arm(self, timer: Timer) -> Timer:
        """Add a pending timer and return it with its id."""
        timer = _copy(timer)
        timer.id = self.next_id("timers")
        self.committed.timers[timer.id] = StoredTimer(timer)
        return _copy(timer)

    def save_member(self, member: Member) -> None:
        """Overwrite a member, say to pause them or send them on leave."""
        self.committed.members[member.id] = _copy(member)

    # -- asserting: committed state only -------------------------------------------------

    def lead(self, lead_id: int) -> Lead:
        """Return a committed lead."""
        return _copy(self.committed.leads[lead_id])

    @property
    def leads(self) -> list[Lead]:
        """List the committed leads by number."""
        return [_copy(lead) for _, lead in sorted(self.committed.leads.items())]

    def member(self, member_id: int) -> Member:
        """Return a committed member."""
        return _copy(self.committed.members[member_id])

    @property
    def members(self) -> list[Member]:
        """List the committed members by id."""
        return [_copy(member) for _, member in sorted(self.committed.members.items())]

    def events_of(self, lead_id: int) -> list[Event]:
        """List a lead's committed events, oldest first."""
        return [_copy(e) for _, e in sorted(self.committed.events.items()) if e.lead_id == lead_id]

    def kinds_of(self, lead_id: int) -> list[EventKind]:
        """List the kinds of a lead's committed events, oldest first."""
        return [event.kind for event in self.events_of(lead_id)]

    @property
    def notices(self) -> list[Notice]:
        """List the committed outbox, in the order it was written."""
        return [_copy(notice) for _, notice in sorted(self.committed.outbox.items())]

    @property
    def timers(self) -> list[StoredTimer]:
        """List every committed timer row, in the order armed."""
        return [_copy(row) for _, row in sorted(self.committed.timers.items())]

    def timers_of(self, lead_id: int) -> list[StoredTimer]:
        """List a lead's committed timer rows, in the order armed."""
        return [row for row in self.timers if row.timer.lead_id == lead_id]

    def pending_timers(self, lead_id: int) -> list[tuple[TimerKind, datetime]]:
        """List (kind, due time) of a lead's pending timers, in the order armed."""
        rows = self.timers_of(lead_id)
        return [(row.timer.kind, row.timer.due_at) for row in rows if row.status == PENDING]

    @property
    def invites(self) -> list[Invite]:
        """List the committed invites."""
        return [_copy(invite) for invite in self.committed.invites.values()]

    @property
    def sources(self) -> list[Source]:
        """List the committed sources by id."""
        return [_copy(source) for _, source in sorted(self.committed.sources.items())]

    @property
    def spend(self) -> list[SpendEntry]:
        """List the committed spend entries by id."""
        return [entry for _, entry in sorted(self.committed.spend.items())]

    def add_event(self, event: Event) -> Event:
        """Append an event to the committed history, as if a use case had."""
        event = dataclasses.replace(event, id=self.next_id("events"))
        self.committed.events[event.id] = _copy(event)
        return event

    def add_lead(self, lead: Lead) -> Lead:
        """Store a lead as it is and return it with its number."""
        lead = _copy(lead)
        lead.id = self.next_id("leads")
        self.committed.leads[lead.id] = lead
        return _copy(lead)

    @property
    def state(self) -> dict[str, Any]:
        """Return the committed key-value state."""
        return _copy(self.committed.state)

    @property
    def prompts(self) -> dict[int, Prompt]:
        """Return the questions waiting for an answer, by chat."""
        return _copy(self.committed.prompts)


class FakeUnitOfWork:
    """One transaction on a `FakeStore`: rolled back unless committed."""

    def __init__(self, store: FakeStore) -> None:
        self.store = store
        self.leads = FakeLeads(self)
        self.members = FakeMembers(self)
        self.sources = FakeSources(self)
        self.events = FakeEvents(self)
        self.timers = FakeTimers(self)
        self.outbox = FakeOutbox(self)
        self.cards = FakeCards(self)
        self.invites = FakeInvites(self)
        self.idempotency = FakeIdempotencyKeys(self)
        self.state = FakeKeyValue(self)
        self.spend = FakeSpend(self)
        self.summaries = FakeSummaries(self)
        self.prompts = FakePrompts(self)
        self._working: State | None = None
        self._changes: list[Change] = []
        self._saved_versions: dict[int, int] = {}
        self._claimed: set[int] = set()

    @property
    def working(self) -> State:
        """The state as this unit of work sees it."""
        if self._working is None:
            raise RuntimeError("Use a unit of work inside `async with`.")
        return self._working

    async def __aenter__(self) -> Self:
        self._working = self.store.snapshot()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._changes.clear()
        self._saved_versions.clear()
        self._release_claims()
        self._working = None

    async def commit(self) -> None:
        """Hand every write to the store, or none if a lead changed meanwhile."""
        committed = self.store.committed
        for lead_id, expected in self._saved_versions.items():
            stored = committed.leads.get(lead_id)
            if stored is not None and stored.version != expected:
                raise ConcurrentUpdate(f"Lead #{lead_id} was changed by somebody else.")
        for change in self._changes:
            change(committed)
        self._changes.clear()
        self._saved_versions.clear()
        self._release_claims()
        self.store.commits += 1

    async def ping(self) -> None:
        """Answer unless the test has taken the fake database down."""
        if self.store.down:
            raise ConnectionError("The fake database is down.")

    def write(self, change: Change) -> None:
        """Apply a change to this unit of work's state now and to the store on commit."""
        change(self.working)
        self._changes.append(change)

    def _release_claims(self) -> None:
        self.store._claimed -= self._claimed
        self._claimed.clear()


def _put(table: str, key: Any, value: Any) -> Change:
    def change(state: State) -> None:
        getattr(state, table)[key] = _copy(value)

    return change


class _Repository:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self.uow = uow

    @property
    def working(self) -> State:
        return self.uow.working

    def keep(self, table: str, key: Any, value: Any) -> None:
        """Write a copy of a value into a table of this unit of work."""
        self.uow.write(_put(table, key, _copy(value)))


def _same_contact(
    lead: Lead, phone: str | None, email: str | None, chat_id: int | None = None
) -> bool:
    return bool(
        (phone and lead.phone == phone)
        or (email and lead.email == email)
        or (chat_id and lead.telegram_chat_id == chat_id)
    )


class FakeLeads(_Repository):
    """Leads, with the version check of the SQL adapter."""

    def __init__(self, uow: FakeUnitOfWork) -> None:
        super().__init__(uow)
        self._versions: dict[int, int] = {}

    def _track(self, lead: Lead | None) -> Lead | None:
        if lead is None:
            return None
        self._versions[lead.id] = lead.version
        return _copy(lead)

    def _newest_first(self) -> list[Lead]:
        return [lead for _, lead in sorted(self.working.leads.items(), reverse=True)]

    async def add(self, lead: Lead) -> Lead:
        """Store a new lead and give it its number."""
        lead.id = self.uow.store.next_id("leads")
        self.keep("leads", lead.id, lead)
        self._versions[lead.id] = lead.version
        return lead

    async def get(self, lead_id: int) -> Lead | None:
        """Load a lead."""
        return self._track(self.working.leads.get(lead_id))

    async def save(self, lead: Lead) -> None:
        """Write back a lead unless its stored version moved since it was loaded here."""
        expected = self._versions.get(lead.id, lead.version)
        committed = self.uow.store.committed.leads.get(lead.id)
        written_here = lead.id in self.uow._saved_versions or committed is None
        stored = self.working.leads.get(lead.id) if written_here else committed
        if stored is None or stored.version != expected:
            raise ConcurrentUpdate(f"Lead #{lead.id} was changed by somebody else; try again.")
        if committed is not None:
            self.uow._saved_versions.setdefault(lead.id, committed.version)
        self.keep("leads", lead.id, lead)
        self._versions[lead.id] = lead.version

    async def find_open_by_contact(
        self, phone: str | None, email: str | None, telegram_chat_id: int | None = None
    ) -> Lead | None:
        """Find the most recent open lead with this phone, e-mail or Telegram chat."""
        found = (
            lead
            for lead in self._newest_first()
            if lead.is_open and _same_contact(lead, phone, email, telegram_chat_id)
        )
        return self._track(next(found, None))

    async def find_by_external_id(self, source_id: int, external_id: str) -> Lead | None:
        """Find the lead a source already sent under its own id."""
        found = (
            lead
            for lead in self._newest_first()
            if lead.source_id == source_id and lead.external_id == external_id
        )
        return self._track(next(found, None))

    async def last_owner_of_contact(
        self, phone: str | None, email: str | None, telegram_chat_id: int | None = None
    ) -> int | None:
        """Name the owner of the contact's most recent lead that had one."""
        owners = (
            lead.owner_id
            for lead in self._newest_first()
            if lead.owner_id is not None and _same_contact(lead, phone, email, telegram_chat_id)
        )
        return next(owners, None)

    async def open_counts_by_owner(self) -> dict[int, int]:
        """Count open leads per owner."""
        counts: dict[int, int] = {}
        for lead in self.working.leads.values():
            if lead.is_open and lead.owner_id is not None:
                counts[lead.owner_id] = counts.get(lead.owner_id, 0) + 1
        return counts

    async def created_between(self, start: datetime, end: datetime) -> Sequence[Lead]:
        """List the leads that arrived in [start, end), oldest first."""
        found = (lead for lead in self.working.leads.values() if start <= lead.created_at < end)
        return [_copy(lead) for lead in sorted(found, key=lambda x: (x.created_at, x.id))]

    async def count_open_unassigned(self) -> int:
        """Count open leads that have no owner."""
        leads = self.working.leads.values()
        return sum(lead.is_open and lead.owner_id is None for lead in leads)

    async def page(
        self, start: datetime | None, end: datetime | None, after_id: int, limit: int
    ) -> Sequence[Lead]:
        """List up to `limit` leads created in [start, end) with ids above `after_id`, by id."""
        leads = [
            lead
            for lead_id, lead in sorted(self.working.leads.items())
            if lead_id > after_id
            and (start is None or lead.created_at >= start)
            and (end is None or lead.created_at < end)
        ]
        return [_copy(lead) for lead in leads[:limit]]

    async def open_by_contacts(
        self, phones: Collection[str], emails: Collection[str]
    ) -> Sequence[Lead]:
        """List the open leads that have any of these phones or e-mails."""
        return [
            self._track(lead)
            for _, lead in sorted(self.working.leads.items())
            if lead.is_open and (lead.phone in phones or lead.email in emails)
        ]

    async def by_external_ids(
        self, source_id: int, external_ids: Collection[str]
    ) -> dict[str, int]:
        """Map the external ids a source already sent to their leads."""
        return {
            lead.external_id: lead.id
            for lead in self.working.leads.values()
            if lead.source_id == source_id and lead.external_id in external_ids
        }

    async def add_many(self, leads: Sequence[Lead]) -> None:
        """Store new leads, giving each its number in order."""
        for lead in leads:
            await self.add(lead)

    def _oldest_first(self, keep: Callable[[Lead], bool]) -> list[Lead]:
        return [lead for _, lead in sorted(self.working.leads.items()) if keep(lead)]

    async def unassigned_open(self) -> Sequence[Lead]:
        """Load the open leads that have no owner, oldest first."""
        waiting = self._oldest_first(lambda lead: lead.is_open and lead.owner_id is None)
        return [self._track(lead) for lead in waiting]

    async def open_of_owner(self, owner_id: int) -> Sequence[Lead]:
        """Load a rep's open leads, oldest first."""
        owned = self._oldest_first(lambda lead: lead.is_open and lead.owner_id == owner_id)
        return [self._track(lead) for lead in owned]

    async def assigned_since(self, moment: datetime) -> Sequence[Lead]:
        """List the leads given to their current owner at or after a moment."""
        recent = self._oldest_first(
            lambda lead: lead.assigned_at is not None and lead.assigned_at >= moment
        )
        return [_copy(lead) for lead in recent]

    async def open_of_owner_to_read(self, owner_id: int) -> Sequence[Lead]:
        """List a rep's open leads, oldest first, without tracking them for change."""
        leads = sorted(self.working.leads.items())
        return [_copy(lead) for _, lead in leads if lead.is_open and lead.owner_id == owner_id]


class FakeMembers(_Repository):
    """The team."""

    async def add(self, member: Member) -> Member:
        """Store a new member; Telegram accounts are unique, as in the table."""
        if any(m.telegram_id == member.telegram_id for m in self.working.members.values()):
            raise ValueError(f"Telegram account {member.telegram_id} is already a member.")
        member.id = self.uow.store.next_id("members")
        self.keep("members", member.id, member)
        return member

    async def get(self, member_id: int) -> Member | None:
        """Load a member by id."""
        return _copy(self.working.members.get(member_id))

    async def by_telegram_id(self, telegram_id: int) -> Member | None:
        """Load a member by Telegram account."""
        found = (m for m in self.working.members.values() if m.telegram_id == telegram_id)
        return _copy(next(found, None))

    async def save(self, member: Member) -> None:
        """Write back a changed member."""
        self.keep("members", member.id, member)

    async def all(self) -> Sequence[Member]:
        """List every member, active or not, by id."""
        return [_copy(member) for _, member in sorted(self.working.members.items())]


class FakeSources(_Repository):
    """Lead sources."""

    async def add(self, source: Source) -> Source:
        """Store a new source."""
        source.id = self.uow.store.next_id("sources")
        self.keep("sources", source.id, source)
        return source

    def _one(self, matches: Callable[[Source], bool]) -> Source | None:
        return _copy(next((s for s in self.working.sources.values() if matches(s)), None))

    async def by_token_hash(self, token_hash: str) -> Source | None:
        """Find the source a token belongs to."""
        return self._one(lambda source: source.token_hash == token_hash)

    async def by_name(self, name: str) -> Source | None:
        """Find a source by its name."""
        return self._one(lambda source: source.name == name)

    async def get(self, source_id: int) -> Source | None:
        """Load a source by id."""
        return _copy(self.working.sources.get(source_id))

    async def save(self, source: Source) -> None:
        """Write back a changed source."""
        self.keep("sources", source.id, source)

    async def all(self) -> Sequence[Source]:
        """List every source by id."""
        return [_copy(source) for _, source in sorted(self.working.sources.items())]


class FakeEvents(_Repository):
    """The append-only history."""

    async def append(self, event: Event) -> None:
        """Add an event and give it its id."""
        event.id = self.uow.store.next_id("events")
        self.keep("events", event.id, event)

    async def for_lead(self, lead_id: int) -> Sequence[Event]:
        """List a lead's events, oldest first."""
        events = sorted(self.working.events.items())
        return [_copy(event) for _, event in events if event.lead_id == lead_id]

    async def last_of_kind(self, lead_id: int, kind: EventKind) -> Event | None:
        """Find the most recent event of a kind for a lead."""
        matching = [event for event in await self.for_lead(lead_id) if event.kind is kind]
        return matching[-1] if matching else None

    async def between(
        self, start: datetime, end: datetime, kinds: Sequence[EventKind]
    ) -> Sequence[Event]:
        """List the events of some kinds that happened in [start, end), oldest first."""
        found = (
            e for e in self.working.events.values() if e.kind in kinds and start <= e.at < end
        )
        return [_copy(e) for e in sorted(found, key=lambda e: (e.at, e.id))]

    async def append_many(self, events: Sequence[Event]) -> None:
        """Add events in order."""
        for event in events:
            await self.append(event)

    async def histories(self, lead_ids: Collection[int]) -> dict[int, Sequence[Event]]:
        """Map each lead to its events, oldest first."""
        found: dict[int, list[Event]] = {lead_id: [] for lead_id in lead_ids}
        for _, event in sorted(self.working.events.items()):
            if event.lead_id in found:
                found[event.lead_id].append(_copy(event))
        return found


class FakeSummaries(_Repository):
    """Summaries, worked out from the events each time, as the definition says."""

    async def arrived_between(self, start: datetime, end: datetime) -> Sequence[LeadSummary]:
        """List the summaries of the leads captured in [start, end)."""
        histories: dict[int, list[Event]] = {}
        for _, event in sorted(self.working.events.items()):
            if event.lead_id is not None:
                histories.setdefault(event.lead_id, []).append(event)
        summaries = (summarise(lead_id, events) for lead_id, events in histories.items())
        return [s for s in summaries if s is not None and start <= s.arrived_at < end]

    async def of_leads(self, lead_ids: Collection[int]) -> dict[int, LeadSummary]:
        """Map each of these leads that has a `captured` event to its summary."""
        wanted = set(lead_ids)
        histories: dict[int, list[Event]] = {}
        for _, event in sorted(self.working.events.items()):
            if event.lead_id in wanted:
                histories.setdefault(event.lead_id, []).append(event)
        summaries = {lead_id: summarise(lead_id, events) for lead_id, events in histories.items()}
        return {lead_id: s for lead_id, s in summaries.items() if s is not None}


class FakeSpend(_Repository):
    """Ad spend entries."""

    async def add(self, entry: SpendEntry) -> SpendEntry:
        """Store a spend entry and give it its id."""
        entry = dataclasses.replace(entry, id=self.uow.store.next_id("spend"))
        self.keep("spend", entry.id, entry)
        return entry

    async def overlapping(self, first: date, last: date) -> Sequence[SpendEntry]:
        """List the entries that cover any date from `first` to `last`."""
        return [
            entry
            for _, entry in sorted(self.working.spend.items())
            if entry.starts_on <= last and entry.ends_on >= first
        ]


class FakeTimers(_Repository):
    """Timer rows, claimed so that no two units of work fire the same one."""

    async def arm(self, timer: Timer) -> None:
        """Add a pending timer and give it its id."""
        timer.id = self.uow.store.next_id("timers")
        self.keep("timers", timer.id, StoredTimer(timer))

    async def cancel(self, lead_id: int, kinds: Sequence[TimerKind]) -> int:
        """Cancel a lead's pending timers of some kinds; return how many."""
        rows = [
            row
            for row in self.working.timers.values()
            if row.timer.lead_id == lead_id and row.status == PENDING and row.timer.kind in kinds
        ]
        for row in rows:
            self.keep("timers", row.timer.id, StoredTimer(row.timer, CANCELLED))
        return len(rows)

    async def claim_due(self, now: datetime, limit: int) -> Sequence[Timer]:
        """Take up to `limit` due pending timers, earliest first, and mark them fired."""
        store = self.uow.store
        due = sorted(
            (
                row
                for row in self.working.timers.values()
                if row.status == PENDING
                and row.timer.due_at <= now
                and row.timer.id not in store._claimed
                and _still_pending(store.committed.timers.get(row.timer.id))
            ),
            key=lambda row: (row.timer.due_at, row.timer.id),
        )[:limit]
        for row in due:
            store._claimed.add(row.timer.id)
            self.uow._claimed.add(row.timer.id)
            self.keep("timers", row.timer.id, StoredTimer(row.timer, FIRED, now))
        return [_copy(row.timer) for row in due]

    async def next_due(self) -> datetime | None:
        """Tell when the earliest pending timer is due."""
        pending = [
            row.timer.due_at for row in self.working.timers.values() if row.status == PENDING
        ]
        return min(pending, default=None)

    async def pending_for_team(self) -> Sequence[Timer]:
        """List the pending timers that belong to no lead, earliest first."""
        rows = [
            row
            for row in self.working.timers.values()
            if row.status == PENDING and row.timer.lead_id is None
        ]
        rows.sort(key=lambda row: (row.timer.due_at, row.timer.id))
        return [_copy(row.timer) for row in rows]

    async def cancel_for_team(self, kinds: Sequence[TimerKind]) -> int:
        """Cancel the pending team timers of some kinds; return how many."""
        rows = [
            row
            for row in self.working.timers.values()
            if row.timer.lead_id is None and row.status == PENDING and row.timer.kind in kinds
        ]
        for row in rows:
            self.keep("timers", row.timer.id, StoredTimer(row.timer, CANCELLED))
        return len(rows)


def _still_pending(row: StoredTimer | None) -> bool:
    """Tell whether a timer is pending in the store; one armed in this unit of work is."""
    return row is None or row.status == PENDING


class FakeOutbox(_Repository):
    """Messages waiting to be said."""

    async def put(self, notice: Notice) -> None:
        """Queue a message and give it its id."""
        notice.id = self.uow.store.next_id("outbox")
        self.keep("outbox", notice.id, notice)


class FakeCards(_Repository):
    """Which messages show which lead's card."""

    async def for_lead(self, lead_id: int) -> Sequence[tuple[int, int]]:
        """List (chat_id, message_id) of every card of a lead, timelines included."""
        return [
            message
            for message, lead in self.working.cards.items()
            if lead == lead_id and self.working.shown.get(message) is not Shown.MESSAGE
        ]

    async def lead_of(self, chat_id: int, message_id: int) -> int | None:
        """Tell which lead a message shows."""
        return self.working.cards.get((chat_id, message_id))

    async def shown_at(self, chat_id: int, message_id: int) -> tuple[int, Shown] | None:
        """Tell which lead a message shows, and as what."""
        lead_id = self.working.cards.get((chat_id, message_id))
        if lead_id is None:
            return None
        return lead_id, self.working.shown.get((chat_id, message_id), Shown.CARD)


class FakeInvites(_Repository):
    """One-time invite codes."""

    async def add(self, invite: Invite) -> None:
        """Store an invite."""
        self.keep("invites", invite.code, invite)

    async def get(self, code: str) -> Invite | None:
        """Load an invite."""
        return _copy(self.working.invites.get(code))

    async def save(self, invite: Invite) -> None:
        """Write back a redeemed invite."""
        self.keep("invites", invite.code, invite)


class FakeIdempotencyKeys(_Repository):
    """Idempotency keys per source."""

    async def lead_for(self, source_id: int, key: str) -> int | None:
        """Tell which lead a key produced."""
        return self.working.idempotency.get((source_id, key))

    async def remember(self, source_id: int, key: str, lead_id: int, now: datetime) -> None:
        """Record the lead a key produced; a key is stored once, as under its primary key."""
        if (source_id, key) in self.working.idempotency:
            raise ValueError(f"Idempotency key {key!r} of source {source_id} is already stored.")
        self.keep("idempotency", (source_id, key), lead_id)


class FakeKeyValue(_Repository):
    """Small pieces of persistent state."""

    async def get(self, key: str) -> Any:
        """Read a value, or None."""
        return _copy(self.working.state.get(key))

    async def put(self, key: str, value: Any) -> None:
        """Write a value."""
        self.keep("state", key, value)


class FakePrompts(_Repository):
    """Questions waiting for an answer, one per chat."""

    async def get(self, chat_id: int) -> Prompt | None:
        """Load the question waiting in a chat."""
        return _copy(self.working.prompts.get(chat_id))

    async def put(self, prompt: Prompt) -> None:
        """Store a question, replacing any earlier one in the chat."""
        self.keep("prompts", prompt.chat_id, prompt)

    async def clear(self, chat_id: int) -> None:
        """Forget the question waiting in a chat."""
        if chat_id in self.working.prompts:
            self.uow.write(_drop("prompts", chat_id))


def _drop(table: str, key: Any) -> Change:
    def change(state: State) -> None:
        getattr(state, table).pop(key, None)

    return change
