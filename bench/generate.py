"""Fill an SQLite database with leads and their event histories, fast, for the benchmarks.

    .venv/bin/python bench/generate.py bench/data/leads-1m.db --leads 1000000

The schema comes from the project's migrations; rows go in with `executemany` in large
transactions through the standard library's sqlite3 (no ORM), with synchronous writes off
while loading. Leads arrive evenly over the 365 days before END (2026-12-01 00:00 UTC),
and each gets a history shaped like a real team's: assigned at once, a first attempt
after a few minutes to a few hours for most, no-answers and retries, qualification,
meetings and proposals for some, and about one in twelve won, one in three lost.
The same seed gives the same database.
"""

import argparse
import json
import random
import sqlite3
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from storage.migrate import upgrade

END = datetime(2026, 12, 1, tzinfo=UTC)
DAYS = 365
REPS = 20
SOURCES = ("google", "facebook", "landing", "partners", "phone", "email", "referral", "expo")
REASONS = (
    "too_expensive",
    "unreachable",
    "not_our_profile",
    "competitor",
    "no_budget",
    "no_need",
    "spam",
    "other",
)
CHUNK = 20_000


def stamp(moment: datetime) -> str:
    """Write a moment the way SQLAlchemy stores it in SQLite (naive UTC text)."""
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def dump(data: dict) -> str:
    """Write event data as SQLAlchemy's JSON type does."""
    return json.dumps(data)


class Generator:
    """Makes leads and events chunk by chunk, with one random stream."""

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)
        self.event_id = 0

    def lead(self, lead_id: int, created: datetime) -> tuple[tuple, list[tuple]]:
        """Make one lead's row and its events."""
        r = self.random
        source = r.randrange(len(SOURCES)) + 1
        owner = r.randrange(REPS) + 2  # member 1 is the manager
        after_hours = created.weekday() >= 5 or not 9 <= created.hour < 18
        events = [
            (
                "captured",
                created,
                None,
                {"channel": "api", "source_id": source, "after_hours": after_hours},
            ),
            (
                "assigned",
                created,
                None,
                {"owner_id": owner, "previous": None, "reason": "round robin"},
            ),
        ]
        state = {
            "stage": "new",
            "attempts": 0,
            "first_attempt": None,
            "first_contact": None,
            "closed": None,
            "won": None,
            "reason": None,
            "temperature": None,
        }
        at = created
        if r.random() < 0.9:
            self._work(events, state, owner, at)
        row = (
            lead_id,
            "api",
            source,
            stamp(created),
            f"Lead {lead_id}",
            f"+4915{lead_id:09d}",
            None,
            "",
            None,
            None,
            None,
            None,
            "{}",
            None,
            owner,
            stamp(created),
            state["stage"],
            state["temperature"],
            state["attempts"],
            _maybe(state["first_attempt"]),
            _maybe(state["first_contact"]),
            state["reason"],
            None,
            state["won"],
            _maybe(state["closed"]),
            after_hours,
            len(events),
        )
        return row, [self._event_row(lead_id, e) for e in events]

    def _work(self, events: list, state: dict, owner: int, at: datetime) -> None:
        r = self.random
        at += timedelta(minutes=r.lognormvariate(3.0, 1.2))
        reached = False
        for attempt in range(1, 4):
            outcome = "reached" if r.random() < 0.65 else "no_answer"
            state["attempts"] = attempt
            state["first_attempt"] = state["first_attempt"] or at
            events.append(("attempted", at, owner, {"outcome": outcome, "attempt": attempt}))
            if outcome == "reached":
                reached = True
                state["first_contact"] = at
                state["stage"] = "contacted"
                break
            at += timedelta(hours=r.choice((0.25, 2, 16)))
        if not reached:
            if r.random() < 0.6:
                self._lose(events, state, owner, at + timedelta(days=1), "unreachable")
            return
        at += timedelta(minutes=r.randint(1, 30))
        temperature = r.choices(("hot", "warm", "cold"), (3, 4, 3))[0]
        stage = "qualified" if temperature != "cold" else "contacted"
        state["temperature"], state["stage"] = temperature, stage
        events.append(
            (
                "qualified",
                at,
                owner,
                {"temperature": temperature, "previous": None, "stage": stage},
            )
        )
        if temperature == "cold":
            self._lose(events, state, owner, at, r.choice(("not_our_profile", "no_need")))
            return
        for target in ("meeting", "proposal"):
            if r.random() < 0.55:
                at += timedelta(days=r.uniform(1, 10))
                events.append(("stage_changed", at, owner, {"from": state["stage"], "to": target}))
                state["stage"] = target
            else:
                break
        roll = r.random()
        at += timedelta(days=r.uniform(1, 20))
        if (state["stage"] == "proposal" and roll < 0.45) or roll < 0.05:
            amount = r.randint(50, 5000) * 10
            events.append(("won", at, owner, {"amount": str(amount), "previous": state["stage"]}))
            state["stage"], state["won"], state["closed"] = "won", amount * 100, at
        elif roll < 0.7:
            self._lose(events, state, owner, at, r.choice(REASONS))

    def _lose(self, events: list, state: dict, owner: int, at: datetime, reason: str) -> None:
        events.append(
            ("lost", at, owner, {"reason": reason, "note": "", "previous": state["stage"]})
        )
        state["stage"], state["reason"], state["closed"] = "lost", reason, at

    def _event_row(self, lead_id: int, event: tuple) -> tuple:
        kind, at, actor, data = event
        self.event_id += 1
        return (self.event_id, lead_id, kind, stamp(at), actor, dump(data))


def _maybe(moment: datetime | None) -> str | None:
    return stamp(moment) if moment else None


LEAD_COLUMNS = (
    "id, channel, source_id, created_at, name, phone, email, message, product, region, "
    "value_cents, external_id, utm, telegram_chat_id, owner_id, assigned_at, stage, "
    "temperature, attempts, first_attempt_at, first_contact_at, loss_reason, loss_note, "
    "won_cents, closed_at, after_hours, version"
)


def seed_team(db: sqlite3.Connection) -> None:
    """Add a manager, the reps and the sources."""
    joined = stamp(END - timedelta(days=DAYS + 30))
    members = [(1, 5001, "Mira", "manager")] + [
        (i, 7000 + i, f"Rep {i - 1:02d}", "rep") for i in range(2, REPS + 2)
    ]
    db.executemany(
        "INSERT INTO members (id, telegram_id, name, role, active, paused, products, regions,"
        " weight, tier, joined_at) VALUES (?, ?, ?, ?, 1, 0, '[]', '[]', 1, 0, ?)",
        [(*m, joined) for m in members],
    )
    db.executemany(
        "INSERT INTO sources (id, name, token_hash, channel, active, created_at)"
        " VALUES (?, ?, ?, 'api', 1, ?)",
        [(i, name, f"{i:064d}", joined) for i, name in enumerate(SOURCES, 1)],
    )


def generate(path: Path, leads: int, seed: int) -> None:
    """Create the database at `path` with `leads` leads and their events."""
    if path.exists():
        raise SystemExit(f"{path} exists; remove it first.")
    path.parent.mkdir(parents=True, exist_ok=True)
    upgrade(f"sqlite+aiosqlite:///{path}")
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-200000")
    db.execute("BEGIN")
    seed_team(db)
    db.execute("COMMIT")
    maker = Generator(seed)
    step = timedelta(days=DAYS) / leads
    start = END - timedelta(days=DAYS)
    began = time.perf_counter()
    for first in range(1, leads + 1, CHUNK):
        lead_rows, event_rows = [], []
        for lead_id in range(first, min(first + CHUNK, leads + 1)):
            created = start + step * (lead_id - 1) + timedelta(seconds=maker.random.random())
            row, events = maker.lead(lead_id, created)
            lead_rows.append(row)
            event_rows.extend(events)
        db.execute("BEGIN")
        db.executemany(
            f"INSERT INTO leads ({LEAD_COLUMNS}) VALUES ({', '.join('?' * 27)})", lead_rows
        )
        db.executemany(
            "INSERT INTO events (id, lead_id, kind, at, actor_id, data) VALUES (?, ?, ?, ?, ?, ?)",
            event_rows,
        )
        db.execute("COMMIT")
        done = min(first + CHUNK - 1, leads)
        print(
            f"\r{done:,} leads, {maker.event_id:,} events, {time.perf_counter() - began:.0f} s",
            end="",
            flush=True,
        )
    db.execute("PRAGMA synchronous=FULL")
    db.execute("ANALYZE")
    db.close()
    print(f"\nDone: {path} ({path.stat().st_size / 1e6:.0f} MB)")


def main() -> None:
    """Parse the command line and generate."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args()
    generate(args.path, args.leads, args.seed)


if __name__ == "__main__":
    main()
