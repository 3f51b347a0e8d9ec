"""The `leadline` command: serve, migrate, check, sources, the team, and the analysis commands."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from pydantic import ValidationError

from bot import teamcli
from bot.settings import Settings, settings_error

if TYPE_CHECKING:
    from core.services import Services
    from core.sources import Source

T = TypeVar("T")

logger = logging.getLogger(__name__)


def _configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    noisy_loggers = (
        "httpx",
        "httpcore",
        "apscheduler",
        "telegram.ext.Updater",
        "alembic",
    )
    for noisy in noisy_loggers:
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        print(f"leadline: {settings_error(exc)}", file=sys.stderr)
        raise SystemExit(2) from None


def _serve(settings: Settings) -> int:
    if settings.telegram_token is None:
        print(
            "leadline: Setting LEADLINE_TELEGRAM_TOKEN is missing: "
            "get a token from @BotFather and put it in .env.",
            file=sys.stderr,
        )
        return 2
    from bot.app import serve

    asyncio.run(serve(settings))
    return 0


def _migrate(settings: Settings) -> int:
    from storage.migrate import upgrade

    upgrade(settings.database_url)
    print("Database schema is up to date.")
    return 0


async def _with_services(settings: Settings, work: Callable[[Services], Awaitable[T]]) -> T:
    from bot.app import build_services
    from storage.migrate import upgrade_async

    await upgrade_async(settings.database_url)
    engine, services, _ = build_services(settings)
    try:
        return await work(services)
    finally:
        await engine.dispose()


def _source_add(settings: Settings, name: str, channel: str, norm: float | None = None) -> int:
    from core.errors import InvalidInquiry

    async def work(services: Services) -> tuple[Source, str]:
        source, token = await services.add_source(name, channel)
        if norm is not None:
            source = await services.set_source_norm(source.name, norm)
        return source, token

    try:
        source, token = asyncio.run(_with_services(settings, work))
    except InvalidInquiry as exc:
        print(f"leadline: {exc}", file=sys.stderr)
        return 1
    print(f"Source {source.name!r} created (id {source.id}). Its token, shown only now:")
    print(token)
    return 0


def _minutes(text: str) -> float | None:
    """Read a norm in minutes from the command line; "team" means the team's norm."""
    if text.strip().lower() == "team":
        return None
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of minutes or team") from None


def _source_norm(settings: Settings, name: str, minutes: float | None) -> int:
    from core.errors import InvalidInquiry

    async def work(services: Services) -> Source:
        return await services.set_source_norm(name, minutes)

    try:
        source = asyncio.run(_with_services(settings, work))
    except InvalidInquiry as exc:
        print(f"leadline: {exc}", file=sys.stderr)
        return 1
    norm = source.first_response
    said = f"{norm.total_seconds() / 60:g} minutes" if norm else "the team's norm"
    print(f"Source {source.name!r} now has a first-response norm of {said}.")
    return 0


def _shift(settings: Settings, telegram_id: int, shift: str) -> int:
    from core.calendar import ScheduleError
    from core.errors import MemberNotFound

    text = None if shift.strip().lower() == "team" else shift

    async def work(services: Services) -> str | None:
        return (await services.set_shift(telegram_id, text)).shift

    try:
        saved = asyncio.run(_with_services(settings, work))
    except (MemberNotFound, ScheduleError) as exc:
        print(f"leadline: {exc}", file=sys.stderr)
        return 1
    print(f"Member {telegram_id} now works {saved or 'the team hours'}.")
    return 0


def _check(settings: Settings) -> int:
    async def work(services: Services) -> None:
        await services.ping()

    problems = []
    if settings.telegram_token is None:
        problems.append("LEADLINE_TELEGRAM_TOKEN is missing")
    try:
        asyncio.run(_with_services(settings, work))
        print(f"Database answers: {settings.database_url.split('@')[-1]}")
    except Exception as exc:  # any driver error: report it, do not crash
        problems.append(f"the database does not answer: {exc}")
    for problem in problems:
        print(f"leadline: {problem}", file=sys.stderr)
    return 1 if problems else 0


def parser() -> argparse.ArgumentParser:
    """Describe the command line."""
    root = argparse.ArgumentParser(prog="leadline", description="Lead management in Telegram.")
    commands = root.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="run the bot, the HTTP API and the timers")
    commands.add_parser("migrate", help="bring the database schema up to date")
    commands.add_parser("check", help="check settings and that the database answers")
    source = commands.add_parser("source", help="manage lead sources")
    source_commands = source.add_subparsers(dest="source_command", required=True)
    add = source_commands.add_parser("add", help="create a source and print its token")
    add.add_argument("name")
    add.add_argument("--channel", choices=["api", "form", "phone", "telegram"], default="api")
    add.add_argument(
        "--norm", type=float, help="its own first-response norm in minutes (business time)"
    )
    norm = source_commands.add_parser("norm", help="set a source's own first-response norm")
    norm.add_argument("name")
    norm.add_argument("minutes", type=_minutes, help='minutes, or "team" for the team\'s norm')
    shift = commands.add_parser("shift", help="give a rep their own working hours")
    shift.add_argument("telegram_id", type=int)
    shift.add_argument("hours", help='e.g. "mon-fri 12:00-20:00", or "team" for the team hours')
    _analysis_commands(commands)
    teamcli.add_parser(commands)
    return root


def _analysis_commands(commands: argparse._SubParsersAction) -> None:
    period_help = "today, 7d, 30d, month, or two dates: 2026-11-01..2026-11-30"
    report = commands.add_parser("report", help="print the figures and write the charts")
    report.add_argument("--period", default="30d", help=period_help)
    report.add_argument(
        "--charts", type=Path, default=Path("reports"), help="folder for the PNG charts"
    )
    report.add_argument(
        "--rebuild", action="store_true", help="rebuild every lead's summary from its events"
    )
    export = commands.add_parser("export", help="write leads with their figures as CSV")
    export.add_argument("--period", default=None, help=f"{period_help}; default: all leads")
    export.add_argument("--out", default="-", help="file to write; default: standard output")
    load = commands.add_parser("import", help="bring in leads from a CSV file")
    load.add_argument("file", type=Path)
    load.add_argument("--rejects", type=Path, help="write every rejected line here as CSV")
    spend = commands.add_parser("spend", help="enter and list ad spend per source")
    spend_commands = spend.add_subparsers(dest="spend_command", required=True)
    spend_add = spend_commands.add_parser("add", help="record spend on a source")
    spend_add.add_argument("source")
    spend_add.add_argument("amount")
    spend_add.add_argument("--from", dest="first", required=True, help="first date")
    spend_add.add_argument("--to", dest="last", required=True, help="last date, included")
    spend_add.add_argument("--note", default="")
    spend_list = spend_commands.add_parser("list", help="list spend touching a period")
    spend_list.add_argument("--period", default="month", help=period_help)
    spend_file = spend_commands.add_parser(
        "import", help="record spend lines from a CSV file: source, amount, from, to, note"
    )
    spend_file.add_argument("file", type=Path)


def _analysis(settings: Settings, args: argparse.Namespace) -> int:
    from bot import commands

    if args.command == "report":
        return commands.report(settings, args.period, args.charts, args.rebuild)
    if args.command == "export":
        return commands.export(settings, args.period, args.out)
    if args.command == "import":
        return commands.import_file(settings, args.file, args.rejects)
    if args.spend_command == "add":
        return commands.spend_add(
            settings, args.source, args.amount, args.first, args.last, args.note
        )
    if args.spend_command == "list":
        return commands.spend_list(settings, args.period)
    return commands.spend_import(settings, args.file)


def main(argv: list[str] | None = None) -> int:
    """Run the `leadline` command."""
    args = parser().parse_args(argv)
    settings = _settings()
    _configure_logging(settings.log_level)
    if args.command == "serve":
        return _serve(settings)
    if args.command == "migrate":
        return _migrate(settings)
    if args.command == "check":
        return _check(settings)
    if args.command == "team":
        return teamcli.run(settings, args, _with_services)
    if args.command == "shift":
        return _shift(settings, args.telegram_id, args.hours)
    if args.command == "source" and args.source_command == "norm":
        return _source_norm(settings, args.name, args.minutes)
    if args.command == "source":
        return _source_add(settings, args.name, args.channel, args.norm)
    return _analysis(settings, args)


if __name__ == "__main__":
    sys.exit(main())
