"""Running `leadline` as a real process, the way an admin would."""

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import TOKEN, free_port
from tests.fake_telegram import FakeTelegram

LEADLINE = str(Path(sys.executable).parent / "leadline")
MANAGER_ID = 5001


class Leadline:
    """One installation: its environment and database, and its `serve` process when running."""

    def __init__(self, fake: FakeTelegram, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.db_path = folder / "leadline.db"
        self.env = {
            **os.environ,
            "LEADLINE_TELEGRAM_TOKEN": TOKEN,
            "LEADLINE_TELEGRAM_API_URL": fake.base_url,
            "LEADLINE_DATABASE_URL": f"sqlite+aiosqlite:///{self.db_path}",
            "LEADLINE_HTTP_PORT": str(self.port),
            "LEADLINE_ADMINS": str(MANAGER_ID),
            "LEADLINE_POLL_TIMEOUT": "1",
            "LEADLINE_LOG_LEVEL": "INFO",
        }
        self.process: asyncio.subprocess.Process | None = None
        self.log = folder / "serve.log"

    @property
    def url(self) -> str:
        """Root of the HTTP API."""
        return f"http://127.0.0.1:{self.port}"

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run a one-shot `leadline` command and return what it printed."""
        return subprocess.run(
            [LEADLINE, *args],
            env=self.env,
            cwd=self.folder,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def add_source(self, name: str = "landing") -> str:
        """Create a source and return its token (the last line printed)."""
        done = self.run("source", "add", name)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip().splitlines()[-1]

    async def start(self) -> None:
        """Start `leadline serve` and wait until its HTTP API answers."""
        with self.log.open("a") as log:
            self.process = await asyncio.create_subprocess_exec(
                LEADLINE, "serve", env=self.env, cwd=self.folder, stdout=log, stderr=log
            )
        async with httpx.AsyncClient() as client:
            for _ in range(200):
                if self.process.returncode is not None:
                    raise AssertionError(f"serve exited early:\n{self.log.read_text()}")
                try:
                    if (await client.get(f"{self.url}/healthz")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
        raise AssertionError(f"serve did not come up:\n{self.log.read_text()}")

    async def stop(self, how: int = signal.SIGTERM) -> int:
        """Stop `serve` with a signal and return its exit code."""
        assert self.process is not None
        self.process.send_signal(how)
        code = await asyncio.wait_for(self.process.wait(), timeout=20)
        self.process = None
        return code

    def query(self, sql: str, *params: object) -> list[tuple]:
        """Read the database directly, as a person checking the result would."""
        with sqlite3.connect(self.db_path) as db:
            return db.execute(sql, params).fetchall()


@pytest.fixture
async def leadline(fake_telegram: FakeTelegram, tmp_path: Path) -> AsyncIterator[Leadline]:
    """An installation in a temporary folder, stopped at the end of the test."""
    installation = Leadline(fake_telegram, tmp_path)
    yield installation
    if installation.process is not None and installation.process.returncode is None:
        installation.process.kill()
        await installation.process.wait()
