"""Fixtures shared by every level: the fake Telegram Bot API server."""

import socket
from collections.abc import AsyncIterator

import pytest

from tests.fake_telegram import FakeTelegram

TOKEN = "123456:TEST-TOKEN"


def free_port() -> int:
    """Find a TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegram]:
    """A fake Bot API server on 127.0.0.1, recording what the bot says."""
    async with FakeTelegram(token=TOKEN) as fake:
        yield fake
