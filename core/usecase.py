"""The base of every group of use cases: a unit-of-work factory, a clock and the rules."""

from collections.abc import Callable, Sequence

from core.clock import Clock
from core.ports import UnitOfWork
from core.rules import Rules
from core.team import Member

UnitOfWorkFactory = Callable[[], UnitOfWork]


class UseCases:
    """Holds what every use case needs; the groups of use cases extend it."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        rules: Rules,
        read_uow: UnitOfWorkFactory | None = None,
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.rules = rules
        # Reports read through this one: on SQLite a long read must not hold the write lock.
        self.read_uow = read_uow or uow


def managers(members: Sequence[Member]) -> list[Member]:
    """Pick the active managers out of the team."""
    return [m for m in members if m.is_manager]


def manager_chats(members: Sequence[Member], group_chat_id: int | None) -> list[int]:
    """Name the chats where managers hear of exceptions: their group, or each one's own."""
    if group_chat_id is not None:
        return [group_chat_id]
    return [m.chat_id for m in managers(members)]
