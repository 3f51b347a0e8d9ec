"""The team: reps who work leads and managers who watch over them.

A member's routing profile says which leads they may be given: the products and
regions they serve (empty means all), their capacity (most open leads at once; none
means no limit), their weight (for weighted routing) and their tier (junior, senior,
...; high-value leads need a senior). Availability: a rep may pause themselves, a
manager may send them on leave until a date or deactivate them when they leave.
"""

import re
import secrets
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from core.errors import InvalidProfile
from core.leads import Lead

TIER_NAMES = {0: "junior", 1: "senior"}
MAX_TIER = 9
MAX_WEIGHT = 100
MAX_CAPACITY = 10_000


class Role(StrEnum):
    """What a member may do."""

    REP = "rep"
    MANAGER = "manager"


def tier_name(tier: int) -> str:
    """Name a tier: junior, senior, or `tier N` above those."""
    return TIER_NAMES.get(tier, f"tier {tier}")


def read_tier(text: str) -> int:
    """Read a tier from its name or number ("senior", "1")."""
    wanted = text.strip().casefold().removeprefix("tier").strip()
    named = {name: number for number, name in TIER_NAMES.items()}
    if wanted in named:
        return named[wanted]
    if wanted.isdigit() and int(wanted) <= MAX_TIER:
        return int(wanted)
    names = ", ".join(TIER_NAMES.values())
    raise InvalidProfile("tier", f"A tier is {names} or a number from 0 to {MAX_TIER}.")


def read_list(text: str) -> frozenset[str]:
    """Read a comma-separated list of products or regions; "all" or "-" means every one."""
    if text.strip().casefold() in {"", "all", "any", "-", "*"}:
        return frozenset()
    return _clean_names(re.split(r"[,;\n]", text), "products")


def read_capacity(text: str) -> int | None:
    """Read a capacity: a whole number of open leads, or "none" for no limit."""
    wanted = text.strip().casefold()
    if wanted in {"none", "no limit", "unlimited", "-", "∞"}:
        return None
    if not wanted.isdigit():
        raise InvalidProfile("capacity", "A capacity is a whole number of leads, or none.")
    return _checked_capacity(int(wanted))


def _clean_names(names: Iterable[object], field_name: str) -> frozenset[str]:
    cleaned: dict[str, str] = {}
    for name in names:
        if not isinstance(name, str):
            raise InvalidProfile(field_name, f"The {field_name} must be words, like doors.")
        text = " ".join(name.split())
        if len(text) > 100:
            raise InvalidProfile(field_name, f"{text[:20]}… is too long for a name.")
        if text:
            cleaned.setdefault(text.casefold(), text)
    return frozenset(cleaned.values())


def _checked_capacity(value: object) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_CAPACITY:
        raise InvalidProfile(
            "capacity", f"A capacity is from 1 to {MAX_CAPACITY} open leads, or none."
        )
    return value


def _checked_number(name: str, value: object, highest: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= highest:
        raise InvalidProfile(name, f"A {name} is a whole number from 0 to {highest}.")
    return value


def _checked(name: str, value: Any) -> Any:
    """Check one profile value and give it in the form a member keeps it."""
    match name:
        case "role":
            try:
                return Role(value)
            except ValueError:
                raise InvalidProfile("role", "A role is rep or manager.") from None
        case "products" | "regions":
            return _clean_names(value, name)
        case "capacity":
            return _checked_capacity(value)
        case "weight":
            return _checked_number("weight", value, MAX_WEIGHT)
        case "tier":
            return _checked_number("tier", value, MAX_TIER)
        case "on_leave_until":
            if value is not None and not isinstance(value, date):
                raise InvalidProfile("on_leave_until", "A leave ends on a date.")
            return value
        case "paused" | "active":
            return bool(value)
        case "name":
            text = " ".join(str(value).split())
            if not text:
                raise InvalidProfile("name", "A member needs a name.")
            return text[:200]
    raise InvalidProfile(name, f"{name} is not something a member's profile holds.")


def _plain(value: Any) -> Any:
    """Give a profile value as JSON can hold it, for the history."""
    if isinstance(value, frozenset):
        return sorted(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


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
    def is_rep(self) -> bool:
        """Tell whether the member is an active rep, who may be given leads."""
        return self.active and self.role is Role.REP

    @property
    def chat_id(self) -> int:
        """Name the private chat the bot writes to."""
        return self.telegram_id

    def is_on_leave(self, today: date) -> bool:
        """Tell whether the member is on leave today."""
        return self.on_leave_until is not None and today <= self.on_leave_until

    def is_available(self, today: date) -> bool:
        """Tell whether the member can take new leads today."""
        return self.active and not self.paused and not self.is_on_leave(today)

    def change(self, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Apply checked changes to the profile; return what changed, as JSON for the history.

        Raises:
            InvalidProfile: a value is out of range or names no field; nothing is changed.
        """
        checked = {name: _checked(name, value) for name, value in changes.items()}
        changed = {}
        for name, value in checked.items():
            if getattr(self, name) != value:
                setattr(self, name, value)
                changed[name] = _plain(value)
        return changed

    def status(self, today: date) -> str:
        """Say in a few words whether the member takes leads today."""
        if not self.active:
            return "deactivated"
        if self.is_on_leave(today):
            return f"on leave until {self.on_leave_until:%d.%m.%Y}"
        if self.paused:
            return "paused"
        return "available" if self.role is Role.REP else "manager"


def describe_change(changed: Mapping[str, Any]) -> str:
    """Say in a few words what a profile change did, from what `Member.change` returned."""
    return ", ".join(_describe(name, value) for name, value in changed.items())


def _describe(name: str, value: Any) -> str:
    match name, value:
        case "role", _:
            return f"now a {value}"
        case (("products" | "regions"), []):
            return f"all {name}"
        case (("products" | "regions"), _):
            return f"{name} {', '.join(value)}"
        case "capacity", None:
            return "no capacity limit"
        case "tier", _:
            return f"tier {tier_name(value)}"
        case "on_leave_until", None:
            return "not on leave"
        case "on_leave_until", _:
            return f"on leave until {date.fromisoformat(value):%d.%m.%Y}"
        case "paused", _:
            return "paused" if value else "resumed"
        case "active", _:
            return "reactivated" if value else "deactivated"
        case "name", _:
            return f"renamed {value}"
    return f"{name} {value}"


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


@dataclass(frozen=True)
class DayFigures:
    """How a rep answered the leads they were given today."""

    received: int = 0
    answered: int = 0
    waiting: int = 0
    median_response: timedelta | None = None


def day_figures(leads: Sequence[Lead]) -> dict[int, DayFigures]:
    """Sum up, per owner, leads given to them today: answered, waiting, median response.

    A lead counts as answered when its first attempt came after it was given to its
    owner; one that a colleague had already tried before it was reassigned counts as
    received only. Response times are wall-clock time from assignment to first attempt.
    """
    by_owner: dict[int, list[Lead]] = {}
    for lead in leads:
        if lead.owner_id is not None and lead.assigned_at is not None:
            by_owner.setdefault(lead.owner_id, []).append(lead)
    return {owner: _figures(owned) for owner, owned in by_owner.items()}


def _figures(leads: Sequence[Lead]) -> DayFigures:
    times = [
        lead.first_attempt_at - lead.assigned_at
        for lead in leads
        if lead.first_attempt_at is not None and lead.first_attempt_at >= lead.assigned_at
    ]
    waiting = sum(1 for lead in leads if lead.is_open and lead.first_attempt_at is None)
    median = statistics.median(times) if times else None
    return DayFigures(len(leads), len(times), waiting, median)


@dataclass(frozen=True)
class RosterLine:
    """One member as `/team` shows them: profile, open load and today's figures."""

    member: Member
    open_leads: int
    today: DayFigures
