"""The lead: who asked, through which channel, who owns it and where it stands.

A lead's current state lives on the `Lead`; how it got there lives in its events
(`core.events`). Every method that changes a lead returns the events to append, so a
use case can never change a lead without writing its history.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from core.events import Event, EventKind

NEW = "new"
CONTACTED = "contacted"
QUALIFIED = "qualified"
WON = "won"
LOST = "lost"
DEFAULT_STAGES = (NEW, CONTACTED, "qualified", "meeting", "proposal", WON, LOST)
CLOSED_STAGES = frozenset({WON, LOST})


class Channel(StrEnum):
    """Where an inquiry came from."""

    API = "api"
    FORM = "form"
    TELEGRAM = "telegram"
    EMAIL = "email"
    PHONE = "phone"
    IMPORT = "import"


class Temperature(StrEnum):
    """How ready the prospect is to buy."""

    HOT = "hot"
    WARM = "warm"
    COLD = "cold"


class ContactOutcome(StrEnum):
    """The result of one attempt to reach the prospect."""

    REACHED = "reached"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    WRONG_NUMBER = "wrong_number"


class LossReason(StrEnum):
    """Why a lead was lost; a structured list so losses can be counted."""

    TOO_EXPENSIVE = "too_expensive"
    UNREACHABLE = "unreachable"
    NOT_OUR_PROFILE = "not_our_profile"
    COMPETITOR = "competitor"
    NO_BUDGET = "no_budget"
    NO_NEED = "no_need"
    DUPLICATE_OR_SPAM = "spam"
    OTHER = "other"


LOSS_REASON_LABELS: dict[LossReason, str] = {
    LossReason.TOO_EXPENSIVE: "Too expensive",
    LossReason.UNREACHABLE: "Could not reach",
    LossReason.NOT_OUR_PROFILE: "Not our profile",
    LossReason.COMPETITOR: "Chose a competitor",
    LossReason.NO_BUDGET: "No budget",
    LossReason.NO_NEED: "No need",
    LossReason.DUPLICATE_OR_SPAM: "Duplicate or spam",
    LossReason.OTHER: "Other",
}


@dataclass
class Inquiry:
    """One inquiry as it arrived, contacts already normalised by the adapter."""

    channel: Channel
    name: str = ""
    phone: str | None = None
    email: str | None = None
    message: str = ""
    product: str | None = None
    region: str | None = None
    value: Decimal | None = None
    external_id: str | None = None
    utm: dict[str, str] = field(default_factory=dict)
    telegram_chat_id: int | None = None
    source_id: int | None = None

    @property
    def has_contact(self) -> bool:
        """Tell whether there is any way to reach the person."""
        return bool(self.phone or self.email or self.telegram_chat_id)


@dataclass
class Lead:
    """A prospect's inquiry and everything the team has done with it since."""

    channel: Channel
    created_at: datetime
    name: str = ""
    phone: str | None = None
    email: str | None = None
    message: str = ""
    product: str | None = None
    region: str | None = None
    value: Decimal | None = None
    external_id: str | None = None
    utm: dict[str, str] = field(default_factory=dict)
    telegram_chat_id: int | None = None
    source_id: int | None = None
    id: int | None = None
    owner_id: int | None = None
    assigned_at: datetime | None = None
    taken_at: datetime | None = None
    stage: str = NEW
    temperature: Temperature | None = None
    attempts: int = 0
    first_attempt_at: datetime | None = None
    first_contact_at: datetime | None = None
    loss_reason: LossReason | None = None
    loss_note: str | None = None
    won_amount: Decimal | None = None
    closed_at: datetime | None = None
    after_hours: bool = False
    version: int = 0

    @classmethod
    def from_inquiry(cls, inquiry: Inquiry, now: datetime) -> "Lead":
        """Open a new lead for an inquiry."""
        return cls(
            channel=inquiry.channel,
            created_at=now,
            name=inquiry.name,
            phone=inquiry.phone,
            email=inquiry.email,
            message=inquiry.message,
            product=inquiry.product,
            region=inquiry.region,
            value=inquiry.value,
            external_id=inquiry.external_id,
            utm=dict(inquiry.utm),
            telegram_chat_id=inquiry.telegram_chat_id,
            source_id=inquiry.source_id,
        )

    @property
    def is_open(self) -> bool:
        """Tell whether the lead is still being worked."""
        return self.stage not in CLOSED_STAGES

    @property
    def title(self) -> str:
        """Name the lead in one short phrase."""
        return f"#{self.id} {self.name or self.phone or self.email or 'prospect'}"

    def _event(self, kind: EventKind, now: datetime, actor: int | None, **data: object) -> Event:
        self.version += 1
        return Event(lead_id=self.id, kind=kind, at=now, actor_id=actor, data=data)

    def assign(self, owner_id: int, now: datetime, reason: str, actor: int | None) -> Event:
        """Give the lead to a rep."""
        previous = self.owner_id
        self.owner_id = owner_id
        self.assigned_at = now
        self.taken_at = None
        return self._event(
            EventKind.ASSIGNED, now, actor, owner_id=owner_id, previous=previous, reason=reason
        )

    def leave_unassigned(self, now: datetime, reason: str) -> Event:
        """Record that nobody could take the lead."""
        previous = self.owner_id
        self.owner_id = None
        self.assigned_at = None
        return self._event(EventKind.UNASSIGNED, now, None, previous=previous, reason=reason)

    def take(self, now: datetime, actor: int, **measures: object) -> Event:
        """Record that the owner has seen the alert and is on it ("Taking it")."""
        self.taken_at = now
        return self._event(EventKind.TAKEN, now, actor, **measures)

    def hand_back(self, now: datetime, actor: int, reason: str) -> Event:
        """Record that the owner gave the lead up; routing then finds it a new owner."""
        return self._event(
            EventKind.HANDED_BACK, now, actor, owner_id=self.owner_id, reason=reason
        )

    def record_attempt(self, outcome: ContactOutcome, now: datetime, actor: int) -> Event:
        """Log one attempt to reach the prospect; the first one also counts as taking it."""
        self.attempts += 1
        self.first_attempt_at = self.first_attempt_at or now
        self.taken_at = self.taken_at or now
        if outcome is ContactOutcome.REACHED:
            self.first_contact_at = self.first_contact_at or now
            if self.stage == NEW:
                self.stage = CONTACTED
        return self._event(
            EventKind.ATTEMPTED, now, actor, outcome=outcome.value, attempt=self.attempts
        )

    def qualify(self, temperature: Temperature, now: datetime, actor: int) -> Event:
        """Rate how ready the prospect is."""
        previous = self.temperature
        self.temperature = temperature
        if temperature is not Temperature.COLD and self.stage in (NEW, CONTACTED):
            self.stage = QUALIFIED
        return self._event(
            EventKind.QUALIFIED,
            now,
            actor,
            temperature=temperature.value,
            previous=previous.value if previous else None,
            stage=self.stage,
        )

    def lose(self, reason: LossReason, now: datetime, actor: int | None, note: str = "") -> Event:
        """Close the lead as lost, for a reason from the list."""
        previous = self.stage
        self.stage = LOST
        self.loss_reason = reason
        self.loss_note = note or None
        self.closed_at = now
        return self._event(
            EventKind.LOST, now, actor, reason=reason.value, note=note, previous=previous
        )

    def merge_inquiry(self, inquiry: Inquiry, now: datetime) -> Event:
        """Add a repeat inquiry from the same contact to this lead."""
        if not self.phone and inquiry.phone:
            self.phone = inquiry.phone
        if not self.email and inquiry.email:
            self.email = inquiry.email
        return self._event(
            EventKind.INQUIRY_REPEATED,
            now,
            None,
            message=inquiry.message,
            channel=inquiry.channel.value,
            source_id=inquiry.source_id,
        )
