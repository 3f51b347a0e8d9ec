"""Build the lead summaries of a generated database from its events, and time it.

    .venv/bin/python bench/summaries.py bench/data/leads-1m.db [--rebuild]

The generator writes leads and events only, like a database upgraded from before
summaries existed; this is the one-off `backfill` that `leadline serve` runs at start.
"""

import argparse
import asyncio
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from storage.database import make_engine, session_factories
from storage.migrate import upgrade_async
from storage.summaries import backfill


async def run(path: Path, rebuild: bool) -> None:
    """Backfill (or rebuild) and print the time and peak memory."""
    url = f"sqlite+aiosqlite:///{path}"
    await upgrade_async(url)
    engine = make_engine(url)
    writer, _ = session_factories(engine)
    began = time.perf_counter()
    built = await backfill(writer, rebuild=rebuild)
    elapsed = time.perf_counter() - began
    await engine.dispose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{built:,} summaries in {elapsed:.1f} s; peak resident memory {peak:.0f} MB")


def main() -> None:
    """Parse the command line and run."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    asyncio.run(run(args.path, args.rebuild))


if __name__ == "__main__":
    main()
