"""The team: managers from settings, invites, joining."""

import logging
from collections.abc import Sequence

from core.errors import (
    InviteNotFound,
    NotAManager,
)
from core.team import Invite, Member, Role
from core.usecase import UseCases

logger = logging.getLogger(__name__)


class Teamwork(UseCases):
    """Use cases that grow and look up the team."""

    async def ensure_managers(self, telegram_ids: Sequence[int]) -> None:
        """Make sure the configured admins exist as managers."""
        async with self.uow() as uow:
            for telegram_id in telegram_ids:
                member = await uow.members.by_telegram_id(telegram_id)
                if member is None:
                    await uow.members.add(
                        Member(
                            telegram_id,
                            f"Manager {telegram_id}",
                            Role.MANAGER,
                            joined_at=self.clock.now(),
                        )
                    )
                elif member.role is not Role.MANAGER or not member.active:
                    member.role, member.active = Role.MANAGER, True
                    await uow.members.save(member)
            await uow.commit()

    async def member(self, telegram_id: int) -> Member | None:
        """Find a team member by Telegram account."""
        async with self.uow() as uow:
            return await uow.members.by_telegram_id(telegram_id)

    async def greet(self, telegram_id: int, name: str, username: str | None) -> Member | None:
        """Refresh a member's display name from Telegram; return the member, if any."""
        async with self.uow() as uow:
            member = await uow.members.by_telegram_id(telegram_id)
            if member is None or not member.active:
                return None
            if member.name != name or member.username != username:
                member.name, member.username = name, username
                await uow.members.save(member)
                await uow.commit()
            return member

    async def invite(self, telegram_id: int) -> Invite:
        """Issue a one-time invite code; managers only."""
        async with self.uow() as uow:
            manager = await uow.members.by_telegram_id(telegram_id)
            if manager is None or not manager.is_manager:
                raise NotAManager("Only a manager can invite people to the team.")
            invite = Invite.issue(manager.id, self.clock.now(), self.rules.invite_ttl)
            await uow.invites.add(invite)
            await uow.commit()
        logger.info("Member %s issued an invite", manager.id)
        return invite

    async def join(self, code: str, telegram_id: int, name: str, username: str | None) -> Member:
        """Redeem an invite: the user joins the team as a rep."""
        now = self.clock.now()
        async with self.uow() as uow:
            invite = await uow.invites.get(code)
            if invite is None or not invite.is_usable(now):
                raise InviteNotFound("This invite link is unknown, already used or expired.")
            member = await uow.members.by_telegram_id(telegram_id)
            if member is None:
                member = await uow.members.add(
                    Member(telegram_id, name, invite.role, username=username, joined_at=now)
                )
            elif not member.active:
                # A former member comes back with the role the invite gives, not the old one.
                member.active, member.name, member.role = True, name, invite.role
                await uow.members.save(member)
            invite.used_by = member.id
            await uow.invites.save(invite)
            await uow.commit()
        logger.info("Member %s joined the team as %s", member.id, member.role.value)
        return member
