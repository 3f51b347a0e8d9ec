"""Tests for stall norms: a lead quiet in its stage past the norm is flagged once per stall."""

import dataclasses
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.calendar import BusinessCalendar
from core.clock import FixedClock
from core.events import EventKind
from core.leads import Channel, Inquiry, Lead
from core.notices import Notice, Template
from core.pipeline import Pipeline
from core.rules import Rules
from core.services import Action, Services, Tap
from core.team import Member
from core.timers import TimerKind
from tests.unit.conftest import NOW, Team
from tests.unit.fakes import FakeStore

BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = BusinessCalendar(BERLIN, "mon-fri 09:00-18:00")
DAY = timedelta(days=1)
STALL = TimerKind.STALL_CHECK


@pytest.fixture
def rules() -> Rules:
    """Office hours; a new lead may sit one day, a contacted one three."""
    pipeline = Pipeline.parse("new,contacted", "new=1,contacted=3")
    return Rules(calendar=OFFICE, pipeline=pipeline, stall_alerts=True)


async def new_lead(services: Services, store: FakeStore) -> Lead:
    inquiry = Inquiry(Channel.API, name="Olga", phone="+79161234567")
    return store.lead((await services.capture(inquiry)).lead_id)


def press(member: Member, lead: Lead, action: Action, argument: str = "") -> Tap:
    return Tap(member.telegram_id, lead.id, action, lead.version, member.chat_id, 500, argument)


def stall_alerts(store: FakeStore) -> list[Notice]:
    alerts = [n for n in store.notices if n.template is Template.STALL_ALERT]
    return [dataclasses.replace(n, id=None) for n in alerts]


def test_stall_norms_are_the_pipelines_stage_norms_in_days() -> None:
    rules = Rules(pipeline=Pipeline())

    assert rules.stall_norms == {
        "contacted": 3 * DAY,
        "qualified": 7 * DAY,
        "meeting": 7 * DAY,
        "proposal": 14 * DAY,
    }


async def test_new_lead_gets_a_stall_check_when_its_norm_would_run_out(
    services: Services, store: FakeStore, team: Team
) -> None:
    lead = await new_lead(services, store)

    assert (STALL, NOW + DAY) in store.pending_timers(lead.id)


async def test_lead_nobody_touches_is_flagged_to_managers_once(
    services: Services, store: FakeStore, team: Team, clock: FixedClock
) -> None:
    lead = await new_lead(services, store)
    clock.advance(DAY)
    await services.fire_due_timers()
    clock.advance(3 * DAY)
    await services.fire_due_timers()

    assert stall_alerts(store) == [
        Notice(
            team.maria.chat_id,
            Template.STALL_ALERT,
            lead.id,
            {"for": "managers", "stage": "new", "quiet_since": NOW.isoformat(), "days": 1.0},
        )
    ]
    assert store.kinds_of(lead.id).count(EventKind.STALLED) == 1


async def test_stall_that_runs_out_at_night_is_flagged_at_the_next_opening(
    services: Services, store: FakeStore, team: Team, clock: FixedClock
) -> None:
    clock.set(datetime(2026, 12, 3, 20, 0, tzinfo=BERLIN))  # Thursday evening

    lead = await new_lead(services, store)

    assert (STALL, datetime(2026, 12, 7, 9, 0, tzinfo=BERLIN)) in store.pending_timers(lead.id)


async def test_activity_pushes_the_stall_back(
    services: Services, store: FakeStore, team: Team, clock: FixedClock
) -> None:
    lead = await new_lead(services, store)
    clock.advance(DAY / 2)
    await services.tap(press(team.anna, lead, Action.REACHED))
    clock.advance(DAY / 2)

    await services.fire_due_timers()

    # Reached on Wednesday night: three quiet days end on Saturday, so Monday's opening.
    monday = datetime(2026, 12, 7, 9, 0, tzinfo=BERLIN)
    assert stall_alerts(store) == []
    assert (STALL, monday) in store.pending_timers(lead.id)


async def test_tap_on_a_stalled_lead_ends_the_stall_and_a_later_one_is_flagged_again(
    services: Services, store: FakeStore, team: Team, clock: FixedClock
) -> None:
    lead = await new_lead(services, store)
    clock.advance(DAY)
    await services.fire_due_timers()

    await services.tap(press(team.anna, store.lead(lead.id), Action.REACHED))
    clock.advance(4 * DAY)  # Thursday to Monday: three quiet days, and the weekend
    await services.fire_due_timers()

    kinds = [k for k in store.kinds_of(lead.id) if k.value.startswith("stall")]
    assert kinds == [EventKind.STALLED, EventKind.STALL_CLEARED, EventKind.STALLED]
    assert [n.data["stage"] for n in stall_alerts(store)] == ["new", "contacted"]


async def test_closed_lead_is_never_flagged(
    services: Services, store: FakeStore, team: Team, clock: FixedClock
) -> None:
    lead = await new_lead(services, store)
    await services.tap(press(team.anna, lead, Action.LOSS_REASON, "spam"))
    clock.advance(10 * DAY)

    await services.fire_due_timers()

    assert stall_alerts(store) == []
    assert not [t for t in store.pending_timers(lead.id) if t[0] is STALL]


async def test_stage_without_a_norm_is_looked_at_again_daily(
    store: FakeStore, team: Team, clock: FixedClock
) -> None:
    rules = Rules(calendar=OFFICE, pipeline=Pipeline(), stall_alerts=True)
    services = Services(store.uow, clock, rules)

    lead = await new_lead(services, store)

    assert (STALL, NOW + DAY) in store.pending_timers(lead.id)
