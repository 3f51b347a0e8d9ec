"""Time `/stats` over a generated database: the figures, the caption and the chart.

    .venv/bin/python bench/stats.py bench/data/leads-1m.db [--period 30d] [--view team]
        [--schedule "mon-fri 09:00-18:00"] [--bot]

By default it renders the outbox row that `/stats` queues exactly as the dispatcher
would before handing it to Telegram: the manager's report for the period (the period's
lead summaries read from the database, the figures computed), the caption and the PNG
chart. With `--bot` it runs the whole Leadline process (bot, dispatcher, timer loop,
HTTP API) against the project's fake Bot API on 127.0.0.1, and times from the manager's
press on the view button to the photo arriving at the fake server. The clock stands at
the generator's END; `--schedule` sets business hours (default: always open). It prints
the wall time and the process's CPU time of each run (on a busy machine the CPU time
says what an idle core would take), and the peak resident memory, read from the kernel
(ru_maxrss) at the end; with `--bot` that process also holds the fake Telegram server.
"""

import argparse
import asyncio
import dataclasses
import resource
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.generate import END
from bot.settings import Settings
from bot.stats import ReportRenderer
from core.calendar import BusinessCalendar, WeeklySchedule
from core.clock import FixedClock, ShiftedClock
from core.periods import named_period
from core.reporting import View
from storage.outbox import Pending

MANAGER = 5001


def _with_schedule(services: object, schedule: str | None) -> None:
    if schedule:
        calendar = BusinessCalendar(ZoneInfo("UTC"), WeeklySchedule.parse(schedule))
        services.rules = dataclasses.replace(services.rules, calendar=calendar)


async def run(path: Path, period_name: str, view: View, runs: int, schedule: str | None) -> None:
    """Render the stats row `runs` times and print the figures."""
    from bot.app import build_services

    settings = Settings(_env_file=None, database_url=f"sqlite+aiosqlite:///{path}")
    clock = FixedClock(END)
    engine, services, _ = build_services(settings, clock)
    _with_schedule(services, schedule)
    reports = ReportRenderer(services, settings.currency)
    period = named_period(period_name, clock.now(), services.rules.calendar.tz)
    row = Pending(
        id=1,
        chat_id=MANAGER,
        template="stats",
        lead_id=None,
        data={
            "view": view.value,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "label": period.label,
            "telegram_id": MANAGER,
        },
        edit_message_id=None,
        attempts=0,
    )
    for attempt in range(1, runs + 1):
        began, cpu = time.perf_counter(), time.process_time()
        rendered = await reports.stats(row)
        elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu
        size = len(rendered.photo or b"")
        print(f"run {attempt}: {elapsed:.2f} s wall, {cpu:.2f} s CPU, chart {size >> 10} KiB")
    print(rendered.text)
    await engine.dispose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory: {peak:.0f} MB")


VIEW_BUTTONS = {
    View.TEAM: "👥 Team",
    View.REPS: "🧑‍💼 Per rep",
    View.SOURCES: "📣 Per source",
    View.FUNNEL: "🔻 Funnel",
    View.LOSSES: "❌ Losses",
}
PERIOD_BUTTONS = {"today": "Today", "7d": "7 days", "30d": "30 days", "month": "This month"}


async def run_bot(
    path: Path, period_name: str, view: View, runs: int, schedule: str | None
) -> None:
    """Run Leadline against the fake Bot API and time the manager's /stats presses."""
    from bot.app import build
    from bot.app import run as serve
    from tests.conftest import TOKEN
    from tests.fake_telegram import FakeTelegram

    async with FakeTelegram(token=TOKEN) as fake:
        settings = Settings(
            _env_file=None,
            telegram_token=TOKEN,
            telegram_api_url=fake.base_url,
            database_url=f"sqlite+aiosqlite:///{path}",
            http_port=0,
            admins=[MANAGER],
            poll_timeout=1,
        )
        clock = ShiftedClock(END - datetime.now(UTC))
        runtime = build(settings, clock)
        _with_schedule(runtime.services, schedule)
        stop = asyncio.Event()
        task = asyncio.create_task(serve(runtime, stop))
        manager = fake.user(MANAGER, "Mira")
        for attempt in range(1, runs + 1):
            fake.send_message(manager, "/stats")
            picker = await fake.wait_for_message(manager, contains="which period", timeout=30)
            query = fake.press_button(manager, picker, PERIOD_BUTTONS[period_name])
            await fake.wait_for_answer(query, timeout=30)
            await fake.wait_for_edit(picker, timeout=30)
            began, cpu = time.perf_counter(), time.process_time()
            fake.press_button(manager, picker, VIEW_BUTTONS[view])
            photo = await fake.wait_for_message(manager, contains="📊", timeout=60)
            elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu
            size = len(photo.file_bytes or b"")
            print(
                f"run {attempt}: {elapsed:.2f} s from the press to the photo "
                f"({cpu:.2f} s CPU, fake Telegram included), {size >> 10} KiB"
            )
        print(photo.caption)
        stop.set()
        await asyncio.wait_for(task, timeout=30)
        await runtime.engine.dispose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory: {peak:.0f} MB")


def main() -> None:
    """Parse the command line and run."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--period", default="30d")
    parser.add_argument("--view", default="team", choices=[v.value for v in View])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--schedule", default=None, help='e.g. "mon-fri 09:00-18:00"')
    parser.add_argument("--bot", action="store_true", help="through the bot and fake API")
    args = parser.parse_args()
    runner = run_bot if args.bot else run
    asyncio.run(runner(args.path, args.period, View(args.view), args.runs, args.schedule))


if __name__ == "__main__":
    main()
