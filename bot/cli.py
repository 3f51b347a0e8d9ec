"""The `leadline` command: serve, migrate, check, and source management."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from pydantic import ValidationError

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
        "alembic.runtime.plugins",
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
    return root


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
    return _source_add(settings, args.name, args.channel)


if __name__ == "__main__":
    sys.exit(main())
