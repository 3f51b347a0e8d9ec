"""Tests for the routines the calendar drives: each rep's queue at an opening, the digest."""

import dataclasses
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.calendar import BusinessCalendar, ScheduleError
from core.clock import FixedClock
from core.errors import MemberNotFound
from core.leads import Channel, Inquiry, Lead
from core.notices import Notice, Template
from core.queue import morning_rank
from core.routines import next_digest
from core.rules import Rules
from core.services import Action, Services, Tap
from core.team import Role
from core.timers import TimerKind
from tests.unit.conftest import Hire, Team
from tests.unit.fakes import FakeStore

BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = BusinessCalendar(BERLIN, "mon-fri 09:00-18:00", holidays={date(2026, 12, 25)})
MINUTE = timedelta(minutes=1)
WEDNESDAY_NOON = datetime(2026, 12, 2, 12, 0, tzinfo=BERLIN)
THURSDAY_OPENING = datetime(2026, 12, 3, 9, 0, tzinfo=BERLIN)


@pytest.fixture
def rules() -> Rules:
    """Office hours in Berlin and a digest at 08:30."""
    return Rules(calendar=OFFICE, digest_at=time(8, 30))


async def new_lead(services: Services, store: FakeStore, phone: str, name: str = "") -> Lead:
    inquiry = Inquiry(Channel.API, name=name or phone, phone=phone)
    return store.lead((await services.capture(inquiry)).lead_id)


def queues(store: FakeStore) -> list[Notice]:
    kept = [n for n in store.notices if n.template is Template.MORNING_QUEUE]
    return [dataclasses.replace(n, id=None) for n in kept]


def team_timers(store: FakeStore) -> list[tuple[TimerKind, datetime]]:
    return [
        (row.timer.kind, row.timer.due_at)
        for row in store.timers
        if row.timer.lead_id is None and row.status == "pending"
    ]


async def test_routines_are_armed_once_for_the_next_opening_and_digest(
    services: Services, store: FakeStore, clock: FixedClock
) -> None:
    clock.set(WEDNESDAY_NOON)

    await services.ensure_routines()
    await services.ensure_routines()

    assert team_timers(store) == [
        (TimerKind.OPENING, THURSDAY_OPENING),
        (TimerKind.DIGEST, datetime(2026, 12, 3, 8, 30, tzinfo=BERLIN)),
    ]


async def test_a_calendar_that_never_closes_has_no_openings(
    store: FakeStore, clock: FixedClock
) -> None:
    services = Services(store.uow, clock, Rules())

    await services.ensure_routines()

    assert team_timers(store) == []


async def test_at_the_opening_each_rep_gets_a_queue_naming_the_leads_that_came_in_closed(
    services: Services, store: FakeStore, team: Team, clock: FixedClock
) -> None:
    clock.set(WEDNESDAY_NOON)
    await services.ensure_routines()
    day_lead = await new_lead(services, store, "+79160000001")  # Anna, untouched all day
    clock.set(datetime(2026, 12, 2, 21, 0, tzinfo=BERLIN))
    boris_night = await new_lead(services, store, "+79160000002")  # Boris
    night_lead = await new_lead(services, store, "+79160000003")  # Anna
    clock.set(THURSDAY_OPENING)

    await services.fire_due_timers()

    opened = THURSDAY_OPENING.isoformat()
    assert queues(store) == [
        Notice(
            team.anna.chat_id,
            Template.MORNING_QUEUE,
            None,
            {"member_id": team.anna.id, "opened_at": opened, "first": [night_lead.id]},
        ),
        Notice(
            team.boris.chat_id,
            Template.MORNING_QUEUE,
            None,
            {"member_id": team.boris.id, "opened_at": opened, "first": [boris_night.id]},
        ),
    ]
    assert day_lead.id not in queues(store)[0].data["first"]
    assert (TimerKind.OPENING, datetime(2026, 12, 4, 9, 0, tzinfo=BERLIN)) in team_timers(store)


async def test_a_lead_already_tried_is_not_in_the_queue(
    services: Services, store: FakeStore, team: Team, clock: FixedClock
) -> None:
    clock.set(datetime(2026, 12, 2, 21, 0, tzinfo=BERLIN))
    await services.ensure_routines()
    lead = await new_lead(services, store, "+79160000001")
    await services.tap(
        Tap(team.anna.telegram_id, lead.id, Action.NO_ANSWER, lead.version, team.anna.chat_id, 1)
    )
    clock.set(THURSDAY_OPENING)

    await services.fire_due_timers()

    assert [n.data["first"] for n in queues(store)] == [[], []]


async def test_rep_with_their_own_shift_gets_the_queue_when_the_shift_starts(
    services: Services, store: FakeStore, hire: Hire, clock: FixedClock
) -> None:
    hire("Maria", Role.MANAGER)
    lena = hire("Lena", shift="mon-fri 12:00-20:00")
    egor = hire("Egor")
    clock.set(datetime(2026, 12, 2, 21, 0, tzinfo=BERLIN))
    await services.ensure_routines()

    clock.set(THURSDAY_OPENING)
    await services.fire_due_timers()
    at_nine = [n.chat_id for n in queues(store)]
    clock.set(datetime(2026, 12, 3, 12, 0, tzinfo=BERLIN))
    await services.fire_due_timers()

    assert at_nine == [egor.chat_id]
    assert [n.chat_id for n in queues(store)] == [egor.chat_id, lena.chat_id]


async def test_opening_missed_while_down_sends_one_queue_and_arms_the_next_after_now(
    services: Services, store: FakeStore, team: Team, clock: FixedClock
) -> None:
    clock.set(WEDNESDAY_NOON)
    await services.ensure_routines()
    clock.set(datetime(2026, 12, 8, 10, 0, tzinfo=BERLIN))  # back on Tuesday, five days on

    await services.fire_due_timers()

    assert [n.chat_id for n in queues(store)] == [team.anna.chat_id, team.boris.chat_id]
    assert (TimerKind.OPENING, datetime(2026, 12, 9, 9, 0, tzinfo=BERLIN)) in team_timers(store)


async def test_setting_a_shift_arms_its_opening_and_a_bad_one_is_refused(
    services: Services, store: FakeStore, team: Team, clock: FixedClock
) -> None:
    clock.set(datetime(2026, 12, 2, 19, 0, tzinfo=BERLIN))
    await services.ensure_routines()

    member = await services.set_shift(team.anna.telegram_id, "mon-fri 07:00-15:00")

    assert member.shift == "mon-fri 07:00-15:00"
    assert (TimerKind.OPENING, datetime(2026, 12, 3, 7, 0, tzinfo=BERLIN)) in team_timers(store)
    with pytest.raises(ScheduleError):
        await services.set_shift(team.anna.telegram_id, "mornings")
    with pytest.raises(MemberNotFound):
        await services.set_shift(1, "mon 09:00-10:00")


# -- the daily digest ------------------------------------------------------------------------


async def test_digest_tells_managers_about_yesterday(
    services: Services, store: FakeStore, team: Team, clock: FixedClock, hire: Hire
) -> None:
    clock.set(datetime(2026, 12, 1, 20, 0, tzinfo=BERLIN))  # Tuesday night
    night = await new_lead(services, store, "+79160000001")  # Anna
    await services.ensure_routines()
    clock.set(datetime(2026, 12, 2, 9, 0, tzinfo=BERLIN))
    await services.fire_due_timers()  # Tuesday's digest, with the night lead
    clock.set(datetime(2026, 12, 2, 10, 0, tzinfo=BERLIN))
    await services.fire_due_timers()  # the night lead broke its norm at 09:15
    quick = await new_lead(services, store, "+79160000002")  # Boris, tried after 4 min
    clock.advance(4 * MINUTE)
    await services.tap(
        Tap(team.boris.telegram_id, quick.id, Action.NO_ANSWER, 1, team.boris.chat_id, 1)
    )
    store.save_member(dataclasses.replace(team.anna, paused=True))
    store.save_member(dataclasses.replace(team.boris, paused=True))
    await new_lead(services, store, "+79160000003")  # nobody can take it
    clock.set(datetime(2026, 12, 3, 8, 30, tzinfo=BERLIN))

    await services.fire_due_timers()

    digests = [n for n in store.notices if n.template is Template.DIGEST]
    assert [n.chat_id for n in digests] == [team.maria.chat_id] * 2
    assert digests[-1].data == {
        "day": "2026-12-02",
        "leads": 2,
        "after_hours": 0,
        "answered": 1,
        "reps": [
            {"name": "Anna", "leads": 0, "answered": 0, "median_minutes": None, "breaches": 1},
            {"name": "Boris", "leads": 1, "answered": 1, "median_minutes": 4.0, "breaches": 0},
        ],
        "breaches": 1,
        "stalls": 0,
        "unassigned": 1,
    }
    assert night.after_hours


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (datetime(2026, 3, 28, 12, 0, tzinfo=BERLIN), datetime(2026, 3, 29, 8, 30, tzinfo=BERLIN)),
        (datetime(2026, 3, 29, 8, 30, tzinfo=BERLIN), datetime(2026, 3, 30, 8, 30, tzinfo=BERLIN)),
        (datetime(2026, 10, 25, 5, 0, tzinfo=UTC), datetime(2026, 10, 25, 8, 30, tzinfo=BERLIN)),
    ],
)
def test_digest_keeps_its_local_time_across_daylight_saving_changes(
    after: datetime, expected: datetime
) -> None:
    assert next_digest(after, time(8, 30), BERLIN) == expected


async def test_a_lead_still_waiting_for_an_owner_is_offered_again_at_the_opening(
    services: Services, store: FakeStore, team: Team, clock: FixedClock
) -> None:
    clock.set(datetime(2026, 12, 2, 21, 0, tzinfo=BERLIN))
    await services.ensure_routines()
    for rep in (team.anna, team.boris):
        store.save_member(dataclasses.replace(rep, paused=True))
    waiting = await new_lead(services, store, "+79160000001")
    store.save_member(team.anna)  # back, without anything telling routing so
    clock.set(THURSDAY_OPENING)

    await services.fire_due_timers()

    assert waiting.owner_id is None
    assert store.lead(waiting.id).owner_id == team.anna.id
    assert queues(store)[0].data["first"] == [waiting.id]


def test_the_queue_at_an_opening_puts_night_leads_first_then_what_is_due() -> None:
    def lead(lead_id: int, hours_ago: int, **fields: object) -> Lead:
        created = THURSDAY_OPENING - timedelta(hours=hours_ago)
        return Lead(Channel.API, created, id=lead_id, **fields)  # type: ignore[arg-type]

    reached = datetime(2026, 12, 2, 12, 0, tzinfo=BERLIN)
    leads = [
        lead(1, 30),  # came in yesterday during hours, still untouched
        lead(2, 2),  # came in at night
        lead(3, 10),  # came in in the evening
        lead(4, 40, first_attempt_at=reached, retry_at=THURSDAY_OPENING - MINUTE),
    ]

    ranked = morning_rank(leads, THURSDAY_OPENING, came_in_closed=[2, 3])

    assert [entry.lead.id for entry in ranked] == [3, 2, 4, 1]
