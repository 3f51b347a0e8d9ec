"""The test-only clock file of `leadline serve`: seconds added to the machine's clock."""

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.clockfile import FileClock


def test_clock_adds_the_seconds_in_the_file_and_follows_changes(tmp_path: Path) -> None:
    path = tmp_path / "clock"
    clock = FileClock(path)
    before = clock.now()

    path.write_text("3600\n")
    later = clock.now()
    path.write_text("-60.5")
    earlier = clock.now()

    assert abs(before - datetime.now(UTC)) < timedelta(seconds=1)
    assert clock.offset == timedelta(seconds=-60.5)
    assert timedelta(minutes=59) < later - before < timedelta(minutes=61)
    assert earlier < before


def test_clock_keeps_its_offset_when_the_file_holds_no_number(tmp_path: Path) -> None:
    path = tmp_path / "clock"
    path.write_text("120")
    clock = FileClock(path)

    path.write_text("soon")
    clock.now()

    assert clock.offset == timedelta(seconds=120)


async def test_watch_tells_when_the_clock_moved(tmp_path: Path) -> None:
    path = tmp_path / "clock"
    clock = FileClock(path)
    stop, moved = asyncio.Event(), asyncio.Event()
    watching = asyncio.create_task(clock.watch(moved.set, stop))

    path.write_text("90")
    await asyncio.wait_for(moved.wait(), timeout=5)
    stop.set()
    await watching

    assert clock.offset == timedelta(seconds=90)
