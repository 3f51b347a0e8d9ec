"""`leadline team ...`: set up and look after the team from the shell, for scripts.

The commands run the same use cases as the `/team` pages in Telegram, as an admin
(no manager needed). A member named by `MEMBER` is their id (as `team list` shows),
their Telegram id, or their @username.

A member added here still has to open the bot and press Start once: Telegram lets a
bot write only to people who have started it.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from bot.settings import Settings
    from core.services import Services
    from core.team import RosterLine

T = TypeVar("T")
Runner = Callable[["Settings", Callable[["Services"], Awaitable[T]]], Awaitable[T]]

PROFILE_OPTIONS = ("products", "regions", "capacity", "weight", "tier")


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Describe `leadline team` and its subcommands."""
    team = commands.add_parser("team", help="set up the team and its routing profiles")
    actions = team.add_subparsers(dest="team_command", required=True)
    actions.add_parser("list", help="list members with their profile, load and today's figures")

    add = actions.add_parser("add", help="put somebody on the team by their Telegram id")
    add.add_argument("telegram_id", type=int)
    add.add_argument("name")
    add.add_argument("--role", choices=["rep", "manager"], default="rep")
    _profile_options(add)

    change = actions.add_parser("set", help="change a member's role, profile or leave")
    change.add_argument("member")
    change.add_argument("--role", choices=["rep", "manager"])
    change.add_argument("--name")
    change.add_argument("--leave-until", metavar="DATE", help="last day of leave, or none")
    _profile_options(change)

    for name, words in (
        ("pause", "stop new leads for a rep"),
        ("resume", "let a rep take leads again, with any that waited"),
        ("deactivate", "take a member off the team and hand out their open leads"),
        ("reactivate", "bring a deactivated member back"),
        ("hand-out", "give a member's open leads to others by the routing rules"),
    ):
        actions.add_parser(name, help=words).add_argument("member")
    actions.add_parser("offer", help="offer every waiting lead again now")


def _profile_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--products", help="comma-separated, or all")
    parser.add_argument("--regions", help="comma-separated, or all")
    parser.add_argument("--capacity", help="most open leads at once, or none")
    parser.add_argument("--weight", type=int, help="share in weighted routing")
    parser.add_argument("--tier", help="junior, senior or a number")


def run(settings: Settings, args: argparse.Namespace, runner: Runner[Any]) -> int:
    """Carry out a `leadline team` command; print what it did, or one line on why not."""
    from core.dates import DateNotUnderstood
    from core.errors import LeadlineError

    try:
        lines = asyncio.run(runner(settings, lambda services: _work(services, args)))
    except (LeadlineError, DateNotUnderstood) as exc:
        print(f"leadline: {exc}", file=sys.stderr)
        return 1
    for line in lines:
        print(line)
    return 0


async def _work(services: Services, args: argparse.Namespace) -> list[str]:
    command = args.team_command
    if command == "list":
        return _table(await services.roster(), _today(services))
    if command == "add":
        role = _role(args.role)
        member = await services.add_member(args.telegram_id, args.name, role, _profile(args))
        return [f"Added {member.name} as a {member.role.value} (member {member.id})."]
    if command == "offer":
        moved = await services.offer_unassigned("an admin asked")
        return [f"Lead #{m.lead_id} to {m.owner_name}." for m in moved] or [
            "No lead found an owner."
        ]

    member = await services.find_member(args.member)
    if command == "set":
        changes = {**_profile(args), **_identity(args, services)}
        return [(await services.update_member(member.id, changes)).summary]
    if command in ("pause", "resume"):
        change = await services.update_member(member.id, {"paused": command == "pause"})
        return [change.summary]
    if command == "deactivate":
        return [(await services.deactivate(member.id)).summary]
    if command == "reactivate":
        return [(await services.reactivate(member.id)).summary]
    return [(await services.hand_out_leads(member.id)).summary]


def _role(text: str) -> Any:
    from core.team import Role

    return Role(text)


def _profile(args: argparse.Namespace) -> dict[str, Any]:
    """Read the routing-profile options that were given."""
    from core.team import read_capacity, read_list, read_tier

    readers: Mapping[str, Callable[[Any], Any]] = {
        "products": read_list,
        "regions": read_list,
        "capacity": read_capacity,
        "weight": int,
        "tier": read_tier,
    }
    return {
        name: readers[name](getattr(args, name))
        for name in PROFILE_OPTIONS
        if getattr(args, name) is not None
    }


def _identity(args: argparse.Namespace, services: Services) -> dict[str, Any]:
    """Read the role, name and leave options that were given."""
    changes: dict[str, Any] = {}
    if args.role is not None:
        changes["role"] = _role(args.role)
    if args.name is not None:
        changes["name"] = args.name
    if args.leave_until is not None:
        changes["on_leave_until"] = _leave_until(args.leave_until, services)
    return changes


def _leave_until(text: str, services: Services) -> date | None:
    from core.dates import read_moment

    if text.strip().casefold() in {"none", "-", "end"}:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        now = services.clock.now().astimezone(services.rules.calendar.tz)
        return read_moment(text, now).date()


def _today(services: Services) -> date:
    return services.clock.now().astimezone(services.rules.calendar.tz).date()


def _table(lines: list[RosterLine], today: date) -> list[str]:
    """Lay the roster out as a plain table a script can read."""
    from bot.roster import describe_figures
    from core.team import tier_name

    header = (
        "id",
        "telegram",
        "name",
        "role",
        "status",
        "open",
        "cap",
        "w",
        "tier",
        "products",
        "regions",
        "today",
    )
    rows = [header]
    for line in lines:
        m = line.member
        rows.append(
            (
                str(m.id),
                str(m.telegram_id),
                m.name,
                m.role.value,
                m.status(today),
                str(line.open_leads),
                "-" if m.capacity is None else str(m.capacity),
                str(m.weight),
                tier_name(m.tier),
                ",".join(sorted(m.products)) or "all",
                ",".join(sorted(m.regions)) or "all",
                describe_figures(line.today).removeprefix("today: "),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    return [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
