"""The team's rules as one value: norms, routing, invites and the business calendar."""

from dataclasses import dataclass, field
from datetime import timedelta

from core.attempts import Cadence
from core.calendar import BusinessCalendar, WeeklySchedule
from core.pipeline import Pipeline
from core.routing import RoutingPolicy


def _always_open() -> BusinessCalendar:
    from zoneinfo import ZoneInfo

    return BusinessCalendar(ZoneInfo("UTC"), WeeklySchedule.always())


@dataclass(frozen=True)
class Rules:
    """Everything a use case needs to know about how this team works."""

    calendar: BusinessCalendar = field(default_factory=_always_open)
    first_response: timedelta = timedelta(minutes=15)
    nudge_share: float = 2 / 3
    routing: RoutingPolicy = field(default_factory=RoutingPolicy)
    invite_ttl: timedelta = timedelta(days=7)
    cadence: Cadence = field(default_factory=Cadence)
    pipeline: Pipeline = field(default_factory=Pipeline)
    prompt_ttl: timedelta = timedelta(hours=1)
