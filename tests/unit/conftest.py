"""Fixtures for core's unit tests: a fake clock, an in-memory store and the use cases on them."""

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from core.clock import FixedClock
from core.rules import Rules
from core.services import Services
from core.team import Member, Role
from tests.unit.fakes import FakeStore

# A Wednesday, mid-morning; the default rules keep a 24/7 calendar in UTC.
NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)

Hire = Callable[..., Member]


@dataclass(frozen=True)
class Team:
    """A manager and two reps, hired in this order."""

    maria: Member
    anna: Member
    boris: Member


@pytest.fixture
def clock() -> FixedClock:
    """Give a clock that stands at NOW until a test moves it."""
    return FixedClock(NOW)


@pytest.fixture
def store() -> FakeStore:
    """Give an empty in-memory store."""
    return FakeStore()


@pytest.fixture
def rules() -> Rules:
    """Give the default rules: 24/7, a 15-minute norm, a nudge at two thirds, round robin."""
    return Rules()


@pytest.fixture
def services(store: FakeStore, clock: FixedClock, rules: Rules) -> Services:
    """Give the use cases over the fake store, the fake clock and the rules."""
    return Services(store.uow, clock, rules)


@pytest.fixture
def hire(store: FakeStore, clock: FixedClock) -> Hire:
    """Give a function that puts a member on the team and returns them with their id.

    Telegram ids (and so chat ids) count from 7001, apart from member ids, so a test that
    mixes the two up fails.
    """
    telegram_ids = itertools.count(7001)

    def hire(name: str, role: Role = Role.REP, **fields: Any) -> Member:
        member = Member(next(telegram_ids), name, role, joined_at=clock.now(), **fields)
        return store.add_member(member)

    return hire


@pytest.fixture
def team(hire: Hire) -> Team:
    """Give a team of one manager, Maria, and two reps, Anna and Boris."""
    return Team(maria=hire("Maria", Role.MANAGER), anna=hire("Anna"), boris=hire("Boris"))
