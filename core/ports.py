"""The ports that adapters implement: repositories and the unit of work.

`storage/` implements them on SQLAlchemy; `tests/unit/fakes.py` keeps them in memory.
A unit of work is one transaction: nothing is kept unless `commit()` is called.
"""

from collections.abc import Collection, Sequence
from datetime import date, datetime
from types import TracebackType
from typing import Any, Protocol, Self

from core.events import Event, EventKind
from core.leads import Lead
from core.metrics import LeadSummary, SpendEntry
from core.notices import Notice, Shown
from core.prompts import Prompt
from core.sources import Source
from core.team import Invite, Member
from core.timers import Timer, TimerKind


class LeadRepository(Protocol):
    """Leads by number, by contact and by owner."""

    async def add(self, lead: Lead) -> Lead:
        """Store a new lead and give it its number."""
        ...

    async def get(self, lead_id: int) -> Lead | None:
        """Load a lead for change, locking it where the database can."""
        ...

    async def save(self, lead: Lead) -> None:
        """Write back a changed lead; raise ConcurrentUpdate if it changed meanwhile."""
        ...

    async def find_open_by_contact(
        self, phone: str | None, email: str | None, telegram_chat_id: int | None = None
    ) -> Lead | None:
        """Find the open lead of a contact, by phone, e-mail or the Telegram chat it uses."""
        ...

    async def find_by_external_id(self, source_id: int, external_id: str) -> Lead | None:
        """Find the lead a source already sent under its own id."""
        ...

    async def last_owner_of_contact(
        self, phone: str | None, email: str | None, telegram_chat_id: int | None = None
    ) -> int | None:
        """Name the owner of the contact's most recent earlier lead."""
        ...

    async def open_counts_by_owner(self) -> dict[int, int]:
        """Count open leads per owner."""
        ...

    async def created_between(self, start: datetime, end: datetime) -> Sequence[Lead]:
        """List the leads that arrived in [start, end), oldest first, without locking them."""
        ...

    async def count_open_unassigned(self) -> int:
        """Count open leads that have no owner."""
        ...

    async def page(
        self, start: datetime | None, end: datetime | None, after_id: int, limit: int
    ) -> Sequence[Lead]:
        """List up to `limit` leads created in [start, end) with ids above `after_id`, by id."""
        ...

    async def open_by_contacts(
        self, phones: Collection[str], emails: Collection[str]
    ) -> Sequence[Lead]:
        """List the open leads that have any of these phones or e-mails."""
        ...

    async def by_external_ids(
        self, source_id: int, external_ids: Collection[str]
    ) -> dict[str, int]:
        """Map the external ids a source already sent to their leads."""
        ...

    async def add_many(self, leads: Sequence[Lead]) -> None:
        """Store new leads in bulk, giving each its number."""

    async def unassigned_open(self) -> Sequence[Lead]:
        """Load the open leads that have no owner, oldest first, for change."""
        ...

    async def open_of_owner(self, owner_id: int) -> Sequence[Lead]:
        """Load a rep's open leads, oldest first, for change."""
        ...

    async def open_of_owner_to_read(self, owner_id: int) -> Sequence[Lead]:
        """List a rep's open leads, oldest first, without locking them (their queue)."""
        ...

    async def assigned_since(self, moment: datetime) -> Sequence[Lead]:
        """List the leads given to their current owner at or after a moment, for reading."""
        ...


class MemberRepository(Protocol):
    """The team."""

    async def add(self, member: Member) -> Member:
        """Store a new member."""
        ...

    async def get(self, member_id: int) -> Member | None:
        """Load a member by id."""
        ...

    async def by_telegram_id(self, telegram_id: int) -> Member | None:
        """Load a member by Telegram account."""
        ...

    async def save(self, member: Member) -> None:
        """Write back a changed member."""
        ...

    async def all(self) -> Sequence[Member]:
        """List every member, active or not, in joining order."""
        ...


class SourceRepository(Protocol):
    """Where leads come from, each with its secret token."""

    async def add(self, source: Source) -> Source:
        """Store a new source."""
        ...

    async def by_token_hash(self, token_hash: str) -> Source | None:
        """Find the source a token belongs to."""
        ...

    async def by_name(self, name: str) -> Source | None:
        """Find a source by its name."""
        ...

    async def get(self, source_id: int) -> Source | None:
        """Load a source by id."""
        ...

    async def save(self, source: Source) -> None:
        """Write back a changed source (its norm, whether it is active)."""
        ...

    async def all(self) -> Sequence[Source]:
        """List every source."""
        ...


class EventLog(Protocol):
    """The append-only history of every lead."""

    async def append(self, event: Event) -> None:
        """Add an event."""
        ...

    async def for_lead(self, lead_id: int) -> Sequence[Event]:
        """List a lead's events, oldest first."""
        ...

    async def last_of_kind(self, lead_id: int, kind: EventKind) -> Event | None:
        """Find the most recent event of a kind for a lead."""
        ...

    async def between(
        self, start: datetime, end: datetime, kinds: Sequence[EventKind]
    ) -> Sequence[Event]:
        """List the events of some kinds that happened in [start, end), oldest first."""
        ...

    async def append_many(self, events: Sequence[Event]) -> None:
        """Add events in bulk, in order."""
        ...

    async def histories(self, lead_ids: Collection[int]) -> dict[int, Sequence[Event]]:
        """Map each lead to its events, oldest first."""
        ...


class TimerRepository(Protocol):
    """Timers as rows with a due time."""

    async def arm(self, timer: Timer) -> None:
        """Add a timer."""
        ...

    async def cancel(self, lead_id: int, kinds: Sequence[TimerKind]) -> int:
        """Cancel a lead's pending timers of some kinds; return how many."""
        ...

    async def claim_due(self, now: datetime, limit: int) -> Sequence[Timer]:
        """Take due timers so no other transaction fires them; they count as fired on commit."""
        ...

    async def next_due(self) -> datetime | None:
        """Tell when the earliest pending timer is due."""
        ...

    async def pending_for_team(self) -> Sequence[Timer]:
        """List the pending timers that belong to no lead (openings, digests)."""
        ...

    async def cancel_for_team(self, kinds: Sequence[TimerKind]) -> int:
        """Cancel the pending team timers of some kinds; return how many."""
        ...


class Outbox(Protocol):
    """Messages waiting to be said in Telegram."""

    async def put(self, notice: Notice) -> None:
        """Queue a message."""
        ...


class CardRepository(Protocol):
    """The messages in Telegram that show a lead's card."""

    async def for_lead(self, lead_id: int) -> Sequence[tuple[int, int]]:
        """List (chat_id, message_id) of every card of a lead, timelines included."""
        ...

    async def lead_of(self, chat_id: int, message_id: int) -> int | None:
        """Tell which lead a message shows."""
        ...

    async def shown_at(self, chat_id: int, message_id: int) -> tuple[int, Shown] | None:
        """Tell which lead a message shows, and as what."""
        ...


class PromptRepository(Protocol):
    """Questions the bot asked a member and waits to have answered, one per chat."""

    async def get(self, chat_id: int) -> Prompt | None:
        """Load the question waiting in a chat."""
        ...

    async def put(self, prompt: Prompt) -> None:
        """Store a question, replacing any earlier one in the same chat."""
        ...

    async def clear(self, chat_id: int) -> None:
        """Forget the question waiting in a chat, if any."""
        ...


class SummaryRepository(Protocol):
    """What each lead's events say (`core.metrics.summarise`), for reports."""

    async def arrived_between(self, start: datetime, end: datetime) -> Sequence[LeadSummary]:
        """List the summaries of the leads captured in [start, end)."""
        ...

    async def of_leads(self, lead_ids: Collection[int]) -> dict[int, LeadSummary]:
        """Map each of these leads that has a `captured` event to its summary."""
        ...


class SpendRepository(Protocol):
    """Ad spend per source and period, entered by managers."""

    async def add(self, entry: SpendEntry) -> SpendEntry:
        """Store a spend entry and give it its id."""
        ...

    async def overlapping(self, first: date, last: date) -> Sequence[SpendEntry]:
        """List the entries that cover any date from `first` to `last`."""
        ...


class InviteRepository(Protocol):
    """One-time codes to join the team."""

    async def add(self, invite: Invite) -> None:
        """Store an invite."""
        ...

    async def get(self, code: str) -> Invite | None:
        """Load an invite for redemption."""
        ...

    async def save(self, invite: Invite) -> None:
        """Write back a redeemed invite."""
        ...


class IdempotencyKeys(Protocol):
    """Keys clients send so a retried request does not make a second lead."""

    async def lead_for(self, source_id: int, key: str) -> int | None:
        """Tell which lead a key produced."""
        ...

    async def remember(self, source_id: int, key: str, lead_id: int, now: datetime) -> None:
        """Record the lead a key produced."""
        ...


class KeyValue(Protocol):
    """Small pieces of persistent state, such as the round-robin cursor."""

    async def get(self, key: str) -> Any:
        """Read a value, locking it for this transaction where the database can."""
        ...

    async def put(self, key: str, value: Any) -> None:
        """Write a value."""
        ...


class UnitOfWork(Protocol):
    """One transaction over every repository; rolled back unless committed."""

    leads: LeadRepository
    members: MemberRepository
    sources: SourceRepository
    events: EventLog
    timers: TimerRepository
    outbox: Outbox
    cards: CardRepository
    invites: InviteRepository
    idempotency: IdempotencyKeys
    state: KeyValue
    spend: SpendRepository
    summaries: SummaryRepository
    prompts: PromptRepository

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None:
        """Keep everything done in this unit of work."""
        ...

    async def ping(self) -> None:
        """Make one round trip to the database; raise if it does not answer."""
        ...
