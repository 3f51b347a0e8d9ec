"""The team's rules as one value: norms, routing, invites and the business calendar."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time, timedelta

from core.attempts import Cadence
from core.calendar import BusinessCalendar, WeeklySchedule
from core.pipeline import Pipeline
from core.replies import Replies
from core.routing import RoutingPolicy


def _always_open() -> BusinessCalendar:
    from zoneinfo import ZoneInfo

    return BusinessCalendar(ZoneInfo("UTC"), WeeklySchedule.always())


@dataclass(frozen=True)
class Rules:
    """Everything a use case needs to know about how this team works.

        `auto_reassign` is the business time after a breach when a lead still untouched is
        given to another rep (None: never). `untaken_limit` is how many alerts in a row a rep
        may leave untaken before routing skips them (in `routing`). `managers_chat_id` is a
        group chat that gets the managers' alerts instead of their private chats. `digest_at` is
        the local time of the daily digest. With `stall_alerts`, leads past their stage's norm (the
    pipeline's) are flagged to managers.
    """

    calendar: BusinessCalendar = field(default_factory=_always_open)
    first_response: timedelta = timedelta(minutes=15)
    nudge_share: float = 2 / 3
    routing: RoutingPolicy = field(default_factory=RoutingPolicy)
    invite_ttl: timedelta = timedelta(days=7)
    auto_reassign: timedelta | None = None
    managers_chat_id: int | None = None
    replies: Replies = field(default_factory=Replies)
    digest_at: time | None = None
    stall_alerts: bool = False
    cadence: Cadence = field(default_factory=Cadence)
    pipeline: Pipeline = field(default_factory=Pipeline)
    prompt_ttl: timedelta = timedelta(hours=1)

    @property
    def stall_norms(self) -> Mapping[str, timedelta]:
        """Give the days without activity each stage allows: the pipeline's stage norms."""
        return {stage: timedelta(days=days) for stage, days in (self.pipeline.norms or {}).items()}
