"""Time `leadline import` on a generated CSV file of leads, run as a process.

    .venv/bin/python bench/imports.py [--rows 100000] [--keep]

It writes a CSV of `rows` inquiries (every 50th repeats an earlier phone, so it is merged;
every 100th has a phone that cannot be a number and every 200th no contact at all, so
those are rejected), creates an empty SQLite database with one source, runs
`leadline import` on it as a separate process and prints the wall time, the command's
summary and its peak resident memory (from the kernel, for the child process).
"""

import argparse
import csv
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LEADLINE = ROOT / ".venv" / "bin" / "leadline"


def write_csv(path: Path, rows: int, seed: int = 6) -> None:
    """Write the import file."""
    rng = random.Random(seed)
    with path.open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(
            ["name", "phone", "email", "message", "source", "created_at", "utm_source", "value"]
        )
        for line in range(1, rows + 1):
            number = line if line % 50 else rng.randrange(1, line)
            phone = f"+4915{number:09d}"
            email = f"lead{number}@example.com"
            if line % 100 == 0:
                phone = "12"
            if line % 200 == 0:
                phone, email = "", ""
            day = 1 + line % 28
            writer.writerow(
                [
                    f"Lead {line}",
                    phone,
                    email if line % 3 else "",
                    "Imported from the old spreadsheet",
                    "landing",
                    f"2026-10-{day:02d} {9 + line % 9:02d}:{line % 60:02d}",
                    "google" if line % 2 else "",
                    str(rng.randrange(100, 10000)),
                ]
            )


def main() -> None:
    """Generate, import, and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="leadline-import-"))
    source = folder / "leads.csv"
    write_csv(source, args.rows)
    env = {
        **os.environ,
        "LEADLINE_DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'leadline.db'}",
        "LEADLINE_LOG_LEVEL": "WARNING",
    }
    subprocess.run(
        [LEADLINE, "source", "add", "landing"], env=env, check=True, capture_output=True
    )
    began = time.perf_counter()
    done = subprocess.run(
        [LEADLINE, "import", str(source), "--rejects", str(folder / "rejects.csv")],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - began
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    summary = [line for line in done.stderr.splitlines() if line.startswith("Taken")]
    print(f"{args.rows:,} rows imported in {elapsed:.1f} s (exit {done.returncode})")
    print("\n".join(summary) or done.stderr[-2000:])
    print(f"peak resident memory of the import: {peak:.0f} MB")
    if args.keep:
        print(f"files in {folder}")
    sys.exit(done.returncode)


if __name__ == "__main__":
    main()
