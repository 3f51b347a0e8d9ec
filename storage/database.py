"""Engines for SQLite and PostgreSQL, set up for many short write transactions.

SQLite runs in WAL mode with a busy timeout, and every write transaction starts with
BEGIN IMMEDIATE, so it takes the write lock at once: two writers queue on the lock
instead of one failing with "database is locked" when it tries to upgrade a read.
Read-only units of work start a plain deferred transaction and never block writers.
"""

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

READONLY = "leadline_readonly"
BUSY_TIMEOUT_MS = 30_000


def normalise_url(url: str) -> str:
    """Pick the async driver when a URL names only the database kind."""
    parsed = make_url(url)
    drivers = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}
    if parsed.drivername in drivers:
        parsed = parsed.set(drivername=drivers[parsed.drivername])
    if parsed.drivername == "postgres":
        parsed = parsed.set(drivername="postgresql+asyncpg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """Create an async engine for a database URL, with SQLite tuned for concurrency."""
    engine = create_async_engine(normalise_url(url), **kwargs)
    if engine.dialect.name == "sqlite":
        _tune_sqlite(engine)
    return engine


def _tune_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver so "begin" below decides.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(connection: Any) -> None:
        readonly = connection.get_execution_options().get(READONLY, False)
        connection.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")


def session_factories(engine: AsyncEngine) -> tuple[async_sessionmaker, async_sessionmaker]:
    """Return session makers for write and for read-only transactions."""
    writer = async_sessionmaker(engine, expire_on_commit=False)
    reader = async_sessionmaker(
        engine.execution_options(**{READONLY: True}), expire_on_commit=False
    )
    return writer, reader
