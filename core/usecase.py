"""The base of every group of use cases: a unit-of-work factory, a clock and the rules."""

from collections.abc import Callable, Sequence

from core.clock import Clock
from core.leads import Lead
from core.notices import Notice, Template
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

    async def _redraw_cards(
        self, uow: UnitOfWork, lead: Lead, skip: tuple[int, int] | None = None
    ) -> None:
        """Queue an edit of every card that shows the lead, so its buttons carry its version."""
        for chat_id, message_id in await uow.cards.for_lead(lead.id):
            if (chat_id, message_id) != skip:
                await uow.outbox.put(Notice(chat_id, Template.CARD, lead.id, {}, message_id))

    async def _owner_or_manager_chats(self, uow: UnitOfWork, lead: Lead) -> list[int]:
        """Name the chats that hear about a lead: its owner's, or every manager's if none."""
        if lead.owner_id is not None:
            owner = await uow.members.get(lead.owner_id)
            if owner is not None and owner.active:
                return [owner.chat_id]
        return [m.chat_id for m in managers(await uow.members.all())]


def managers(members: Sequence[Member]) -> list[Member]:
    """Pick the active managers out of the team."""
    return [m for m in members if m.is_manager]


def manager_chats(members: Sequence[Member], group_chat_id: int | None) -> list[int]:
    """Name the chats where managers hear of exceptions: their group, or each one's own."""
    if group_chat_id is not None:
        return [group_chat_id]
    return [m.chat_id for m in managers(members)]
