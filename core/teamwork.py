"""The team: managers from settings, invites, joining, profiles, availability and departures.

Managers change a member's profile from Telegram or an admin does from the shell
(`by=None`); a rep pauses and resumes themselves. Every change is recorded as a
`member_changed` event. A change that may let somebody take waiting leads (a rep
resumes, joins, is reactivated, serves more, gets more room) offers those leads again
in the same transaction; a leave arms a timer that offers them when it runs out.
"""

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

from core.distributing import Distributing, Moved
from core.errors import (
    InvalidProfile,
    InviteNotFound,
    MemberNotFound,
    NotAManager,
    NotOnTeam,
)
from core.events import Event, EventKind
from core.notices import Notice, Template
from core.ports import UnitOfWork
from core.team import (
    DayFigures,
    Invite,
    Member,
    Role,
    RosterLine,
    day_figures,
    describe_change,
)
from core.timers import Timer, TimerKind
from core.usecase import managers

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TeamChange:
    """What a change to the team did: the member after it, what changed, leads that moved."""

    member: Member
    changes: dict[str, Any] = field(default_factory=dict)
    moved: list[Moved] = field(default_factory=list)
    summary: str = ""


def _leads_line(moved: Sequence[Moved]) -> str:
    """Say where each lead went, in one line."""
    parts = []
    for item in moved:
        if item.owner_id is None:
            parts.append(f"#{item.lead_id} left unassigned")
        elif item.changed:
            parts.append(f"#{item.lead_id} to {item.owner_name}")
        else:
            parts.append(f"#{item.lead_id} stays ({item.reason.rsplit(': ', 1)[-1]})")
    return ", ".join(parts)


class Teamwork(Distributing):
    """Use cases that grow, shape and look after the team."""

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
        """Redeem an invite: the user joins the team, or rejoins it, in the invite's role."""
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
            if member.is_rep:
                await self._offer_unassigned(uow, now, f"{member.name} joined")
            await uow.commit()
        logger.info("Member %s joined the team as %s", member.id, member.role.value)
        return member

    # looking at the team ---------------------------------------------------------------

    async def roster(self, by: int | None = None) -> list[RosterLine]:
        """List the team with each member's open leads and today's response figures.

        Active members come first, in joining order; managers only (`by` is the asking
        manager's Telegram id; None for an admin at the shell).
        """
        async with self.uow() as uow:
            await self._manager_or_admin(uow, by)
            members = await uow.members.all()
            loads = await uow.leads.open_counts_by_owner()
            figures = day_figures(await uow.leads.assigned_since(self._start_of_today()))
        lines = [
            RosterLine(m, loads.get(m.id, 0), figures.get(m.id, DayFigures())) for m in members
        ]
        return sorted(lines, key=lambda line: not line.member.active)

    async def roster_line(self, member_id: int, by: int | None = None) -> RosterLine:
        """Show one member as the roster does; managers only."""
        for line in await self.roster(by):
            if line.member.id == member_id:
                return line
        raise MemberNotFound(f"There is no member #{member_id} on the team.")

    async def find_member(self, reference: str) -> Member:
        """Find a member by id, Telegram id, @username or a name only they have."""
        wanted = reference.strip().removeprefix("@").casefold()
        async with self.uow() as uow:
            members = await uow.members.all()
        for member in members:
            keys = {str(member.id), str(member.telegram_id), (member.username or "").casefold()}
            if wanted in keys:
                return member
        named = [m for m in members if m.name.casefold() == wanted]
        if len(named) == 1:
            return named[0]
        if named:
            raise MemberNotFound(f"{len(named)} members are named {reference}; use their id.")
        raise MemberNotFound(f"Nobody on the team is {reference!r}; see `leadline team list`.")

    def _start_of_today(self) -> datetime:
        tz = self.rules.calendar.tz
        today = self.clock.now().astimezone(tz).date()
        return datetime.combine(today, time(), tz).astimezone(UTC)

    # shaping the team ------------------------------------------------------------------

    async def add_member(
        self,
        telegram_id: int,
        name: str,
        role: Role = Role.REP,
        profile: Mapping[str, Any] | None = None,
    ) -> Member:
        """Put somebody on the team directly, for set-up by script; an admin's use case.

        Raises:
            InvalidProfile: the profile holds a value out of range, or the account is
                already on the team.
        """
        now = self.clock.now()
        async with self.uow() as uow:
            if await uow.members.by_telegram_id(telegram_id) is not None:
                raise InvalidProfile(
                    "telegram_id", f"Telegram account {telegram_id} is already on the team."
                )
            member = Member(telegram_id, "", joined_at=now)
            member.change({"name": name, "role": role, **(profile or {})})
            member = await uow.members.add(member)
            await self._record(uow, None, member, {"joined": True, "role": member.role.value})
            if member.is_rep:
                await self._offer_unassigned(uow, now, f"{member.name} joined")
            await uow.commit()
        logger.info("Member %s added to the team as %s", member.id, member.role.value)
        return member

    async def update_member(
        self, member_id: int, changes: Mapping[str, Any], by: int | None = None
    ) -> TeamChange:
        """Change a member's role or routing profile, or send them on leave.

        Args:
            member_id: the member to change.
            changes: field names of `Member` (role, products, regions, capacity, weight,
                tier, on_leave_until, paused, name) with their new values.
            by: the Telegram id of the manager making the change; None for an admin.

        Raises:
            NotAManager: `by` is not a manager.
            MemberNotFound: there is no such member.
            InvalidProfile: a value is out of range, or a manager changes their own role.
        """
        now = self.clock.now()
        async with self.uow() as uow:
            manager = await self._manager_or_admin(uow, by)
            member = await self._member(uow, member_id)
            if manager is not None and manager.id == member.id and "role" in changes:
                raise InvalidProfile("role", "You cannot change your own role.")
            if changes.get("active", True) is False:
                raise InvalidProfile("active", "Deactivate a member with deactivate instead.")
            changed = member.change(changes)
            if not changed:
                return TeamChange(member, summary="Nothing changed.")
            await uow.members.save(member)
            await self._record(uow, manager, member, changed)
            await self._arm_return_from_leave(uow, member, now)
            moved = await self._offer_unassigned(uow, now, f"{member.name}'s profile changed")
            await uow.commit()
        logger.info("Member %s changed: %s", member.id, ", ".join(changed))
        return TeamChange(member, changed, moved, _changed_line(member, changed, moved))

    async def pause(self, telegram_id: int) -> TeamChange:
        """Let a rep stop taking new leads; their open leads stay with them."""
        async with self.uow() as uow:
            member = await self._rep_self(uow, telegram_id)
            changed = member.change({"paused": True})
            if changed:
                await uow.members.save(member)
                await self._record(uow, member, member, changed)
            open_leads = len(await uow.leads.open_of_owner(member.id))
            await uow.commit()
        logger.info("Member %s paused", member.id)
        return TeamChange(
            member,
            changed,
            summary=(
                "Paused: no new leads until you send /resume. "
                f"Your {open_leads} open leads stay with you."
            ),
        )

    async def resume(self, telegram_id: int) -> TeamChange:
        """Let a paused rep take leads again, and offer them the leads that waited."""
        now = self.clock.now()
        async with self.uow() as uow:
            member = await self._rep_self(uow, telegram_id)
            changed = member.change({"paused": False})
            if changed:
                await uow.members.save(member)
                await self._record(uow, member, member, changed)
            moved = await self._offer_unassigned(uow, now, f"{member.name} resumed")
            await uow.commit()
        logger.info("Member %s resumed", member.id)
        mine = sum(1 for item in moved if item.owner_id == member.id)
        summary = "Resumed: new leads come to you again."
        if member.is_on_leave(self._today(now)):
            summary = f"Resumed, but you are on leave until {member.on_leave_until:%d.%m.%Y}."
        elif mine:
            summary += f" {mine} waiting lead{'s' if mine > 1 else ''} came to you."
        return TeamChange(member, changed, moved, summary)

    async def deactivate(self, member_id: int, by: int | None = None) -> TeamChange:
        """Take a member who left off the team; their open leads go to others by the rules.

        Leads nobody may take are left unassigned and the managers alerted; every
        manager is told where each lead went.

        Raises:
            NotAManager, MemberNotFound: as for `update_member`.
            InvalidProfile: a manager tries to deactivate themselves.
        """
        now = self.clock.now()
        async with self.uow() as uow:
            manager = await self._manager_or_admin(uow, by)
            member = await self._member(uow, member_id)
            if manager is not None and manager.id == member.id:
                raise InvalidProfile("active", "You cannot deactivate yourself.")
            changed = member.change({"active": False})
            if not changed:
                return TeamChange(member, summary=f"{member.name} is already deactivated.")
            await uow.members.save(member)
            await self._record(uow, manager, member, changed)
            moved = await self._hand_out(uow, member, now, f"{member.name} left the team", False)
            summary = f"{member.name} is deactivated. " + _open_leads_line(member, moved)
            await self._tell_managers(uow, summary)
            await uow.commit()
        logger.info("Member %s deactivated; %d open leads handed out", member.id, len(moved))
        return TeamChange(member, changed, moved, summary)

    async def reactivate(self, member_id: int, by: int | None = None) -> TeamChange:
        """Bring a deactivated member back, and offer them the leads that wait."""
        return await self.update_member(member_id, {"active": True}, by)

    async def hand_out_leads(self, member_id: int, by: int | None = None) -> TeamChange:
        """Give a member's open leads to others by the rules, say before a long leave.

        A lead nobody else may take stays with the member.
        """
        now = self.clock.now()
        async with self.uow() as uow:
            manager = await self._manager_or_admin(uow, by)
            member = await self._member(uow, member_id)
            who = manager.name if manager else "an admin"
            moved = await self._hand_out(uow, member, now, f"handed out by {who}", True)
            await uow.commit()
        logger.info("Member %s: %d open leads handed out", member.id, len(moved))
        return TeamChange(member, moved=moved, summary=_open_leads_line(member, moved))

    # helpers ---------------------------------------------------------------------------

    async def _manager_or_admin(self, uow: UnitOfWork, by: int | None) -> Member | None:
        if by is None:
            return None
        manager = await uow.members.by_telegram_id(by)
        if manager is None or not manager.is_manager:
            raise NotAManager("Only a manager can change the team.")
        return manager

    async def _member(self, uow: UnitOfWork, member_id: int) -> Member:
        member = await uow.members.get(member_id)
        if member is None:
            raise MemberNotFound(f"There is no member #{member_id} on the team.")
        return member

    async def _rep_self(self, uow: UnitOfWork, telegram_id: int) -> Member:
        member = await uow.members.by_telegram_id(telegram_id)
        if member is None or not member.active:
            raise NotOnTeam("You are not on the team.")
        if member.role is not Role.REP:
            raise InvalidProfile("paused", "Only reps take leads, so there is nothing to pause.")
        return member

    async def _record(
        self, uow: UnitOfWork, actor: Member | None, member: Member, changed: dict[str, Any]
    ) -> None:
        data = {"member_id": member.id, "changes": changed}
        actor_id = actor.id if actor else None
        await uow.events.append(
            Event(None, EventKind.MEMBER_CHANGED, self.clock.now(), actor_id, data)
        )

    async def _arm_return_from_leave(self, uow: UnitOfWork, member: Member, now: datetime) -> None:
        """Offer waiting leads at the start of the day after a leave ends."""
        until = member.on_leave_until
        if until is None or until < self._today(now):
            return
        tz = self.rules.calendar.tz
        back = datetime.combine(until + timedelta(days=1), time(), tz).astimezone(UTC)
        trigger = f"{member.name} is back from leave"
        await uow.timers.arm(Timer(TimerKind.OFFER_UNASSIGNED, back, data={"trigger": trigger}))

    async def _tell_managers(self, uow: UnitOfWork, text: str) -> None:
        for manager in managers(await uow.members.all()):
            await uow.outbox.put(Notice(manager.chat_id, Template.TEXT, None, {"text": text}))


def _open_leads_line(member: Member, moved: Sequence[Moved]) -> str:
    if not moved:
        return f"{member.name} had no open leads."
    count = len(moved)
    return f"Their {count} open lead{'s' if count > 1 else ''}: {_leads_line(moved)}."


def _changed_line(member: Member, changed: Mapping[str, Any], moved: Sequence[Moved]) -> str:
    line = f"{member.name}: {describe_change(changed)}."
    if moved:
        line += f" Waiting leads found an owner: {_leads_line(moved)}."
    return line
