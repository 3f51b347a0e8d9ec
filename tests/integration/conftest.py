"""Fixtures for storage, API and bot tests on real databases.

Every test that takes `database_url` runs on SQLite (a fresh file) and, when
LEADLINE_TEST_POSTGRES_URL names a server, on PostgreSQL too (a fresh schema in a
database of its own, created for the test session and dropped after it).
"""

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from core.clock import FixedClock
from core.rules import Rules
from core.services import Services
from storage.database import make_engine, normalise_url, session_factories
from storage.migrate import upgrade_async
from storage.unit_of_work import Signals, uow_factory

POSTGRES_ENV = "LEADLINE_TEST_POSTGRES_URL"


def _admin_url() -> str | None:
    url = os.environ.get(POSTGRES_ENV)
    return normalise_url(url) if url else None


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A database of this test session's own on the PostgreSQL server, dropped at the end."""
    admin = _admin_url()
    if admin is None:
        pytest.skip(
            f"PostgreSQL tests need {POSTGRES_ENV} (e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/test)"
        )
    name = f"leadline_test_{uuid.uuid4().hex[:10]}"

    async def execute(statement: str) -> None:
        engine = create_async_engine(admin, isolation_level="AUTOCOMMIT")
        async with engine.connect() as connection:
            await connection.execute(text(statement))
        await engine.dispose()

    def run_aside(statement: str) -> None:
        # The first user of this fixture may be inside a running event loop.
        with ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(asyncio.run, execute(statement)).result()

    run_aside(f'CREATE DATABASE "{name}"')
    yield make_url(admin).set(database=name).render_as_string(hide_password=False)
    run_aside(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _reset_postgres(url: str) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database: SQLite, then PostgreSQL when one is configured."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'leadline.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
        await _reset_postgres(url)
    await upgrade_async(url)
    return url


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on the test database."""
    engine = make_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def clock() -> FixedClock:
    """A clock that moves only when the test moves it."""
    return FixedClock(datetime(2026, 12, 2, 10, 0, tzinfo=UTC))


@pytest.fixture
def signals() -> Signals:
    """The after-commit callbacks, empty until a test listens."""
    return Signals()


@pytest.fixture
def services(engine: AsyncEngine, clock: FixedClock, signals: Signals) -> Services:
    """The use cases on real storage."""
    writer, _ = session_factories(engine)
    return Services(uow_factory(writer, signals), clock, Rules())
