"""How punctually timers fire with 100,000 pending, and what an idle process costs.

Method: seed a fresh SQLite file with REPS reps and PENDING open leads, each with a
first-response breach timer due some time in the next 30 days (the backlog of a big
team). Two groups of probes then come due while those wait, and each fires for real: it
writes its event, and a breach counts an untaken alert and queues the overdue alert that
the dispatcher sends to the project's fake Bot API on 127.0.0.1.

* "seeded": PROBES more leads whose breach timers are in the database before `leadline
  serve` starts, due at random over SPREAD seconds from 30 s after the start, so the
  timer loop must sleep until each and wake on time.
* "live": LIVE leads posted over HTTP at random moments over the same SPREAD seconds, from
  a source whose own first-response norm is 20 s, so capture arms each a nudge (at two
  thirds) and a breach in the running process, as in production.

Lateness per timer is measured twice: "claimed", the `fired_at` the process writes when
the loop takes the timer (the same machine clock) minus its due time; and "committed", the
moment a separate reader of the database first sees it fired, polling every 20 ms, minus
its due time (up to 20 ms of that is the poll).

Then, with the outbox drained and only the 100,000 future timers pending, the process is
left alone for IDLE seconds; its CPU time (user + system, from /proc) over that window
divided by the window is the share of one core an idle installation uses. The bot
long-polls with the default 30-second timeout, as in production.

Run: .venv/bin/python -m bench.timers [--pending 100000] [--probes 300] [--live 150]
"""

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.sources import hash_token, new_token
from storage.database import READONLY, make_engine
from storage.migrate import upgrade_async
from storage.tables import LeadRow, MemberRow, OutboxRow, SourceRow, TimerRow
from tests.conftest import TOKEN, free_port
from tests.fake_telegram import FakeTelegram

LEADLINE = str(Path(sys.executable).parent / "leadline")
REPS = 200
BATCH = 5_000
BREACH = "first_response_breach"
LIVE_NORM_SECONDS = 20


async def _seed(url: str, pending: int) -> str:
    """Fill the database; give the token of a source with a 20-second norm."""
    await upgrade_async(url)
    engine = make_engine(url)
    now = datetime.now(UTC)
    token = new_token()
    async with engine.begin() as connection:
        await connection.execute(
            sa.insert(MemberRow),
            [{"telegram_id": 100_000 + i, "name": f"Rep {i}", "role": "rep"} for i in range(REPS)],
        )
        await connection.execute(
            sa.insert(SourceRow),
            [
                {
                    "name": "bench",
                    "token_hash": hash_token(token),
                    "created_at": now,
                    "first_response_seconds": LIVE_NORM_SECONDS,
                }
            ],
        )
        for first in range(0, pending, BATCH):
            count = min(BATCH, pending - first)
            await _add_leads(connection, count, now, lambda: now + _some_days(30))
    await engine.dispose()
    return token


def _some_days(days: int) -> timedelta:
    return timedelta(seconds=random.uniform(86_400, days * 86_400))


async def _add_leads(
    connection: AsyncConnection, count: int, now: datetime, due: Callable[[], datetime]
) -> list[int]:
    leads = [
        {
            "channel": "api",
            "created_at": now,
            "name": "Seeded lead",
            "owner_id": random.randint(1, REPS),
            "assigned_at": now,
        }
        for _ in range(count)
    ]
    result = await connection.execute(sa.insert(LeadRow).returning(LeadRow.id), leads)
    ids = [row[0] for row in result]
    timers = [{"kind": BREACH, "lead_id": lead, "due_at": due()} for lead in ids]
    await connection.execute(sa.insert(TimerRow), timers)
    return ids


async def _add_probes(url: str, probes: int, start: datetime, spread: float) -> int:
    """Add the seeded probes; give the highest lead id they use."""
    engine = make_engine(url)
    async with engine.begin() as connection:
        ids = await _add_leads(
            connection,
            probes,
            datetime.now(UTC),
            lambda: start + timedelta(seconds=random.uniform(0, spread)),
        )
    await engine.dispose()
    return max(ids)


async def _serve(
    fake: FakeTelegram, folder: Path, url: str
) -> tuple[asyncio.subprocess.Process, str]:
    port = free_port()
    env = {
        **os.environ,
        "LEADLINE_TELEGRAM_TOKEN": TOKEN,
        "LEADLINE_TELEGRAM_API_URL": fake.base_url,
        "LEADLINE_DATABASE_URL": url,
        "LEADLINE_HTTP_PORT": str(port),
        "LEADLINE_POLL_TIMEOUT": "30",
        "LEADLINE_LOG_LEVEL": "WARNING",
        "LEADLINE_ADMINS": "",
        "LEADLINE_DIGEST_AT": "",
    }
    process = await asyncio.create_subprocess_exec(LEADLINE, "serve", env=env, cwd=folder)
    base = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient() as client:
        for _ in range(600):
            try:
                if (await client.get(f"{base}/healthz")).status_code == 200:
                    return process, base
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise SystemExit("serve did not come up")


async def _post_live(
    base: str, token: str, live: int, start: datetime, spread: float
) -> list[float]:
    """Post leads over HTTP at random moments over the spread; give each answer's time."""
    moments = sorted(random.uniform(0, spread) for _ in range(live))
    answered = []
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(headers=headers, timeout=60) as client:
        for n, offset in enumerate(moments):
            wait = (start + timedelta(seconds=offset) - datetime.now(UTC)).total_seconds()
            await asyncio.sleep(max(wait, 0))
            began = time.monotonic()
            response = await client.post(
                f"{base}/api/v1/leads", json={"name": "Live", "email": f"live{n}@example.com"}
            )
            response.raise_for_status()
            answered.append(time.monotonic() - began)
    return answered


def _probe_timers(start: datetime) -> sa.Select:
    return sa.select(TimerRow.id, TimerRow.lead_id, TimerRow.due_at, TimerRow.fired_at).where(
        TimerRow.status == "fired", TimerRow.due_at >= start - timedelta(seconds=1)
    )


def _reader(url: str) -> AsyncEngine:
    """An engine whose transactions only read, so polling never takes SQLite's write lock."""
    return make_engine(url).execution_options(**{READONLY: True})


async def _watch(url: str, expected: int, start: datetime) -> dict[int, float]:
    """Poll for fired probe timers; give each one's committed lateness in seconds."""
    engine = _reader(url)
    seen: dict[int, float] = {}
    while len(seen) < expected:
        async with engine.connect() as connection:
            rows = (await connection.execute(_probe_timers(start))).all()
        now = datetime.now(UTC)
        for timer_id, _, due_at, _ in rows:
            seen.setdefault(timer_id, (now - due_at).total_seconds())
        await asyncio.sleep(0.02)
    await engine.dispose()
    return seen


async def _fired(url: str, start: datetime) -> list[tuple[int, int, float]]:
    """List (timer id, lead id, claimed lateness in seconds) of the fired probes."""
    engine = _reader(url)
    async with engine.connect() as connection:
        rows = (await connection.execute(_probe_timers(start))).all()
    await engine.dispose()
    return [(tid, lead, (fired - due).total_seconds()) for tid, lead, due, fired in rows]


async def _drained(url: str) -> None:
    engine = _reader(url)
    query = sa.select(sa.func.count()).where(OutboxRow.status == "pending")
    while True:
        async with engine.connect() as connection:
            if (await connection.execute(query)).scalar_one() == 0:
                break
        await asyncio.sleep(0.5)
    await engine.dispose()


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    utime, stime = int(fields[11]), int(fields[12])
    return (utime + stime) / os.sysconf("SC_CLK_TCK")


def _figures(name: str, lateness: list[float]) -> str:
    ordered = sorted(lateness)
    p = statistics.quantiles(ordered, n=100, method="inclusive")
    return (
        f"{name} ({len(ordered)}): median {statistics.median(ordered) * 1000:.0f} ms, "
        f"p90 {p[89] * 1000:.0f} ms, p99 {p[98] * 1000:.0f} ms, max {ordered[-1] * 1000:.0f} ms"
    )


async def main() -> None:
    """Run the bench and print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--pending", type=int, default=100_000)
    parser.add_argument("--probes", type=int, default=300)
    parser.add_argument("--live", type=int, default=150)
    parser.add_argument("--spread", type=float, default=60.0)
    parser.add_argument("--idle", type=float, default=60.0)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        began = time.monotonic()
        token = await _seed(url, args.pending)
        print(f"seeded {args.pending} pending timers in {time.monotonic() - began:.1f} s")
        start = datetime.now(UTC) + timedelta(seconds=30)
        last_seeded = await _add_probes(url, args.probes, start, args.spread)
        async with FakeTelegram(token=TOKEN) as fake:
            process, base = await _serve(fake, Path(folder), url)
            expected = args.probes + 2 * args.live  # each live lead: a nudge and a breach
            watching = asyncio.create_task(_watch(url, expected, start))
            answers = await _post_live(base, token, args.live, start, args.spread)
            committed = await watching
            fired = await _fired(url, start)
            await _drained(url)
            cpu_before, wall_before = _cpu_seconds(process.pid), time.monotonic()
            await asyncio.sleep(args.idle)
            cpu = _cpu_seconds(process.pid) - cpu_before
            wall = time.monotonic() - wall_before
            process.terminate()
            await process.wait()

    seeded = [late for _, lead, late in fired if lead <= last_seeded]
    live = [late for _, lead, late in fired if lead > last_seeded]
    print(f"{args.pending} timers pending; probes due over {args.spread:.0f} s")
    print(_figures("seeded, claimed  ", seeded))
    print(_figures("live, claimed    ", live))
    print(_figures("all, committed   ", list(committed.values())))
    print(_figures("POST answered in ", answers))
    worst = sorted(committed.items(), key=lambda item: -item[1])[:5]
    claimed = {tid: late for tid, _, late in fired}
    print("slowest committed (claimed):", [(round(c, 3), round(claimed[t], 3)) for t, c in worst])
    print(f"idle: {cpu:.2f} s of CPU in {wall:.0f} s = {100 * cpu / wall:.2f}% of one core")


if __name__ == "__main__":
    asyncio.run(main())
