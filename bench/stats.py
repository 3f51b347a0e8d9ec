"""Time `/stats` over a generated database: the figures, the caption and the chart.

    .venv/bin/python bench/stats.py bench/data/leads-1m.db [--period 30d] [--view team]

It renders the outbox row that `/stats` queues exactly as the dispatcher would before
handing it to Telegram: the manager's report for the period (every event of the
period's leads read from the database and summarised), the caption and the PNG chart.
The clock stands at the generator's END. It prints the time of each run (the first is
cold: the database file is not yet in the page cache) and the process's peak resident
memory, read from the kernel (ru_maxrss) at the end.
"""

import argparse
import asyncio
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.generate import END
from bot.settings import Settings
from bot.stats import ReportRenderer
from core.clock import FixedClock
from core.periods import named_period
from core.reporting import View
from storage.outbox import Pending

MANAGER = 5001


async def run(path: Path, period_name: str, view: View, runs: int) -> None:
    """Render the stats row `runs` times and print the figures."""
    from bot.app import build_services

    settings = Settings(_env_file=None, database_url=f"sqlite+aiosqlite:///{path}")
    clock = FixedClock(END)
    engine, services, _ = build_services(settings, clock)
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
        began = time.perf_counter()
        rendered = await reports.stats(row)
        elapsed = time.perf_counter() - began
        size = len(rendered.photo or b"")
        print(f"run {attempt}: {elapsed:.2f} s, chart {size / 1024:.0f} KiB")
    print(rendered.text)
    await engine.dispose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory: {peak:.0f} MB")


def main() -> None:
    """Parse the command line and run."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--period", default="30d")
    parser.add_argument("--view", default="team", choices=[v.value for v in View])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(run(args.path, args.period, View(args.view), args.runs))


if __name__ == "__main__":
    main()
