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


def _source_add(settings: Settings, name: str, channel: str) -> int:
    from core.errors import InvalidInquiry

    async def work(services: Services) -> tuple[Source, str]:
        return await services.add_source(name, channel)

    try:
        source, token = asyncio.run(_with_services(settings, work))
    except InvalidInquiry as exc:
        print(f"leadline: {exc}", file=sys.stderr)
        return 1
    print(f"Source {source.name!r} created (id {source.id}). Its token, shown only now:")
    print(token)
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
    if args.command == "source":
        return _source_add(settings, args.name, args.channel)
    return _analysis(settings, args)


if __name__ == "__main__":
    sys.exit(main())
