"""The database schema, as SQLAlchemy 2 declarative models.

Times are stored in UTC and always come back timezone-aware, on SQLite too (which has
no time zone type). Money is stored in minor units (cents) as integers, so sums are
exact on every database.
"""

from datetime import UTC, date, datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A timestamp that goes in as UTC and comes out timezone-aware."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        """Reject naive datetimes and store everything in UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("Naive datetimes cannot be stored; attach a time zone.")
        moment = value.astimezone(UTC)
        return moment.replace(tzinfo=None) if dialect.name == "sqlite" else moment

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        """Give back an aware UTC datetime."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """The declarative base with stable constraint names for migrations."""

    metadata = sa.MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime,
        dict[str, Any]: sa.JSON,
        list[str]: sa.JSON,
    }


class MemberRow(Base):
    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_id: Mapped[int] = mapped_column(sa.BigInteger, unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    username: Mapped[str | None] = mapped_column(sa.String(100))
    role: Mapped[str] = mapped_column(sa.String(20))
    active: Mapped[bool] = mapped_column(default=True)
    paused: Mapped[bool] = mapped_column(default=False)
    on_leave_until: Mapped[date | None]
    products: Mapped[list[str]] = mapped_column(default=list)
    regions: Mapped[list[str]] = mapped_column(default=list)
    capacity: Mapped[int | None]
    weight: Mapped[int] = mapped_column(default=1)
    tier: Mapped[int] = mapped_column(default=0)
    joined_at: Mapped[datetime | None]
    shift: Mapped[str | None] = mapped_column(sa.String(200))
    untaken_alerts: Mapped[int] = mapped_column(default=0, server_default="0")


class SourceRow(Base):
    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    channel: Mapped[str] = mapped_column(sa.String(20), default="api")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    first_response_seconds: Mapped[int | None]


class LeadRow(Base):
    __tablename__ = "leads"
    __table_args__ = (
        sa.UniqueConstraint("source_id", "external_id", name="uq_leads_source_external"),
        sa.Index("ix_leads_owner_open", "owner_id", "closed_at"),
        sa.Index("ix_leads_assigned_at", "assigned_at"),
        # Covers routing's count of open leads per owner, which runs in every capture.
        sa.Index("ix_leads_owner_stage", "owner_id", "stage"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(sa.String(20))
    source_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sources.id"))
    created_at: Mapped[datetime] = mapped_column(index=True)
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    phone: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    email: Mapped[str | None] = mapped_column(sa.String(320), index=True)
    message: Mapped[str] = mapped_column(sa.Text, default="")
    product: Mapped[str | None] = mapped_column(sa.String(100))
    region: Mapped[str | None] = mapped_column(sa.String(100))
    value_cents: Mapped[int | None] = mapped_column(sa.BigInteger)
    external_id: Mapped[str | None] = mapped_column(sa.String(200))
    utm: Mapped[dict[str, Any]] = mapped_column(default=dict)
    telegram_chat_id: Mapped[int | None] = mapped_column(sa.BigInteger, index=True)
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"))
    assigned_at: Mapped[datetime | None]
    taken_at: Mapped[datetime | None]
    stage: Mapped[str] = mapped_column(sa.String(40), default="new")
    temperature: Mapped[str | None] = mapped_column(sa.String(10))
    attempts: Mapped[int] = mapped_column(default=0)
    first_attempt_at: Mapped[datetime | None]
    first_contact_at: Mapped[datetime | None]
    loss_reason: Mapped[str | None] = mapped_column(sa.String(40))
    loss_note: Mapped[str | None] = mapped_column(sa.Text)
    won_cents: Mapped[int | None] = mapped_column(sa.BigInteger)
    closed_at: Mapped[datetime | None]
    after_hours: Mapped[bool] = mapped_column(default=False)
    criteria: Mapped[list[str]] = mapped_column(default=list)
    unanswered: Mapped[int] = mapped_column(default=0)
    retry_at: Mapped[datetime | None]
    remind_at: Mapped[datetime | None]
    next_step: Mapped[str | None] = mapped_column(sa.Text)
    stage_changed_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=0)


class EventRow(Base):
    __tablename__ = "events"
    __table_args__ = (
        sa.Index("ix_events_lead", "lead_id", "id"),
        sa.Index("ix_events_kind_at", "kind", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int | None] = mapped_column(sa.ForeignKey("leads.id"))
    kind: Mapped[str] = mapped_column(sa.String(40))
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)


class TimerRow(Base):
    __tablename__ = "timers"
    __table_args__ = (
        sa.Index("ix_timers_pending_due", "status", "due_at"),
        sa.Index("ix_timers_lead", "lead_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    lead_id: Mapped[int | None] = mapped_column(sa.ForeignKey("leads.id"))
    due_at: Mapped[datetime]
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(sa.String(12), default="pending")
    fired_at: Mapped[datetime | None]


class OutboxRow(Base):
    __tablename__ = "outbox"
    __table_args__ = (
        sa.Index("ix_outbox_pending", "status", "id"),
        sa.Index("ix_outbox_chat", "chat_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(sa.BigInteger)
    template: Mapped[str] = mapped_column(sa.String(40))
    lead_id: Mapped[int | None] = mapped_column(sa.ForeignKey("leads.id"))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    edit_message_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    status: Mapped[str] = mapped_column(sa.String(12), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    not_before: Mapped[datetime | None]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    message_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    error: Mapped[str | None] = mapped_column(sa.Text)


class CardRow(Base):
    __tablename__ = "cards"
    __table_args__ = (sa.UniqueConstraint("chat_id", "message_id", name="uq_cards_message"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(sa.ForeignKey("leads.id"), index=True)
    chat_id: Mapped[int] = mapped_column(sa.BigInteger)
    message_id: Mapped[int] = mapped_column(sa.BigInteger)
    created_at: Mapped[datetime]
    shown: Mapped[str] = mapped_column(sa.String(20), default="card", server_default="card")


class PromptRow(Base):
    """A question the bot asked in a member's chat and waits to have answered."""

    __tablename__ = "prompts"

    chat_id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"))
    lead_id: Mapped[int] = mapped_column(sa.ForeignKey("leads.id"))
    awaiting: Mapped[str] = mapped_column(sa.String(20))
    asked_at: Mapped[datetime]
    message_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)


class InviteRow(Base):
    __tablename__ = "invites"

    code: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    role: Mapped[str] = mapped_column(sa.String(20))
    created_by: Mapped[int] = mapped_column(sa.ForeignKey("members.id"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_by: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"))


class IdempotencyRow(Base):
    __tablename__ = "idempotency_keys"

    source_id: Mapped[int] = mapped_column(sa.ForeignKey("sources.id"), primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    lead_id: Mapped[int] = mapped_column(sa.ForeignKey("leads.id"))
    created_at: Mapped[datetime]


class StateRow(Base):
    __tablename__ = "state"

    key: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(default=dict)


class SpendRow(Base):
    __tablename__ = "spend"
    __table_args__ = (sa.Index("ix_spend_dates", "starts_on", "ends_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(sa.ForeignKey("sources.id"))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime]


class WebhookRow(Base):
    """One signed JSON event waiting for (or delivered to) one webhook URL."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        sa.Index("ix_webhook_pending", "status", "id"),
        sa.Index("ix_webhook_lead", "url", "lead_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(sa.String(2000))
    lead_id: Mapped[int | None] = mapped_column(sa.ForeignKey("leads.id"))
    event_id: Mapped[int | None] = mapped_column(sa.ForeignKey("events.id"))
    name: Mapped[str] = mapped_column(sa.String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(sa.String(12), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    not_before: Mapped[datetime | None]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(sa.Text)


class LeadSummaryRow(Base):
    """What a lead's events say, kept up to date as they are appended (`storage.summaries`)."""

    __tablename__ = "lead_summaries"

    lead_id: Mapped[int] = mapped_column(sa.ForeignKey("leads.id"), primary_key=True)
    arrived_at: Mapped[datetime] = mapped_column(index=True)
    source_id: Mapped[int | None]
    after_hours: Mapped[bool] = mapped_column(default=False)
    owner_id: Mapped[int | None]
    first_response_at: Mapped[datetime | None]
    responder_id: Mapped[int | None]
    furthest: Mapped[int] = mapped_column(default=0)
    outcome: Mapped[str | None] = mapped_column(sa.String(8))
    closed_at: Mapped[datetime | None]
    amount: Mapped[str] = mapped_column(sa.String(40), default="0")
    loss_reason: Mapped[str | None] = mapped_column(sa.String(40))
    no_answer: Mapped[bool] = mapped_column(default=False)
    reached: Mapped[bool] = mapped_column(default=False)
    reached_after_no_answer: Mapped[bool] = mapped_column(default=False)
    last_event_id: Mapped[int] = mapped_column(default=0)
