"""The composition root: builds the engine, the use cases, the bot, the API and the loops,
and runs them together in one event loop for `leadline serve`.
"""

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Container, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import holidays
import uvicorn
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes

from bot import charts, leads, prospects, stats, team
from bot.cards import Renderer
from bot.clockfile import FileClock
from bot.dispatcher import Dispatcher
from bot.runtime import attach
from bot.settings import Settings
from bot.timerloop import TimerLoop
from bot.webhooks import WebhookSender
from core.attempts import Cadence
from core.calendar import BusinessCalendar, WeeklySchedule
from core.clock import Clock, SystemClock
from core.notices import Template
from core.pipeline import Pipeline
from core.replies import Replies
from core.routing import RoutingPolicy
from core.rules import Rules
from core.services import Services
from intake.api import create_api
from storage.database import make_engine, session_factories
from storage.migrate import upgrade_async
from storage.outbox import OutboxStore
from storage.summaries import backfill
from storage.unit_of_work import Signals, uow_factory
from storage.webhooks import WebhookStore

logger = logging.getLogger(__name__)


def calendar_from(settings: Settings) -> BusinessCalendar:
    """Build the team's business calendar: hours, time zone, public holidays, extra dates."""
    public_holidays: Container[date] = frozenset()
    if settings.holidays_country:
        public_holidays = holidays.country_holidays(
            settings.holidays_country, subdiv=settings.holidays_subdivision
        )
    return BusinessCalendar(
        ZoneInfo(settings.timezone),
        WeeklySchedule.parse(settings.business_hours),
        public_holidays,
        extra_closed=settings.closed_dates,
        extra_open=settings.open_dates,
    )


def rules_from(settings: Settings) -> Rules:
    """Turn settings into the team's rules."""
    auto_reassign = settings.auto_reassign_minutes
    return Rules(
        calendar=calendar_from(settings),
        first_response=timedelta(minutes=settings.first_response_minutes),
        nudge_share=settings.nudge_share,
        routing=RoutingPolicy(
            strategy=settings.routing_strategy,
            senior_value_threshold=settings.routing_senior_value,
            senior_tier=settings.routing_senior_tier,
            prefer_previous_owner=settings.routing_prefer_previous_owner,
            untaken_limit=settings.untaken_limit or None,
        ),
        auto_reassign=timedelta(minutes=auto_reassign) if auto_reassign else None,
        managers_chat_id=settings.managers_chat_id,
        replies=Replies(settings.language, settings.after_hours_reply, settings.acknowledgment),
        digest_at=settings.digest_at,
        stall_alerts=settings.stall_alerts,
        cadence=Cadence.parse(settings.attempt_cadence),
        pipeline=Pipeline.parse(settings.stages, settings.stage_norms),
        prompt_ttl=timedelta(minutes=settings.prompt_minutes),
    )


def clock_from(settings: Settings) -> Clock:
    """Read time from the machine, or, for tests, shifted by the clock file's seconds."""
    return FileClock(settings.clock_file) if settings.clock_file else SystemClock()


@dataclass
class Runtime:
    """Everything `serve` runs, wired together."""

    settings: Settings
    engine: AsyncEngine
    services: Services
    application: Application
    dispatcher: Dispatcher
    timers: TimerLoop
    api: FastAPI
    webhooks: WebhookSender | None = None
    clock: Clock | None = None


def build_services(
    settings: Settings, clock: Clock | None = None
) -> tuple[AsyncEngine, Services, Signals]:
    """Build the engine and the use cases, without the bot; for the CLI and for `serve`."""
    engine = make_engine(settings.database_url)
    writer, reader = session_factories(engine)
    signals = Signals()
    services = Services(
        uow_factory(writer, signals, settings.webhook_urls),
        clock or clock_from(settings),
        rules_from(settings),
        read_uow=uow_factory(reader, Signals()),
    )
    return engine, services, signals


def build(settings: Settings, clock: Clock | None = None) -> Runtime:
    """Wire the whole process: storage, use cases, bot, dispatcher, timer loop and API."""
    if settings.telegram_token is None:
        raise ValueError("Setting LEADLINE_TELEGRAM_TOKEN is missing: get one from @BotFather.")
    clock = clock or clock_from(settings)
    engine, services, signals = build_services(settings, clock)
    writer, reader = session_factories(engine)

    api_root = settings.telegram_api_url
    application = (
        ApplicationBuilder()
        .token(settings.telegram_token.get_secret_value())
        .base_url(f"{api_root}/bot")
        .base_file_url(f"{api_root}/file/bot")
        .build()
    )
    attach(application, services)
    application.bot_data["currency"] = settings.currency
    team.register(application)
    stats.register(application)
    leads.register(application)  # after the others: it answers every button nobody claimed
    prospects.register(application)  # last: it takes every private message nobody claimed
    application.add_error_handler(on_error)

    reports = stats.ReportRenderer(services, settings.currency)
    drawers = {Template.STATS: reports.stats, Template.EXPORT: reports.export}
    renderer = Renderer(uow_factory(reader, Signals()), clock, services.rules, drawers)
    dispatcher = Dispatcher(OutboxStore(writer, reader), application.bot, renderer, clock)
    timers = TimerLoop(services, clock)
    signals.outbox.append(dispatcher.wake)
    signals.timers.append(timers.timer_armed)
    webhooks = None
    if settings.webhook_urls and settings.webhook_secret is not None:
        secret = settings.webhook_secret.get_secret_value()
        webhooks = WebhookSender(WebhookStore(writer), secret, clock)
        signals.webhooks.append(webhooks.wake)

    api = create_api(
        services, phone_region=settings.phone_region, max_body_bytes=settings.max_body_bytes
    )
    return Runtime(
        settings, engine, services, application, dispatcher, timers, api, webhooks, clock
    )


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log an error a handler did not expect, and tell the user something went wrong."""
    logger.error("Handler failed on an update", exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat is not None:
        with contextlib.suppress(Exception):
            await context.bot.send_message(
                update.effective_chat.id, "Something went wrong on our side; please try again."
            )


class _QuietServer(uvicorn.Server):
    """uvicorn without its own signal handling: `serve` stops it with everything else."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def serve(settings: Settings) -> None:
    """Run the bot, the HTTP API, the timer loop and the dispatcher until SIGINT or SIGTERM."""
    await upgrade_async(settings.database_url)
    runtime = build(settings)
    await runtime.services.ensure_managers(settings.admins)
    built = await backfill(session_factories(runtime.engine)[0])
    if built:
        logger.info("Summarised %d leads from their events for the reports", built)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)

    try:
        await run(runtime, stop)
    finally:
        await runtime.engine.dispose()
    logger.info("Leadline stopped")


async def run(runtime: Runtime, stop: asyncio.Event) -> None:
    """Run the bot, the API server, the dispatcher and the timer loop until `stop` is set."""
    settings = runtime.settings
    config = uvicorn.Config(
        runtime.api,
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        lifespan="off",
        access_log=False,
    )
    server = _QuietServer(config)
    await runtime.services.ensure_routines()
    async with runtime.application as application:
        await application.start()
        await application.updater.start_polling(
            timeout=settings.poll_timeout, allowed_updates=Update.ALL_TYPES
        )
        tasks = [
            asyncio.create_task(server.serve(), name="http"),
            asyncio.create_task(runtime.dispatcher.run(stop), name="outbox"),
            asyncio.create_task(runtime.timers.run(stop), name="timers"),
        ]
        if runtime.webhooks is not None:
            tasks.append(asyncio.create_task(runtime.webhooks.run(stop), name="webhooks"))
        if isinstance(runtime.clock, FileClock):
            moved = _clock_moved(runtime)
            tasks.append(asyncio.create_task(runtime.clock.watch(moved, stop), name="clock"))
        # The first chart loads fonts and the PNG writer; do it now rather than in a /stats.
        warm_up = asyncio.create_task(asyncio.to_thread(charts.warm_up), name="charts")
        logger.info(
            "Leadline serving: bot @%s, HTTP on %s:%s",
            application.bot.username,
            settings.http_host,
            settings.http_port,
        )
        await _until_stop_or_crash(stop, tasks)

        server.should_exit = True
        stop.set()
        await application.updater.stop()
        await application.stop()
        await asyncio.gather(*tasks, warm_up, return_exceptions=True)


def _clock_moved(runtime: Runtime) -> Callable[[], None]:
    def moved() -> None:
        runtime.timers.wake()
        runtime.dispatcher.wake()

    return moved


async def _until_stop_or_crash(stop: asyncio.Event, tasks: list[asyncio.Task[None]]) -> None:
    stopper = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait([stopper, *tasks], return_when=asyncio.FIRST_COMPLETED)
    stopper.cancel()
    for task in done:
        if task is not stopper and task.exception() is not None:
            logger.error("%s stopped unexpectedly", task.get_name(), exc_info=task.exception())
