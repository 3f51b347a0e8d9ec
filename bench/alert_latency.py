"""How long from an accepted lead (the API's 201) to the rep's alert in Telegram.

Method: start `leadline serve` as a process on a fresh SQLite file, pointed at the
project's fake Bot API (tests/fake_telegram.py) on 127.0.0.1; put one rep on the team;
post N leads over HTTP one after another from several concurrent clients, and for each
lead measure the time from the 201 arriving at the client to the alert's sendMessage
arriving at the fake server. Every lead goes to the same rep, so the dispatcher's limit
of one message a second per chat applies: the bench spreads the leads over REPS reps to
measure the pipeline rather than the pacing.

Run: .venv/bin/python -m bench.alert_latency [--leads 200] [--reps 50] [--clients 4]
"""

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.conftest import TOKEN, free_port
from tests.fake_telegram import FakeTelegram

LEADLINE = str(Path(sys.executable).parent / "leadline")


async def _serve(
    fake: FakeTelegram, folder: Path, reps: int
) -> tuple[asyncio.subprocess.Process, str, str]:
    port = free_port()
    env = {
        **os.environ,
        "LEADLINE_TELEGRAM_TOKEN": TOKEN,
        "LEADLINE_TELEGRAM_API_URL": fake.base_url,
        "LEADLINE_DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'bench.db'}",
        "LEADLINE_HTTP_PORT": str(port),
        "LEADLINE_POLL_TIMEOUT": "1",
        "LEADLINE_LOG_LEVEL": "WARNING",
    }
    made = await asyncio.create_subprocess_exec(
        LEADLINE, "source", "add", "bench", env=env, cwd=folder, stdout=asyncio.subprocess.PIPE
    )
    token = (await made.communicate())[0].decode().strip().splitlines()[-1]
    await _add_reps(env, folder, reps)
    process = await asyncio.create_subprocess_exec(LEADLINE, "serve", env=env, cwd=folder)
    url = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient() as client:
        for _ in range(200):
            try:
                if (await client.get(f"{url}/healthz")).status_code == 200:
                    return process, url, token
            except httpx.TransportError:
                await asyncio.sleep(0.1)
    raise SystemExit("serve did not come up")


async def _add_reps(env: dict[str, str], folder: Path, reps: int) -> None:
    script = (
        "import asyncio\n"
        "from bot.app import build_services\nfrom bot.settings import Settings\n"
        "from core.team import Member\nfrom storage.migrate import upgrade_async\n"
        "async def main():\n"
        "    settings = Settings()\n"
        "    await upgrade_async(settings.database_url)\n"
        "    engine, services, _ = build_services(settings)\n"
        "    async with services.uow() as uow:\n"
        f"        for i in range({reps}):\n"
        "            await uow.members.add(Member(100000 + i, f'Rep {i}'))\n"
        "        await uow.commit()\n"
        "    await engine.dispose()\n"
        "asyncio.run(main())\n"
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", script, env=env, cwd=folder
    )
    await process.wait()


async def _post(client: httpx.AsyncClient, url: str, token: str, n: int) -> tuple[int, float]:
    response = await client.post(
        f"{url}/api/v1/leads",
        json={"name": f"Lead {n}", "email": f"lead{n}@example.com"},
        headers={"Authorization": f"Bearer {token}"},
    )
    return response.json()["id"], time.monotonic()


async def main() -> None:
    """Run the bench and print the latency figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=200)
    parser.add_argument("--reps", type=int, default=50)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()

    async with FakeTelegram(token=TOKEN) as fake:
        with tempfile.TemporaryDirectory() as folder:
            process, url, token = await _serve(fake, Path(folder), args.reps)
            accepted: dict[int, float] = {}
            queue = list(range(args.leads))

            async def client_loop() -> None:
                async with httpx.AsyncClient() as client:
                    while queue:
                        lead_id, at = await _post(client, url, token, queue.pop())
                        accepted[lead_id] = at

            started = time.monotonic()
            await asyncio.gather(*(client_loop() for _ in range(args.clients)))
            posting = time.monotonic() - started
            await fake.wait_for(
                lambda: len(_alerts(fake)) >= args.leads, timeout=120, what="every alert"
            )
            process.terminate()
            await process.wait()

    delays = sorted(_alerts(fake)[lead] - accepted[lead] for lead in accepted)
    p = statistics.quantiles(delays, n=100)
    print(f"leads: {args.leads} over {args.reps} reps, {args.clients} clients")
    print(f"intake: {args.leads / posting:.0f} leads/s accepted")
    print(
        f"201 -> alert: median {statistics.median(delays) * 1000:.0f} ms, "
        f"p90 {p[89] * 1000:.0f} ms, p99 {p[98] * 1000:.0f} ms, max {delays[-1] * 1000:.0f} ms"
    )


def _alerts(fake: FakeTelegram) -> dict[int, float]:
    found: dict[int, float] = {}
    for call in fake.calls_to("sendMessage"):
        text = str(call.params.get("text", ""))
        if call.ok and "New lead for you" in text:
            lead = int(text.split("Lead #", 1)[1].split("<", 1)[0].split(" ", 1)[0])
            found.setdefault(lead, call.monotonic)
    return found


if __name__ == "__main__":
    asyncio.run(main())
