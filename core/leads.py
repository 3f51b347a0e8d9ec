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
from core.pipeline import (
    CLOSED_STAGES,
    CONTACTED,
    DEFAULT_PIPELINE,
    LOST,
    NEW,
    QUALIFIED,
    WON,
    Pipeline,
)

__all__ = [
    "CLOSED_STAGES",
    "CONTACTED",
    "CRITERIA",
    "LOSS_REASON_LABELS",
    "LOST",
    "NEW",
    "QUALIFIED",
    "WON",
    "Channel",
    "ContactOutcome",
    "Inquiry",
    "Lead",
    "LossReason",
    "Temperature",
]


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


# The four qualification questions (BANT): budget, authority (decision maker), need, timing.
CRITERIA: dict[str, str] = {
    "budget": "Budget",
    "authority": "Decision maker",
    "need": "Need",
    "timing": "Timing",
}

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
    criteria: frozenset[str] = frozenset()
    unanswered: int = 0
    retry_at: datetime | None = None
    remind_at: datetime | None = None
    next_step: str | None = None
    stage_changed_at: datetime | None = None
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
            stage_changed_at=now,
        )

    @property
    def is_open(self) -> bool:
        """Tell whether the lead is still being worked."""
        return self.stage not in CLOSED_STAGES

    @property
    def stage_since(self) -> datetime:
        """Tell when the lead entered its current stage."""
        return self.stage_changed_at or self.created_at

    @property
    def is_reached(self) -> bool:
        """Tell whether anyone has spoken to the prospect yet."""
        return self.first_contact_at is not None

    @property
    def round_is_over(self) -> bool:
        """Tell whether the attempts of a round are used up and the rep must choose."""
        return not self.is_reached and self.unanswered > 0 and self.retry_at is None

    def needs_next_step(self) -> bool:
        """Tell whether the lead was reached but has nothing planned."""
        return self.is_open and self.is_reached and self.remind_at is None

    def _quiet(self, kind: EventKind, now: datetime, actor: int | None, **data: object) -> Event:
        """Record something said about the lead that changes none of its state."""
        return Event(lead_id=self.id, kind=kind, at=now, actor_id=actor, data=data)

    def _move_to(self, stage: str, now: datetime) -> None:
        if stage != self.stage:
            self.stage = stage
            self.stage_changed_at = now

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

    def record_attempt(
        self,
        outcome: ContactOutcome,
        now: datetime,
        actor: int,
        retry_at: datetime | None = None,
        pipeline: Pipeline = DEFAULT_PIPELINE,
    ) -> Event:
        """Log one attempt to reach the prospect, and when to try again if it failed.

        Reached ends the round of attempts. Any other outcome counts as unanswered; a wrong
        number ends the round at once, since calling it again cannot help.
        """
        self.attempts += 1
        self.first_attempt_at = self.first_attempt_at or now
        self.taken_at = self.taken_at or now  # a first attempt counts as taking the lead
        if outcome is ContactOutcome.REACHED:
            self.first_contact_at = self.first_contact_at or now
            self.unanswered, self.retry_at = 0, None
            self._move_to(pipeline.after_contact(self.stage), now)
            return self._event(
                EventKind.ATTEMPTED, now, actor, outcome=outcome.value, attempt=self.attempts
            )
        self.unanswered += 1
        self.retry_at = None if outcome is ContactOutcome.WRONG_NUMBER else retry_at
        return self._event(
            EventKind.ATTEMPTED,
            now,
            actor,
            outcome=outcome.value,
            attempt=self.attempts,
            retry_at=self.retry_at.isoformat() if self.retry_at else None,
        )

    def restart_round(self, retry_at: datetime, now: datetime, actor: int) -> Event:
        """Start one more round of attempts after the last one failed."""
        self.unanswered, self.retry_at = 0, retry_at
        return self._event(EventKind.ROUND_RESTARTED, now, actor, retry_at=retry_at.isoformat())

    def qualify(
        self,
        temperature: Temperature,
        now: datetime,
        actor: int,
        pipeline: Pipeline = DEFAULT_PIPELINE,
    ) -> Event:
        """Rate how ready the prospect is; hot and warm move the lead up to qualified."""
        previous = self.temperature
        self.temperature = temperature
        if temperature is not Temperature.COLD:
            self._move_to(pipeline.after_rating(self.stage), now)
        return self._event(
            EventKind.QUALIFIED,
            now,
            actor,
            temperature=temperature.value,
            previous=previous.value if previous else None,
            stage=self.stage,
        )

    def toggle_criterion(self, criterion: str, now: datetime, actor: int) -> Event:
        """Tick a qualification question as answered yes, or clear it again."""
        if criterion not in CRITERIA:
            raise ValueError(f"Unknown qualification criterion {criterion!r}.")
        ticked = criterion not in self.criteria
        self.criteria = self.criteria | {criterion} if ticked else self.criteria - {criterion}
        return self._event(
            EventKind.CRITERION_CHANGED, now, actor, criterion=criterion, ticked=ticked
        )

    def move_to_stage(
        self, stage: str, now: datetime, actor: int, pipeline: Pipeline = DEFAULT_PIPELINE
    ) -> Event:
        """Move the lead to another open stage of the pipeline, forward or back."""
        if stage not in pipeline.stages:
            raise ValueError(f"{stage!r} is not an open stage of the pipeline.")
        previous = self.stage
        direction = "forward" if pipeline.position(stage) > pipeline.position(previous) else "back"
        self._move_to(stage, now)
        return self._event(
            EventKind.STAGE_CHANGED,
            now,
            actor,
            stage=stage,
            previous=previous,
            direction=direction,
            norm_days=pipeline.norm(stage),
        )

    def plan(
        self, at: datetime, step: str, now: datetime, actor: int, snoozed: bool = False
    ) -> Event:
        """Set the next step and when to be reminded of it."""
        self.remind_at, self.next_step = at, step
        kind = EventKind.REMINDER_SNOOZED if snoozed else EventKind.REMINDER_SET
        return self._event(kind, now, actor, at=at.isoformat(), step=step)

    def complete_step(self, now: datetime, actor: int) -> Event:
        """Mark the planned step done; nothing is planned after it."""
        step = self.next_step
        self.remind_at, self.next_step = None, None
        return self._event(EventKind.REMINDER_DONE, now, actor, step=step)

    def win(self, amount: Decimal, now: datetime, actor: int) -> Event:
        """Close the lead as won, for an amount."""
        if amount <= 0:
            raise ValueError("A won deal needs an amount above zero.")
        previous = self._close(WON, now)
        self.won_amount = amount
        return self._event(EventKind.WON, now, actor, amount=str(amount), previous=previous)

    def lose(self, reason: LossReason, now: datetime, actor: int | None, note: str = "") -> Event:
        """Close the lead as lost, for a reason from the list; "other" needs a note."""
        if reason is LossReason.OTHER and not note.strip():
            raise ValueError("A lead lost for another reason needs the reason in words.")
        previous = self._close(LOST, now)
        self.loss_reason = reason
        self.loss_note = note or None
        return self._event(
            EventKind.LOST, now, actor, reason=reason.value, note=note, previous=previous
        )

    def _close(self, stage: str, now: datetime) -> str:
        previous = self.stage
        self._move_to(stage, now)
        self.closed_at = now
        self.retry_at = self.remind_at = self.next_step = None
        return previous

    def retry_came_due(self, now: datetime) -> Event:
        """Record that the next attempt to reach the prospect is due."""
        return self._quiet(EventKind.RETRY_DUE, now, None, attempt=self.attempts + 1)

    def reminder_came_due(self, now: datetime) -> Event:
        """Record that the planned step is due."""
        return self._quiet(EventKind.REMINDER_DUE, now, None, step=self.next_step)

    def add_note(self, text: str, now: datetime, actor: int) -> Event:
        """Add a rep's note to the lead's history."""
        return self._quiet(EventKind.NOTE_ADDED, now, actor, text=text)

    def prospect_wrote(self, text: str, now: datetime) -> Event:
        """Record a message the prospect wrote to the bot."""
        return self._quiet(EventKind.PROSPECT_WROTE, now, None, text=text)

    def prospect_answered(self, text: str, now: datetime, actor: int) -> Event:
        """Record a message a rep sent the prospect through the bot."""
        return self._quiet(EventKind.PROSPECT_ANSWERED, now, actor, text=text)

    def share_phone(self, phone: str, now: datetime) -> Event:
        """Store the phone a prospect shared in Telegram."""
        previous = self.phone
        self.phone = phone
        return self._event(EventKind.PHONE_SHARED, now, None, phone=phone, previous=previous)

    def merge_inquiry(self, inquiry: Inquiry, now: datetime) -> Event:
        """Add a repeat inquiry from the same contact to this lead."""
        if not self.phone and inquiry.phone:
            self.phone = inquiry.phone
        if not self.email and inquiry.email:
            self.email = inquiry.email
        if not self.telegram_chat_id and inquiry.telegram_chat_id:
            self.telegram_chat_id = inquiry.telegram_chat_id
        return self._event(
            EventKind.INQUIRY_REPEATED,
            now,
            None,
            message=inquiry.message,
            channel=inquiry.channel.value,
            source_id=inquiry.source_id,
        )
