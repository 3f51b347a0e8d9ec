"""The team: reps who work leads and managers who watch over them."""

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum


class Role(StrEnum):
    """What a member may do."""

    REP = "rep"
    MANAGER = "manager"


@dataclass
class Member:
    """A person on the team, known by their Telegram account.

    `shift` is their own working hours as schedule text in the team's time zone (None: the
    team's hours); `untaken_alerts` counts new-lead alerts they left untaken in a row.
    """

    telegram_id: int
    name: str
    role: Role = Role.REP
    id: int | None = None
    username: str | None = None
    active: bool = True
    paused: bool = False
    on_leave_until: date | None = None
    products: frozenset[str] = field(default_factory=frozenset)
    regions: frozenset[str] = field(default_factory=frozenset)
    capacity: int | None = None
    weight: int = 1
    tier: int = 0
    joined_at: datetime | None = None
    shift: str | None = None
    untaken_alerts: int = 0

    @property
    def is_manager(self) -> bool:
        """Tell whether the member manages the team."""
        return self.active and self.role is Role.MANAGER

    @property
    def chat_id(self) -> int:
        """Name the private chat the bot writes to."""
        return self.telegram_id

    def is_available(self, today: date) -> bool:
        """Tell whether the member can take new leads today."""
        on_leave = self.on_leave_until is not None and today <= self.on_leave_until
        return self.active and not self.paused and not on_leave


@dataclass
class Invite:
    """A one-time code that lets its holder join the team."""

    code: str
    created_by: int
    created_at: datetime
    expires_at: datetime
    role: Role = Role.REP
    used_by: int | None = None

    @classmethod
    def issue(cls, created_by: int, now: datetime, ttl: timedelta) -> "Invite":
        """Make a fresh invite with an unguessable code."""
        code = secrets.token_urlsafe(12)
        return cls(code=code, created_by=created_by, created_at=now, expires_at=now + ttl)

    def is_usable(self, now: datetime) -> bool:
        """Tell whether the code can still be redeemed."""
        return self.used_by is None and now < self.expires_at
